"""Each upload row's verdict, against the store and the annotation rules.

A row is valid when its asset exists and its QC can be read, the row names exactly one
of the asset's metrics (by name, and where names repeat by modality, stage, tags and
occurrence: portal.qc.identity; a row that matches several is "ambiguous metric: N
match"), the status (if any) is Pass, Fail or Pending (any case), the value (if any)
has the metric's type (portal.review.annotate.coerce_value: numbers stay numbers, a dropdown
takes one of its options, ...), something is changed at all, and no earlier row
names the same asset and metric. Nothing is written here: the verdicts are shown,
then checked again at submit. A valid row keeps the key of its metric, so it is
applied to exactly that metric.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from portal.errors import InvalidInput
from portal.qc import QCReadError, load_qc, value_kind
from portal.qc.identity import AmbiguousMetric, MetricIndex, MetricLookupError, MetricSelector
from portal.qc.types import STATUSES
from portal.review.annotate import coerce_value
from portal.review.batch.sheets import SheetRow
from portal.store.protocol import UNSET, AssetStore, MetricEdit

_STATUS = {status.lower(): status for status in STATUSES}
_TRUE, _FALSE = {"true", "yes", "y", "1", "pass"}, {"false", "no", "n", "0", "fail"}
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True)
class CheckedRow:
    """A row with what it would change and its verdict (`error` None: valid)."""

    row_no: int
    asset: str
    metric: str
    status: str | None
    value: Any  # UNSET: no value change
    value_text: str
    status_text: str  # as written in the file
    comment: str | None
    error: str | None = None
    asset_id: str | None = None
    metric_key: str | None = None  # the one metric the row names (valid rows)

    @property
    def valid(self) -> bool:
        """True when the row can be applied."""
        return self.error is None

    def edit(self) -> MetricEdit:
        """The change this row makes (no seen state: batch rows append, they never conflict)."""
        return MetricEdit(self.metric, status=self.status, value=self.value, comment=self.comment, key=self.metric_key)


@dataclass(frozen=True)
class Checked:
    """All rows with their verdicts, and the assets to apply in order (ids of assets with valid rows)."""

    rows: list[CheckedRow]
    plan: list[str] = field(default_factory=list)

    @property
    def n_valid(self) -> int:
        """Rows that can be applied."""
        return sum(row.valid for row in self.rows)

    @property
    def n_errors(self) -> int:
        """Rows that cannot."""
        return len(self.rows) - self.n_valid

    def summary(self) -> str:
        """"N rows valid, M with errors"."""
        return f"{self.n_valid} row{'s' if self.n_valid != 1 else ''} valid, {self.n_errors} with errors"


def parse_value(text: Any, current: Any) -> Any:
    """A cell's value in the type of the metric's current value (InvalidInput when it is not one).

    Typed XLSX cells (numbers, booleans) are taken as they are; text is read by kind:
    numbers, booleans (true/false, yes/no, 1/0), a dropdown's option, checkbox options
    separated by `;` (or a JSON list), JSON for lists, tables and objects, and for a
    metric without a value JSON when it parses, else the text.
    """
    kind = value_kind(current)
    if not isinstance(text, str):
        if kind in ("string", "dropdown") and isinstance(text, int | float) and not isinstance(text, bool):
            # Excel makes "5" typed into a text column a number: it was meant as text.
            return str(int(text)) if float(text).is_integer() else str(text)
        return text
    if kind == "number":
        if not _NUMBER.fullmatch(text):
            raise InvalidInput(f"value {text!r} is not a number")
        number = float(text)
        return int(number) if number.is_integer() and re.fullmatch(r"[+-]?\d+", text) else number
    if kind == "bool":
        if text.lower() in _TRUE | _FALSE:
            return text.lower() in _TRUE
        raise InvalidInput(f"value {text!r} is not true or false")
    if kind in ("string", "dropdown"):
        return text
    if kind == "checkbox":
        if text.startswith("["):
            return _json(text)
        return [part.strip() for part in text.split(";") if part.strip()]
    if kind in ("list", "table", "json"):
        return _json(text)
    try:  # no value yet: whatever the text is
        return json.loads(text)
    except ValueError:
        return text


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        raise InvalidInput(f"value {text[:40]!r} is not JSON (this metric's value is a list or an object)") from None


class _Assets:
    """Each asset read once: (id, its metrics' index) or the reason it cannot be used."""

    def __init__(self, store: AssetStore):
        self.store = store
        self._seen: dict[str, tuple[str | None, MetricIndex | None, str | None]] = {}

    def get(self, name: str) -> tuple[str | None, MetricIndex | None, str | None]:
        if name not in self._seen:
            self._seen[name] = self._read(name)
        return self._seen[name]

    def _read(self, name: str) -> tuple[str | None, MetricIndex | None, str | None]:
        stored = self.store.get(name)
        if stored is None:
            return None, None, f"unknown asset {name!r}"
        raw = stored.record.get("quality_control")
        if not raw:
            return stored.id, None, f"asset {name!r} has no QC metrics"
        try:
            metrics = load_qc(raw).metrics
        except QCReadError as exc:
            return stored.id, None, f"the QC of asset {name!r} cannot be read: {exc}"
        return stored.id, MetricIndex(metrics), None


def check_rows(store: AssetStore, rows: list[SheetRow]) -> Checked:
    """The verdict of every row and the plan (see the module doc)."""
    assets = _Assets(store)
    seen: dict[tuple[str, str], int] = {}
    checked, plan = [], []
    for row in rows:
        result = _check(row, assets, seen)
        checked.append(result)
        if result.valid and result.asset_id not in plan:
            plan.append(result.asset_id)
    return Checked(checked, plan)


def _selector(row: SheetRow) -> MetricSelector:
    """Which metric a row names; InvalidInput for a malformed `tags` or `occurrence` cell."""
    tags = None
    if row.tags:
        tags = {}
        for pair in row.tags.split(";"):
            key, equals, value = pair.partition("=")
            if not pair.strip():
                continue
            if not equals or not key.strip():
                raise InvalidInput(f"tags {row.tags!r}: write them as key=value;key=value")
            tags[key.strip()] = value.strip()
    occurrence = None
    if row.occurrence:
        text = row.occurrence.removesuffix(".0")  # Excel writes 2 as 2.0
        if not text.isdigit() or int(text) < 1:
            raise InvalidInput(f"occurrence {row.occurrence!r} is not a whole number from 1")
        occurrence = int(text)
    return MetricSelector(name=row.metric, modality=row.modality or None, stage=row.stage or None, tags=tags,
                          occurrence=occurrence)


def _check(row: SheetRow, assets: _Assets, seen: dict) -> CheckedRow:
    value_text = row.value if isinstance(row.value, str) else json.dumps(row.value, default=str)
    base = {"row_no": row.row_no, "asset": row.asset, "metric": row.metric, "value_text": value_text,
            "status_text": row.status, "comment": row.comment or None, "status": None, "value": UNSET}
    if not row.asset or not row.metric:
        return CheckedRow(**base, error="asset and metric are required")
    asset_id, index, problem = assets.get(row.asset)
    base["asset_id"] = asset_id
    if problem:
        return CheckedRow(**base, error=problem)
    try:
        position = index.resolve(_selector(row))
    except AmbiguousMetric as exc:
        return CheckedRow(**base, error=f"ambiguous metric: {len(exc.candidates)} match (say which with the "
                                        "modality, stage, tags or occurrence column)")
    except MetricLookupError as exc:
        if not index.positions_named(row.metric):
            return CheckedRow(**base, error=f"asset {row.asset!r} has no metric {row.metric!r}")
        return CheckedRow(**base, error=f"asset {row.asset!r}: {exc}")
    except InvalidInput as exc:
        return CheckedRow(**base, error=exc.message)
    metric, key = index.metrics[position], index.key(position)
    base["metric_key"] = key
    if (asset_id, key) in seen:
        return CheckedRow(**base, error=f"duplicate row: row {seen[(asset_id, key)]} already changes this metric")
    if row.status:
        status = _STATUS.get(row.status.strip().lower())
        if status is None:
            return CheckedRow(**base, error=f"invalid status {row.status!r}: use Pass, Fail or Pending")
        base["status"] = status
    if row.value != "":
        try:
            base["value"] = coerce_value(row.metric, metric.value, parse_value(row.value, metric.value))
        except InvalidInput as exc:
            return CheckedRow(**base, error=exc.message.replace(f"metric {row.metric!r}: ", ""))
    if base["status"] is None and base["value"] is UNSET and not base["comment"]:
        return CheckedRow(**base, error="nothing to change: give a status, a value or a comment")
    seen[(asset_id, key)] = row.row_no  # only a valid row makes later ones duplicates: a corrected row may follow
    return CheckedRow(**base)
