"""Two terminals on one SQLite ledger: a writer waits for the other's write instead of failing.

About the SQLite file's lock and settings; PostgreSQL's writers waiting for each other are in
tests/test_pg_concurrency.py.
"""

from __future__ import annotations

import sqlite3
import threading

import pytest
from sqlalchemy import func, select

from unioncli.config import Target
from unioncli.db.uow import UnitOfWork
from unioncli.models import Org
from unioncli.services.orgs import add_org


@pytest.mark.sqlite_only("BEGIN IMMEDIATE and the busy timeout of the SQLite file")
def test_a_second_writer_waits_for_the_first(ledger: Target) -> None:
    assert ledger.path is not None
    other = sqlite3.connect(ledger.path, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # another terminal is in the middle of a write
    other.execute(
        "INSERT INTO org (name, type, founded, created_at, updated_at) "
        "VALUES ('甲工会', 'independent', '2010-01-01', '2024-01-01', '2024-01-01')"
    )
    released = threading.Event()

    def finish_later() -> None:
        released.wait(0.3)
        other.execute("COMMIT")
        released.set()

    releaser = threading.Thread(target=finish_later)
    releaser.start()
    try:
        with UnitOfWork(ledger) as uow:  # blocks on the busy timeout, then goes ahead
            add_org(uow, {"org_name": "乙工会", "founded": "2011-01-01"})
            uow.commit()
    finally:
        releaser.join()
        other.close()
    assert released.is_set()
    with UnitOfWork(ledger) as uow:
        names = set(uow.session.scalars(select(Org.name)))
        assert names == {"甲工会", "乙工会"}
        assert uow.session.execute(select(func.count()).select_from(Org)).scalar_one() == 2


@pytest.mark.sqlite_only("PRAGMAs of the SQLite file")
def test_the_ledger_is_in_wal_mode_with_foreign_keys(ledger: Target) -> None:
    from sqlalchemy import text

    with UnitOfWork(ledger) as uow:
        conn = uow.session.connection()
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 15_000
