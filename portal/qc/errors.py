"""The error raised for a `quality_control` document that cannot be read.

Its own module so that the field parsers (`fields.py`) and the layout normalisers
(`normalize.py`) raise the same type without importing each other; it stays
importable from `portal.qc` and `portal.qc.normalize`.
"""


class QCReadError(ValueError):
    """A quality_control document that cannot be read.

    The message is meant for the user: one line naming the metric and field at fault.
    """
