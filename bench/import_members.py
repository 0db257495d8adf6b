"""Import a members CSV with full validation, beside a plain-Python floor, in the same run.

    python bench/import_members.py                # 1,000,000 rows, 3 runs each
    python bench/import_members.py --rows 200000 --runs 5

The file is what grassroots unions send: GB18030, Chinese headers, hand-typed dates in four
forms, blank optional cells. The floor reads the same file with the csv module and inserts it with
sqlite3 ``executemany`` into one equivalent table with a UNIQUE index on the ID number, in one
transaction, with no validation. ``unioncli import members`` runs as a subprocess into a fresh
ledger (its unions imported first, not timed); its wall time and peak memory (ru_maxrss) are taken
from the child. A second import of a quarter of the rows shows whether memory grows with the file.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

from unioncli.ids import make_id_number, make_uscc

HEADER = [
    "姓名",
    "身份证号",
    "性别",
    "民族",
    "手机号",
    "学历",
    "工作单位",
    "所属工会",
    "入会日期",
    "会员卡号",
    "是否农民工",
    "新就业形态群体",
    "政治面貌",
    "户籍类型",
]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国红梅玉志海燕鹏飞晓东宇浩然子轩欣怡佳琪雨桐梓涵一诺思远文博俊慧丹凤春生秋菊冬金永福长青德胜振立新卫"
REGIONS = ("230125", "230126", "230127", "231121", "410122", "341221", "511621")
N_ORGS = 100


def org_name(i: int) -> str:
    return f"示范县第{i + 1}基层工会"


def write_orgs(path: Path) -> None:
    with path.open("w", encoding="gb18030", newline="") as f:
        w = csv.writer(f)
        w.writerow(["工会名称", "工会统一社会信用代码", "成立日期"])
        for i in range(N_ORGS):
            w.writerow([org_name(i), make_uscc(f"81230125{i + 1:09d}"), "2001-07-01"])


def write_members(path: Path, rows: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    seq: dict[tuple[str, date, str], int] = {}
    with path.open("w", encoding="gb18030", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        written = 0
        while written < rows:
            region = rng.choice(REGIONS)
            gender = rng.choice(("男", "女"))
            birth = date(1962, 1, 1) + timedelta(days=rng.randrange(13_000))
            key = (region, birth, gender)
            n = seq.get(key, -1) + 1
            if n >= 500:
                continue
            seq[key] = n
            code = "male" if gender == "男" else "female"
            number = make_id_number(region, birth, n * 2 + (code == "male"), code)
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if rng.random() < 0.7:
                name += rng.choice(GIVEN)
            joined = date(2015, 1, 1) + timedelta(days=rng.randrange(3_600))
            joined_text = rng.choice(
                (
                    joined.isoformat(),
                    f"{joined.year}/{joined.month}/{joined.day}",
                    f"{joined.year}年{joined.month}月{joined.day}日",
                    joined.strftime("%Y%m%d"),
                )
            )
            phone = f"1{rng.choice('3456789')}{rng.randrange(10**8, 10**9)}"
            w.writerow(
                [
                    name,
                    number,
                    gender,
                    rng.choice(("汉族", "汉族", "汉族", "满族", "回族")),
                    phone if rng.random() < 0.8 else "",
                    rng.choice(("初中", "高中", "中专", "大专", "大学", "")),
                    rng.choice(("县供电公司", "县人民医院", "某某物流有限公司", "")),
                    org_name(rng.randrange(N_ORGS)),
                    joined_text,
                    f"GH{written:08d}" if rng.random() < 0.6 else "",
                    rng.choice(("是", "否")),
                    rng.choice(("", "", "", "", "快递员", "网约送餐员(外卖)", "货车司机")),
                    rng.choice(("群众", "群众", "中共党员", "")),
                    rng.choice(("农业", "非农业", "")),
                ]
            )
            written += 1


def floor(csv_path: Path, work: Path) -> float:
    db = work / "floor.sqlite3"
    for p in (db, Path(f"{db}-journal")):
        p.unlink(missing_ok=True)
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    cols = ", ".join(f"c{i} TEXT" for i in range(len(HEADER)))
    conn.execute(f"CREATE TABLE m ({cols}, UNIQUE (c1))")
    with csv_path.open(encoding="gb18030", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        conn.execute("BEGIN")
        marks = ", ".join("?" * len(HEADER))
        conn.executemany(f"INSERT INTO m VALUES ({marks})", reader)
        conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


def schema_floor(csv_path: Path, orgs: Path, work: Path) -> float:
    """The same rows into the ledger's own tables (person, member, member_event, with their
    indexes) by sqlite3 executemany, no validation: what the schema alone costs."""
    db = work / "schema.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    exe = [sys.executable, "-m", "unioncli", "--db", str(db)]
    run_child([*exe, "import", "orgs", str(orgs)])
    now = "2026-01-01 00:00:00.000000"
    start = time.perf_counter()
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    org_id = dict(conn.execute("SELECT name, id FROM org"))
    people, members, events = [], [], []

    def flush() -> None:
        conn.executemany(f"INSERT INTO person ({PERSON}) VALUES ({_marks(PERSON)})", people)
        conn.executemany(f"INSERT INTO member ({MEMBER}) VALUES ({_marks(MEMBER)})", members)
        conn.executemany(f"INSERT INTO member_event ({EVENT}) VALUES ({_marks(EVENT)})", events)
        people.clear(), members.clear(), events.clear()

    with csv_path.open(encoding="gb18030", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        conn.execute("BEGIN IMMEDIATE")
        for i, r in enumerate(reader, 1):
            number, org = r[1], org_id[r[7]]
            people.append(
                (i, number, number[::-1], r[0], "", "", "male", "1990-01-01", r[3] or None,
                 r[4] or None, None, None, None, now, now)
            )  # fmt: skip
            members.append(
                (i, i, org, "active", "2020-01-01", "2020-01-01", r[9] or None, r[6] or None,
                 r[10] == "是", None, now, now)
            )  # fmt: skip
            events.append((i, "join", "2020-01-01", org, r[10] == "是", None, now))
            if len(people) >= 2000:
                flush()
        flush()
        conn.execute("COMMIT")
    conn.close()
    return time.perf_counter() - start


PERSON = (
    "id, id_number, id_rev, name, name_pinyin, name_initials, gender, birth_date, ethnicity, "
    "phone, education, political_status, hukou, created_at, updated_at"
)
MEMBER = (
    "id, person_id, org_id, status, status_since, joined_on, card_no, employer, migrant, "
    "gig_group, created_at, updated_at"
)
EVENT = "member_id, kind, event_date, org_id, migrant, gig_group, created_at"


def _marks(columns: str) -> str:
    return ", ".join("?" * len(columns.split(",")))


def run_child(argv: list[str]) -> tuple[float, float]:
    """(wall seconds, peak RSS in MB) of one unioncli run."""
    start = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    err = proc.stderr.read().decode() if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"unioncli failed ({argv[3:]}):\n{err}")
    return wall, usage.ru_maxrss / 1024


def unioncli_import(csv_path: Path, orgs: Path, work: Path) -> tuple[float, float]:
    db = work / "ledger.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    exe = [sys.executable, "-m", "unioncli", "--db", str(db)]
    run_child([*exe, "import", "orgs", str(orgs)])
    return run_child([*exe, "import", "members", str(csv_path)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "unioncli-bench")
    args = parser.parse_args()
    work: Path = args.work
    work.mkdir(parents=True, exist_ok=True)

    orgs = work / "orgs.csv"
    write_orgs(orgs)
    files = {}
    for n in (args.rows // 4, args.rows):
        path = work / f"members-{n}.csv"
        if not path.exists():
            print(f"writing {path} ({n:,} rows)…", flush=True)
            write_members(path, n)
        files[n] = path
    big = files[args.rows]

    floors, schemas, walls, peaks = [], [], [], []
    for i in range(args.runs):
        floors.append(floor(big, work))
        schemas.append(schema_floor(big, orgs, work))
        wall, peak = unioncli_import(big, orgs, work)
        walls.append(wall)
        peaks.append(peak)
        print(
            f"run {i + 1}: floor {floors[-1]:.1f} s · schema floor {schemas[-1]:.1f} s · "
            f"unioncli {wall:.1f} s ({wall / floors[-1]:.2f}×) · peak {peak:.0f} MB",
            flush=True,
        )
    _, small_peak = unioncli_import(files[args.rows // 4], orgs, work)

    f, w = statistics.median(floors), statistics.median(walls)
    sf = statistics.median(schemas)
    print()
    print(f"rows                     {args.rows:,}")
    print(f"floor (csv + executemany) median {f:.2f} s")
    print(f"schema floor (3 tables)   median {sf:.2f} s  ({sf / f:.2f}× the floor, no validation)")
    print(f"unioncli import members   median {w:.2f} s  ({w / args.rows * 1e6:.1f} µs/row)")
    print(
        f"ratio                    {w / f:.2f}× the floor (target ≤ 2.0×), {w / sf:.2f}× the schema floor"
    )
    print(f"peak memory              {statistics.median(peaks):.0f} MB (target < 300 MB)")
    print(
        f"peak memory, {args.rows // 4:,} rows  {small_peak:.0f} MB (does it grow with the file?)"
    )


if __name__ == "__main__":
    main()
