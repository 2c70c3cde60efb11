"""Uploads and their rows in the portal's own database (tables uploads, upload_rows).

An upload is saved at submit with every row and its verdict, and the plan: the assets
to apply, in order. Applying claims the next asset with a compare-and-set on the
upload's `cursor`, so two requests (a slow tick and the next one, two browser tabs,
two gunicorn workers) never apply the same asset twice; each asset's rows then get
their outcome. The recent uploads list reads the counts kept on the upload row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, func, insert, select, update

from portal.errors import NotFound
from portal.review.batch.check import Checked
from portal.store.protocol import UNSET
from portal.store.sql.api_tables import upload_rows, uploads
from portal.store.sql.engine import begin_write

APPLIED, NOT_APPLIED = "applied", "not applied"


@dataclass(frozen=True)
class Upload:
    """One upload: who, when, the file, its counts and where applying stands."""

    id: int
    user_name: str
    user_display: str
    filename: str
    created_at: datetime
    finished_at: datetime | None
    state: str  # applying | done
    n_rows: int
    n_valid: int
    n_errors: int
    n_applied: int
    n_failed: int
    cursor: int
    plan: list[str]

    @property
    def done(self) -> bool:
        """True once every planned asset was tried."""
        return self.state == "done"

    @property
    def progress(self) -> float:
        """The share of planned assets tried, 0..1."""
        return 1.0 if not self.plan else min(1.0, self.cursor / len(self.plan))


@dataclass(frozen=True)
class UploadRow:
    """A row of an upload as kept: what it asked, its verdict, and what happened."""

    row_no: int
    asset: str
    metric: str
    status: str | None
    value_text: str | None
    comment: str | None
    error: str | None
    outcome: str | None  # applied | not applied | None (not tried yet)
    message: str | None


class UploadStore:
    """Save, claim, record and list uploads."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def save(self, user, filename: str, checked: Checked) -> Upload:
        """Record a submitted upload: its rows (invalid ones already "not applied") and its plan."""
        now = datetime.now(UTC)
        with begin_write(self.engine) as connection:
            upload_id = connection.execute(insert(uploads).values(
                user_name=user.name, user_display=user.display_name, filename=(filename or "upload")[:300],
                created_at=now, state="applying" if checked.plan else "done", finished_at=None if checked.plan
                else now, n_rows=len(checked.rows), n_valid=checked.n_valid, n_errors=checked.n_errors, n_applied=0,
                n_failed=checked.n_errors, cursor=0, plan=checked.plan,
            )).inserted_primary_key[0]
            connection.execute(insert(upload_rows), [{
                "upload_id": upload_id, "row_no": row.row_no, "asset": row.asset, "metric": row.metric,
                "status": row.status or (row.status_text[:20] or None),
                "value": None if row.value is UNSET else {"v": row.value},
                "value_text": row.value_text or None, "comment": row.comment, "error": row.error,
                "outcome": None if row.valid else NOT_APPLIED, "message": row.error,
                "asset_id": row.asset_id, "metric_key": row.metric_key,
            } for row in checked.rows])
        return self.get(upload_id)

    def get(self, upload_id: int) -> Upload:
        """An upload by id; NotFound otherwise."""
        with self.engine.connect() as connection:
            row = connection.execute(select(uploads).where(uploads.c.id == upload_id)).first()
        if row is None:
            raise NotFound(f"no upload {upload_id}")
        return _upload(row)

    def rows(self, upload_id: int) -> list[UploadRow]:
        """The rows of an upload in file order."""
        with self.engine.connect() as connection:
            found = connection.execute(select(upload_rows).where(upload_rows.c.upload_id == upload_id)
                                       .order_by(upload_rows.c.row_no)).all()
        return [UploadRow(r.row_no, r.asset, r.metric, r.status, r.value_text, r.comment, r.error, r.outcome,
                          r.message) for r in found]

    def claim(self, upload: Upload) -> str | None:
        """The next planned asset id, claimed for this caller (None when none is left)."""
        cursor = upload.cursor
        while cursor < len(upload.plan):
            with begin_write(self.engine) as connection:
                won = connection.execute(update(uploads).where(uploads.c.id == upload.id, uploads.c.cursor == cursor)
                                         .values(cursor=cursor + 1)).rowcount == 1
                if won:
                    return upload.plan[cursor]
                cursor = connection.execute(select(uploads.c.cursor).where(uploads.c.id == upload.id)).scalar_one()
        return None

    def edits(self, upload_id: int, asset_id: str) -> list[dict[str, Any]]:
        """The valid rows of one planned asset, as stored (row_no, metric, key, status, value, comment)."""
        with self.engine.connect() as connection:
            found = connection.execute(select(upload_rows).where(
                upload_rows.c.upload_id == upload_id, upload_rows.c.asset_id == asset_id,
                upload_rows.c.error.is_(None)).order_by(upload_rows.c.row_no)).all()
        return [{"row_no": r.row_no, "metric": r.metric, "key": r.metric_key, "status": r.status, "value": r.value,
                 "comment": r.comment} for r in found]

    def record(self, upload_id: int, asset_id: str, *, applied: bool, message: str | None) -> None:
        """The outcome of one asset's valid rows; finishes the upload after its last asset."""
        with begin_write(self.engine) as connection:
            done = connection.execute(update(upload_rows).where(
                upload_rows.c.upload_id == upload_id, upload_rows.c.asset_id == asset_id,
                upload_rows.c.error.is_(None)).values(outcome=APPLIED if applied else NOT_APPLIED, message=message))
            counter = uploads.c.n_applied if applied else uploads.c.n_failed
            connection.execute(update(uploads).where(uploads.c.id == upload_id)
                               .values({counter.name: counter + done.rowcount}))
            pending = connection.execute(select(func.count()).select_from(upload_rows).where(
                upload_rows.c.upload_id == upload_id, upload_rows.c.outcome.is_(None))).scalar_one()
            if pending == 0:
                connection.execute(update(uploads).where(uploads.c.id == upload_id, uploads.c.state != "done")
                                   .values(state="done", finished_at=datetime.now(UTC)))

    def recent(self, limit: int = 20) -> list[Upload]:
        """The newest uploads, everyone's."""
        with self.engine.connect() as connection:
            found = connection.execute(select(uploads).order_by(uploads.c.id.desc()).limit(limit)).all()
        return [_upload(row) for row in found]


def _upload(row) -> Upload:
    return Upload(row.id, row.user_name, row.user_display, row.filename, row.created_at, row.finished_at, row.state,
                  row.n_rows, row.n_valid, row.n_errors, row.n_applied, row.n_failed, row.cursor, list(row.plan))
