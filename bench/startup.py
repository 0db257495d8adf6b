"""Start-up and lookup latency of the CLI, each beside `python -c "import typer"` in the same run.

    python bench/startup.py                 # 1,000,000-member demo ledger (built once, ~1-2 min)
    python bench/startup.py --members 100000 --runs 21

Prints the median wall time of each command over --runs interleaved runs and its ratio to the
baseline. Aims (issue #2): `unioncli --help` within 2x of importing typer; `member find` < 0.5 s.
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
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--db", type=Path, default=None, help="ledger to use (built when missing)")
    args = ap.parse_args()

    db = args.db or Path(tempfile.gettempdir()) / f"unioncli-bench-{args.members}.sqlite3"
    env = {**os.environ, "COLUMNS": "100", "UNIONCLI_OPERATOR": "bench"}
    env.pop("UNIONCLI_DATABASE_URL", None)
    cli = _cli()
    if not db.exists():
        print(f"building {args.members:,}-member demo ledger at {db} ...", flush=True)
        t = _time([*cli, "--db", str(db), "demo", "--members", str(args.members)], env)
        print(f"  built in {t:.1f} s", flush=True)

    # a name, a tail of an ID number and a phone that exist in the ledger
    import sqlite3

    con = sqlite3.connect(db)
    name, id_number, phone = con.execute(
        "SELECT name, id_number, phone FROM person WHERE phone IS NOT NULL ORDER BY id LIMIT 1 OFFSET 777"
    ).fetchone()
    con.close()

    cases = {
        'python -c "import typer" (baseline)': [sys.executable, "-c", "import typer"],
        "unioncli --help": [*cli, "--help"],
        "member find zw (initials)": [*cli, "--db", str(db), "member", "find", "zw"],
        "member find zhangwei (pinyin)": [*cli, "--db", str(db), "member", "find", "zhangwei"],
        f"member find {name} (name)": [*cli, "--db", str(db), "member", "find", name],
        "member find <last 6 of ID>": [*cli, "--db", str(db), "member", "find", id_number[-6:]],
        "member find <phone>": [*cli, "--db", str(db), "member", "find", phone],
    }
    for cmd in cases.values():  # warm the page cache and .pyc files
        _time(cmd, env)
    samples: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(args.runs):
        for label, cmd in cases.items():
            samples[label].append(_time(cmd, env))

    base = statistics.median(next(iter(samples.values())))
    print(f"\nledger: {db} ({args.members:,} members), {args.runs} runs each, medians")
    print(f"{'command':<40} {'median':>9} {'ratio':>7}")
    for label, values in samples.items():
        med = statistics.median(values)
        print(f"{label:<40} {med * 1000:7.0f} ms {med / base:6.2f}x")


if __name__ == "__main__":
    main()
