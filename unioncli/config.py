"""Where the ledger lives and who is working on it."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from pathlib import Path

APP_NAME = "unioncli"


@dataclass(frozen=True)
class Target:
    """The ledger a command works on: a SQLAlchemy URL and, for SQLite, the file's path."""

    url: str
    path: Path | None  # None for a server database

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def describe(self) -> str:
        if self.path is not None:
            return str(self.path)
        # never print a password that sits in a URL
        from sqlalchemy.engine import make_url

        return make_url(self.url).render_as_string(hide_password=True)


def default_db_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / "ledger.sqlite3"


def resolve_target(db: str | None = None) -> Target:
    """``--db`` beats ``UNIONCLI_DB`` beats ``UNIONCLI_DATABASE_URL`` beats the default file."""
    path_text = db or os.environ.get("UNIONCLI_DB")
    if not path_text:
        url = os.environ.get("UNIONCLI_DATABASE_URL", "").strip()
        if url:
            if url.startswith("sqlite"):
                from sqlalchemy.engine import make_url

                database = make_url(url).database
                if database and database != ":memory:":
                    return sqlite_target(Path(database))
            return Target(url=url, path=None)
        return sqlite_target(default_db_path())
    return sqlite_target(Path(path_text))


def sqlite_target(path: Path) -> Target:
    path = path.expanduser().resolve()
    return Target(url=f"sqlite:///{path}", path=path)


def operator() -> str:
    """Who is working: ``UNIONCLI_OPERATOR``, else the OS user."""
    name = os.environ.get("UNIONCLI_OPERATOR", "").strip()
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers)
        return f"uid:{os.getuid()}"
