"""Shared pieces of the tables. Importing this sets the naming convention before any table exists."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint
from sqlmodel import SQLModel

# Named constraints, so that batch migrations on SQLite can find and alter them.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


def one_of(
    column: str, codes: tuple[str, ...], name: str, *, nullable: bool = False
) -> CheckConstraint:
    """A status/enum column stored as its English code, guarded by a named CHECK."""
    allowed = ", ".join(f"'{c}'" for c in codes)
    sql = f"{column} IN ({allowed})"
    if nullable:
        sql = f"{column} IS NULL OR {sql}"
    return CheckConstraint(sql, name=name)
