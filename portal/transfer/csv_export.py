"""CSV export of the overview's filtered asset list, streamed (GET /export/assets.csv).

The route takes the overview's URL keys (portal.views.filters_url) and streams every matching
row from `store.iter_assets` in batches: memory stays flat whatever the count. The
columns are the grid's fields.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from flask import Flask, Response, jsonify, request, stream_with_context

from portal.errors import PortalError
from portal.store.protocol import AssetQuery, AssetRow, AssetStore, Sort
from portal.views.filters_url import EXPORT_PATH, parse_query

COLUMNS = (
    "name", "project", "subject_id", "modalities", "acquired", "level", "status", "modality_status",
    "pending", "fail", "total", "last_review_by", "last_review_at", "source",
)
ROUTE = EXPORT_PATH
_ROWS_PER_CHUNK = 500
# Spreadsheets run cells starting with these as formulas: such text is written with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_record(row: AssetRow) -> list:
    """One CSV line's values for a row, in COLUMNS order."""
    return [
        _text(row.name),
        _text(row.project),
        _text(row.subject_id),
        " ".join(row.modalities),
        row.acquired.isoformat() if row.acquired else "",
        row.level or "",
        row.status,
        "; ".join(f"{m}: {s}" for m, s in sorted(row.modality_status.items())),
        row.pending,
        row.failed,
        row.total,
        _text(row.last_review_by),
        row.last_review_at.isoformat() if row.last_review_at else "",
        _text(row.source),
    ]


def csv_chunks(rows: Iterable[AssetRow]) -> Iterator[str]:
    """The header line, then the rows, a few hundred lines per chunk."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for n, row in enumerate(rows, start=1):
        writer.writerow(csv_record(row))
        if n % _ROWS_PER_CHUNK == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_response(store: AssetStore, query: AssetQuery) -> Response:
    """A streamed CSV response of every asset matching `query`, newest first."""
    rows = iter(store.iter_assets(query, Sort("acquired", True)))
    chunks = csv_chunks(rows)
    first = next(chunks)  # runs the query now, so a store that is down is a 503, not a cut stream

    def stream() -> Iterator[str]:
        yield first
        yield from chunks

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return Response(
        stream_with_context(stream()),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="qc-assets-{stamp}.csv"',
                 "Cache-Control": "no-store"},
    )


def init_export(server: Flask) -> None:
    """Add the CSV export route to `server`."""
    from portal.accounts.auth import require
    from portal.context import current_portal

    @server.get(ROUTE)
    def export_assets():
        parsed = parse_query({key: request.args.getlist(key) for key in request.args})
        try:
            require("view")
            return export_response(current_portal().store, parsed.query)
        except PortalError as exc:
            return jsonify(error=exc.title, message=exc.message), exc.status
