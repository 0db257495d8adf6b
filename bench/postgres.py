"""Import and `report year` on PostgreSQL beside SQLite, on the same data, in the same run.

    python bench/postgres.py                                  # 100,000 members, a few minutes
    python bench/postgres.py --members 442000 --orgs 8028     # the city (issue #9)
    python bench/postgres.py --url postgresql+psycopg://postgres@db.example:5432/postgres

The aim (issue #9): know what the shared server costs a clerk beside a SQLite file, and what it
costs beside the server's own floor. Each figure is a median over interleaved runs (SQLite, then
PostgreSQL, in each run), with the ratio PG/SQLite.

- import: a members CSV and its unions' CSV from bench/import_members.py's generator (GB18030,
  Chinese headers, four date forms; `--orgs` unions, by default the city's density of one union
  per 55 members), imported by `unioncli import orgs` (not timed) then `unioncli import members`
  (timed: the whole process, with its peak memory) into a fresh SQLite file and a fresh
  PostgreSQL database each run. The floor on each backend: the csv module reading the same file
  into one table of 14 TEXT columns with a UNIQUE index on the ID number, in one transaction, no
  validation: sqlite3 `executemany`; psycopg `executemany` (pipelined) and `COPY`.
- report: the demo builder (services/demo/) builds the same ledger (`--members` members, its
  hardship files, grants and stations; fixed seed and day; `--counties N`: a city's shared ledger
  over N counties) into SQLite and into PostgreSQL (the build times are printed too; then
  `VACUUM (ANALYZE)` on PostgreSQL, as autovacuum would do soon after a bulk load), then medians
  of `year_report` in-process (through the Target and through the engine) and of the
  `unioncli report year YEAR --format json` process on each (with `--counties`, also one
  county's `--county` report). The figures must be identical everywhere: the script exits
  non-zero when they are not, or when a command fails.

The server is named by `--url` (else UNIONCLI_TEST_DATABASE_URL, else the local test server); its
database is used only to CREATE and DROP this run's databases (`unioncli_bench_<random>_*`), which
are dropped at the end, on failure and Ctrl-C too. The CSVs are written once into `--work`.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import import_members as gen  # bench/import_members.py: the CSV generator and the sqlite3 floor

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
TODAY = date(2025, 6, 30)  # the demo builder's "today": the same ledger on any day


def _cli() -> list[str]:
    exe = shutil.which("unioncli")
    return [exe] if exe else [sys.executable, "-m", "unioncli"]


class Server:
    """This run's databases on the server: created on demand, all dropped by ``close``."""

    def __init__(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        self.base = make_url(url)
        # psycopg's own URL form, for the admin connection and the floor
        self.admin = self.base.set(drivername="postgresql").render_as_string(hide_password=False)
        self.prefix = f"unioncli_bench_{uuid.uuid4().hex[:8]}"

    def _sql(self, statement: str, name: str) -> None:
        import psycopg
        from psycopg import sql

        with psycopg.connect(self.admin, autocommit=True) as conn:
            conn.execute(sql.SQL(statement).format(sql.Identifier(name)))

    def create(self, suffix: str) -> str:
        name = f"{self.prefix}_{suffix}"
        self._sql("CREATE DATABASE {}", name)
        return name

    def drop(self, name: str) -> None:
        from unioncli.db.engine import dispose_all

        dispose_all()  # this process's pooled connections would hold the database open
        self._sql("DROP DATABASE IF EXISTS {} WITH (FORCE)", name)

    def url(self, name: str, *, driver: bool = True) -> str:
        url = self.base.set(database=name)
        if not driver:
            url = url.set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    def describe(self) -> str:
        import psycopg

        with psycopg.connect(self.admin) as conn:
            version = conn.execute("SHOW server_version").fetchone()
            settings = conn.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN "
                "('fsync', 'synchronous_commit', 'shared_buffers', 'max_wal_size')"
                " ORDER BY name"
            ).fetchall()
        where = self.base.render_as_string(hide_password=True)
        shown = ", ".join(f"{k}={v}" for k, v in settings)
        return f"PostgreSQL {version[0] if version else '?'} at {where} ({shown})"

    def close(self) -> None:
        import psycopg

        with psycopg.connect(self.admin, autocommit=True) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT datname FROM pg_database WHERE datname LIKE %s", (self.prefix + "%",)
                )
            ]
        for name in names:
            self.drop(name)


# --- import ------------------------------------------------------------------------------------


def _csv_rows(path: Path) -> Iterator[list[str]]:
    with path.open(encoding="gb18030", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        yield from reader


def _floor_table(cur: Any) -> None:
    cols = ", ".join(f"c{i} TEXT" for i in range(len(gen.HEADER)))
    cur.execute("DROP TABLE IF EXISTS m")
    cur.execute(f"CREATE TABLE m ({cols}, UNIQUE (c1))")


def pg_floor(url: str, csv_path: Path, *, copy: bool) -> float:
    """The same rows into one equivalent table by psycopg, one transaction, no validation."""
    import psycopg

    start = time.perf_counter()
    with psycopg.connect(url) as conn, conn.cursor() as cur:
        _floor_table(cur)
        if copy:
            with cur.copy("COPY m FROM STDIN") as out:
                for row in _csv_rows(csv_path):
                    out.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(gen.HEADER))
            cur.executemany(f"INSERT INTO m VALUES ({marks})", _csv_rows(csv_path))
        conn.commit()
    return time.perf_counter() - start


def _env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "COLUMNS": "100", "UNIONCLI_OPERATOR": "bench", **extra}
    for key in ("UNIONCLI_DB", "UNIONCLI_DATABASE_URL", "UNIONCLI_COUNTY"):
        if key not in extra:
            env.pop(key, None)
    return env


class Child:
    """unioncli as a process: wall time, peak memory (``wait4`` gives the child's own usage,
    which ``subprocess.run`` does not), stdout; exits with its last lines when it fails."""

    @staticmethod
    def run(argv: list[str], env: dict[str, str]) -> tuple[float, float, bytes]:
        start = time.perf_counter()
        with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
            proc = subprocess.Popen(argv, env=env, stdout=out, stderr=err)
            try:
                _, status, usage = os.wait4(proc.pid, 0)
            except BaseException:  # Ctrl-C or SIGTERM: no orphan left writing to a ledger
                proc.kill()
                proc.wait()
                raise
            proc.returncode = os.waitstatus_to_exitcode(status)  # so Popen does not wait again
            wall = time.perf_counter() - start
            out.seek(0)
            err.seek(0)
            stdout, stderr = out.read(), err.read()
        if proc.returncode != 0:
            last = stderr.decode(errors="replace").strip().splitlines()
            print(f"FAILED ({proc.returncode}): {' '.join(argv)}", file=sys.stderr)
            print("  " + "\n  ".join(last[-10:]), file=sys.stderr)
            sys.exit(1)
        return wall, usage.ru_maxrss / 1024, stdout


def _count(conn: Any, table: str) -> int:
    return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


IMPORTED = ("org", "person", "member", "member_event")


def import_sqlite(work: Path, orgs: Path, members: Path) -> tuple[float, float, list[int]]:
    db = work / "import.sqlite3"
    for stale in work.glob("import.sqlite3*"):
        stale.unlink()
    exe = [*_cli(), "--db", str(db), "import"]
    Child.run([*exe, "orgs", str(orgs)], _env())
    wall, peak, _ = Child.run([*exe, "members", str(members)], _env())
    con = sqlite3.connect(db)
    try:
        counts = [_count(con, t) for t in IMPORTED]
    finally:
        con.close()
    return wall, peak, counts


def import_pg(
    server: Server, run: int, orgs: Path, members: Path
) -> tuple[float, float, list[int]]:
    import psycopg

    name = server.create(f"import{run}")
    try:
        env = _env(UNIONCLI_DATABASE_URL=server.url(name))
        exe = [*_cli(), "import"]
        Child.run([*exe, "orgs", str(orgs)], env)  # migrates the empty database first
        wall, peak, _ = Child.run([*exe, "members", str(members)], env)
        with psycopg.connect(server.url(name, driver=False)) as conn:
            counts = [_count(conn, t) for t in IMPORTED]
    finally:
        server.drop(name)
    return wall, peak, counts


# --- report ------------------------------------------------------------------------------------


def build_demo(engine: Any, members: int, counties: int) -> tuple[float, Any]:
    from unioncli.services.demo.builder import build

    city = {"counties": counties} if counties else {}  # a county's own ledger: no county set
    start = time.perf_counter()
    result = build(engine, "bench", members=members, today=TODAY, **city)
    return time.perf_counter() - start, result


def vacuum_analyze(url: str) -> float:
    """What autovacuum does within a minute of a bulk load: planner statistics and the
    visibility map. Without it the first reports plan for empty tables."""
    import psycopg

    start = time.perf_counter()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - start


@contextmanager
def _interrupts_as_exit() -> Iterator[None]:
    # SIGTERM (a killed job) unwinds like Ctrl-C, so the databases are dropped either way
    previous = signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


HEAD = f"  {'':<46} {'SQLite':>12} {'PostgreSQL':>12} {'PG/SQLite':>9}"


def _median(values: list[float]) -> float:
    return statistics.median(values)


def _row(label: str, lite: float | None, pg: float | None, unit: str, scale: float = 1) -> str:
    def cell(v: float | None) -> str:
        if v is None:
            return f"{'—':>12}"
        shown = v * scale
        digits = {"s": 2, "ms": 1 if shown < 100 else 0}.get(unit, 0)
        return f"{shown:>9.{digits}f} {unit:<2}"

    ratio = f"{pg / lite:8.2f}x" if lite and pg else ""
    return f"  {label:<46} {cell(lite)} {cell(pg)} {ratio}".rstrip()


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--url", default=os.environ.get("UNIONCLI_TEST_DATABASE_URL") or DEFAULT_URL)
    ap.add_argument("--members", type=int, default=100_000)
    ap.add_argument("--orgs", type=int, default=None, help="unions in the CSV (members / 55)")
    ap.add_argument("--runs", type=int, default=3, help="import runs on each backend")
    ap.add_argument("--report-runs", type=int, default=15)
    ap.add_argument("--year", type=int, default=2024)
    ap.add_argument(
        "--counties", type=int, default=0, help="report ledger: a city's, over N counties (<= 18)"
    )
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--skip-report", action="store_true")
    ap.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "unioncli-bench-pg")
    args = ap.parse_args()
    orgs_n = args.orgs or max(gen.N_ORGS, args.members // 55)
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)

    server = Server(args.url)
    print(server.describe())
    print(f"SQLite {sqlite3.sqlite_version} in {work}\n", flush=True)
    lines: list[str] = []
    failed = False
    with _interrupts_as_exit():
        try:
            if not args.skip_import:
                lines += bench_import(server, work, args.members, orgs_n, args.runs)
            if not args.skip_report:
                report_lines, failed = bench_report(
                    server, work, args.members, args.year, args.report_runs, args.counties
                )
                lines += report_lines
        finally:
            server.close()
    print("\n" + "\n".join(lines))
    if failed:
        sys.exit(1)


def bench_import(server: Server, work: Path, members: int, orgs_n: int, runs: int) -> list[str]:
    # the generator reads its module's N_ORGS when called: the unions' CSV and the members'
    # 所属工会 column then agree on the number of unions
    gen.N_ORGS = orgs_n
    orgs = work / f"orgs-{orgs_n}.csv"
    gen.write_orgs(orgs)
    members_csv = work / f"members-{members}-{orgs_n}.csv"
    if not members_csv.exists():
        print(f"writing {members_csv} ({members:,} rows, {orgs_n:,} unions) ...", flush=True)
        gen.write_members(members_csv, members)

    floor_db = server.create("floor")
    floor_url = server.url(floor_db, driver=False)
    keys = ("lite_floor", "pg_many", "pg_copy", "lite_import", "pg_import", "lite_mb", "pg_mb")
    times: dict[str, list[float]] = {k: [] for k in keys}
    for i in range(runs):
        times["lite_floor"].append(gen.floor(members_csv, work))
        times["pg_many"].append(pg_floor(floor_url, members_csv, copy=False))
        times["pg_copy"].append(pg_floor(floor_url, members_csv, copy=True))
        wall, peak, lite_counts = import_sqlite(work, orgs, members_csv)
        times["lite_import"].append(wall)
        times["lite_mb"].append(peak)
        wall, peak, pg_counts = import_pg(server, i, orgs, members_csv)
        times["pg_import"].append(wall)
        times["pg_mb"].append(peak)
        if lite_counts != pg_counts or lite_counts[2] != members:
            sys.exit(
                f"rows differ after the import {IMPORTED}: SQLite {lite_counts}, PG {pg_counts}"
            )
        print(
            f"import run {i + 1}: SQLite floor {times['lite_floor'][-1]:.2f} s, "
            f"import {times['lite_import'][-1]:.1f} s · PG executemany "
            f"{times['pg_many'][-1]:.2f} s, COPY {times['pg_copy'][-1]:.2f} s, "
            f"import {times['pg_import'][-1]:.1f} s",
            flush=True,
        )
    server.drop(floor_db)

    m = {k: _median(v) for k, v in times.items()}
    per_row = 1e6 / members
    return [
        f"import members: {members:,} rows over {orgs_n:,} unions, {runs} runs each, medians",
        HEAD,
        _row("floor: csv + executemany into 1 table", m["lite_floor"], m["pg_many"], "s"),
        _row("floor: csv + COPY into 1 table", None, m["pg_copy"], "s"),
        _row("unioncli import members (process)", m["lite_import"], m["pg_import"], "s"),
        _row("  per row", m["lite_import"], m["pg_import"], "µs", per_row),
        _row("  peak memory", m["lite_mb"], m["pg_mb"], "MB"),
        f"  {'import / executemany floor':<46} {m['lite_import'] / m['lite_floor']:>11.1f}x "
        f"{m['pg_import'] / m['pg_many']:>11.1f}x",
        f"  {'import / COPY floor':<46} {'':>12} {m['pg_import'] / m['pg_copy']:>11.1f}x",
        "",
    ]


def bench_report(
    server: Server, work: Path, members: int, year: int, runs: int, counties: int
) -> tuple[list[str], bool]:
    from unioncli.config import Target, sqlite_target
    from unioncli.db.engine import engine_for
    from unioncli.services.report import year_report

    db = work / f"report-{members}.sqlite3"
    for stale in work.glob(db.name + "*"):
        stale.unlink()
    lite = sqlite_target(db)
    print(f"building the demo ledger ({members:,} members) into SQLite ...", flush=True)
    lite_build, built = build_demo(engine_for(lite), members, counties)
    pg_name = server.create("report")
    pg = Target(url=server.url(pg_name), path=None)
    print("building the same ledger into PostgreSQL ...", flush=True)
    pg_build, pg_built = build_demo(engine_for(pg), members, counties)  # migrated first
    if built != pg_built:
        sys.exit(f"the demo builds differ: SQLite {built}, PG {pg_built}")
    pg_vacuum = vacuum_analyze(server.url(pg_name, driver=False))

    lite_engine, pg_engine = engine_for(lite), engine_for(pg)
    cases: dict[str, Callable[[], dict[str, Any]]] = {
        "lite_target": lambda: year_report(lite, year),
        "lite_engine": lambda: year_report(lite_engine, year),
        "pg_target": lambda: year_report(pg, year),
        "pg_engine": lambda: year_report(pg_engine, year),
    }
    cli = [*_cli(), "report", "year", str(year), "--format", "json"]
    procs = {
        "lite_cli": ([cli[0], "--db", str(db), *cli[1:]], _env()),
        "pg_cli": (cli, _env(UNIONCLI_DATABASE_URL=pg.url)),
    }
    county = None
    if counties:  # and one county clerk's report on the city's ledger
        from unioncli.services.demo.common import COUNTIES

        county = COUNTIES[0]
        procs["lite_county"] = ([*procs["lite_cli"][0], "--county", county], _env())
        procs["pg_county"] = ([*cli, "--county", county], procs["pg_cli"][1])

    # the same figures everywhere, or the comparison means nothing (and PG is wrong)
    reference = json.loads(json.dumps(cases["lite_target"]()))
    outputs = {k: json.loads(json.dumps(run())) for k, run in cases.items()}
    outputs |= {k: json.loads(Child.run(*p)[2]) for k, p in procs.items()}  # warms them too
    failed = False
    if county is not None and outputs["lite_county"] != outputs["pg_county"]:
        failed = True
        print(f"FIGURES DIFFER between the backends for --county {county}", file=sys.stderr)
    for key, got in outputs.items():
        if key.endswith("_county"):
            continue
        if got != reference:
            failed = True
            diff = {k: (reference.get(k), got.get(k)) for k in reference.keys() | got.keys()}
            diff = {k: v for k, v in diff.items() if v[0] != v[1]}
            print(f"FIGURES DIFFER ({key} vs SQLite year_report): {diff}", file=sys.stderr)

    times: dict[str, list[float]] = {k: [] for k in (*cases, *procs)}
    for _ in range(runs):
        for key, run in cases.items():
            start = time.perf_counter()
            run()
            times[key].append(time.perf_counter() - start)
        for key, proc in procs.items():
            times[key].append(Child.run(*proc)[0])
    server.drop(pg_name)

    m = {k: _median(v) for k, v in times.items()}
    check = "identical on both" if not failed else "DIFFER (see above)"
    rows = [
        f"report year {year}: demo ledger of {built.members:,} members ({built.events:,} events),"
        f" {built.files:,} hardship files ({built.aid:,} aid), {built.grants:,} grants, "
        f"{built.stations:,} stations ({built.station_logs:,} logs); {runs} runs, medians; "
        f"figures {check}",
        HEAD,
        _row("year_report(target, year), in-process", m["lite_target"], m["pg_target"], "ms", 1e3),
        _row("year_report(engine, year), in-process", m["lite_engine"], m["pg_engine"], "ms", 1e3),
        _row(f"unioncli report year {year} --format json", m["lite_cli"], m["pg_cli"], "ms", 1e3),
    ]
    if county is not None:
        label = f"  the same, one county's (--county, 1 of {counties})"
        rows.append(_row(label, m["lite_county"], m["pg_county"], "ms", 1e3))
    rows += [
        _row("demo build, once (not a clerk's command)", lite_build, pg_build, "s"),
        _row("  then VACUUM (ANALYZE) on PG, once", None, pg_vacuum, "s"),
    ]
    return rows, failed


if __name__ == "__main__":
    main()
