"""Helpers the demo tests share: build a demo ledger from the template, read it, digest it."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
from collections.abc import Mapping
from pathlib import Path

from unioncli.config import sqlite_target
from unioncli.db.engine import make_engine
from unioncli.services.demo.builder import DemoResult, build

# the build's own time: two builds of one seed differ in these and nothing else
NOT_DIGESTED = {"created_at", "updated_at"}


def build_demo(template: Path, path: Path, **kw: object) -> DemoResult:
    shutil.copy(template, path)
    engine = make_engine(sqlite_target(path))
    try:
        return build(engine, "tester", **kw)  # type: ignore[arg-type]
    finally:
        engine.dispose()


def one(con: sqlite3.Connection, sql: str, *args: object) -> int:
    return int(con.execute(sql, args).fetchone()[0])


def digest(path: Path, tables: Mapping[str, str], where: Mapping[str, str] | None = None) -> str:
    """A hash of the tables' rows (``{table: ORDER BY columns}``), build times left out."""
    con = sqlite3.connect(path)
    h = hashlib.sha256()
    for table, order in tables.items():
        cols = [
            r[1] for r in con.execute(f"PRAGMA table_info({table})") if r[1] not in NOT_DIGESTED
        ]
        cond = f" WHERE {where[table]}" if where and table in where else ""
        for row in con.execute(f"SELECT {', '.join(cols)} FROM {table}{cond} ORDER BY {order}"):
            h.update(repr(row).encode())
    con.close()
    return h.hexdigest()
