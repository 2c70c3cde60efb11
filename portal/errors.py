"""One error type for the problems a user is expected to understand and fix."""

from __future__ import annotations


class PortalError(Exception):
    """An expected problem, shown to the user as `message` (never with a traceback).

    `title` is a short heading for the UI; `status` is the HTTP status the REST layer
    answers with.
    """

    status = 400
    title = "Error"

    def __init__(self, message: str, *, title: str | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        if title is not None:
            self.title = title
        if status is not None:
            self.status = status

    def __str__(self) -> str:
        return self.message


class NotFound(PortalError):
    """The asset (or other object) asked for does not exist."""

    status = 404
    title = "Not found"


class StoreUnavailable(PortalError):
    """The store did not answer (database down, unreachable URL, timeout)."""

    status = 503
    title = "Store unavailable"


class Forbidden(PortalError):
    """The user may not do this."""

    status = 403
    title = "Forbidden"


class InvalidInput(PortalError):
    """The input is malformed or fails validation."""

    status = 422
    title = "Invalid input"


class Conflict(PortalError):
    """The request contradicts the state of what it names (deleted already, a name taken, ...)."""

    status = 409
    title = "Conflict"


class ConfigError(PortalError):
    """A setting is missing or invalid; raised at start."""

    title = "Configuration error"


class TooLarge(PortalError):
    """The request or document exceeds a configured bound (size, count)."""

    status = 413
    title = "Too large"


class Unsupported(PortalError):
    """What this store cannot answer (e.g. metric distributions on DocDB): a 501 saying so."""

    status = 501
    title = "Not Implemented"
