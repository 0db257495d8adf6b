"""The one way to read the ledger: plain SQL text with ``:name`` parameters, rows as tuples.

Every read command (show, list, find, due, notice, round, ledger, check, audit, import list,
report) reads through ``reading(source)``; the read-side modules (``unioncli/views/``) hold the
SQL and turn rows into dataclasses. Writes go through the ORM (``db.uow``).

- A SQLite ledger at the schema head is read through the standard library's ``sqlite3``,
  read-only: importing SQLAlchemy alone costs more than most lookups (issue 16 measured
  ``import sqlmodel`` at ~0.6 s), so a read command never imports it.
- A server database, a ledger that does not exist yet or one at an older schema is read through
  the SQLAlchemy engine, which first brings it to the head (as every command does).
- ``reading`` also takes an ``Engine`` or an open ``Connection`` (a connection reads inside its
  transaction, uncommitted rows included: ``db copy`` checks a copy's figures before it commits).

The same SQL text runs on both: parameters a statement does not name are dropped, dates are sent
as ISO text to SQLite (as SQLAlchemy stores them). What comes back differs by driver — SQLite
gives dates and times as text and booleans as 0/1 — so views read columns through ``day``,
``moment`` and ``flag``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from unioncli.config import Target
from unioncli.db.engine_settings import BUSY_TIMEOUT_MS

if TYPE_CHECKING:
    from typing import TypeAlias

    from sqlalchemy import Connection, Engine

    Source: TypeAlias = Target | Engine | Connection

MMAP_BYTES = 256 * 1024 * 1024

Row = tuple[Any, ...]


class Reader:
    """Runs SQL text on one open connection. Calling it is ``all`` (the figures' ``Query``)."""

    def __init__(self, dialect: str, run: Any) -> None:
        self.dialect = dialect
        self._run = run

    def _params(self, statement: str, params: dict[str, Any] | None) -> dict[str, Any]:
        if not params:
            return {}
        iso = self.dialect == "sqlite"
        return {
            k: _sqlite_value(v) if iso else v for k, v in params.items() if f":{k}" in statement
        }

    def all(self, statement: str, params: dict[str, Any] | None = None) -> list[Row]:
        return self._run(statement, self._params(statement, params))  # type: ignore[no-any-return]

    __call__ = all

    def one(self, statement: str, params: dict[str, Any] | None = None) -> Row | None:
        found = self.all(statement, params)
        return found[0] if found else None

    def scalar(self, statement: str, params: dict[str, Any] | None = None) -> Any:
        row = self.one(statement, params)
        return row[0] if row is not None else None

    def count(self, statement: str, params: dict[str, Any] | None = None) -> int:
        """The single number a statement returns (0 for NULL)."""
        return int(self.scalar(statement, params) or 0)


def _sqlite_value(value: Any) -> Any:
    # stored by SQLAlchemy's SQLite types: DATE as 'YYYY-MM-DD', DATETIME as
    # 'YYYY-MM-DD HH:MM:SS.ffffff'
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def day(value: Any) -> date | None:
    """A DATE column as a date, whichever driver read it."""
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def moment(value: Any) -> datetime | None:
    """A DATETIME column — stored in UTC: SQLite's text has no offset, a server gives an aware
    time in its session's zone — as an aware UTC datetime, as the models return it."""
    if value is None:
        return None
    at = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return at.replace(tzinfo=UTC) if at.utcoffset() is None else at.astimezone(UTC)


def flag(value: Any) -> bool:
    """A BOOLEAN column as a bool (SQLite stores 0/1)."""
    return bool(value)


def placeholders(name: str, values: list[Any] | tuple[Any, ...]) -> tuple[str, dict[str, Any]]:
    """``IN (:name_0, :name_1, …)`` for a list of values, and its parameters."""
    params = {f"{name}_{i}": v for i, v in enumerate(values)}
    if not params:
        return "(NULL)", {}
    return "(" + ", ".join(f":{k}" for k in params) + ")", params


def _open_sqlite_at_head(target: Target) -> sqlite3.Connection | None:
    from unioncli.db.schema import HEAD

    assert target.path is not None
    if not target.path.exists():
        return None
    try:
        conn = sqlite3.connect(target.path.as_uri() + "?mode=ro", uri=True)
        conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        # A fresh process starts with an empty page cache; reading the index pages through
        # mmap instead of read() calls takes a lookup on a 1M-member ledger from ~200 to ~50 ms.
        conn.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.Error:
        return None
    if row is None or row[0] != HEAD:
        conn.close()
        return None
    return conn


def _sqlite_reader(conn: sqlite3.Connection) -> Reader:
    def run(statement: str, params: dict[str, Any]) -> list[Row]:
        return conn.execute(statement, params).fetchall()

    return Reader("sqlite", run)


def _engine_reader(conn: Connection) -> Reader:
    from sqlalchemy import text

    def run(statement: str, params: dict[str, Any]) -> list[Row]:
        return [tuple(r) for r in conn.execute(text(statement), params)]

    return Reader(conn.dialect.name, run)


@contextmanager
def reading(source: Source) -> Iterator[Reader]:
    """A ``Reader`` on the ledger a ``Target`` names, or on an engine or open connection."""
    if isinstance(source, Target):
        if source.is_sqlite:
            conn = _open_sqlite_at_head(source)
            if conn is not None:
                try:
                    yield _sqlite_reader(conn)
                finally:
                    conn.close()
                return
        # a server database, or a ledger that is new or older: the engine brings it to head
        from unioncli.db.engine import engine_for

        with engine_for(source).connect() as sa_conn:
            yield _engine_reader(sa_conn)
        return
    from sqlalchemy import Connection

    if isinstance(source, Connection):
        yield _engine_reader(source)
        return
    with source.connect() as sa_conn:
        yield _engine_reader(sa_conn)
