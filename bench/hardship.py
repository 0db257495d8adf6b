"""The hardship clerk's queries on a big county, each beside `python -c "import typer"` in the same run.

    python bench/hardship.py                  # 100,000 files, ~565,000 aid entries (built once)
    python bench/hardship.py --runs 21 --files 20000 --members 60000

The ledger is built once into the temp directory by the demo builder (`--members` members, of whom
some head a file, and `--files` hardship files with their families, reviews, visits and aid; the
default takes about 100 s) and reused while it holds that many files; `--rebuild` builds it
again. Then, as subprocesses, interleaved over --runs runs: `hardship due` as of the demo's last
day (the clerk's queue) and as of today (every open file is overdue: the worst case),
`aid list --file` and `hardship show` for the file with the most aid entries. Prints the median
wall time of each and its ratio to the baseline; exits non-zero when a command fails.
Aim (issue #4): `hardship due` and `aid list` for one file under 1 s.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cli() -> list[str]:
    exe = shutil.which("unioncli")
    return [exe] if exe else [sys.executable, "-m", "unioncli"]


def _time(label: str, cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    took = time.perf_counter() - start
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip().splitlines()
        print(f"FAILED ({done.returncode}): {label}\n  {' '.join(cmd)}", file=sys.stderr)
        print("  " + (err[-1] if err else "(no message)"), file=sys.stderr)
        sys.exit(1)
    return took


def _files_in(db: Path) -> int:
    if not db.exists():
        return -1
    try:
        con = sqlite3.connect(db)
        try:
            return int(con.execute("SELECT COUNT(*) FROM hardship_file").fetchone()[0])
        finally:
            con.close()
    except sqlite3.Error:
        return -1


def _build(db: Path, members: int, files: int) -> None:
    """The demo builder, in-process: `unioncli demo` has no option for the number of files."""
    from unioncli.config import sqlite_target
    from unioncli.db.engine import engine_for
    from unioncli.services.demo.builder import build

    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    print(f"building {members:,} members and {files:,} hardship files at {db} ...", flush=True)
    start = time.perf_counter()
    result = build(engine_for(sqlite_target(db)), "bench", members=members, hardship_files=files)
    print(
        f"  built in {time.perf_counter() - start:.1f} s: {result.files:,} files "
        f"({result.open_files:,} open), {result.aid:,} aid entries",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--members", type=int, default=300_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--db", type=Path, default=None, help="ledger to use (built when missing)")
    ap.add_argument("--rebuild", action="store_true", help="build the ledger again")
    args = ap.parse_args()

    db = args.db or Path(tempfile.gettempdir()) / f"unioncli-bench-hardship-{args.files}.sqlite3"
    if args.rebuild or _files_in(db) != args.files:
        _build(db, args.members, args.files)

    con = sqlite3.connect(db)
    file_no, entries = con.execute(
        "SELECT f.file_no, COUNT(*) FROM aid a JOIN hardship_file f ON f.id = a.file_id "
        "GROUP BY a.file_id ORDER BY COUNT(*) DESC, f.id LIMIT 1"
    ).fetchone()
    n_files, n_open = con.execute(
        "SELECT COUNT(*), SUM(status = 'open') FROM hardship_file"
    ).fetchone()
    n_aid = con.execute("SELECT COUNT(*) FROM aid").fetchone()[0]
    last_day = con.execute("SELECT MAX(aid_date) FROM aid").fetchone()[0]
    con.close()

    env = {**os.environ, "COLUMNS": "100", "UNIONCLI_OPERATOR": "bench"}
    env.pop("UNIONCLI_DATABASE_URL", None)
    cli = [*_cli(), "--db", str(db)]
    cases = {
        'python -c "import typer" (baseline)': [sys.executable, "-c", "import typer"],
        f"hardship due --as-of {last_day}": [*cli, "hardship", "due", "--as-of", last_day],
        "hardship due (today: all overdue)": [*cli, "hardship", "due"],
        f"aid list --file {file_no}": [*cli, "aid", "list", "--file", file_no],
        f"hardship show {file_no}": [*cli, "hardship", "show", file_no],
    }
    for label, cmd in cases.items():  # warm the page cache and .pyc files
        _time(label, cmd, env)
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.runs):
        for label, cmd in cases.items():
            samples[label].append(_time(label, cmd, env))

    base = statistics.median(next(iter(samples.values())))
    print(
        f"\nledger: {db} ({n_files:,} files, {n_open:,} open, {n_aid:,} aid entries; "
        f"{file_no} has {entries}), {args.runs} runs each, medians"
    )
    print(f"{'command':<44} {'median':>9} {'ratio':>7}")
    for label, values in samples.items():
        med = statistics.median(values)
        print(f"{label:<44} {med * 1000:7.0f} ms {med / base:6.2f}x")


if __name__ == "__main__":
    main()
