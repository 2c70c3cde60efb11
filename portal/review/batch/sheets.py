"""Reading an upload (CSV or XLSX) into rows, and the templates to fill in.

Columns are found by their header (any order, any case): `asset` and `metric` are
required, `status`, `value` and `comment` optional; `modality`, `stage`, `tags`
(`k=v;k=v`) and `occurrence` tell apart metrics that share a name (per probe, per
plane, ...) and may be left empty otherwise; other columns are ignored. Rows
whose cells are all empty are skipped. Row numbers are the spreadsheet's own (the
header is row 1), so a user finds the row a verdict talks about.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

from portal.errors import InvalidInput

COLUMNS = ("asset", "metric", "status", "value", "comment", "modality", "stage", "tags", "occurrence")
REQUIRED = ("asset", "metric")
MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024
_EXAMPLE = [
    ("ecephys_123456_2025-01-01_10-00-00", "probe A drift", "Fail", "12.5", "drifts after 10 minutes",
     "", "", "", ""),
    ("ecephys_123456_2025-01-01_10-00-00", "noise level", "Pass", "", "", "", "", "", ""),
    # Metrics sharing a name: say which one (any of these columns; occurrence for exact twins).
    ("ecephys_123456_2025-01-01_10-00-00", "Drift", "Pass", "", "one row per probe", "ecephys", "Raw data",
     "probe=ProbeB", ""),
]


@dataclass(frozen=True)
class SheetRow:
    """One row as read: texts (or, from XLSX, typed cells for `value`)."""

    row_no: int
    asset: str
    metric: str
    status: str
    value: Any  # "" when empty
    comment: str
    modality: str = ""
    stage: str = ""
    tags: str = ""  # "k=v;k=v"
    occurrence: str = ""


def read_upload(filename: str, content: bytes) -> list[SheetRow]:
    """The rows of a CSV or XLSX upload (by its extension); InvalidInput when it cannot be read."""
    if len(content) > MAX_BYTES:
        raise InvalidInput(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB")
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _xlsx_rows(content)
    elif name.endswith((".csv", ".txt")):
        table = _csv_rows(content)
    else:
        raise InvalidInput("upload a .csv or .xlsx file (download a template to start from)")
    return _rows(table)


def _csv_rows(content: bytes) -> list[list[Any]]:
    try:
        text = content.decode("utf-8-sig")  # Excel writes a BOM
    except UnicodeDecodeError:
        try:
            text = content.decode("cp1252")  # Excel's "CSV" on Windows
        except UnicodeDecodeError:
            raise InvalidInput("the CSV file is not UTF-8 text") from None
    # The header names the columns and nothing else: its separator is the file's (Excel writes ";"
    # in some locales). Sniffing the whole text would be fooled by ";" inside comments.
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    try:
        return list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise InvalidInput(f"the CSV file cannot be read: {exc}") from None


def _xlsx_rows(content: bytes) -> list[list[Any]]:
    from zipfile import BadZipFile

    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise InvalidInput(f"the XLSX file cannot be read: {str(exc).splitlines()[0][:200]}") from None
    try:
        sheet = book.worksheets[0]
        rows = []
        for row in sheet.iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) > MAX_ROWS + 1:
                break
        return rows
    finally:
        book.close()


def _cell(value: Any) -> str:
    if value is None:
        return ""
    return str(value).strip()


def _rows(table: list[list[Any]]) -> list[SheetRow]:
    if not table:
        raise InvalidInput("the file is empty")
    header = [_cell(cell).lower() for cell in table[0]]
    missing = [column for column in REQUIRED if column not in header]
    if missing:
        raise InvalidInput(f"the first row must name the columns ({', '.join(COLUMNS)}); missing: "
                           f"{', '.join(missing)}")
    where = {column: header.index(column) for column in COLUMNS if column in header}
    rows = []
    for number, cells in enumerate(table[1:], start=2):
        def get(column: str, cells=cells) -> Any:
            index = where.get(column)
            return cells[index] if index is not None and index < len(cells) else None

        if all(_cell(cell) == "" for cell in cells):
            continue
        value = get("value")
        rows.append(SheetRow(number, _cell(get("asset")), _cell(get("metric")), _cell(get("status")),
                             value.strip() if isinstance(value, str) else ("" if value is None else value),
                             _cell(get("comment")), _cell(get("modality")), _cell(get("stage")),
                             _cell(get("tags")), _cell(get("occurrence"))))
        if len(rows) > MAX_ROWS:
            raise InvalidInput(f"at most {MAX_ROWS} rows per upload: split the file")
    if not rows:
        raise InvalidInput("the file has a header but no rows")
    return rows


def template_csv() -> bytes:
    """The CSV template: the header and two example rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    writer.writerows(_EXAMPLE)
    return out.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """The XLSX template: the header (bold, frozen) and two example rows; status is a drop-down."""
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "annotations"
    sheet.append(list(COLUMNS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in _EXAMPLE:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    statuses = DataValidation(type="list", formula1='"Pass,Fail,Pending"', allow_blank=True)
    sheet.add_data_validation(statuses)
    statuses.add(f"C2:C{MAX_ROWS + 1}")
    for column, width in zip("ABCDEFGHI", (44, 28, 10, 16, 40, 12, 12, 24, 11), strict=True):
        sheet.column_dimensions[column].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
