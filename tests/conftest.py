"""Every test works on its own ledger: a copy of a template built once by the real migrations.

A test that takes ``ledger`` (or ``cli``) runs twice: on a SQLite file and on PostgreSQL. The
PostgreSQL runs need ``UNIONCLI_TEST_DATABASE_URL`` (a server URL, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) and skip, saying so, without it. Each run
creates its own template database there, migrated once; each test gets a copy of it
(``CREATE DATABASE … TEMPLATE``), dropped afterwards, so neither runs nor tests see each
other's rows. ``@pytest.mark.sqlite_only("why")`` keeps a test about the SQLite file itself
(its bytes, its locks, its backups) off the server.

No test can touch a real ledger: the data directory and every ``UNIONCLI_*`` setting point into
the test's tmp path.
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

TEST_DATABASE_ENV = "UNIONCLI_TEST_DATABASE_URL"
BACKENDS = ("sqlite", "postgresql")
NO_SERVER = f"{TEST_DATABASE_ENV} is not set: no PostgreSQL server to run this test against"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "sqlite_only(reason): about the SQLite file itself; not run on PostgreSQL"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Every test on a ledger runs once per backend (``[sqlite]``, ``[postgresql]``)."""
    if "backend" not in metafunc.fixturenames:
        return
    only_sqlite = metafunc.definition.get_closest_marker("sqlite_only") is not None
    metafunc.parametrize("backend", BACKENDS[:1] if only_sqlite else BACKENDS, scope="function")


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("UNIONCLI_") and name != TEST_DATABASE_ENV:
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
def ledger(
    backend: str, request: pytest.FixtureRequest, template_db: Path, tmp_path: Path
) -> Target:
    """A fresh, migrated ledger for this test: a SQLite file, or a database on the test server."""
    if backend == "sqlite":
        path = tmp_path / "ledger.sqlite3"
        shutil.copy(template_db, path)
        os.chmod(path, 0o600)
        return sqlite_target(path)
    server: PgServer = request.getfixturevalue("pg_server")
    return server.fresh_ledger(request)


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
        argv = (["--db", str(ledger.path)] if db and ledger.is_sqlite else []) + list(args)
        env = {"UNIONCLI_DATABASE_URL": ledger.url} if db and not ledger.is_sqlite else None
        result = runner.invoke(app, argv, input=input, env=env, catch_exceptions=False)
        i18n.set_lang(None)
        return Run(result.exit_code, result.stdout, result.stderr)

    yield run


@pytest.fixture
def pg_url() -> str:
    url = os.environ.get(TEST_DATABASE_ENV)
    if not url:
        pytest.skip(NO_SERVER)
    return url


class PgServer:
    """This run's corner of the test server: databases named ``unioncli_<run>_…``."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.base = make_url(url)
        self.admin = self.base.set(drivername="postgresql").render_as_string(hide_password=False)
        self.run = f"unioncli_{uuid.uuid4().hex[:10]}"
        self.template = f"{self.run}_template"
        self._n = 0

    def _sql(self, statement: str, *names: str) -> None:
        import psycopg
        from psycopg import sql

        idents = [sql.Identifier(n) for n in names]
        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(*idents))

    def url_of(self, name: str) -> str:
        return self.base.set(database=name).render_as_string(hide_password=False)

    def create(self, template: str | None = None) -> str:
        """A new, empty (or template-copied) database of this run; its name."""
        self._n += 1
        name = f"{self.run}_{self._n}"
        if template is None:
            self._sql("CREATE DATABASE {}", name)
        else:
            self._sql("CREATE DATABASE {} TEMPLATE {}", name, template)
        return name

    def drop(self, name: str) -> None:
        from unioncli.db.engine import dispose_all

        dispose_all()
        self._sql("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)

    def fresh_ledger(self, request: pytest.FixtureRequest) -> Target:
        name = self.create(self.template)
        request.addfinalizer(lambda: self.drop(name))
        return Target(url=self.url_of(name), path=None)

    def start(self) -> None:
        from unioncli.db import migrate
        from unioncli.db.engine import dispose_all

        self._sql("CREATE DATABASE {}", self.template)
        migrate.upgrade(Target(url=self.url_of(self.template), path=None))
        dispose_all()  # a template must have no connections when it is copied

    def finish(self) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s", (self.run + "%",)
                )
            ]
        for name in names:
            self.drop(name)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    url = os.environ.get(TEST_DATABASE_ENV)
    if not url:
        pytest.skip(NO_SERVER)
    pytest.importorskip("psycopg")
    server = PgServer(url)
    server.start()
    try:
        yield server
    finally:
        server.finish()


@pytest.fixture
def pg_target(pg_server: PgServer, request: pytest.FixtureRequest) -> Target:
    """A brand-new, empty database on the test server (no tables), dropped afterwards."""
    name = pg_server.create()
    request.addfinalizer(lambda: pg_server.drop(name))
    return Target(url=pg_server.url_of(name), path=None)
