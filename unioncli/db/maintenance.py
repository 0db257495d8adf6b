"""Backup, restore and health check of the ledger."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import text

from unioncli.config import Target
from unioncli.db.engine import make_engine, prepare_sqlite_file
from unioncli.db.engine_settings import BUSY_TIMEOUT_MS
from unioncli.db.schema import HEAD, stored_revision
from unioncli.errors import Conflict, DomainError, NotFound
from unioncli.i18n import register

register(
    {
        "db.sqlite_only": (
            "备份与恢复只适用于 SQLite 台账；PostgreSQL 请用 pg_dump / pg_restore，"
            "或 unioncli --db 文件 db copy --from 服务器地址",
            "backup and restore are for SQLite ledgers; on PostgreSQL use pg_dump / pg_restore, "
            "or unioncli --db FILE db copy --from URL",
        ),
        "db.backup_exists": ("文件已存在：{path}", "file exists: {path}"),
        "db.no_file": ("找不到文件：{path}", "no such file: {path}"),
        "db.not_ledger": (
            "{path} 不是 unioncli 台账备份（{why}）",
            "{path} is not a unioncli ledger backup ({why})",
        ),
        "db.same_file": ("备份文件就是当前台账", "the backup is the ledger itself"),
    }
)


def _require_sqlite(target: Target) -> Path:
    if target.path is None:
        raise DomainError("db.sqlite_only")
    return target.path


def _connect(path: Path, *, read_only: bool = False) -> sqlite3.Connection:
    # as_uri() escapes '#', '?' and '%', which a plain "file:" string would cut the path at
    uri = path.as_uri() + ("?mode=ro" if read_only else "")
    conn = sqlite3.connect(uri, uri=True)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    return conn


def _copy(src: sqlite3.Connection, dest_path: Path, *, self_contained: bool = False) -> None:
    dest = _connect(dest_path)
    try:
        src.backup(dest)
        if self_contained:
            # a backup file stands alone: no -wal/-shm beside it when it is read later
            dest.execute("PRAGMA journal_mode=DELETE")
    finally:
        dest.close()


def default_backup_path(target: Target) -> Path:
    path = _require_sqlite(target)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return path.parent / "backups" / f"{path.stem}-{stamp}.sqlite3"


def backup(target: Target, dest: Path | None = None) -> Path:
    """A consistent copy (SQLite's online backup), safe while other terminals write."""
    path = _require_sqlite(target)
    from unioncli.db.engine import engine_for

    engine_for(target)  # a new or older ledger is brought to head before it is copied
    dest = (dest or default_backup_path(target)).expanduser().resolve()
    if dest.exists():
        raise Conflict("db.backup_exists", path=dest)
    prepare_sqlite_file(dest)
    src = _connect(path)
    try:
        _copy(src, dest, self_contained=True)
    finally:
        src.close()
    return dest


def _verify_backup(source: Path) -> str:
    if not source.is_file():
        raise NotFound("db.no_file", path=source)
    try:
        con = _connect(source, read_only=True)
        try:
            ok = con.execute("PRAGMA integrity_check").fetchone()[0]
            rev = con.execute("SELECT version_num FROM alembic_version").fetchone()
        finally:
            con.close()
    except sqlite3.DatabaseError as exc:
        raise DomainError("db.not_ledger", path=source, why=type(exc).__name__) from None
    if ok != "ok":
        raise DomainError("db.not_ledger", path=source, why="integrity_check")
    if rev is None:
        raise DomainError("db.not_ledger", path=source, why="alembic_version")
    return str(rev[0])


def restore(target: Target, source: Path) -> tuple[Path | None, str]:
    """Replace the ledger with a backup; the ledger as it was is first saved beside it.

    Returns the safety copy's path (None when there was no ledger) and the backup's revision.
    """
    path = _require_sqlite(target)
    source = source.expanduser().resolve()
    if source == path:
        raise Conflict("db.same_file")
    revision = _verify_backup(source)
    safety = None
    if path.exists() and path.stat().st_size > 0:
        safety = backup(
            target,
            path.parent
            / "backups"
            / f"{path.stem}-before-restore-{datetime.now():%Y%m%d-%H%M%S}.sqlite3",
        )
    prepare_sqlite_file(path)
    from unioncli.db.engine import dispose_all

    dispose_all()  # no pooled connection of ours may hold the ledger while it is overwritten
    src = _connect(source, read_only=True)
    try:
        # The backup API copies page by page under a lock: other terminals wait, then see the
        # restored ledger; a half-copied file is never visible.
        _copy(src, path)
    finally:
        src.close()
    os.chmod(path, 0o600)
    _audit_restore(target, source, safety)
    return safety, revision


def _audit_restore(target: Target, source: Path, safety: Path | None) -> None:
    from unioncli.db.uow import UnitOfWork

    with UnitOfWork(target) as uow:  # brings an older backup to the current schema first
        uow.audit(
            "db.restore",
            "ledger",
            None,
            after={"source": str(source), "saved_as": str(safety) if safety else None},
        )
        uow.commit()


@dataclass
class Health:
    revision: str | None
    head: str
    integrity: list[str] = field(default_factory=list)
    foreign_keys: int = 0
    drift: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return (
            self.revision == self.head
            and self.integrity == ["ok"]
            and self.foreign_keys == 0
            and not self.drift
        )


def check(target: Target) -> Health:
    engine = make_engine(target)
    try:
        health = Health(revision=stored_revision(engine), head=HEAD)
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                health.integrity = [r[0] for r in conn.execute(text("PRAGMA integrity_check"))]
                health.foreign_keys = len(conn.execute(text("PRAGMA foreign_key_check")).all())
            else:
                health.integrity = ["ok"]
    finally:
        engine.dispose()
    if health.revision is not None:
        from unioncli.db.migrate import drift

        health.drift = [str(d) for d in drift(target)]
    return health
