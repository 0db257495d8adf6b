"""Where a copy reads and writes: a typed address as a target, the same ledger twice, each
side opened once."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from unioncli import config, i18n
from unioncli.config import Target
from unioncli.errors import DomainError, NotFound, UsageError

i18n.register(
    {
        "copy.bad_url": (
            "不是数据库地址或文件路径：{url}（例：postgresql+psycopg://用户@服务器/库名、"
            "sqlite:///路径 或 SQLite 文件路径）",
            "not a database URL or file path: {url} (e.g. postgresql+psycopg://user@host/db, "
            "sqlite:///path, or a SQLite file's path)",
        ),
        "copy.unsupported": (
            "不支持的数据库类型：{backend}（只支持 PostgreSQL 和 SQLite）",
            "unsupported database: {backend} (PostgreSQL and SQLite only)",
        ),
        "copy.no_source": ("找不到源台账文件：{path}", "no such ledger file: {path}"),
        "copy.unreachable": ("无法打开 {where}：{why}", "cannot open {where}: {why}"),
    }
)


def _masked_url(raw: str) -> str:
    return re.sub(r"(://[^/@:]*:)[^@/]*@", r"\1***@", raw)


def locate(typed: str) -> Target:
    """A destination or source as typed: a SQLAlchemy URL, or a SQLite file's path."""
    raw = typed.strip()
    if not raw:
        raise UsageError("copy.bad_url", url="''")
    if "://" not in raw:
        return config.sqlite_target(Path(raw))
    from sqlalchemy.engine import make_url

    try:
        url = make_url(raw)
    except (ArgumentError, ValueError):
        raise UsageError("copy.bad_url", url=_masked_url(raw)) from None
    if url.drivername in ("postgresql", "postgres"):
        url = url.set(drivername="postgresql+psycopg")  # libpq's form: the driver unioncli ships
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:":
            raise UsageError("copy.bad_url", url=_masked_url(raw))
        return config.sqlite_target(Path(url.database))
    if backend != "postgresql":
        raise UsageError("copy.unsupported", backend=backend)
    if not url.database:
        raise UsageError("copy.bad_url", url=_masked_url(raw))
    return Target(url=url.render_as_string(hide_password=False), path=None)


def same_ledger(a: Target, b: Target) -> bool:
    if a.path is not None or b.path is not None:
        if a.path is None or b.path is None:
            return False
        if a.path == b.path:
            return True
        try:
            return a.path.exists() and b.path.exists() and os.path.samefile(a.path, b.path)
        except OSError:
            return False
    from sqlalchemy.engine import make_url

    ua, ub = make_url(a.url), make_url(b.url)
    return (ua.host or "localhost", ua.port or 5432, ua.database) == (
        ub.host or "localhost",
        ub.port or 5432,
        ub.database,
    )


def _why(exc: BaseException, target: Target) -> str:
    """The driver's first line, any password in it blanked (only connecting is wrapped this
    way, so the text quotes no row)."""
    orig = getattr(exc, "orig", None) or exc
    first = (str(orig).strip().splitlines() or [type(orig).__name__])[0]
    from sqlalchemy.engine import make_url

    if target.path is None:
        password = make_url(target.url).password
        if password:
            first = first.replace(str(password), "***")
    return first[:200]


def open_engine(target: Target, *, source: bool) -> Engine:
    """An engine on ``target``, reached once now: a wrong address is one line, not a traceback."""
    from unioncli.db.engine import make_engine

    if source and target.path is not None and not target.path.is_file():
        raise NotFound("copy.no_source", path=target.path)
    try:
        engine = make_engine(target)
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except (SQLAlchemyError, OSError, ImportError) as exc:
        raise DomainError(
            "copy.unreachable", where=target.describe(), why=_why(exc, target)
        ) from None
    return engine
