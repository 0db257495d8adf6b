"""Crash safety: a write killed with SIGKILL at any point leaves the ledger exactly as it was.

Real processes (``python -m unioncli``) are killed mid-way — a 50,000-row import while its WAL is
growing or at a random moment, and single writes (member add, hardship open, aid add, member
update) at random moments or right after their rows were flushed but before COMMIT. Afterwards
``db check`` passes and a digest of every table (columns, row counts, ordered rows) is unchanged.
The single writes run on PostgreSQL too: there a killed client's transaction must vanish whole,
which holds only if each command is one transaction.
"""

from __future__ import annotations

import csv
import io
import os
import random
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from dbutil import contents as digest
from dbutil import count, scalar

from unioncli.config import Target, sqlite_target
from unioncli.ids import make_id_number

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")

ORG1 = "城关镇第一小学工会"
ORG2 = "河西镇人民医院工会"
IMPORT_ROWS = 50_000
SEED = 20240801
# A launcher that dies by SIGKILL inside the transaction: after the command's rows were flushed
# to the database, before COMMIT. The most exact "power cut in the middle of a write".
DIE_BEFORE_COMMIT = (
    "import os, signal, sys\n"
    "from unioncli.db import uow as u\n"
    "def commit(self):\n"
    "    self.session.flush()\n"
    "    os.kill(os.getpid(), signal.SIGKILL)\n"
    "u.UnitOfWork.commit = commit\n"
    "from unioncli.cli import main\n"
    "sys.argv = ['unioncli', *sys.argv[1:]]\n"
    "main()\n"
)
KILLS: dict[str, int] = {}


def pid(n: int, gender: str = "male") -> str:
    birth = date(1960, 1, 1) + timedelta(days=n // 200)
    return make_id_number("230125", birth, (n % 200) * 2 + (gender == "male"), gender)


def name(n: int) -> str:
    return "张" + "伟芳娜秀英敏静丽强磊"[n % 10] + "一二三四五六七八九十"[n // 10 % 10]


def unioncli(db: Target, *args: str, launcher: str | None = None) -> list[str]:
    head = [sys.executable, "-c", launcher] if launcher else [sys.executable, "-m", "unioncli"]
    return [*head, *(["--db", str(db.path)] if db.path is not None else []), *args]


def env(db: Target) -> dict[str, str]:
    """The test's environment, pointing a server ledger's process at its database."""
    return os.environ | ({} if db.path is not None else {"UNIONCLI_DATABASE_URL": db.url})


def run(db: Target, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        unioncli(db, *args), capture_output=True, text=True, timeout=120, env=env(db)
    )


def assert_intact(db: Target, before: str) -> None:
    check = run(db, "db", "check")
    assert check.returncode == 0, check.stdout + check.stderr
    assert digest(db) == before


@pytest.fixture
def base(cli, ledger: Target) -> Target:
    """A ledger with two unions, a few members and an open hardship file, every connection closed."""
    from unioncli.db.engine import dispose_all

    assert cli("org", "add", ORG1, "--founded", "2010-05-01").exit_code == 0
    assert cli("org", "add", ORG2, "--founded", "2012-03-01").exit_code == 0
    for n in range(900_000, 900_004):
        r = cli("member", "add", name(n), "--id", pid(n), "--org", "1", "--joined", "2020-01-02")
        assert r.exit_code == 0, r.stderr
    r = cli(
        "hardship", "open", "王芳", "--id", pid(900_100, "female"), "--org", "1",
        "--category", "深度困难", "--cause", "患重特大疾病", "--size", "3", "--income", "500",
        "--opened", "2024-01-02",
    )  # fmt: skip
    assert r.exit_code == 0, r.stderr
    dispose_all()
    return ledger


@pytest.fixture(scope="module")
def big_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["姓名", "身份证号", "性别", "手机号", "所属工会", "入会日期", "是否农民工"])
    for n in range(IMPORT_ROWS):
        w.writerow(
            [name(n), pid(n), "男", f"138{n:08d}", ORG1 if n % 2 else ORG2, "2020-03-05",
             "是" if n % 3 == 0 else "否"]
        )  # fmt: skip
    path = tmp_path_factory.mktemp("crash") / "members.csv"
    path.write_bytes(buf.getvalue().encode("gb18030"))
    return path


def _wal_size(db: Target) -> int:
    try:
        return os.stat(f"{db.path}-wal").st_size
    except FileNotFoundError:
        return 0


def _kill_import(db: Target, csv_path: Path, *, wal_over: int, after: float) -> str:
    """Start the import; SIGKILL it once its WAL passes ``wal_over`` bytes or ``after`` seconds
    have gone by, whichever comes first. Returns which of the two fired."""
    start_wal = _wal_size(db)
    proc = subprocess.Popen(
        unioncli(db, "import", "members", str(csv_path)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    started = time.monotonic()
    fired = ""
    while not fired:
        if proc.poll() is not None:
            pytest.fail(f"the import finished (exit {proc.returncode}) before it could be killed")
        if _wal_size(db) - start_wal > wal_over:
            fired = "wal"
        elif time.monotonic() - started > after:
            fired = "time"
        else:
            time.sleep(0.0005)
    proc.send_signal(signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL
    return fired


@pytest.mark.sqlite_only("kills the import as the SQLite file's WAL grows")
def test_a_large_import_killed_mid_way_leaves_the_ledger_as_it_was(
    base: Target, big_csv: Path, tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    before = digest(base)
    members_before = count(base, "member")
    fired = []
    # Half the kills while the import is writing its pages to the WAL (the COMMIT is under way),
    # half at a random moment of reading, checking and inserting. The WAL thresholds stay well
    # under the ~30 MB a finished 50,000-row import writes, so the kill always precedes COMMIT.
    plans = [(rng.randint(64 * 1024, 12 * 1024 * 1024), 120.0) for _ in range(3)]
    plans += [(4 * 1024 * 1024, rng.uniform(0.2, 2.0)) for _ in range(3)]
    for i, (wal_over, after) in enumerate(plans):
        db = sqlite_target(tmp_path / f"import-{i}.sqlite3")
        assert base.path is not None and db.path is not None
        db.path.write_bytes(base.path.read_bytes())
        fired.append(_kill_import(db, big_csv, wal_over=wal_over, after=after))
        assert_intact(db, before)
        assert count(db, "member") == members_before
        assert count(db, "import_batch") == 0
    assert fired.count("wal") >= 3  # at least half the kills really hit the write itself
    KILLS["import"] = len(plans)
    # and the ledger that survived the kills takes the same import whole afterwards
    done = run(db, "import", "members", str(big_csv))
    assert done.returncode == 0, done.stderr
    assert count(db, "member") == members_before + IMPORT_ROWS
    assert run(db, "db", "check").returncode == 0


def _commands(n: int, file_no: str) -> list[tuple[str, list[str]]]:
    """Write commands that are valid on the base ledger, whichever ones happened before."""
    return [
        ("member add", ["member", "add", name(n), "--id", pid(n), "--org", str(1 + n % 2),
                        "--joined", "2021-04-05", "--phone", f"139{n:08d}"]),
        ("hardship open", ["hardship", "open", name(n), "--id", pid(n, "female"), "--org", "2",
                           "--category", "相对困难", "--cause", "下岗失业", "--size", "2",
                           "--income", "600", "--opened", "2024-02-03"]),
        ("aid add", ["aid", "add", file_no, "--date", "2024-06-01", "--kind", "送温暖",
                     "--amount", str(100 + n % 900), "--handler", "李四"]),
        ("member update", ["member", "update", pid(900_000 + n % 4), "--phone", f"137{n:08d}"]),
    ]  # fmt: skip


def test_single_writes_killed_at_random_points_leave_the_ledger_as_it_was(base: Target) -> None:
    rng = random.Random(SEED + 1)
    file_no = str(scalar(base, "SELECT file_no FROM hardship_file"))
    kills = {"before commit": 0, "random moment": 0}
    completed = landed = 0
    for i in range(16):
        label, args = rng.choice(_commands(910_000 + i, file_no))
        before = digest(base)
        audits_before = count(base, "audit_log")
        if i % 2 == 0:
            proc = subprocess.Popen(
                unioncli(base, *args, launcher=DIE_BEFORE_COMMIT),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
                env=env(base),
            )
            _, err = proc.communicate(timeout=120)
            assert proc.returncode == -signal.SIGKILL, f"{label}: {err}"
            kills["before commit"] += 1
        else:
            proc = subprocess.Popen(
                unioncli(base, *args),
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                env=env(base),
            )
            time.sleep(rng.uniform(0.05, 0.6))
            proc.send_signal(signal.SIGKILL)
            proc.communicate(timeout=120)
            if proc.returncode != -signal.SIGKILL:
                # it finished first: then it must have succeeded or refused cleanly
                assert proc.returncode in (0, 4), label
                completed += 1
                continue
            kills["random moment"] += 1
            check = run(base, "db", "check")
            assert check.returncode == 0, check.stdout + check.stderr
            if digest(base) != before:
                # killed after its COMMIT, before the process exited: the write landed whole,
                # audit entry included (it is in the same transaction)
                assert count(base, "audit_log") > audits_before
                landed += 1
            continue
        assert_intact(base, before)
    # every command really was a write that changes the ledger when it is not killed
    for label, args in _commands(920_000, file_no):
        before = digest(base)
        r = run(base, *args)
        assert r.returncode == 0, f"{label}: {r.stderr}"
        assert digest(base) != before
    assert kills["before commit"] == 8
    assert kills["random moment"] >= 4
    KILLS["single writes"] = sum(kills.values())
    print(
        f"\nkills: {KILLS}; random-moment commands that finished first: {completed}, "
        f"killed after COMMIT: {landed}"
    )
