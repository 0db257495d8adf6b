"""Whole-process time of every read command and three writes, each beside `import typer`.

    python bench/startup.py                 # 1,000,000-member demo ledger (built once, ~8 min)
    python bench/startup.py --members 100000 --runs 5
    python bench/startup.py --only read     # or: write, find

Prints the median wall time of each command over --runs interleaved runs and its ratio to
`python -c "import typer"` timed in the same run. Aims (issue #16): every read <= 3x the baseline
(moonshot 2x), every write <= 6x; earlier aims (issue #2): `--help` within 2x, `member find`
< 0.5 s. The writes (`member add`, `aid add`, `hardship review`) run on a copy of the ledger made
for the run (in the temp directory), each run with its own new member, file and date, so the
ledger the reads use is never changed. Beside the writes it times `import sqlmodel` and the
imports of the unit of work and the models: what every write loads before it starts, the floor
of a write while writes go through SQLModel. Exits non-zero if a command fails.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cli() -> list[str]:
    exe = shutil.which("unioncli")
    return [exe] if exe else [sys.executable, "-m", "unioncli"]


def _time(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr.decode()}")
    return took


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--db", type=Path, default=None, help="ledger to use (built when missing)")
    ap.add_argument("--only", choices=("read", "write", "find"), default=None)
    args = ap.parse_args()

    db = args.db or Path(tempfile.gettempdir()) / f"unioncli-bench-{args.members}.sqlite3"
    env = {**os.environ, "COLUMNS": "100", "UNIONCLI_OPERATOR": "bench"}
    env.pop("UNIONCLI_DATABASE_URL", None)
    cli = _cli()
    if not db.exists():
        print(f"building {args.members:,}-member demo ledger at {db} ...", flush=True)
        t = _time([*cli, "--db", str(db), "demo", "--members", str(args.members)], env)
        print(f"  built in {t:.1f} s", flush=True)

    # a name, a tail of an ID number and a phone that exist in the ledger, a file and a station
    import sqlite3

    con = sqlite3.connect(db)
    name, id_number, phone = con.execute(
        "SELECT name, id_number, phone FROM person WHERE phone IS NOT NULL ORDER BY id LIMIT 1 OFFSET 777"
    ).fetchone()
    (member_id,) = con.execute("SELECT id FROM member ORDER BY id LIMIT 1 OFFSET 1023").fetchone()
    (file_no,) = con.execute(
        "SELECT file_no FROM hardship_file ORDER BY id LIMIT 1 OFFSET 100"
    ).fetchone()
    (station,) = con.execute("SELECT code FROM station ORDER BY id LIMIT 1").fetchone()
    (org_id,) = con.execute("SELECT id FROM org ORDER BY id LIMIT 1").fetchone()
    # open files, one per write run of `aid add` and `hardship review`
    open_files = [
        r[0]
        for r in con.execute(
            "SELECT file_no FROM hardship_file WHERE status = 'open' ORDER BY id LIMIT :n",
            {"n": args.runs + 2},
        )
    ]
    con.close()

    ledger = ["--db", str(db)]
    reads = {
        "unioncli --help": ["--help"],
        "member find zw (initials)": [*ledger, "member", "find", "zw"],
        f"member find {name} (name)": [*ledger, "member", "find", name],
        "member find <last 6 of ID>": [*ledger, "member", "find", id_number[-6:]],
        "member find <phone>": [*ledger, "member", "find", phone],
        f"member show {member_id}": [*ledger, "member", "show", str(member_id)],
        "member list": [*ledger, "member", "list"],
        "org list": [*ledger, "org", "list"],
        "org show 1": [*ledger, "org", "show", str(org_id)],
        "hardship list": [*ledger, "hardship", "list"],
        "hardship show <file>": [*ledger, "hardship", "show", file_no],
        "hardship due --as-of 2024-12-31": [*ledger, "hardship", "due", "--as-of", "2024-12-31"],
        "hardship notice --aid-year 2024": [*ledger, "hardship", "notice", "--aid-year", "2024"],
        "aid list --year 2024": [*ledger, "aid", "list", "--year", "2024"],
        "grant list": [*ledger, "grant", "list"],
        "grant round 2024": [*ledger, "grant", "round", "2024"],
        "grant notice 2024": [*ledger, "grant", "notice", "2024"],
        "station list": [*ledger, "station", "list"],
        "station show <code>": [*ledger, "station", "show", station],
        "station ledger": [*ledger, "station", "ledger"],
        "station check": [*ledger, "station", "check"],
        "audit list": [*ledger, "audit", "list"],
        "audit verify": [*ledger, "audit", "verify"],
        "import list": [*ledger, "import", "list"],
        "report year 2024 --format json": [*ledger, "report", "year", "2024", "--format", "json"],
        "report by-org 2024": [*ledger, "report", "by-org", "2024"],
        "report trend 2015-2024": [*ledger, "report", "trend", "--from", "2015", "--to", "2024"],
    }
    if args.only == "find":
        reads = {k: v for k, v in reads.items() if k.startswith(("unioncli --help", "member find"))}

    copy = Path(tempfile.gettempdir()) / f"unioncli-bench-writes-{os.getpid()}.sqlite3"
    # each write its own count: run k adds member k, and aid to and a review of open file k
    counters = {name: iter(range(1_000_000)) for name in ("member", "aid", "review")}

    def member_add() -> list[str]:
        from datetime import date, timedelta

        from unioncli.ids import make_id_number

        n = next(counters["member"])
        # the demo draws sequence numbers below 499: these people are new to the ledger
        idn = make_id_number("230125", date(1975, 1, 1) + timedelta(days=n), 499, "male")
        return [
            *cli,
            "--db",
            str(copy),
            "member",
            "add",
            "试" + "甲乙丙丁戊己庚辛壬癸"[n % 10] + "子丑寅卯辰巳午未申酉戌亥"[n // 10 % 12],
            "--id",
            idn,
            "--org",
            str(org_id),
            "--joined",
            "2024-06-01",
        ]

    def aid_add() -> list[str]:
        f = open_files[next(counters["aid"])]
        return [
            *cli,
            "--db",
            str(copy),
            "aid",
            "add",
            f,
            "--date",
            "2024-12-30",
            "--kind",
            "送温暖",
            "--amount",
            "500",
        ]

    def hardship_review() -> list[str]:
        f = open_files[next(counters["review"])]
        return [
            *cli,
            "--db",
            str(copy),
            "hardship",
            "review",
            f,
            "--date",
            "2024-12-30",
            "--outcome",
            "继续在档",
        ]

    writes = {"member add": member_add, "aid add": aid_add, "hardship review": hardship_review}
    # what every write imports before it does anything: the ORM and the models (the floor of a
    # write's time while writes go through SQLModel)
    floors = {
        'python -c "import sqlmodel"': [sys.executable, "-c", "import sqlmodel"],
        "import the unit of work + models": [sys.executable, "-c", "import unioncli.db.uow"],
    }

    baseline = 'python -c "import typer" (baseline)'
    cases: dict[str, object] = {baseline: [sys.executable, "-c", "import typer"]}
    if args.only in (None, "read", "find"):
        cases.update({k: [*cli, *v] for k, v in reads.items()})
    if args.only in (None, "write"):
        print(f"copying the ledger for the writes to {copy} ...", flush=True)
        shutil.copy(db, copy)
        cases.update(floors)
        cases.update(writes)

    def command(case: object) -> list[str]:
        return case() if callable(case) else case  # type: ignore[return-value]

    try:
        for case in cases.values():  # warm the page cache and .pyc files
            _time(command(case), env)
        samples: dict[str, list[float]] = {k: [] for k in cases}
        for _ in range(args.runs):
            for label, case in cases.items():
                samples[label].append(_time(command(case), env))
    finally:
        copy.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(str(copy) + suffix).unlink(missing_ok=True)

    base = statistics.median(samples[baseline])
    print(f"\nledger: {db} ({args.members:,} members), {args.runs} runs each, medians")
    print(f"{'command':<40} {'median':>9} {'ratio':>7}  aim")
    for label, values in samples.items():
        med = statistics.median(values)
        aim = "<= 6x" if label in writes else "" if label in (baseline, *floors) else "<= 3x"
        print(f"{label:<40} {med * 1000:7.0f} ms {med / base:6.2f}x  {aim}")


if __name__ == "__main__":
    main()
