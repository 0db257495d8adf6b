"""Is this ledger at the schema head? Answered with one cheap query, so commands don't import Alembic.

``HEAD`` must name the newest revision in ``migrations/versions``; a test keeps them equal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unioncli.config import Target
from unioncli.errors import DomainError
from unioncli.i18n import register

if TYPE_CHECKING:
    from collections.abc import Iterable

    from sqlalchemy import Connection, Engine

HEAD = "0014"

register(
    {
        "db.newer_schema": (
            "台账 {where} 的结构版本 {found} 比本程序新（本程序支持到 {head}），请升级 unioncli。",
            "ledger {where} has schema {found}, newer than this unioncli knows ({head}): "
            "upgrade unioncli.",
        ),
    }
)


def stored_revision(engine: Engine) -> str | None:
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError, ProgrammingError

    try:
        with engine.connect() as conn:
            row = conn.execute(text("SELECT version_num FROM alembic_version")).first()
    except (OperationalError, ProgrammingError):
        return None  # no alembic_version table: a new, empty ledger
    return row[0] if row else None


def ensure_at_head(target: Target, engine: Engine) -> None:
    found = stored_revision(engine)
    if found == HEAD:
        return
    from unioncli.db import migrate

    if found is not None and found not in migrate.known_revisions():
        raise DomainError("db.newer_schema", where=target.describe(), found=found, head=HEAD)
    migrate.upgrade(target)


def move_sequences(conn: Connection, tables: Iterable[str] | None = None) -> None:
    """After rows were written with their ids given (a bulk build, a copy), set each PostgreSQL
    ``id`` sequence past the largest id, so the next insert draws a free one. ``tables``: every
    table of the models when None. Nothing on SQLite, whose ids follow the largest by themselves.
    """
    if conn.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    if tables is None:
        from unioncli.models import metadata

        tables = [t.name for t in metadata.sorted_tables if "id" in t.c]
    for table in tables:
        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table}).scalar()
        if seq is not None:
            conn.execute(
                text(
                    "SELECT setval(CAST(:s AS regclass), "
                    f'COALESCE((SELECT MAX(id) FROM "{table}"), 0) + 1, false)'
                ),
                {"s": seq},
            )
