"""Every read command on a SQLite ledger runs without SQLAlchemy or SQLModel (issue 16).

Not a timing: each command runs in its own interpreter on a demo ledger at the schema head, and
the test reads which modules that interpreter had imported when it exited. A read goes through
``db.read`` (stdlib sqlite3) and the views; importing the ORM would cost it ~1 s of start-up on a
clerk's machine. A write command, by contrast, must load them (the last test), so the check can
tell the two apart.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from demo_ledger import build_demo

HEAVY = ("sqlalchemy", "sqlmodel", "alembic")

_PROBE = """
import atexit, json, os, sys
def _tell():
    heavy = [m for m in {heavy!r} if m in sys.modules]
    with open(os.environ["PROBE_OUT"], "w") as f:
        json.dump(heavy, f)
atexit.register(_tell)
sys.argv = ["unioncli", *sys.argv[1:]]
from unioncli.cli import main
main()
"""

# (command, the exit code it ends with on the demo ledger)
READ_COMMANDS: list[tuple[str, int]] = [
    ("member list", 0),
    ("member list --format csv --all", 0),
    ("member find zw", 0),
    ("member show 5", 0),
    ("org list", 0),
    ("org show 1", 0),
    ("hardship list", 0),
    ("hardship show {file_no}", 0),
    ("hardship due --as-of 2024-12-31", 0),
    ("hardship notice --opened-in 2024", 0),
    ("hardship notice --aid-year 2024", 0),
    ("hardship settings", 0),
    ("aid list --year 2024", 0),
    ("grant list", 0),
    ("grant round 2024", 0),
    ("grant notice 2024", 0),
    ("grant standards 2024", 0),
    ("grant budget 2024", 0),
    ("station list", 0),
    ("station show {station}", 0),
    ("station ledger", 0),
    ("station check", 0),
    ("audit list", 0),
    ("audit verify", 0),
    ("import list", 0),
    ("report settings", 0),
    ("report diff 2024", 0),
    ("report year 2024 --format json", 0),
    ("report by-org 2024", 0),
    ("report by-county 2024", 0),
    ("report trend --from 2022 --to 2024", 0),
]


@pytest.fixture(scope="module")
def demo_db(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("readside") / "demo.sqlite3"
    build_demo(template_db, path, members=300)
    return path


def _heavy_modules(db: Path, command: str, tmp_path: Path) -> tuple[int, list[str], str]:
    con = sqlite3.connect(db)
    (file_no,) = con.execute("SELECT file_no FROM hardship_file ORDER BY id LIMIT 1").fetchone()
    (station,) = con.execute("SELECT code FROM station ORDER BY id LIMIT 1").fetchone()
    con.close()
    command = command.format(file_no=file_no, station=station)
    out = tmp_path / "probe.json"
    env = {**os.environ, "PROBE_OUT": str(out), "COLUMNS": "100"}
    env.pop("UNIONCLI_DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "-c", _PROBE.format(heavy=HEAVY), "--db", str(db), *command.split()],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return run.returncode, json.loads(out.read_text()), run.stderr


@pytest.mark.parametrize(("command", "code"), READ_COMMANDS, ids=[c for c, _ in READ_COMMANDS])
def test_read_command_leaves_the_orm_out(
    demo_db: Path, tmp_path: Path, command: str, code: int
) -> None:
    exit_code, heavy, stderr = _heavy_modules(demo_db, command, tmp_path)
    assert exit_code == code, stderr
    assert heavy == [], f"`unioncli {command}` imported {heavy}"


def test_a_write_command_loads_the_orm(demo_db: Path, tmp_path: Path) -> None:
    # the probe tells a write from a read: a command that writes does import the ORM
    exit_code, heavy, stderr = _heavy_modules(
        demo_db, "hardship settings --year 2025 --low-income-line 800", tmp_path
    )
    assert exit_code == 0, stderr
    assert "sqlmodel" in heavy
