"""Engines for the ledger, with the SQLite settings two clerks at two terminals need.

Imports SQLAlchemy only (not SQLModel) so that read-only commands stay quick to start.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import NullPool

from unioncli.config import Target
from unioncli.db.engine_settings import BUSY_TIMEOUT_MS


def prepare_sqlite_file(path: Path) -> None:
    """Create the ledger file readable by its owner only (SQLite gives -wal/-shm the same mode)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY | os.O_EXCL, 0o600)
    os.close(fd)


def _install_sqlite_listeners(engine: Engine, *, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves: pysqlite's implicit transactions cannot BEGIN IMMEDIATE.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # A writer takes the write lock up front, so two terminals queue on busy_timeout instead
        # of failing with "database is locked" when a read transaction tries to upgrade.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(target: Target, *, for_migrations: bool = False) -> Engine:
    if target.path is not None:
        prepare_sqlite_file(target.path)
        engine = create_engine(target.url, poolclass=NullPool if for_migrations else None)
        _install_sqlite_listeners(engine, foreign_keys=not for_migrations)
        return engine
    connect_args: dict[str, Any] = {}
    if target.url.startswith("postgresql"):
        # wait for another clerk's lock as long as SQLite waits for its file, then give up with
        # the "ledger busy" message instead of hanging behind a stuck session
        connect_args["options"] = f"-c lock_timeout={BUSY_TIMEOUT_MS}"
    return create_engine(
        target.url,
        poolclass=NullPool if for_migrations else None,
        pool_pre_ping=True,
        connect_args=connect_args,
    )


_ENGINES: dict[Target, Engine] = {}


def engine_for(target: Target) -> Engine:
    """The engine a command uses, brought to the schema head on first use."""
    engine = _ENGINES.get(target)
    if engine is None:
        from unioncli.db.schema import ensure_at_head

        engine = make_engine(target)
        ensure_at_head(target, engine)
        _ENGINES[target] = engine
    return engine


def dispose_all() -> None:
    while _ENGINES:
        _ENGINES.popitem()[1].dispose()
