"""The ledger's tables as the copy sees them (keys, references, unique values, in foreign-key
order), and their rows read by the driver a chunk at a time."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Column, Connection, Table, UniqueConstraint, tuple_

CHUNK = 5_000

# One real person per ID number: the same person on both sides is one row (reused, not a conflict).
IDENTITY = {"person": ("id_number",)}

# A county column: stamped with ``--county`` where empty; the county's part starts from its rows.
COUNTY_COLUMN = "county"


@dataclass(frozen=True)
class _Fk:
    column: str
    ref: str  # the referenced table
    nullable: bool


@dataclass(frozen=True)
class _Unique:
    columns: tuple[str, ...]
    name: str
    where: dict[str, str]  # a partial unique index's condition, by dialect


@dataclass
class TableInfo:
    table: Table
    id_col: str | None  # the surrogate key ("id"); None for a settings table keyed by its values
    fks: list[_Fk]
    columns: list[str]
    uniques: list[_Unique]
    soft_ref: tuple[str, str] | None = None  # (entity, entity_id): a row named by table and id

    @property
    def name(self) -> str:
        return self.table.name

    @property
    def pk(self) -> list[str]:
        return [c.name for c in self.table.primary_key.columns]


def _describe(table: Table) -> TableInfo:
    pk = list(table.primary_key.columns)
    id_col = pk[0].name if len(pk) == 1 and pk[0].name == "id" else None
    fks = [
        _Fk(fk.parent.name, fk.column.table.name, bool(fk.parent.nullable))
        for fk in sorted(table.foreign_keys, key=lambda f: f.parent.name)
    ]
    uniques = [
        _Unique(tuple(c.name for c in con.columns), str(con.name), {})
        for con in table.constraints
        if isinstance(con, UniqueConstraint)
    ]
    for ix in table.indexes:
        if ix.unique and all(isinstance(e, Column) for e in ix.expressions):
            where = {
                d: str(ix.dialect_options[d].get("where"))
                for d in ("sqlite", "postgresql")
                if ix.dialect_options[d].get("where") is not None
            }
            uniques.append(_Unique(tuple(c.name for c in ix.columns), str(ix.name), where))
    soft = ("entity", "entity_id") if {"entity", "entity_id"} <= set(table.c.keys()) else None
    return TableInfo(table, id_col, fks, [c.name for c in table.columns], uniques, soft)


def describe_schema() -> tuple[list[TableInfo], TableInfo, TableInfo]:
    """The tables in foreign-key order (a table naming rows by table and id after every other),
    and the audit chain's two tables, which are copied their own way."""
    from sqlmodel import SQLModel

    import unioncli.models  # noqa: F401  (registers every table)
    from unioncli.models.audit import AuditEntry, AuditHead

    log = cast(Table, AuditEntry.__table__)  # type: ignore[attr-defined]
    head = cast(Table, AuditHead.__table__)  # type: ignore[attr-defined]
    tables = [
        _describe(t) for t in SQLModel.metadata.sorted_tables if t is not log and t is not head
    ]
    referenced = {fk.ref for t in tables for fk in t.fks}
    assert not any(t.soft_ref and t.name in referenced for t in tables)
    tables.sort(key=lambda t: t.soft_ref is not None)  # stable: foreign-key order otherwise
    return tables, _describe(log), _describe(head)


def entity_tables(tables: list[TableInfo]) -> dict[str, str]:
    """An audit entry's or an import change's ``entity`` → its table: the table's name, or its
    model's name in snake case (``grant`` → ``student_grant``)."""
    from sqlmodel import SQLModel

    names = {t.name: t.name for t in tables}
    for mapper in SQLModel._sa_registry.mappers:  # type: ignore[attr-defined]
        table = getattr(mapper.class_, "__tablename__", None)
        if table in names:
            snake = re.sub(r"(?<!^)(?=[A-Z])", "_", mapper.class_.__name__).lower()
            names.setdefault(snake, str(table))
    return names


def among(columns: list[Column[Any]], keys: Iterable[tuple[Any, ...]]) -> Any:
    """``columns IN keys``: one column's values, or row values for several."""
    if len(columns) == 1:
        return columns[0].in_([k[0] for k in keys])
    return tuple_(*columns).in_(list(keys))


_CURSORS = itertools.count(1)


def driver_rows(conn: Connection, sql: str) -> Iterator[list[tuple[Any, ...]]]:
    """A SELECT's rows as the driver gives them, a chunk at a time, inside ``conn``'s
    transaction: a server-side cursor on PostgreSQL, SQLite's own lazy cursor."""
    dbapi: Any = conn.connection.driver_connection
    if conn.dialect.name == "postgresql":
        cursor = dbapi.cursor(name=f"unioncli_copy_{next(_CURSORS)}")
        cursor.itersize = CHUNK
    else:
        cursor = dbapi.cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(CHUNK):
            yield batch
    finally:
        cursor.close()
