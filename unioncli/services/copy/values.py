"""Column values as each side's driver gives and takes them, converted to the models' values
only where the two sides differ or a merge compares them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Table

from unioncli.services.copy.tables import IDENTITY, TableInfo


def utc(value: Any) -> Any:
    """A datetime as UTC with its zone: SQLite keeps UTC without one, and a driver would take a
    naive time in the server's zone (and the audit chain hashes the instant)."""
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return value


def _sqlite_datetime(value: Any) -> datetime:
    return utc(datetime.fromisoformat(value))  # SQLAlchemy's text: UTC, no offset


def _sqlite_datetime_text(value: datetime) -> str:
    # the format SQLAlchemy stores (and the audit chain reads back): UTC, always microseconds
    return str(utc(value).replace(tzinfo=None).isoformat(" ", "microseconds"))


def _iso(value: date) -> str:
    return value.isoformat()


def _kind(type_: Any) -> str | None:
    from sqlalchemy import Boolean, Date, DateTime, Float, Integer, String, TypeDecorator

    while isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, DateTime):
        return "datetime"
    if isinstance(type_, Date):
        return "date"
    if isinstance(type_, Boolean):
        return "bool"
    if isinstance(type_, Integer | String | Float):
        return "plain"
    return None


# How each side's driver gives and takes the column types the models use (the same values
# SQLAlchemy's types would make, without their per-row cost); other types go through SQLAlchemy's.
_READ: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("sqlite", "datetime"): _sqlite_datetime,
    ("sqlite", "date"): date.fromisoformat,
    ("sqlite", "bool"): bool,
    ("postgresql", "datetime"): utc,
}

_WRITE: dict[tuple[str, str], Callable[[Any], Any]] = {
    ("sqlite", "datetime"): _sqlite_datetime_text,
    ("sqlite", "date"): _iso,
    ("sqlite", "bool"): int,
}


def compared_columns(t: TableInfo) -> set[str]:
    """The columns a merge compares with the destination's values (unique keys, a settings row):
    those must be the models' values; the rest may pass as the driver gave them."""
    if t.id_col is None:
        return set(t.columns)
    return {c for u in t.uniques for c in u.columns} | set(IDENTITY.get(t.name, ()))


def converters(
    table: Table, dialect: Any, *, read: bool, only: set[str] | None = None
) -> list[tuple[str, Callable[[Any], Any]]]:
    """The columns whose driver values differ from the models' values, with the conversion
    (``only``: of these columns; the same kind of database on both sides needs no other)."""
    out: list[tuple[str, Callable[[Any], Any]]] = []
    known = _READ if read else _WRITE
    for c in table.columns:
        if only is not None and c.name not in only:
            continue
        kind = _kind(c.type)
        fn: Callable[[Any], Any] | None
        if kind is None:
            fn = (
                c.type._cached_result_processor(dialect, None)
                if read
                else c.type._cached_bind_processor(dialect)
            )
        else:
            fn = known.get((dialect.name, kind))
        if fn is not None:
            out.append((c.name, fn))
    return out
