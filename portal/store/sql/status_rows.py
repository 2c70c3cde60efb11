"""An asset's status rows (asset_modalities, asset_stages, asset_metrics, metric_values,
asset_groups): read as stored, and rewritten by difference.

A write of a 500-metric asset used to delete and re-insert its ~1,000 status rows (and their
index entries) to change the one metric an annotation touched. `sync` compares the rows as
stored with the rows the new summary gives, by primary key, and deletes, inserts and updates
only those that differ: the tables end exactly as a delete and re-insert would leave them
(every column of every row is compared; tests/test_status_rows.py holds the two equal).
"""

from __future__ import annotations

from collections import Counter

from sqlalchemy import and_, bindparam, delete, insert, select, update

from portal.store.sql.project_aggregates import contribution
from portal.store.sql.project_tables import asset_groups
from portal.store.sql.tables import asset_metrics, asset_modalities, asset_stages, metric_values

TABLES = (asset_modalities, asset_stages, asset_metrics, metric_values, asset_groups)


def _key_columns(table) -> tuple[str, ...]:
    """The primary key's columns after asset_id (one asset's rows are told apart by these)."""
    return tuple(c.name for c in table.primary_key.columns if c.name != "asset_id")


def stored(connection, asset_id: str) -> dict:
    """{table: {key: row as a dict}} of the asset's status rows as stored."""
    out = {}
    for table in TABLES:
        result = connection.execute(select(table).where(table.c.asset_id == asset_id))
        names = list(result.keys())
        at = [names.index(k) for k in _key_columns(table)]
        # One fetchall and zip: Row._asdict per row was most of this read (1,000 rows, 500 metrics).
        out[table] = {tuple(row[i] for i in at): dict(zip(names, row, strict=True)) for row in result.all()}
    return out


def stored_contribution(rows: dict) -> Counter:
    """What the asset contributes to project_metrics / project_cells, from `stored` rows."""
    groups = list(rows[asset_groups].values())
    if not groups:
        return Counter()
    return contribution(groups[0], rows[asset_metrics].values(), [key[0] for key in rows[metric_values]],
                        rows[asset_modalities].values(), rows[asset_stages].values())


def net_contribution(before: dict, after: dict) -> Counter:
    """What rewriting the asset's rows from `before` (from `stored`) to `after` (as `sync` takes
    them) changes in project_metrics / project_cells: the new contribution minus the old.

    A metric counts under its asset_groups row (project, instrument, experimenters, tolerated
    positions), its own asset_metrics row and whether it has a metric_values row. With the group
    row unchanged, a metric whose two rows are unchanged adds exactly what it took away, so only
    the others are counted (an annotation of one metric of 500 counts one, not 1,000).
    """
    old_group = list(before[asset_groups].values())
    new_groups = after.get(asset_groups) or []
    if len(old_group) != 1 or len(new_groups) != 1 or old_group[0] != new_groups[0]:
        delta = contribution(new_groups[0] if new_groups else None, after.get(asset_metrics, ()),
                             [row["position"] for row in after.get(metric_values, ())],
                             after.get(asset_modalities, ()), after.get(asset_stages, ()))
        delta.subtract(stored_contribution(before))
        return delta
    group = new_groups[0]
    old_metrics, old_valued = before[asset_metrics], {key[0] for key in before[metric_values]}
    new_valued = {row["position"] for row in after.get(metric_values, ())}
    changed_old, changed_new = [], []
    new_positions = set()
    for row in after.get(asset_metrics, ()):
        key = (row["position"],)
        new_positions.add(row["position"])
        old = old_metrics.get(key)
        if old != row or (row["position"] in old_valued) != (row["position"] in new_valued):
            changed_new.append(row)
            if old is not None:
                changed_old.append(old)
    changed_old.extend(row for key, row in old_metrics.items() if key[0] not in new_positions)
    delta = contribution(group, changed_new, new_valued, after.get(asset_modalities, ()),
                         after.get(asset_stages, ()))
    delta.subtract(contribution(group, changed_old, old_valued, before[asset_modalities].values(),
                                before[asset_stages].values()))
    return delta


def sync(connection, asset_id: str, before: dict, after: dict) -> None:
    """Make the asset's rows of each table equal `after[table]` (a list of row dicts with every
    column), given `before` (from `stored`): only the rows that differ are written."""
    for table in TABLES:
        keys = _key_columns(table)
        old = before.get(table, {})
        new = {tuple(row[k] for k in keys): row for row in after.get(table, [])}
        gone = [key for key in old if key not in new]
        added = [row for key, row in new.items() if key not in old]
        changed = [row for key, row in new.items() if key in old and old[key] != row]
        owner = table.c.asset_id == asset_id
        if gone:
            where = and_(owner, *(table.c[k] == bindparam(f"k_{k}") for k in keys))
            connection.execute(delete(table).where(where), [dict(zip((f"k_{k}" for k in keys), key, strict=True))
                                                           for key in gone])
        if added:
            connection.execute(insert(table), added)
        if changed:
            values = [c.name for c in table.columns if c.name != "asset_id" and c.name not in keys]
            where = and_(owner, *(table.c[k] == bindparam(f"k_{k}") for k in keys))
            statement = update(table).where(where).values({c: bindparam(f"v_{c}") for c in values})
            connection.execute(statement, [{**{f"k_{k}": row[k] for k in keys}, **{f"v_{c}": row[c] for c in values}}
                                           for row in changed])
