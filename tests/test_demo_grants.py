"""The demo ledger's 金秋助学 rounds: standards, budgets and grants (SPEC §2.3).

One 3,000-member demo is built per module and read with plain SQL: every rule the tool enforces on
a clerk's grants must hold in the sample county too.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from demo_ledger import build_demo, digest, one
from sqlalchemy import insert

from unioncli.config import sqlite_target
from unioncli.db.engine import make_engine
from unioncli.errors import Conflict
from unioncli.ids import parse_id_number
from unioncli.models.grant import GrantRound
from unioncli.services.demo import grants as demo_grants
from unioncli.services.demo.builder import DemoResult, build
from unioncli.services.demo.common import LAST_YEAR
from unioncli.services.demo.grants import GRANTS_FROM, LEVELS, OVER_BUDGET, grant_standards

YEARS = list(range(GRANTS_FROM, LAST_YEAR + 1))
STANDING = "('applied', 'approved', 'paid')"
# school age on 1 September, loosely: a year either side of the usual ages, more after school
AGES = {
    "preschool": (2, 7),
    "primary": (5, 13),
    "junior": (11, 16),
    "senior": (14, 19),
    "vocational_secondary": (14, 19),
    "vocational_college": (17, 24),
    "bachelor": (17, 25),
    "postgraduate": (21, 30),
}
# the tables that were there before the grants, without the columns that hold the build's time
CASEWORK = (
    "org",
    "person",
    "member",
    "member_event",
    "low_income_line",
    "hardship_file",
    "hardship_family",
    "hardship_review",
    "hardship_visit",
    "aid",
)
GRANT_TABLES = ("grant_round", "grant_standard", "student_grant")


@pytest.fixture(scope="module")
def county(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult]:
    path = tmp_path_factory.mktemp("grants") / "county.sqlite3"
    return path, build_demo(template_db, path, members=3000)


@pytest.fixture
def db(county: tuple[Path, DemoResult]) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(county[0])
    yield con
    con.close()


# --- counts and shape --------------------------------------------------------------------------


def test_counts_match_the_tables_and_are_plausible(county, db) -> None:
    _, result = county
    grants = one(db, "SELECT COUNT(*) FROM student_grant")
    assert result.grants == grants
    assert result.grant_rounds == one(db, "SELECT COUNT(*) FROM grant_round") == len(YEARS)
    # a few dozen students a year in a county of 3,000 members, a few hundred over the rounds
    assert 20 <= grants <= 600
    for year in YEARS:
        assert one(db, "SELECT COUNT(*) FROM student_grant WHERE year = ?", year) >= 5, year
    statuses = {r[0] for r in db.execute("SELECT DISTINCT status FROM student_grant")}
    assert {"paid", "approved", "rejected", "withdrawn"} <= statuses
    kinds = {r[0] for r in db.execute("SELECT DISTINCT eligibility FROM student_grant")}
    assert kinds == {"hardship_file", "migrant_member", "override"}
    levels = {r[0] for r in db.execute("SELECT DISTINCT level FROM student_grant")}
    assert len(levels) >= 6 and {"preschool", "primary", "bachelor"} <= levels
    assert one(db, "SELECT COUNT(*) FROM student_grant WHERE status = 'paid'") > grants / 2


def test_standards_for_every_round_level_and_parent(db) -> None:
    rows = db.execute("SELECT year, level, on_file, amount_fen FROM grant_standard").fetchall()
    table = {(y, lv, bool(f)): fen for y, lv, f, fen in rows}
    assert len(table) == len(rows) == len(YEARS) * len(LEVELS) * 2
    assert table == {k: v for k, v in grant_standards().items() if k[0] in YEARS}
    assert (
        table[(2019, "preschool", True)] == 100_000 and table[(2019, "bachelor", True)] == 400_000
    )
    assert table[(2019, "postgraduate", True)] == 500_000
    for (year, level, on_file), fen in table.items():
        assert fen > 0 and fen % 10_000 == 0  # whole hundreds of yuan
        if on_file:
            assert fen > table[(year, level, False)], (year, level)  # a file earns more
        if year > YEARS[0]:
            assert fen >= table[(year - 1, level, on_file)], (year, level)  # never lowered
    assert table[(YEARS[-1], "bachelor", True)] > table[(YEARS[0], "bachelor", True)]


# --- the rules of SPEC §2.3 --------------------------------------------------------------------


def _open_file_of(db: sqlite3.Connection, person_id: int, year: int) -> set[int]:
    """The files open during the year in which the person is the head or in the family."""
    rows = db.execute(
        "SELECT f.id FROM hardship_file f WHERE f.opened_on <= ? "
        "AND (f.closed_on IS NULL OR f.closed_on > ?) "
        "AND (f.head_id = ? OR EXISTS (SELECT 1 FROM hardship_family fm "
        "WHERE fm.file_id = f.id AND fm.person_id = ?))",
        (f"{year}-12-31", f"{year}-01-01", person_id, person_id),
    )
    return {r[0] for r in rows}


def _migrant_member(db: sqlite3.Connection, person_id: int) -> tuple[str, str] | None:
    row = db.execute(
        "SELECT status, joined_on FROM member WHERE person_id = ? AND migrant = 1", (person_id,)
    ).fetchone()
    return None if row is None else (row[0], row[1])


def test_every_parent_was_eligible_in_the_round_year(db) -> None:
    rows = db.execute(
        "SELECT id, year, parent_id, eligibility, hardship_file_id, override_reason, applied_on "
        "FROM student_grant"
    ).fetchall()
    seen = {"hardship_file": 0, "migrant_member": 0, "override": 0}
    for gid, year, parent, eligibility, file_id, override, applied in rows:
        seen[eligibility] += 1
        files = _open_file_of(db, parent, year)
        migrant = _migrant_member(db, parent)
        if eligibility == "hardship_file":
            assert file_id is not None and file_id in files, gid
            assert override is None, gid
            # and open on the day of the application
            opened, closed = db.execute(
                "SELECT opened_on, closed_on FROM hardship_file WHERE id = ?", (file_id,)
            ).fetchone()
            assert opened <= applied and (closed is None or applied < closed), gid
        elif eligibility == "migrant_member":
            assert file_id is None and override is None, gid
            assert migrant is not None, gid
            status, joined = migrant
            assert status == "active" and joined <= applied, gid
        else:
            assert eligibility == "override", gid
            assert file_id is None and override and override.strip(), gid
            # an override only where the rules would not have allowed the grant
            assert not files, gid
            assert migrant is None or migrant[0] != "active", gid
    assert all(n > 0 for n in seen.values()), seen


def test_parents_are_heads_family_or_members_and_never_students(db) -> None:
    strangers = one(
        db,
        "SELECT COUNT(*) FROM student_grant g WHERE g.parent_id NOT IN ("
        " SELECT head_id FROM hardship_file UNION SELECT person_id FROM hardship_family"
        " UNION SELECT person_id FROM member)",
    )
    assert strangers == 0
    assert one(db, "SELECT COUNT(*) FROM student_grant WHERE parent_id = student_id") == 0
    assert (
        one(
            db,
            "SELECT COUNT(*) FROM student_grant g "
            "WHERE g.parent_id IN (SELECT student_id FROM student_grant)",
        )
        == 0
    )
    # both kinds of hardship parent occur: heads and family members (a spouse)
    heads = one(
        db,
        "SELECT COUNT(*) FROM student_grant g JOIN hardship_file f ON f.id = g.hardship_file_id "
        "WHERE f.head_id = g.parent_id",
    )
    family = one(
        db,
        "SELECT COUNT(*) FROM student_grant g JOIN hardship_family fm "
        "ON fm.file_id = g.hardship_file_id AND fm.person_id = g.parent_id",
    )
    assert heads > 0 and family > 0


def test_one_standing_grant_per_student_per_year(db) -> None:
    twice = db.execute(
        f"SELECT student_id, year FROM student_grant WHERE status IN {STANDING} "
        "GROUP BY student_id, year HAVING COUNT(*) > 1"
    ).fetchall()
    assert twice == []
    # not even a refused application beside another: the demo's students apply once a year
    assert (
        one(
            db,
            "SELECT COUNT(*) FROM (SELECT 1 FROM student_grant GROUP BY student_id, year "
            "HAVING COUNT(*) > 1)",
        )
        == 0
    )
    # students come back: some in several rounds, some at a higher level than before
    again = one(
        db,
        "SELECT COUNT(*) FROM (SELECT student_id FROM student_grant GROUP BY student_id "
        "HAVING COUNT(DISTINCT year) >= 3)",
    )
    moved_up = one(
        db,
        "SELECT COUNT(*) FROM (SELECT student_id FROM student_grant GROUP BY student_id "
        "HAVING COUNT(DISTINCT level) >= 2)",
    )
    assert again > 0 and moved_up > 0


def test_approvals_stay_within_each_budget(db) -> None:
    budgets = dict(db.execute("SELECT year, budget_fen FROM grant_round"))
    assert set(budgets) == set(YEARS) and all(b and b > 0 for b in budgets.values())
    used = {
        year: one(
            db,
            "SELECT COALESCE(SUM(amount_fen), 0) FROM student_grant "
            "WHERE year = ? AND status IN ('approved', 'paid')",
            year,
        )
        for year in YEARS
    }
    for year in YEARS:
        assert 0 < used[year] <= budgets[year], year
    # some rounds nearly ran dry, and refused what no longer fitted
    assert any(used[y] >= 0.95 * budgets[y] for y in YEARS)
    refused = db.execute(
        "SELECT year, amount_fen FROM student_grant WHERE status = 'rejected' AND status_reason = ?",
        (OVER_BUDGET,),
    ).fetchall()
    assert refused
    for year, amount in refused:
        assert used[year] + amount > budgets[year], year


def test_statuses_carry_their_dates_and_reasons(db) -> None:
    rows = db.execute(
        "SELECT id, year, status, status_reason, exclusion, applied_on, approved_on, paid_on "
        "FROM student_grant"
    ).fetchall()
    approved_unpaid: set[int] = set()
    for gid, year, status, reason, exclusion, applied, approved, paid in rows:
        assert f"{year}-07-01" <= applied <= f"{year}-08-31", gid  # the July–August round
        if status == "paid":
            assert approved is not None and paid is not None, gid
            assert applied <= approved <= paid, gid
            assert f"{year}-08-01" <= paid <= f"{year}-09-30", gid
        elif status == "approved":
            assert approved is not None and paid is None, gid
            approved_unpaid.add(year)
        else:
            assert approved is None and paid is None, gid
        if status in ("rejected", "withdrawn"):
            assert reason and reason.strip(), gid
        if exclusion is not None:
            assert exclusion in ("军校", "免费师范生", "定向生"), gid
            assert status == "rejected", gid
    # the last round's second transfer is still to be paid; earlier rounds are all settled
    assert approved_unpaid == {LAST_YEAR}
    # a rejection or withdrawal is dated (decided_on), after the application, never before it
    for gid, status, applied, decided in db.execute(
        "SELECT id, status, applied_on, decided_on FROM student_grant"
    ):
        if status in ("rejected", "withdrawn"):
            assert decided is not None and applied <= decided, gid
        else:
            assert decided is None, gid
    assert one(db, "SELECT COUNT(*) FROM student_grant WHERE exclusion IS NOT NULL") > 0
    for day in ("approved_on", "paid_on"):
        weekend = one(
            db, f"SELECT COUNT(*) FROM student_grant WHERE strftime('%w', {day}) IN ('0', '6')"
        )
        assert weekend == 0, day


def test_amounts_are_the_standard_unless_a_reason_is_given(db) -> None:
    rows = db.execute(
        "SELECT g.id, g.amount_fen, g.standard_fen, g.amount_reason, s.amount_fen "
        "FROM student_grant g LEFT JOIN grant_standard s ON s.year = g.year "
        "AND s.level = g.level AND s.on_file = (g.eligibility = 'hardship_file')"
    ).fetchall()
    differ = 0
    for gid, amount, standard, reason, table in rows:
        assert isinstance(amount, int) and amount > 0, gid
        assert standard == table, gid  # the standard of the round, level and parent
        if reason is None:
            assert amount == standard, gid
        else:
            differ += 1
            assert amount != standard and reason.strip(), gid
    assert differ > 0


def test_students_are_new_people_whose_ages_fit_their_level(db) -> None:
    rows = db.execute(
        "SELECT g.id, g.year, g.level, g.enrolled_year, p.id_number, p.gender, p.birth_date "
        "FROM student_grant g JOIN person p ON p.id = g.student_id"
    ).fetchall()
    assert len(rows) == one(db, "SELECT COUNT(*) FROM student_grant")
    for gid, year, level, enrolled, number, gender, birth in rows:
        rid = parse_id_number(number)
        assert rid.birth_date.isoformat() == birth and rid.gender == gender, gid
        born = date.fromisoformat(birth)
        age = year - born.year - (1 if (born.month, born.day) > (8, 31) else 0)
        lo, hi = AGES[level]
        assert lo <= age <= hi, (gid, level, age)
        assert enrolled is not None and year - 5 <= enrolled <= year, gid
    # students are never members, never heads of a file
    for sql in (
        "SELECT COUNT(*) FROM student_grant g JOIN member m ON m.person_id = g.student_id",
        "SELECT COUNT(*) FROM student_grant g JOIN hardship_file f ON f.head_id = g.student_id",
    ):
        assert one(db, sql) == 0, sql
    # the children of hardship households are those listed in the family; the rest are new people
    listed = one(
        db,
        "SELECT COUNT(*) FROM student_grant g JOIN hardship_family fm "
        "ON fm.person_id = g.student_id AND fm.relation IN ('儿子', '女儿')",
    )
    assert listed > 0
    numbers = [r[0] for r in db.execute("SELECT id_number FROM person")]
    assert len(numbers) == len(set(numbers))


def test_a_student_keeps_a_school_per_level(db) -> None:
    schools = db.execute(
        "SELECT student_id, level, COUNT(DISTINCT school), COUNT(DISTINCT enrolled_year) "
        "FROM student_grant GROUP BY student_id, level"
    ).fetchall()
    assert schools and all(n == 1 and e == 1 for _, _, n, e in schools)
    assert one(db, "SELECT COUNT(*) FROM student_grant WHERE school IS NULL OR school = ''") == 0


# --- the same seed, the same rounds; the casework untouched ------------------------------------


def test_the_same_seed_gives_the_same_grants(county, template_db, tmp_path) -> None:
    again = tmp_path / "again.sqlite3"
    result = build_demo(template_db, again, members=3000)
    assert result == county[1]
    tables = ("person", *GRANT_TABLES)
    assert _digest(again, tables) == _digest(county[0], tables)
    other = tmp_path / "other.sqlite3"
    build_demo(template_db, other, members=3000, seed=7)
    assert _digest(other, GRANT_TABLES) != _digest(again, GRANT_TABLES)


def test_the_grants_leave_members_and_casework_as_they_were(
    county, template_db, tmp_path, monkeypatch
) -> None:
    # the same county without any grant: no round, no parent drawn
    monkeypatch.setattr(demo_grants, "GRANTS_FROM", LAST_YEAR + 1)
    monkeypatch.setattr(demo_grants, "GRANT_PARENT_DRAW", 0)
    bare = tmp_path / "bare.sqlite3"
    result = build_demo(template_db, bare, members=3000)
    assert result.grants == result.grant_rounds == 0
    con = sqlite3.connect(bare)
    people = one(con, "SELECT MAX(id) FROM person")
    assert one(con, "SELECT COUNT(*) FROM student_grant") == 0
    con.close()
    assert _digest(county[0], CASEWORK, people) == _digest(bare, CASEWORK)
    # the grants only added people after those
    con = sqlite3.connect(county[0])
    assert one(con, "SELECT MIN(id) FROM person WHERE id > ?", people) == people + 1
    con.close()


def test_a_rebuild_replaces_the_grants(template_db, tmp_path) -> None:
    path = tmp_path / "twice.sqlite3"
    first = build_demo(template_db, path, members=600)
    engine = make_engine(sqlite_target(path))
    try:
        second = build(engine, "tester", members=600)
    finally:
        engine.dispose()
    assert second == first
    con = sqlite3.connect(path)
    assert one(con, "SELECT COUNT(*) FROM student_grant") == second.grants > 0
    assert one(con, "SELECT COUNT(*) FROM grant_round") == len(YEARS)
    con.close()


def test_the_demo_refuses_a_ledger_with_a_real_round(template_db, tmp_path) -> None:
    path = tmp_path / "real.sqlite3"
    shutil.copy(template_db, path)
    engine = make_engine(sqlite_target(path))
    try:
        with engine.begin() as conn:
            conn.execute(insert(GrantRound), [{"year": 2025, "budget_fen": 5_000_000}])
        with pytest.raises(Conflict):
            build(engine, "tester", members=300)
    finally:
        engine.dispose()
    con = sqlite3.connect(path)
    assert con.execute("SELECT year, budget_fen FROM grant_round").fetchall() == [(2025, 5_000_000)]
    assert one(con, "SELECT COUNT(*) FROM person") == 0
    con.close()


def test_no_round_before_the_day_of_the_build(template_db, tmp_path) -> None:
    path = tmp_path / "early.sqlite3"
    result = build_demo(template_db, path, members=600, today=date(2022, 8, 10))
    con = sqlite3.connect(path)
    assert [r[0] for r in con.execute("SELECT year FROM grant_round ORDER BY year")] == [
        2019,
        2020,
        2021,
        2022,
    ]
    assert result.grants == one(con, "SELECT COUNT(*) FROM student_grant")
    # nothing dated after the build; this round is still being decided
    for day in ("applied_on", "approved_on", "paid_on"):
        assert one(con, f"SELECT COUNT(*) FROM student_grant WHERE {day} > '2022-08-10'") == 0
    assert one(con, "SELECT COUNT(*) FROM student_grant WHERE year = 2022 AND status = 'paid'") == 0
    con.close()


def test_demo_message_counts_the_grants(cli, tmp_path) -> None:
    path = tmp_path / "demo.sqlite3"
    r = cli("--db", str(path), "demo", "--members", "300", db=False)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].endswith("笔帮扶记录"), lines[0]
    m = re.fullmatch(r"金秋助学 (\d+) 个年度，(\d+) 笔助学申请", lines[1])
    assert m, lines[1]
    con = sqlite3.connect(path)
    assert int(m[1]) == one(con, "SELECT COUNT(*) FROM grant_round") == len(YEARS)
    assert int(m[2]) == one(con, "SELECT COUNT(*) FROM student_grant") > 0
    con.close()


def test_postgres_demo_moves_the_grant_sequence(pg_target) -> None:
    from sqlalchemy import text

    from unioncli.db import migrate
    from unioncli.db.engine import make_engine as make

    migrate.upgrade(pg_target)
    engine = make(pg_target)
    try:
        result = build(engine, "tester", members=300)
        with engine.begin() as conn:
            top = conn.execute(text("SELECT COALESCE(MAX(id), 0) FROM student_grant")).scalar_one()
            nxt = conn.execute(
                text("SELECT nextval(pg_get_serial_sequence('student_grant', 'id'))")
            ).scalar_one()
            assert top == result.grants > 0 and nxt > top
    finally:
        engine.dispose()


def _digest(path: Path, tables: tuple[str, ...], people_up_to: int | None = None) -> str:
    orders = {
        "low_income_line": "year",
        "grant_round": "year",
        "grant_standard": "year, level, on_file",
    }
    where = {"person": f"id <= {people_up_to}"} if people_up_to else None
    return digest(path, {t: orders.get(t, "id") for t in tables}, where)


def test_the_demos_grants_export_and_import_back_unchanged(
    cli, county: tuple[Path, DemoResult], tmp_path: Path
) -> None:
    """Every status, with its dates and reasons, goes out through ``export grants`` and comes
    back as the very grants the ledger holds."""
    path = tmp_path / "county.sqlite3"
    shutil.copy(county[0], path)
    out = tmp_path / "grants.csv"
    r = cli("--db", str(path), "export", "grants", "--out", str(out), "--unmasked",
            "--reason", "核对", db=False)  # fmt: skip
    assert r.exit_code == 0, r.stderr
    con = sqlite3.connect(path)
    total = one(con, "SELECT COUNT(*) FROM student_grant")
    statuses = {s for (s,) in con.execute("SELECT DISTINCT status FROM student_grant")}
    con.close()
    # a past round's sheet: paid, rejected and withdrawn beside each other (pending applications
    # and approvals are there only as the demo's draws leave some)
    assert {"paid", "rejected", "withdrawn"} <= statuses
    r = cli("--db", str(path), "import", "grants", str(out), db=False)
    assert r.exit_code == 0, r.stdout + r.stderr
    assert f"新建 0 · 更新 0 · 未变 {total} · 跳过 0 · 文件内重复 0 · 拒绝 0" in r.stdout
