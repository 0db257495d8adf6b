"""`db backup` while another process writes: every backup is a consistent, checkable ledger.

SQLite's online backup copies pages under a read lock and starts over when a writer changes a
page it already copied, so each backup is one committed state of the ledger — never a torn one.
"""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from unioncli.config import Target, sqlite_target
from unioncli.db import maintenance

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from datetime import date
    from unioncli.config import sqlite_target
    from unioncli.db.uow import UnitOfWork
    from unioncli.ids import make_id_number
    from unioncli.services.members import enrol

    target = sqlite_target(Path(sys.argv[1]))
    for n in range(int(sys.argv[2])):
        number = make_id_number("230125", date(1980, 1, 1 + n // 200), (n % 200) * 2 + 1, "male")
        with UnitOfWork(target) as uow:
            enrol(uow, {"name": "张伟", "id_number": number, "org": "1", "joined": "2020-01-02"})
            uow.commit()
    """
)


def members(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM member").fetchone()[0])


@pytest.mark.sqlite_only("SQLite's online backup of the file")
def test_backups_taken_while_a_clerk_writes_are_consistent(cli, ledger: Target, tmp_path) -> None:
    assert cli("org", "add", "城关镇第一小学工会", "--founded", "2010-05-01").exit_code == 0
    assert ledger.path is not None
    writes = 400
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(ledger.path), str(writes)],
        stderr=subprocess.PIPE,
    )
    copies: list[Path] = []
    try:
        while writer.poll() is None and len(copies) < 40:
            dest = tmp_path / f"backup-{len(copies):02d}.sqlite3"
            maintenance.backup(ledger, dest)
            copies.append(dest)
            time.sleep(0.05)
    finally:
        _, err = writer.communicate(timeout=120)
    assert writer.returncode == 0, err.decode()
    assert len(copies) >= 3  # the backups really ran beside the writer
    counts = []
    for copy in copies:
        health = maintenance.check(sqlite_target(copy))
        assert health.ok, (copy, health)
        assert copy.stat().st_mode & 0o077 == 0
        counts.append(members(copy))
    # each backup is one committed state: counts never go back, and each join has its event
    assert counts == sorted(counts)
    assert members(ledger.path) == writes
    for copy in copies:
        with sqlite3.connect(copy) as conn:
            joins = conn.execute("SELECT COUNT(*) FROM member_event").fetchone()[0]
        assert joins == members(copy)

    # a restore from the middle of the run gives a ledger that passes db check, with the one
    # it replaced kept aside
    middle = copies[len(copies) // 2]
    r = cli("db", "restore", str(middle), "--yes")
    assert r.exit_code == 0, r.stderr
    assert maintenance.check(ledger).ok
    assert members(ledger.path) == members(middle)
    (kept,) = (ledger.path.parent / "backups").iterdir()
    assert members(kept) == writes


def test_on_a_server_ledger_backup_and_restore_point_to_pg_dump(
    pg_target: Target, tmp_path
) -> None:
    """The server keeps its own backups: the commands say so, write no file, and change nothing."""
    from dbutil import fingerprint
    from typer.testing import CliRunner

    from unioncli.cli import app
    from unioncli.db import migrate

    migrate.upgrade(pg_target)
    before = fingerprint(pg_target)
    env = {"UNIONCLI_DATABASE_URL": pg_target.url}
    dest = tmp_path / "backup.sqlite3"
    for args in (
        ["db", "backup"],
        ["db", "backup", str(dest)],
        ["db", "restore", str(dest), "--yes"],
    ):
        r = CliRunner().invoke(app, args, env=env)
        assert r.exit_code == 1, (args, r.output)
        assert (
            r.stderr
            == "错误：备份与恢复只适用于 SQLite 台账；PostgreSQL 请用 pg_dump / pg_restore，"
            "或 unioncli --db 文件 db copy --from 服务器地址\n"
        )
    assert not dest.exists() and not list(tmp_path.rglob("*.sqlite3"))
    assert fingerprint(pg_target) == before
