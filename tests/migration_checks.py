"""Checks the migration tests share: a migrated table against the one tables.py declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from portal.store.sql.tables import metadata


def declared_difference(engine, tables: set[str]) -> list:
    """What alembic finds different between the database's `tables` and their declaration
    in portal.store.sql.tables (columns, types, indexes): [] when they are the same."""
    def mine(obj, name, type_, reflected, compare_to):
        table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
        return table in tables

    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": mine, "compare_type": True})
        return compare_metadata(context, metadata)
