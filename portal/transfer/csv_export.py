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
from itertools import islice

from flask import Flask, Response, jsonify, request, stream_with_context

from portal.errors import PortalError
from portal.store.protocol import AssetQuery, AssetRow, AssetStore, Sort
from portal.views.filters_url import EXPORT_PATH, parse_query

COLUMNS = (
    "name", "project", "subject_id", "modalities", "acquired", "level", "status", "modality_status",
    "pending", "fail", "total", "last_review_by", "last_review_at", "source", "fail_reasons",
)
ROUTE = EXPORT_PATH
_ROWS_PER_CHUNK = 500
# Spreadsheets run cells starting with these as formulas: such text is written with a quote.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _text(value: str | None) -> str:
    if not value:
        return ""
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_record(row: AssetRow, fail_reasons: str = "") -> list:
    """One CSV line's values for a row, in COLUMNS order (`fail_reasons`: "reason (n); ..." of its Fail entries)."""
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
        _text(fail_reasons),
    ]


def csv_chunks(rows: Iterable[AssetRow], reasons_for=None) -> Iterator[str]:
    """The header line, then the rows, a few hundred lines per chunk. `reasons_for(ids)` answers
    {asset id: [(reason, n)]} for a chunk's assets (one query per chunk; None: no reasons)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    iterator = iter(rows)
    while chunk := list(islice(iterator, _ROWS_PER_CHUNK)):
        found = reasons_for([row.id for row in chunk]) if reasons_for else {}
        for row in chunk:
            writer.writerow(csv_record(row, "; ".join(f"{r} ({n})" for r, n in found.get(row.id, ()))))
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():  # no rows: the header alone
        yield buffer.getvalue()


def export_response(store: AssetStore, query: AssetQuery) -> Response:
    """A streamed CSV response of every asset matching `query`, newest first."""
    rows = iter(store.iter_assets(query, Sort("acquired", True)))
    from portal.review.reasons import reasons_by_asset

    chunks = csv_chunks(rows, lambda ids: reasons_by_asset(store, ids))
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
