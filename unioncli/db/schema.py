"""Is this ledger at the schema head? Answered with one cheap query, so commands don't import Alembic.

``HEAD`` must name the newest revision in ``migrations/versions``; a test keeps them equal.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unioncli.config import Target
from unioncli.errors import DomainError
from unioncli.i18n import register

if TYPE_CHECKING:
    from sqlalchemy import Engine

HEAD = "0008"

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
