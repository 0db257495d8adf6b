"""Every test works on its own ledger: a copy of a template built once by the real migrations.

No test can touch a real ledger: the data directory and every ``UNIONCLI_*`` setting point into
the test's tmp path. PostgreSQL tests run when ``UNIONCLI_TEST_PG_URL`` names a server.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from unioncli import i18n
from unioncli.config import Target, sqlite_target


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("UNIONCLI_") and name != "UNIONCLI_TEST_PG_URL":
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("UNIONCLI_OPERATOR", "tester")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setenv("NO_COLOR", "1")
    i18n.set_lang(None)
    yield
    i18n.set_lang(None)
    from unioncli.db.engine import dispose_all

    dispose_all()


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from unioncli.db import migrate

    path = tmp_path_factory.mktemp("template") / "ledger.sqlite3"
    migrate.upgrade(sqlite_target(path))
    return path


@pytest.fixture
def ledger(template_db: Path, tmp_path: Path) -> Target:
    """A fresh, migrated SQLite ledger for this test."""
    path = tmp_path / "ledger.sqlite3"
    shutil.copy(template_db, path)
    os.chmod(path, 0o600)
    return sqlite_target(path)


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(ledger: Target) -> Iterator[object]:
    """``cli("member", "list")`` runs unioncli in-process on the test's ledger."""
    from unioncli.cli import app

    runner = CliRunner()

    def run(*args: str, input: str | None = None, db: bool = True) -> Run:
        argv = (["--db", str(ledger.path)] if db else []) + list(args)
        result = runner.invoke(app, argv, input=input, catch_exceptions=False)
        i18n.set_lang(None)
        return Run(result.exit_code, result.stdout, result.stderr)

    yield run


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get("UNIONCLI_TEST_PG_URL")
    if not url:
        pytest.skip("UNIONCLI_TEST_PG_URL is not set")
    return url


@pytest.fixture
def pg_target(pg_url: str) -> Iterator[Target]:
    """A brand-new database on the test server, dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql
    from sqlalchemy.engine import make_url

    from unioncli.db.engine import dispose_all

    base = make_url(pg_url)
    admin = base.set(drivername="postgresql").render_as_string(hide_password=False)
    name = f"unioncli_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        yield Target(url=url, path=None)
    finally:
        dispose_all()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
