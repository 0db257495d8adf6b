"""Read and poke a test ledger with plain SQL, on SQLite or PostgreSQL alike.

Tests that look under the services (row counts, a column's stored value, a hand-made bad row) go
through these instead of ``sqlite3.connect(path)``, so they run on both backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, text

from unioncli.config import Target


@contextmanager
def _connection(target: Target, *, write: bool = False) -> Iterator[Connection]:
    """A connection of the test's own, closed afterwards.

    Not ``engine_for``: that one brings a ledger to the schema head on first use, which would
    quietly undo a test's ``migrate.downgrade``; and nothing kept open here can hold a SQLite
    write back in the WAL while ``fingerprint`` reads the file.
    """
    from unioncli.db.engine import make_engine

    engine = make_engine(target)
    try:
        with engine.begin() if write else engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def rows(target: Target, statement: str, **params: Any) -> list[tuple[Any, ...]]:
    """Every row of a SELECT, as tuples."""
    with _connection(target) as conn:
        return [tuple(r) for r in conn.execute(text(statement), params)]


def dated(found: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """Rows with each date as its ISO text, the way SQLite stores it and hands it back.

    PostgreSQL's driver returns ``date`` objects where SQLite returns ``'2024-08-20'``; with this
    a test states one expected value for both. Timestamps are left alone: they differ in more
    than type (SQLite keeps no zone), so a test compares them deliberately.
    """
    return [
        tuple(
            v.isoformat() if isinstance(v, date) and not isinstance(v, datetime) else v for v in r
        )
        for r in found
    ]


def scalar(target: Target, statement: str, **params: Any) -> Any:
    """The first column of the first row (None when there is no row)."""
    found = rows(target, statement, **params)
    return found[0][0] if found else None


def count(target: Target, table: str, where: str = "1 = 1", **params: Any) -> int:
    return int(scalar(target, f"SELECT COUNT(*) FROM {table} WHERE {where}", **params))


def columns(target: Target, table: str) -> list[str]:
    """The names of a table's columns, in order."""
    from sqlalchemy import inspect

    with _connection(target) as conn:
        return [c["name"] for c in inspect(conn).get_columns(table)]


def execute(target: Target, statement: str, **params: Any) -> int:
    """Run one writing statement and commit it; the number of rows it touched."""
    with _connection(target, write=True) as conn:
        return conn.execute(text(statement), params).rowcount


def execute_many(target: Target, statement: str, params: list[dict[str, Any]]) -> None:
    """Run one writing statement once per set of parameters, all in one committed transaction."""
    with _connection(target, write=True) as conn:
        conn.execute(text(statement), params)


def contents(target: Target) -> str:
    """A digest of every table's columns and rows (in a fixed order), whatever the backend.

    Unlike ``fingerprint`` on SQLite it ignores how the file lays its pages out, so it also
    compares a ledger before and after a killed writer's leftovers were rolled back.
    """
    import hashlib

    from sqlalchemy import inspect

    digest = hashlib.sha256()
    with _connection(target) as conn:
        found = inspect(conn)
        for table in sorted(found.get_table_names()):
            names = [c["name"] for c in found.get_columns(table)]
            # sorted here: rows sharing a first column come back in no fixed order
            lines = sorted(repr(tuple(r)) for r in conn.execute(text(f'SELECT * FROM "{table}"')))
            digest.update(f"{table}\0{names}\0{len(lines)}\0".encode())
            for line in lines:
                digest.update(line.encode() + b"\n")
    return digest.hexdigest()


def fingerprint(target: Target) -> str:
    """A digest of everything the ledger holds, to prove a refused command wrote nothing.

    SQLite: the file's bytes once every connection is closed (the WAL checkpointed), which
    catches any write at all. PostgreSQL: every row of every table (``contents``); sequence
    positions are left out, since a rolled-back insert moves a sequence too.
    """
    import hashlib

    from unioncli.db.engine import dispose_all

    if target.path is not None:
        dispose_all()
        return hashlib.sha256(target.path.read_bytes()).hexdigest()
    return contents(target)
