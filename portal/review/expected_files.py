"""Reading a project's expected sessions from a file (`qc-portal track`, the settings page's
upload): CSV or YAML, all or nothing.

- CSV: a header row with `subject` (or `subject_id`) and `date` (YYYY-MM-DD, the acquisition
  day in UTC), or a `session` column (a session or asset name); a row may use either form
  when the header has both columns (a non-empty `session` wins). Blank rows are skipped.
- YAML: a list of mappings with the same keys, or `{"sessions": [...]}` holding that list.

A bad row refuses the whole file: InvalidInput names the line and the reason (the first
few problems), and nothing is changed.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, date, datetime, time, timedelta

import yaml

from portal.errors import InvalidInput
from portal.store.sql.completeness import ExpectedRow

MAX_BYTES = 5_000_000
MAX_ROWS = 20_000
MAX_PROBLEMS = 5
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_SUBJECT_KEYS = ("subject", "subject_id")


def parse_expected(filename: str, data: bytes | str) -> list[ExpectedRow]:
    """The expected sessions a CSV (.csv) or YAML (.yaml, .yml) file lists, in order;
    InvalidInput for another kind of file or any bad row."""
    if isinstance(data, bytes):
        if len(data) > MAX_BYTES:
            raise InvalidInput(f"the file is larger than {MAX_BYTES // 1_000_000} MB")
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise InvalidInput("the file is not UTF-8 text") from exc
    lower = (filename or "").lower()
    if lower.endswith(".csv"):
        entries = _csv_entries(data)
    elif lower.endswith((".yaml", ".yml")):
        entries = _yaml_entries(data)
    else:
        raise InvalidInput(f"{filename or 'the file'}: expected a .csv, .yaml or .yml file")
    return _rows(entries)


def _csv_entries(text: str) -> list[tuple[int, dict]]:
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise InvalidInput("the CSV file is empty")
    names = [h.strip().lower() for h in header]
    has_subject = any(k in names for k in _SUBJECT_KEYS)
    if "session" not in names and not (has_subject and "date" in names):
        raise InvalidInput("line 1: the header needs a `session` column, or `subject` (or `subject_id`) and `date`")
    entries = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names):
            entries.append((reader.line_num, {"__error__": f"{len(cells)} values for {len(names)} columns"}))
            continue
        entries.append((reader.line_num, {n: c for n, c in zip(names, cells, strict=False) if n}))
        if len(entries) > MAX_ROWS:
            raise InvalidInput(f"more than {MAX_ROWS} expected sessions")
    return entries


def _yaml_entries(text: str) -> list[tuple[int, dict]]:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark is not None else ""
        raise InvalidInput(f"{where}not valid YAML") from exc
    if isinstance(data, dict) and set(data) == {"sessions"}:
        data = data["sessions"]
        node = node.value[0][1]
    if not isinstance(data, list):
        raise InvalidInput("the YAML file must hold a list of sessions (or {sessions: [...]})")
    if len(data) > MAX_ROWS:
        raise InvalidInput(f"more than {MAX_ROWS} expected sessions")
    out = []
    for item, item_node in zip(data, node.value, strict=True):
        line = item_node.start_mark.line + 1
        if not isinstance(item, dict):
            out.append((line, {"__error__": "expected a mapping with subject and date, or session"}))
        else:
            out.append((line, {str(k).strip().lower(): v for k, v in item.items()}))
    return out


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError("must be text")
    return str(value).strip()


def _day(value) -> date:
    if isinstance(value, datetime):
        raise ValueError("must be a date (YYYY-MM-DD), not a time")
    if isinstance(value, date):
        return value
    text = _text(value)
    if not _DATE.match(text):
        raise ValueError(f"date {text!r} is not YYYY-MM-DD" if text else "no date")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"date {text!r} is not a real day") from None


def _row(entry: dict) -> ExpectedRow:
    if "__error__" in entry:
        raise ValueError(entry["__error__"])
    session = _text(entry.get("session"))
    if session:
        if len(session) > 500:
            raise ValueError("the session name is longer than 500 characters")
        return ExpectedRow(session=session)
    subject = next((_text(entry[k]) for k in _SUBJECT_KEYS if _text(entry.get(k))), "")
    if not subject:
        raise ValueError("no session, and no subject")
    if len(subject) > 100:
        raise ValueError("the subject is longer than 100 characters")
    if entry.get("date") in (None, ""):
        raise ValueError(f"subject {subject!r} has no date")
    day = _day(entry.get("date"))
    start = datetime.combine(day, time(), tzinfo=UTC)
    return ExpectedRow(subject_id=subject, on_date=day.isoformat(), day_start=start, day_end=start + timedelta(days=1))


def _rows(entries: list[tuple[int, dict]]) -> list[ExpectedRow]:
    rows: list[ExpectedRow] = []
    problems: list[str] = []
    seen: dict[tuple, int] = {}
    for line, entry in entries:
        try:
            row = _row(entry)
        except ValueError as exc:
            problems.append(f"line {line}: {exc}")
            continue
        key = (row.session,) if row.session else (row.subject_id, row.on_date)
        if key in seen:
            problems.append(f"line {line}: repeats line {seen[key]}")
            continue
        seen[key] = line
        rows.append(row)
    if problems:
        more = f" (and {len(problems) - MAX_PROBLEMS} more)" if len(problems) > MAX_PROBLEMS else ""
        raise InvalidInput("nothing was changed: " + "; ".join(problems[:MAX_PROBLEMS]) + more)
    return rows
