"""`report year` on a big county, beside the same figures by hand-written SQL through sqlite3.

    python bench/report.py                     # 1,000,000 members (built once, a few minutes)
    python bench/report.py --runs 21 --members 100000 --files 10000 --stations 200

The ledger is built once into the temp directory by the demo builder (`--members` members,
`--files` hardship files with their aid, the 金秋助学 rounds that come with the members, and
`--stations` stations with their monthly logs) and reused while it holds that many members and
files; `--rebuild` builds it again. Then, interleaved over --runs runs, medians of:

- in-process, warm: `services.report.year_report(target, YEAR)` (a SQLite Target: read through
  sqlite3) and `year_report(engine, YEAR)` (through SQLAlchemy) against the baseline, the same
  figures by hand-written SQL through the stdlib sqlite3 module (`HAND_SQL` below, checked to
  give the same numbers first) — aim (issue #7): at most 1.5x;
- whole processes: `unioncli report year YEAR --format json` and `python -c` calling
  `year_report(target, YEAR)`, against `python -c` running the hand SQL — aim: the report under
  1 s of wall time, within 1.5x of the hand SQL's process.

The hand SQL takes the report's cheaper way to the members retained at year end, the one for a
recent year (few events after it); the report chooses per year.

Exits non-zero when a command fails or the figures differ.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# The figures of SPEC §4.3 for the county, the way one would write them by hand for sqlite3 on
# this schema, knowing its indexes. Members at year end: entries less exits up to 31 December,
# less those retained then (retained now since a day by then, plus those who left that state
# after it: the case of a recent year).
ALL_KINDS = "'join', 'transfer_in', 'transfer_out', 'retain', 'restore', 'leave', 'remove', 'death'"
COUNTED = """aid_date BETWEEN :start AND :end AND reverses_id + 0 IS NULL
          AND NOT EXISTS (SELECT 1 FROM aid r WHERE r.reverses_id = a.id)"""
HAND_SQL: dict[str, str] = {
    "events": f"""
        SELECT kind, COUNT(*), SUM(migrant), SUM(gig_group IS NOT NULL) FROM member_event
        WHERE kind IN ({ALL_KINDS}) AND event_date BETWEEN :start AND :end GROUP BY kind""",
    "gig": """
        SELECT gig_group, COUNT(*) FROM member_event WHERE kind = 'join'
          AND event_date BETWEEN :start AND :end AND gig_group IS NOT NULL GROUP BY gig_group""",
    "in_union": """
        SELECT SUM(CASE WHEN kind = 'join' THEN 1 ELSE -1 END) FROM member_event
        WHERE kind IN ('join', 'transfer_out', 'leave', 'remove', 'death') AND event_date <= :end""",
    "came_in": """
        SELECT COUNT(*) FROM member_event
        WHERE kind = 'transfer_in' AND event_date <= :end AND from_org_id IS NULL""",
    "retained_now": """
        SELECT COUNT(*) FROM member WHERE status = 'retained' AND status_since <= :end""",
    "retained_later": """
        SELECT COUNT(*) FROM member_event e
        WHERE e.kind IN ('restore', 'transfer_out', 'leave', 'remove', 'death')
          AND e.event_date > :end AND 'retain' = (
            SELECT q.kind FROM member_event q WHERE q.member_id = e.member_id
              AND q.event_date <= :end ORDER BY q.event_date DESC, q.id DESC LIMIT 1)""",
    "orgs": """
        SELECT SUM(founded BETWEEN :start AND :end), SUM(founded <= :end) FROM org""",
    "opened": """
        SELECT COUNT(*) FROM hardship_file WHERE opened_on BETWEEN :start AND :end""",
    "closed": """
        SELECT close_reason, COUNT(*) FROM hardship_file
        WHERE closed_on BETWEEN :start AND :end GROUP BY close_reason""",
    "open_end": """
        SELECT category, COUNT(*) FROM hardship_file
        WHERE opened_on <= :end AND (closed_on IS NULL OR closed_on > :end) GROUP BY category""",
    "aid": f"""
        SELECT kind, COUNT(DISTINCT file_id), COUNT(*), SUM(amount_fen) FROM aid a
        WHERE {COUNTED} GROUP BY kind""",
    "aid_households": f"""
        SELECT COUNT(DISTINCT file_id) FROM aid a WHERE {COUNTED}""",
    "grants": """
        SELECT level, eligibility, COUNT(DISTINCT student_id), SUM(amount_fen)
        FROM student_grant WHERE year = :year AND status = 'paid' GROUP BY level, eligibility""",
    "stations": """
        SELECT SUM(opened_on >= :start), SUM(closed_on IS NULL OR closed_on > :end)
        FROM station WHERE opened_on <= :end""",
    "rated": """
        SELECT rating, COUNT(*) FROM station_rating
        WHERE year = :year AND rating <> 'none' GROUP BY rating""",
    "logs": """
        SELECT SUM(visits), SUM(activities) FROM station_log
        WHERE month BETWEEN :start AND :last_month""",
}


def hand_figures(con: sqlite3.Connection, year: int) -> dict[str, Any]:
    """The hand-written query set, shaped like the report's main keys (to check they agree)."""
    p = {
        "start": f"{year}-01-01",
        "end": f"{year}-12-31",
        "last_month": f"{year}-12-01",
        "year": year,
    }
    r = {name: con.execute(q, p).fetchall() for name, q in HAND_SQL.items()}
    joins = [row for row in r["events"] if row[0] == "join"] or [("join", 0, 0, 0)]
    retained_end = r["retained_now"][0][0] + r["retained_later"][0][0]
    in_union = (r["in_union"][0][0] or 0) + r["came_in"][0][0]
    aid = r["aid"]
    return {
        "members.new": joins[0][1],
        "members.new_migrant": joins[0][2] or 0,
        "members.new_gig": joins[0][3] or 0,
        "members.new_gig_by_group": dict(sorted(r["gig"])),
        "members.active_end": in_union - retained_end,
        "members.retained_end": retained_end,
        "orgs.total_end": r["orgs"][0][1] or 0,
        "hardship.opened": r["opened"][0][0],
        "hardship.closed": sum(n for _, n in r["closed"]),
        "hardship.open_end": sum(n for _, n in r["open_end"]),
        "aid.households": r["aid_households"][0][0],
        "aid.person_times": sum(row[2] for row in aid),
        "aid.amount_fen": sum(row[3] for row in aid),
        "grants.students": sum(row[2] for row in r["grants"]),
        "grants.amount_fen": sum(row[3] for row in r["grants"]),
        "stations.open_end": r["stations"][0][1] or 0,
        "stations.visits": r["logs"][0][0] or 0,
    }


def _cli() -> list[str]:
    exe = shutil.which("unioncli")
    return [exe] if exe else [sys.executable, "-m", "unioncli"]


def _run(label: str, cmd: list[str], env: dict[str, str]) -> tuple[float, bytes]:
    start = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True)
    took = time.perf_counter() - start
    if done.returncode != 0:
        err = done.stderr.decode(errors="replace").strip().splitlines()
        print(f"FAILED ({done.returncode}): {label}\n  {' '.join(cmd)}", file=sys.stderr)
        print("  " + (err[-1] if err else "(no message)"), file=sys.stderr)
        sys.exit(1)
    return took, done.stdout


def _counts(db: Path) -> tuple[int, int]:
    if not db.exists():
        return -1, -1
    try:
        con = sqlite3.connect(db)
        try:
            return (
                int(con.execute("SELECT COUNT(*) FROM member").fetchone()[0]),
                int(con.execute("SELECT COUNT(*) FROM hardship_file").fetchone()[0]),
            )
        finally:
            con.close()
    except sqlite3.Error:
        return -1, -1


def _build(db: Path, members: int, files: int, stations: int) -> None:
    """The demo builder, in-process: `unioncli demo` has no option for files and stations."""
    from unioncli.config import sqlite_target
    from unioncli.db.engine import engine_for
    from unioncli.services.demo.builder import build

    for stale in db.parent.glob(db.name + "*"):
        stale.unlink()
    print(f"building {members:,} members, {files:,} files, {stations:,} stations at {db} ...")
    start = time.perf_counter()
    result = build(
        engine_for(sqlite_target(db)),
        "bench",
        members=members,
        hardship_files=files,
        stations=stations,
    )
    print(
        f"  built in {time.perf_counter() - start:.1f} s: {result.files:,} files, "
        f"{result.aid:,} aid entries, {result.grants:,} grants, {result.stations:,} stations, "
        f"{result.station_logs:,} monthly logs",
        flush=True,
    )


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--members", type=int, default=1_000_000)
    ap.add_argument("--files", type=int, default=100_000)
    ap.add_argument("--stations", type=int, default=2_000)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--db", type=Path, default=None, help="ledger to use (built when missing)")
    ap.add_argument("--rebuild", action="store_true", help="build the ledger again")
    args = ap.parse_args()

    db = args.db or Path(tempfile.gettempdir()) / f"unioncli-bench-report-{args.members}.sqlite3"
    if args.rebuild or _counts(db) != (args.members, args.files):
        _build(db, args.members, args.files, args.stations)

    from unioncli.config import sqlite_target
    from unioncli.db.engine import engine_for
    from unioncli.services.report import year_report

    year = args.year
    con = sqlite3.connect(db)
    sizes = {
        t: con.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
        for t in ("member", "member_event", "hardship_file", "aid", "student_grant", "station")
    }
    sizes["station_log"] = con.execute("SELECT COUNT(*) FROM station_log").fetchone()[0]
    target = sqlite_target(db)
    engine = engine_for(target)

    # the same numbers, or the comparison means nothing
    report = year_report(engine, year)
    if year_report(target, year) != report:
        print("year_report differs between the engine and the Target", file=sys.stderr)
        sys.exit(1)
    hand = hand_figures(con, year)
    wrong = {k: (report[k], v) for k, v in hand.items() if report[k] != v}
    if wrong:
        print(f"FIGURES DIFFER (report, hand SQL): {wrong}", file=sys.stderr)
        sys.exit(1)

    env = {**os.environ, "COLUMNS": "100", "UNIONCLI_OPERATOR": "bench"}
    env.pop("UNIONCLI_DATABASE_URL", None)
    service_cmd = [
        sys.executable,
        "-c",
        "import json, sys; from pathlib import Path; from unioncli.config import sqlite_target; "
        "from unioncli.services.report import year_report; "
        f"print(json.dumps(year_report(sqlite_target(Path(sys.argv[1])), {year})))",
        str(db),
    ]
    hand_cmd = [
        sys.executable,
        "-c",
        "import sqlite3, sys; sys.path.insert(0, sys.argv[2]); from report import hand_figures; "
        f"print(hand_figures(sqlite3.connect(sys.argv[1]), {year}))",
        str(db),
        str(Path(__file__).resolve().parent),
    ]
    baseline = "python -c hand SQL via sqlite3 (baseline)"
    procs = {"python -c year_report(target, year)": service_cmd}
    if importlib.util.find_spec("unioncli.cli.report") is not None:
        cli_label = f"unioncli report year {year} --format json"
        cli_cmd = [*_cli(), "--db", str(db), "report", "year", str(year), "--format", "json"]
        procs = {cli_label: cli_cmd, **procs}
    procs[baseline] = hand_cmd
    for label, cmd in procs.items():  # warm the page cache and .pyc files, and check
        out = _run(label, cmd, env)[1]
        if cmd is not hand_cmd and json.loads(out)["members.new"] != report["members.new"]:
            print(f"{label}: its JSON differs from year_report", file=sys.stderr)
            sys.exit(1)

    inproc: dict[str, list[float]] = {"target": [], "engine": [], "hand": []}
    whole: dict[str, list[float]] = {k: [] for k in procs}
    for _ in range(args.runs):
        for key, run in (
            ("target", lambda: year_report(target, year)),
            ("engine", lambda: year_report(engine, year)),
            ("hand", lambda: hand_figures(con, year)),
        ):
            start = time.perf_counter()
            run()
            inproc[key].append(time.perf_counter() - start)
        for label, cmd in procs.items():
            whole[label].append(_run(label, cmd, env)[0])
    con.close()

    print(
        f"\nledger: {db}\n  "
        + ", ".join(f"{t} {n:,}" for t, n in sizes.items())
        + f"\nyear {year}, {args.runs} runs each, medians"
    )
    base = _median_ms(inproc["hand"])
    print("in-process, warm (the figures only):")
    for key, label in (
        ("target", "year_report(target, year)  (sqlite3)"),
        ("engine", "year_report(engine, year)  (SQLAlchemy)"),
        ("hand", "hand-written SQL via sqlite3 (baseline)"),
    ):
        med = _median_ms(inproc[key])
        aim = "  (aim <= 1.5x)" if key == "target" else ""
        print(f"  {label:<50} {med:7.1f} ms {med / base:6.2f}x{aim}")
    print("whole processes:")
    base_p = _median_ms(whole[baseline])
    for label, values in whole.items():
        med = _median_ms(values)
        aim = "  (aim < 1000 ms, <= 1.5x)" if label != baseline else ""
        print(f"  {label:<50} {med:7.0f} ms {med / base_p:6.2f}x{aim}")


if __name__ == "__main__":
    main()
