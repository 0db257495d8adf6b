"""Alembic wiring: upgrade, downgrade, current, drift check. Imported only when schema work is due."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, text

from unioncli.config import Target
from unioncli.db.engine import make_engine


def migrations_dir() -> Path:
    """Installed: the ``unioncli.migrations`` package. From a source tree: ``<repo>/migrations``."""
    spec = importlib.util.find_spec("unioncli.migrations")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[2] / "migrations"


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    cfg.attributes["connection"] = connection
    return cfg


def known_revisions() -> set[str]:
    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def script_head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


@contextmanager
def _migration_connection(target: Target) -> Iterator[Connection]:
    # Own non-pooled connection with foreign keys off: batch migrations rebuild tables that others
    # reference, which fails with foreign keys on. The listener has already set the PRAGMA before
    # any transaction, so it takes effect.
    engine = make_engine(target, for_migrations=True)
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _foreign_key_problems(conn: Connection) -> list[Any]:
    if conn.dialect.name != "sqlite":
        return []
    return list(conn.execute(text("PRAGMA foreign_key_check")).fetchall())


def upgrade(target: Target, revision: str = "head") -> None:
    with _migration_connection(target) as conn:
        command.upgrade(alembic_config(conn), revision)
        conn.commit()
        problems = _foreign_key_problems(conn)
    if problems:
        raise RuntimeError(f"foreign key check failed after migration: {len(problems)} rows")


def downgrade(target: Target, revision: str) -> None:
    with _migration_connection(target) as conn:
        command.downgrade(alembic_config(conn), revision)
        conn.commit()


def drift(target: Target) -> list[Any]:
    """Differences between the models and the ledger's schema (empty when they agree)."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from unioncli.models import metadata

    with _migration_connection(target) as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True})
        return list(compare_metadata(ctx, metadata))
