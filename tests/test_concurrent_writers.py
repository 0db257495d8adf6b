"""Several clerks at once: real processes write to one ledger at the same time.

Every write either lands whole or its command fails with the one-line "ledger busy" message
(exit 4); no write is lost and every count adds up afterwards. On PostgreSQL as on SQLite; the
short-timeout case is about SQLite's file lock only.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from dbutil import rows, scalar

from unioncli import i18n
from unioncli.config import Target
from unioncli.ids import make_id_number

ORG1 = "城关镇第一小学工会"
ORG2 = "河西镇人民医院工会"
FILE_ROWS = 1_500
STATUS_MEMBERS = range(800_000, 800_010)
# the real program with a short busy timeout, so the "ledger busy" path is reached in a test
SHORT_TIMEOUT = (
    "import sys\n"
    "from unioncli.db import engine\n"
    "engine.BUSY_TIMEOUT_MS = 200\n"
    "from unioncli.cli import main\n"
    "sys.argv = ['unioncli', *sys.argv[1:]]\n"
    "main()\n"
)


def pid(n: int, gender: str = "male") -> str:
    birth = date(1960, 1, 1) + timedelta(days=n // 200)
    return make_id_number("230125", birth, (n % 200) * 2 + (gender == "male"), gender)


def name(n: int) -> str:
    return "李" + "伟芳娜秀英敏静丽强磊"[n % 10] + "一二三四五六七八九十"[n // 10 % 10]


def write_members(path: Path, numbers: range) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["姓名", "身份证号", "性别", "所属工会", "入会日期"])
    for n in numbers:
        w.writerow([name(n), pid(n), "男", ORG1 if n % 2 else ORG2, "2021-06-07"])
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def one(db: Target, sql: str, **params: object) -> int:
    return int(scalar(db, sql, **params))


def command(db: Target, launcher: str | None = None) -> tuple[list[str], dict[str, str]]:
    """How to run the real program on the ledger: its argv head, and its environment."""
    head = [sys.executable, "-c", launcher] if launcher else [sys.executable, "-m", "unioncli"]
    if db.path is not None:
        return [*head, "--db", str(db.path)], dict(os.environ)
    return head, os.environ | {"UNIONCLI_DATABASE_URL": db.url}


def busy_line() -> str:
    i18n.set_lang("zh")
    try:
        return i18n.t("error.prefix") + i18n.t("error.locked")
    finally:
        i18n.set_lang(None)


@pytest.fixture
def base(cli, ledger: Target) -> Target:
    from unioncli.db.engine import dispose_all

    assert cli("org", "add", ORG1, "--founded", "2010-05-01").exit_code == 0
    assert cli("org", "add", ORG2, "--founded", "2012-03-01").exit_code == 0
    for n in STATUS_MEMBERS:
        r = cli("member", "add", name(n), "--id", pid(n), "--org", "1", "--joined", "2020-01-02")
        assert r.exit_code == 0, r.stderr
    r = cli(
        "hardship", "open", "王芳", "--id", pid(800_100, "female"), "--org", "1",
        "--category", "深度困难", "--cause", "患重特大疾病", "--size", "3", "--income", "500",
        "--opened", "2024-01-02",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    dispose_all()
    return ledger


class Writer(threading.Thread):
    """One clerk: runs its commands one after the other, each as its own process."""

    def __init__(self, db: Target, label: str, commands: list[list[str]], launcher: str | None):
        super().__init__(name=label)
        self.db, self.label, self.commands, self.launcher = db, label, commands, launcher
        self.ok: list[list[str]] = []
        self.busy: list[list[str]] = []
        self.other: list[tuple[list[str], int, str]] = []

    def run(self) -> None:
        head, env = command(self.db, self.launcher)
        for args in self.commands:
            p = subprocess.run([*head, *args], capture_output=True, text=True, timeout=300, env=env)
            if p.returncode == 0:
                self.ok.append(args)
            elif p.returncode == 4 and p.stderr == busy_line() + "\n":
                self.busy.append(args)
            else:
                self.other.append((args, p.returncode, p.stderr))


def _clerks(db: Target, tmp: Path, file_no: str, launcher: str | None) -> list[Writer]:
    files = [
        write_members(tmp / f"m{k}.csv", range(k * 10_000, k * 10_000 + FILE_ROWS))
        for k in range(4)
    ]
    adds = [
        ["member", "add", name(n), "--id", pid(n), "--org", "2", "--joined", "2022-01-01"]
        for n in range(700_000, 700_008)
    ]
    aids = [
        ["aid", "add", file_no, "--date", f"2024-03-{d:02d}", "--kind", "送温暖",
         "--amount", str(100 * d), "--handler", "李四"]
        for d in range(1, 9)
    ]  # fmt: skip
    statuses = [
        ["member", "retain", pid(n), "--reason", "退休", "--date", "2024-05-06"]
        for n in STATUS_MEMBERS
    ]
    return [
        Writer(db, "import A", [["import", "members", str(files[0])],
                                ["import", "members", str(files[2])]], launcher),
        Writer(db, "import B", [["import", "members", str(files[1])],
                                ["import", "members", str(files[3])]], launcher),
        Writer(db, "member add", adds, launcher),
        Writer(db, "aid add", aids, launcher),
        Writer(db, "member retain", statuses, launcher),
    ]  # fmt: skip


def _run_all(clerks: list[Writer]) -> float:
    started = time.monotonic()
    for c in clerks:
        c.start()
    for c in clerks:
        c.join(timeout=600)
        assert not c.is_alive(), c.label
    return time.monotonic() - started


def _check_nothing_lost(db: Target, clerks: list[Writer], members_before: int) -> None:
    for c in clerks:
        assert c.other == [], f"{c.label}: {c.other}"
    by = {c.label: c for c in clerks}
    imports = by["import A"].ok + by["import B"].ok
    # every import that said yes left one batch whose counts match the rows carrying its id
    batches = rows(
        db, "SELECT id, file_name, rows, created FROM import_batch WHERE status = 'done'"
    )
    assert sorted(b[1] for b in batches) == sorted(Path(a[2]).name for a in imports)
    for batch_id, _file, read, created in batches:
        assert read == created == FILE_ROWS
        assert one(db, "SELECT COUNT(*) FROM member WHERE batch_id = :b", b=batch_id) == created
        assert one(db, "SELECT COUNT(*) FROM person WHERE batch_id = :b", b=batch_id) == created
    created = sum(int(b[3]) for b in batches)  # type: ignore[call-overload]
    adds = by["member add"].ok
    assert one(db, "SELECT COUNT(*) FROM member") == members_before + created + len(adds)
    for args in adds:  # each added member is there, and each busy one is not
        assert one(db, "SELECT COUNT(*) FROM person WHERE id_number = :n", n=args[4]) == 1
    for args in by["member add"].busy:
        assert one(db, "SELECT COUNT(*) FROM person WHERE id_number = :n", n=args[4]) == 0
    aid = by["aid add"]
    assert one(db, "SELECT COUNT(*) FROM aid") == len(aid.ok)
    assert one(db, "SELECT COALESCE(SUM(amount_fen), 0) FROM aid") == sum(
        int(a[a.index("--amount") + 1]) * 100 for a in aid.ok
    )
    retained = {str(r[0]) for r in rows(db, (
        "SELECT p.id_number FROM member m JOIN person p ON p.id = m.person_id "
        "WHERE m.status = 'retained'"))}  # fmt: skip
    assert retained == {a[2] for a in by["member retain"].ok}
    head, env = command(db)
    check = subprocess.run(
        [*head, "db", "check"], capture_output=True, text=True, timeout=120, env=env
    )
    assert check.returncode == 0, check.stdout + check.stderr


def _report(title: str, clerks: list[Writer], seconds: float) -> tuple[int, int]:
    writes = sum(len(c.commands) for c in clerks)
    busy = sum(len(c.busy) for c in clerks)
    print(f"\n{title}: {len(clerks)} writers, {writes} writes, {writes - busy} landed, "
          f"{busy} busy, {seconds:.1f}s")  # fmt: skip
    return writes, busy


def _file_no(db: Target) -> str:
    return str(scalar(db, "SELECT file_no FROM hardship_file"))


def test_five_clerks_at_once_lose_nothing(base: Target, tmp_path: Path) -> None:
    members_before = one(base, "SELECT COUNT(*) FROM member")
    clerks = _clerks(base, tmp_path, _file_no(base), launcher=None)
    seconds = _run_all(clerks)
    _check_nothing_lost(base, clerks, members_before)
    writes, busy = _report("real busy timeout", clerks, seconds)
    assert writes == 2 * 2 + 8 + 8 + 10
    # with the real 15 s timeout (on SQLite; on PostgreSQL the lock waits have no limit) a clerk
    # waits for the others instead of failing
    assert busy == 0


@pytest.mark.sqlite_only("the SQLite file's write lock and busy timeout")
def test_with_a_short_timeout_a_write_fails_whole_with_the_busy_message(
    base: Target, tmp_path: Path
) -> None:
    members_before = one(base, "SELECT COUNT(*) FROM member")
    clerks = _clerks(base, tmp_path, _file_no(base), launcher=SHORT_TIMEOUT)
    # another terminal holds the write lock for a while as the clerks start: some must give up
    assert base.path is not None
    holder = sqlite3.connect(base.path, isolation_level=None, timeout=60, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    release = threading.Timer(1.5, lambda: holder.execute("COMMIT"))
    release.start()
    seconds = _run_all(clerks)
    release.join()
    holder.close()
    _check_nothing_lost(base, clerks, members_before)
    writes, busy = _report("200 ms busy timeout", clerks, seconds)
    assert busy >= 1
    assert writes - busy >= 1
