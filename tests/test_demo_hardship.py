"""The demo ledger's casework: hardship files, their families, reviews, visits and aid (SPEC §2.2).

One 3,000-member demo is built per module and read with plain SQL: every rule the tool enforces on
a clerk's input must hold in the sample county too.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from datetime import date
from pathlib import Path

import pytest
from demo_ledger import build_demo, digest, one
from sqlalchemy import insert

from unioncli.config import sqlite_target
from unioncli.db.engine import make_engine
from unioncli.errors import Conflict
from unioncli.ids import parse_id_number
from unioncli.models.hardship import LowIncomeLine
from unioncli.services.demo.builder import DemoResult, build
from unioncli.services.demo.common import FIRST_YEAR, LAST_YEAR
from unioncli.services.demo.hardship import LOW_INCOME_LINE_YUAN

LAST_DAY = date(LAST_YEAR, 12, 31)
# the tables a digest covers, without the columns that hold the time of the build
TABLES = (
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


@pytest.fixture(scope="module")
def county(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult]:
    path = tmp_path_factory.mktemp("demo") / "county.sqlite3"
    return path, build_demo(template_db, path, members=3000)


@pytest.fixture
def db(county: tuple[Path, DemoResult]) -> sqlite3.Connection:
    con = sqlite3.connect(county[0])
    yield con  # type: ignore[misc]
    con.close()


def _digest(path: Path) -> str:
    return digest(path, {t: "year" if t == "low_income_line" else "id" for t in TABLES})


# --- counts and shape --------------------------------------------------------------------------


def test_counts_match_the_tables(county, db) -> None:
    _, result = county
    assert result.files == one(db, "SELECT COUNT(*) FROM hardship_file") == 90  # 3% of members
    assert result.open_files == one(db, "SELECT COUNT(*) FROM hardship_file WHERE status='open'")
    assert result.aid == one(db, "SELECT COUNT(*) FROM aid")
    assert 0 < result.open_files < result.files
    assert result.aid > 3 * result.files
    for table in ("hardship_family", "hardship_review", "hardship_visit"):
        assert one(db, f"SELECT COUNT(*) FROM {table}") > 0, table


def test_every_category_close_reason_and_aid_kind_occurs(db) -> None:
    cats = {r[0] for r in db.execute("SELECT category FROM hardship_file")}
    assert cats == {"deep", "relative", "accident"}
    reasons = {
        r[0]
        for r in db.execute("SELECT close_reason FROM hardship_file WHERE closed_on IS NOT NULL")
    }
    assert {"recovered", "safety_net", "ineligible"} <= reasons
    kinds = {r[0] for r in db.execute("SELECT kind FROM aid")}
    assert {"warmth", "living", "medical", "schooling"} <= kinds
    funds = {r[0] for r in db.execute("SELECT DISTINCT fund_source FROM aid")}
    assert {"县总工会帮扶资金", "上级工会补助", "送温暖专项"} <= funds
    assert one(db, "SELECT COUNT(*) FROM aid WHERE handler IS NULL OR handler = ''") == 0


def test_low_income_line_for_every_demo_year(db) -> None:
    lines = dict(db.execute("SELECT year, amount_fen FROM low_income_line"))
    # from the oldest file (they predate the member register) to the demo's last year
    first = one(db, "SELECT MIN(strftime('%Y', opened_on)) FROM hardship_file")
    assert first < FIRST_YEAR
    assert sorted(lines) == list(range(first, LAST_YEAR + 1))
    assert lines[2015] == 56_000 and lines[2024] == 76_000
    assert all(lines[y] < lines[y + 1] for y in range(first, LAST_YEAR))
    # files older than the register are headed by people who are not members
    assert (
        one(
            db,
            "SELECT COUNT(*) FROM hardship_file f JOIN member m ON m.person_id = f.head_id "
            "WHERE f.opened_on < ?",
            f"{FIRST_YEAR}-01-01",
        )
        == 0
    )


def test_members_and_people_who_are_not_members_head_files(db) -> None:
    member_heads = one(
        db, "SELECT COUNT(*) FROM hardship_file f JOIN member m ON m.person_id = f.head_id"
    )
    others = one(
        db,
        "SELECT COUNT(*) FROM hardship_file f "
        "WHERE NOT EXISTS (SELECT 1 FROM member m WHERE m.person_id = f.head_id)",
    )
    assert member_heads >= 1 and others >= 1
    # a member heads a file only from the day they joined, and in their own union
    assert (
        one(
            db,
            "SELECT COUNT(*) FROM hardship_file f JOIN member m ON m.person_id = f.head_id "
            "WHERE f.opened_on < m.joined_on OR f.org_id <> m.org_id",
        )
        == 0
    )


# --- the rules of SPEC §2.2 --------------------------------------------------------------------


def test_aid_only_while_the_file_is_open(db) -> None:
    outside = one(
        db,
        "SELECT COUNT(*) FROM aid a JOIN hardship_file f ON f.id = a.file_id "
        "WHERE a.aid_date < f.opened_on OR a.aid_date > ? "
        "OR (f.closed_on IS NOT NULL AND a.aid_date >= f.closed_on)",
        LAST_DAY.isoformat(),
    )
    assert outside == 0
    # not vacuous: closed files were paid too, up to their closing
    assert (
        one(
            db,
            "SELECT COUNT(*) FROM aid a JOIN hardship_file f ON f.id = a.file_id WHERE f.status='closed'",
        )
        > 0
    )


def test_no_identical_aid_entries_and_amounts_in_whole_fen(db) -> None:
    doubles = db.execute(
        "SELECT file_id, kind, aid_date, amount_fen FROM aid "
        "GROUP BY file_id, kind, aid_date, amount_fen HAVING COUNT(*) > 1"
    ).fetchall()
    assert doubles == []
    assert one(db, "SELECT COUNT(*) FROM aid WHERE typeof(amount_fen) <> 'integer'") == 0
    assert one(db, "SELECT COUNT(*) FROM aid WHERE amount_fen <= 0 AND reverses_id IS NULL") == 0


def test_reversals_undo_their_entry(db) -> None:
    bad = one(
        db,
        "SELECT COUNT(*) FROM aid r JOIN aid o ON o.id = r.reverses_id "
        "WHERE r.amount_fen <> -o.amount_fen OR r.file_id <> o.file_id OR r.kind <> o.kind "
        "OR r.aid_date < o.aid_date OR o.reverses_id IS NOT NULL",
    )
    assert bad == 0
    assert one(db, "SELECT COUNT(*) FROM aid WHERE amount_fen < 0 AND reverses_id IS NULL") == 0


def test_winter_warmth_every_january(db) -> None:
    years = {
        int(r[0])
        for r in db.execute("SELECT DISTINCT strftime('%Y', aid_date) FROM aid WHERE kind='warmth'")
    }
    first = one(db, "SELECT MIN(strftime('%Y', opened_on)) FROM hardship_file")
    assert years == set(range(first + 1, LAST_YEAR + 1)) | ({first} & years)
    assert (
        one(db, "SELECT COUNT(*) FROM aid WHERE kind='warmth' AND strftime('%m', aid_date) <> '01'")
        == 0
    )
    # most files open on a round's day get it
    for year in (2020, 2024):
        (day,) = db.execute(
            "SELECT aid_date FROM aid WHERE kind='warmth' AND strftime('%Y', aid_date) = ? "
            "GROUP BY aid_date ORDER BY COUNT(*) DESC LIMIT 1",
            (str(year),),
        ).fetchone()
        open_then = one(
            db,
            "SELECT COUNT(*) FROM hardship_file WHERE opened_on <= ? "
            "AND (closed_on IS NULL OR closed_on > ?)",
            day,
            day,
        )
        paid = one(
            db, "SELECT COUNT(DISTINCT file_id) FROM aid WHERE kind='warmth' AND aid_date=?", day
        )
        assert open_then > 0 and paid >= 0.6 * open_then


def test_nobody_is_in_two_open_files(db) -> None:
    twice = db.execute(
        "SELECT person_id, COUNT(*) FROM ("
        "  SELECT head_id AS person_id FROM hardship_file WHERE status='open'"
        "  UNION ALL"
        "  SELECT fm.person_id FROM hardship_family fm"
        "  JOIN hardship_file f ON f.id = fm.file_id WHERE f.status='open'"
        ") GROUP BY person_id HAVING COUNT(*) > 1"
    ).fetchall()
    assert twice == []
    # a family member is never a head, and never listed twice in one file
    assert (
        one(
            db,
            "SELECT COUNT(*) FROM hardship_family fm JOIN hardship_file f ON f.head_id = fm.person_id",
        )
        == 0
    )
    assert (
        one(
            db,
            "SELECT COUNT(*) FROM (SELECT file_id, person_id FROM hardship_family "
            "GROUP BY file_id, person_id HAVING COUNT(*) > 1)",
        )
        == 0
    )


def test_files_open_and_close_consistently(db) -> None:
    rows = db.execute(
        "SELECT id, file_no, head_id, status, opened_on, closed_on, close_reason, previous_id "
        "FROM hardship_file"
    ).fetchall()
    by_id = {r[0]: r for r in rows}
    reopened = 0
    for _fid, file_no, head, status, opened, closed, reason, previous in rows:
        assert re.fullmatch(rf"KN{opened[:4]}-\d{{5}}", file_no), file_no
        if status == "closed":
            assert closed is not None and reason is not None, file_no
            assert opened < closed <= LAST_DAY.isoformat(), file_no
        else:
            assert status == "open" and closed is None and reason is None, file_no
        if previous is not None:
            reopened += 1
            before = by_id[previous]
            assert before[3] == "closed" and before[5] < opened, file_no
            assert before[2] == head, file_no
            assert before[6] not in ("deceased", "retired", "moved"), file_no
    assert reopened >= 1
    # file numbers run in order of opening within a year
    for year in {r[4][:4] for r in rows}:
        ordered = [r[1] for r in sorted(rows, key=lambda r: (r[4], r[0])) if r[4][:4] == year]
        assert ordered == sorted(ordered)


def test_causes_household_and_income_fit_the_file(db) -> None:
    lines = dict(db.execute("SELECT year, amount_fen FROM low_income_line"))
    rows = db.execute(
        "SELECT f.id, f.category, f.cause, f.secondary_causes, f.household_size, f.income_fen, "
        "f.opened_on, (SELECT COUNT(*) FROM hardship_family fm WHERE fm.file_id = f.id), "
        "(SELECT MAX(review_date) FROM hardship_review r WHERE r.file_id = f.id), "
        "(SELECT category FROM hardship_review r WHERE r.file_id = f.id "
        " ORDER BY review_date DESC LIMIT 1) "
        "FROM hardship_file f"
    ).fetchall()
    secondary_seen = set()
    for fid, cat, cause, secondary, size, income, opened, family, reviewed, reviewed_cat in rows:
        extra = secondary.split(",") if secondary else []
        secondary_seen.add(len(extra))
        assert len(extra) <= 3 and len(set(extra)) == len(extra) and cause not in extra, fid
        assert 1 <= size <= 6 and size == family + 1, fid
        assert isinstance(income, int) and income > 0
        # the income was measured at the last review, or at the filing
        line = lines[int((reviewed or opened)[:4])]
        if cat == "deep":
            assert income < line, fid
        elif cat == "relative":
            assert line <= income < 2 * line, fid
        if reviewed_cat is not None:
            assert reviewed_cat == cat, fid  # the file carries its last review's category
    assert secondary_seen == {0, 1, 2, 3}


def test_new_people_have_valid_id_numbers_and_fit_their_relation(db) -> None:
    numbers = [r[0] for r in db.execute("SELECT id_number FROM person")]
    assert len(numbers) == len(set(numbers))
    family = db.execute(
        "SELECT p.id_number, p.gender, p.birth_date, fm.relation, f.opened_on, h.birth_date "
        "FROM hardship_family fm JOIN person p ON p.id = fm.person_id "
        "JOIN hardship_file f ON f.id = fm.file_id JOIN person h ON h.id = f.head_id"
    ).fetchall()
    assert family
    for number, gender, birth, relation, opened, head_birth in family:
        rid = parse_id_number(number)
        assert rid.gender == gender and rid.birth_date.isoformat() == birth
        if relation in ("儿子", "女儿"):
            assert birth > head_birth and birth < opened
            assert gender == ("male" if relation == "儿子" else "female")
        elif relation in ("父亲", "母亲"):
            assert birth < head_birth


def test_reviews_and_visits_lie_in_the_open_period(db) -> None:
    for table, day in (("hardship_review", "review_date"), ("hardship_visit", "visit_date")):
        outside = one(
            db,
            f"SELECT COUNT(*) FROM {table} x JOIN hardship_file f ON f.id = x.file_id "
            f"WHERE x.{day} < f.opened_on OR x.{day} > ? "
            f"OR (f.closed_on IS NOT NULL AND x.{day} >= f.closed_on)",
            LAST_DAY.isoformat(),
        )
        assert outside == 0, table
    # at most one review a year per file
    assert (
        one(
            db,
            "SELECT COUNT(*) FROM (SELECT file_id FROM hardship_review "
            "GROUP BY file_id, strftime('%Y', review_date) HAVING COUNT(*) > 1)",
        )
        == 0
    )


def test_the_clerk_has_work_due_in_the_last_year(db) -> None:
    as_of = LAST_DAY.isoformat()
    open_files = one(db, "SELECT COUNT(*) FROM hardship_file WHERE status='open'")
    no_review = one(
        db,
        "SELECT COUNT(*) FROM hardship_file f WHERE status='open' AND opened_on < ? "
        "AND NOT EXISTS (SELECT 1 FROM hardship_review r WHERE r.file_id = f.id "
        "AND r.review_date >= ?)",
        f"{LAST_YEAR}-01-01",
        f"{LAST_YEAR}-01-01",
    )
    no_visit = one(
        db,
        "SELECT COUNT(*) FROM hardship_file f WHERE status='open' AND opened_on <= date(?, '-6 months') "
        "AND NOT EXISTS (SELECT 1 FROM hardship_visit v WHERE v.file_id = f.id "
        "AND v.visit_date > date(?, '-6 months'))",
        as_of,
        as_of,
    )
    assert 0 < no_review < open_files / 2
    assert 0 < no_visit < open_files / 2


def test_hardship_due_lists_the_demo_work(county, cli) -> None:
    path, _ = county
    r = cli("--db", str(path), "hardship", "due", "--as-of", "2024-12-31", "--all", db=False)
    assert r.exit_code == 0, r.stderr
    assert "KN20" in r.stdout


# --- the same seed, the same county; real ledgers untouched ------------------------------------


def test_the_same_seed_gives_the_same_ledger(county, template_db, tmp_path) -> None:
    again = tmp_path / "again.sqlite3"
    result = build_demo(template_db, again, members=3000)
    assert result == county[1]
    assert _digest(again) == _digest(county[0])
    other = tmp_path / "other.sqlite3"
    build_demo(template_db, other, members=3000, seed=7)
    assert _digest(other) != _digest(again)


def test_the_file_knob_and_a_rebuild_replace_the_casework(template_db, tmp_path) -> None:
    path = tmp_path / "knob.sqlite3"
    first = build_demo(template_db, path, members=600, hardship_files=200)
    assert first.files == 200
    engine = make_engine(sqlite_target(path))
    try:
        second = build(engine, "tester", members=600, hardship_files=50)
    finally:
        engine.dispose()
    con = sqlite3.connect(path)
    assert second.files == one(con, "SELECT COUNT(*) FROM hardship_file") == 50
    assert second.aid == one(con, "SELECT COUNT(*) FROM aid")
    assert one(con, "SELECT COUNT(*) FROM low_income_line") == len(LOW_INCOME_LINE_YUAN)
    # more files than members' 3%: heads who are not members make up the rest
    assert one(con, "SELECT COUNT(*) FROM person") > 600
    con.close()


def test_the_demo_refuses_a_ledger_with_a_real_low_income_line(template_db, tmp_path) -> None:
    path = tmp_path / "real.sqlite3"
    shutil.copy(template_db, path)
    engine = make_engine(sqlite_target(path))
    try:
        with engine.begin() as conn:
            conn.execute(insert(LowIncomeLine), [{"year": 2024, "amount_fen": 80_000}])
        with pytest.raises(Conflict):
            build(engine, "tester", members=300)
    finally:
        engine.dispose()
    con = sqlite3.connect(path)
    assert con.execute("SELECT year, amount_fen FROM low_income_line").fetchall() == [
        (2024, 80_000)
    ]
    assert one(con, "SELECT COUNT(*) FROM person") == 0
    con.close()


def test_demo_message_counts_the_casework(cli, tmp_path) -> None:
    path = tmp_path / "demo.sqlite3"
    r = cli("--db", str(path), "demo", "--members", "300", db=False)
    assert r.exit_code == 0, r.stderr
    first = r.stdout.splitlines()[0]
    assert re.search(r"，9 户困难职工档案（在档 \d+ 户），\d+ 笔帮扶记录$", first), first


def test_postgres_demo_moves_the_sequences(pg_target) -> None:
    from sqlalchemy import text

    from unioncli.db import migrate
    from unioncli.db.engine import make_engine as make

    migrate.upgrade(pg_target)
    engine = make(pg_target)
    try:
        result = build(engine, "tester", members=300)
        with engine.begin() as conn:
            for table in (
                "hardship_file",
                "hardship_family",
                "hardship_review",
                "hardship_visit",
                "aid",
            ):
                top = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
                nxt = conn.execute(
                    text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
                ).scalar_one()
                assert nxt > top, table
        assert result.files == 9
    finally:
        engine.dispose()
