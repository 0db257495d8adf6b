"""The demo ledger's outdoor-worker stations: registry, yearly ratings and monthly service ledger
(SPEC §2.4).

One 3,000-member demo is built per module and read with plain SQL: every rule the tool enforces on
a clerk's stations must hold in the sample county too.
"""

from __future__ import annotations

import re
import shutil
import sqlite3
from collections.abc import Iterator
from datetime import date
from itertools import pairwise
from pathlib import Path

import pytest
from demo_ledger import build_demo, digest, one
from sqlalchemy import insert

from unioncli.config import sqlite_target
from unioncli.db.engine import make_engine
from unioncli.enums import REQUIRED_FACILITIES, Facility
from unioncli.errors import Conflict
from unioncli.models.station import Station
from unioncli.services.demo.builder import DemoResult, build
from unioncli.services.demo.common import LAST_YEAR, TOWNSHIPS
from unioncli.services.demo.stations import COUNTY_CENTRE, STATION_MIN, STATIONS_FROM

STATION_TABLES = ("station", "station_rating", "station_log", "station_event")
# every table the demo filled before the stations, with the key that orders it
EARLIER = {
    "org": "id",
    "person": "id",
    "member": "id",
    "member_event": "id",
    "low_income_line": "year",
    "hardship_file": "id",
    "hardship_family": "id",
    "hardship_review": "id",
    "hardship_visit": "id",
    "aid": "id",
    "grant_round": "year",
    "grant_standard": "year, level, on_file",
    "student_grant": "id",
}
RANK = {"none": 0, "standard": 1, "demonstration": 2, "most_beautiful": 3}
END = date(LAST_YEAR, 12, 1)  # the demo's last ledger month


@pytest.fixture(scope="module")
def county(template_db: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult]:
    path = tmp_path_factory.mktemp("stations") / "county.sqlite3"
    return path, build_demo(template_db, path, members=3000)


@pytest.fixture
def db(county: tuple[Path, DemoResult]) -> Iterator[sqlite3.Connection]:
    con = sqlite3.connect(county[0])
    yield con
    con.close()


def _months(first: date, last: date) -> int:
    return (last.year - first.year) * 12 + last.month - first.month + 1


def _last_month(status: str, since: date, end: date = END) -> date:
    """The last month a station served: the month it closed or was suspended, else the end."""
    return (since if status != "open" else end).replace(day=1)


# --- counts and shape --------------------------------------------------------------------------


def test_counts_match_the_tables_and_are_plausible(county, db) -> None:
    _, result = county
    assert result.stations == one(db, "SELECT COUNT(*) FROM station") == 3000 // 22
    assert result.station_ratings == one(db, "SELECT COUNT(*) FROM station_rating")
    assert result.station_logs == one(db, "SELECT COUNT(*) FROM station_log")
    statuses = dict(db.execute("SELECT status, COUNT(*) FROM station GROUP BY status").fetchall())
    assert set(statuses) == {"open", "suspended", "closed"}
    assert statuses["open"] > 0.8 * result.stations
    assert 0 < statuses["suspended"] < 0.1 * result.stations
    assert 0 < statuses["closed"] < 0.1 * result.stations
    years = {
        int(y) for (y,) in db.execute("SELECT DISTINCT strftime('%Y', opened_on) FROM station")
    }
    assert min(years) >= STATIONS_FROM and max(years) <= LAST_YEAR
    assert len(years) >= 7  # opened over the years, not all at once
    townships = {t for (t,) in db.execute("SELECT DISTINCT township FROM station")}
    assert townships == set(TOWNSHIPS)
    hosts = {h for (h,) in db.execute("SELECT DISTINCT host FROM station")}
    assert {"党群服务中心", "银行网点", "加油站", "社区", "环卫站", "快递网点", "企业"} <= hosts
    assert {m for (m,) in db.execute("SELECT DISTINCT build_model FROM station")} == {
        "self_built",
        "co_built",
    }
    # the last year's ledger: about 1.3万人次 for ~136 stations, as a county's review reports
    visits = one(db, "SELECT SUM(visits) FROM station_log WHERE month >= ?", f"{END.year}-01-01")
    assert 8_000 < visits < 20_000
    mean = db.execute("SELECT AVG(visits), MIN(visits) FROM station_log").fetchone()
    assert 5 < mean[0] < 13 and mean[1] >= 0
    activities = {a for (a,) in db.execute("SELECT DISTINCT activities FROM station_log")}
    assert activities == {0, 1, 2, 3}


def test_codes_and_names_are_unique(db) -> None:
    rows = db.execute("SELECT code, name, township FROM station").fetchall()
    assert len({r[0] for r in rows}) == len(rows)
    assert len({r[1] for r in rows}) == len(rows)  # station-logs may be imported by name
    for code, name, township in rows:
        assert re.fullmatch(r"ZD-[\u4e00-\u9fff]+-\d{3,}", code), code
        assert code.split("-")[1] in township
        assert name.startswith(township)


def test_fields_hold_what_the_spec_allows(db) -> None:
    rows = db.execute(
        "SELECT hours, facilities, latitude, longitude, phone, manager FROM station"
    ).fetchall()
    codes = set(Facility.codes())
    for hours, facilities, lat, lon, phone, manager in rows:
        assert hours == "24小时" or re.fullmatch(r"\d\d:\d\d-\d\d:\d\d", hours), hours
        assert set(facilities.split(",")) <= codes
        assert (lat is None) == (lon is None)
        if lat is not None:  # around the county centre
            assert abs(lat - COUNTY_CENTRE[0]) < 0.25 and abs(lon - COUNTY_CENTRE[1]) < 0.25
        assert re.fullmatch(r"1[3-9]\d{9}|0451-\d{8}", phone), phone
        assert manager
    assert sum(1 for r in rows if r[0] == "24小时") > 0
    assert 0 < sum(1 for r in rows if r[2] is None) < 0.2 * len(rows)


def test_most_stations_have_the_required_facilities_and_some_lack_one(db) -> None:
    required = {f.value for f in REQUIRED_FACILITIES}
    facilities = [set(f.split(",")) for (f,) in db.execute("SELECT facilities FROM station")]
    lacking = sum(1 for f in facilities if not required <= f)
    assert 0 < lacking < 0.25 * len(facilities)


def test_closed_and_suspended_stations_carry_their_dates(db) -> None:
    for status, since, closed, opened in db.execute(
        "SELECT status, status_since, closed_on, opened_on FROM station"
    ):
        if status == "closed":
            assert closed is not None and since == closed
            assert date.fromisoformat(closed) > date.fromisoformat(opened)
        else:
            assert closed is None
        if status == "open":
            assert since == opened
        else:
            assert opened < since <= f"{LAST_YEAR}-12-31"


# --- the service ledger ------------------------------------------------------------------------


def test_a_log_for_every_month_the_station_served_and_no_other(db) -> None:
    assert (
        one(
            db,
            "SELECT COUNT(*) FROM (SELECT 1 FROM station_log GROUP BY station_id, month "
            "HAVING COUNT(*) > 1)",
        )
        == 0
    )
    logs: dict[int, list[date]] = {}
    for sid, month in db.execute("SELECT station_id, month FROM station_log"):
        logs.setdefault(sid, []).append(date.fromisoformat(month))
    for sid, opened, status, since in db.execute(
        "SELECT id, opened_on, status, status_since FROM station"
    ):
        first = date.fromisoformat(opened).replace(day=1)
        last = _last_month(status, date.fromisoformat(since))
        months = logs.get(sid, [])
        assert all(m.day == 1 for m in months)
        assert min(months) == first, sid  # nothing before the opening month
        assert max(months) == last, sid  # nothing after closing or suspension
        assert len(months) == len(set(months)) == _months(first, last), sid


def test_visits_peak_in_summer_and_winter(db) -> None:
    by_month = dict(
        db.execute(
            "SELECT CAST(strftime('%m', month) AS INTEGER), AVG(visits) FROM station_log GROUP BY 1"
        ).fetchall()
    )
    spring_autumn = max(by_month[4], by_month[10])
    assert by_month[7] > 1.2 * spring_autumn
    assert by_month[1] > 1.2 * spring_autumn


# --- ratings -----------------------------------------------------------------------------------


def test_one_rating_per_station_year_from_the_year_after_opening(db) -> None:
    assert (
        one(
            db,
            "SELECT COUNT(*) FROM (SELECT 1 FROM station_rating GROUP BY station_id, year "
            "HAVING COUNT(*) > 1)",
        )
        == 0
    )
    rows = db.execute(
        "SELECT r.year, r.rated_on, s.opened_on, s.closed_on FROM station_rating r "
        "JOIN station s ON s.id = r.station_id"
    ).fetchall()
    assert rows
    for year, rated_on, opened, closed in rows:
        assert year > int(opened[:4])  # none in (or before) the opening year
        assert rated_on[:4] == str(year)
        if closed is not None:
            assert year < int(closed[:4])  # a closed station is not rated in its last year


def test_ratings_are_mostly_standard_and_are_lowered_or_withdrawn(db) -> None:
    counts = dict(db.execute("SELECT rating, COUNT(*) FROM station_rating GROUP BY 1").fetchall())
    assert set(counts) == set(RANK)
    assert counts["standard"] > counts["demonstration"] > counts["most_beautiful"] > 0
    history: dict[int, list[str]] = {}
    for sid, rating in db.execute(
        "SELECT station_id, rating FROM station_rating ORDER BY station_id, year"
    ):
        history.setdefault(sid, []).append(rating)
    lowered = withdrawn = 0
    for ratings in history.values():
        assert ratings[0] != "none"  # a station never rated has no entry to withdraw
        pairs = list(pairwise(ratings))
        lowered += any(0 < RANK[b] < RANK[a] for a, b in pairs)
        withdrawn += any(b == "none" for _, b in pairs)
    assert lowered > 0 and withdrawn > 0


def test_some_rated_stations_lack_a_required_facility(db) -> None:
    # so that ``station check`` has warnings to show in the demo
    required = {f.value for f in REQUIRED_FACILITIES}
    held = db.execute(
        "SELECT s.facilities FROM station_rating r JOIN station s ON s.id = r.station_id "
        "WHERE r.year = ? AND r.rating != 'none'",
        (LAST_YEAR,),
    ).fetchall()
    assert any(not required <= set(f.split(",")) for (f,) in held)


def test_nothing_after_today(template_db, tmp_path) -> None:
    today = date(2021, 6, 15)
    result = build_demo(template_db, tmp_path / "mid.sqlite3", members=600, today=today)
    con = sqlite3.connect(tmp_path / "mid.sqlite3")
    assert result.stations == 600 // 22 == one(con, "SELECT COUNT(*) FROM station")
    assert con.execute("SELECT MAX(opened_on) FROM station").fetchone()[0] <= "2021-06-15"
    assert con.execute("SELECT MAX(month) FROM station_log").fetchone()[0] == "2021-06-01"
    assert one(con, "SELECT MAX(year) FROM station_rating") <= 2020
    assert con.execute("SELECT MAX(rated_on) FROM station_rating").fetchone()[0] <= "2021-06-15"
    con.close()


# --- the same seed, the same stations; the rest untouched --------------------------------------


def test_the_same_seed_gives_the_same_stations(county, template_db, tmp_path) -> None:
    tables = {t: "id" for t in STATION_TABLES}
    again = tmp_path / "again.sqlite3"
    assert build_demo(template_db, again, members=3000) == county[1]
    assert digest(again, tables) == digest(county[0], tables)
    other = tmp_path / "other.sqlite3"
    build_demo(template_db, other, members=3000, seed=7)
    assert digest(other, tables) != digest(again, tables)


def test_the_stations_leave_the_rest_of_the_ledger_as_it_was(county, template_db, tmp_path) -> None:
    bare = tmp_path / "bare.sqlite3"
    result = build_demo(template_db, bare, members=3000, stations=0)
    assert result.stations == result.station_logs == result.station_ratings == 0
    con = sqlite3.connect(bare)
    assert one(con, "SELECT COUNT(*) FROM station") == 0
    con.close()
    assert digest(county[0], EARLIER) == digest(bare, EARLIER)
    assert county[1].grants == result.grants and county[1].aid == result.aid


def test_a_rebuild_replaces_the_stations(template_db, tmp_path) -> None:
    path = tmp_path / "twice.sqlite3"
    build_demo(template_db, path, members=600, stations=50)
    engine = make_engine(sqlite_target(path))
    try:
        second = build(engine, "tester", members=600, stations=30)
    finally:
        engine.dispose()
    con = sqlite3.connect(path)
    assert second.stations == one(con, "SELECT COUNT(*) FROM station") == 30
    assert second.station_logs == one(con, "SELECT COUNT(*) FROM station_log")
    assert second.station_ratings == one(con, "SELECT COUNT(*) FROM station_rating")
    con.close()


def test_the_demo_refuses_a_ledger_with_a_real_station(template_db, tmp_path) -> None:
    path = tmp_path / "real.sqlite3"
    shutil.copy(template_db, path)
    engine = make_engine(sqlite_target(path))
    try:
        with engine.begin() as conn:
            conn.execute(
                insert(Station),
                [
                    {
                        "code": "ZD-001",
                        "name": "城关镇邮政驿站",
                        "opened_on": date(2019, 5, 1),
                        "status": "open",
                        "status_since": date(2019, 5, 1),
                    }
                ],
            )
        with pytest.raises(Conflict):
            build(engine, "tester", members=300)
    finally:
        engine.dispose()
    con = sqlite3.connect(path)
    assert con.execute("SELECT code, name FROM station").fetchall() == [
        ("ZD-001", "城关镇邮政驿站")
    ]
    assert one(con, "SELECT COUNT(*) FROM person") == 0
    con.close()


def test_demo_message_counts_the_stations(cli, tmp_path) -> None:
    path = tmp_path / "demo.sqlite3"
    r = cli("--db", str(path), "demo", "--members", "300", db=False)
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    m = re.fullmatch(r"户外劳动者服务站点 (\d+) 个，服务台账 (\d+) 条", lines[2])
    assert m, lines[:3]
    assert int(m.group(1)) == STATION_MIN  # 300 members: the smallest county's 20
    con = sqlite3.connect(path)
    assert int(m.group(2)) == one(con, "SELECT COUNT(*) FROM station_log")
    con.close()


def test_postgres_demo_moves_the_station_sequences(pg_target) -> None:
    from sqlalchemy import text

    from unioncli.db import migrate
    from unioncli.db.engine import make_engine as make

    migrate.upgrade(pg_target)
    engine = make(pg_target)
    try:
        result = build(engine, "tester", members=300)
        assert result.stations == STATION_MIN
        with engine.begin() as conn:
            for table in STATION_TABLES:
                top = conn.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
                nxt = conn.execute(
                    text(f"SELECT nextval(pg_get_serial_sequence('{table}', 'id'))")
                ).scalar_one()
                assert top > 0 and nxt > top, table
    finally:
        engine.dispose()


def test_every_demo_station_has_its_status_history(db: sqlite3.Connection) -> None:
    """The opening of each station, then its closing or suspension: the latest event is the
    station's status, and every year's stations open at year end by the history are those the
    closing dates give (the demo reopens none)."""
    assert one(db, "SELECT COUNT(*) FROM station") == one(
        db,
        "SELECT COUNT(*) FROM station_event e JOIN station s ON s.id = e.station_id "
        "WHERE e.status = 'open' AND e.event_date = s.opened_on",
    )
    assert one(db, "SELECT COUNT(*) FROM station WHERE status <> 'open'") == one(
        db, "SELECT COUNT(*) FROM station_event WHERE status <> 'open'"
    )
    latest = (
        "(SELECT e.{col} FROM station_event e WHERE e.station_id = s.id "
        "ORDER BY e.event_date DESC, e.id DESC LIMIT 1)"
    )
    assert (
        one(
            db,
            f"SELECT COUNT(*) FROM station s WHERE s.status <> {latest.format(col='status')} "
            f"OR s.status_since <> {latest.format(col='event_date')}",
        )
        == 0
    )
    for year in range(2017, END.year + 1):
        end = f"{year}-12-31"
        by_closing = one(
            db,
            "SELECT COUNT(*) FROM station WHERE opened_on <= ? "
            "AND (closed_on IS NULL OR closed_on > ?)",
            end,
            end,
        )
        by_history = one(
            db,
            "SELECT COUNT(*) FROM station s WHERE s.opened_on <= ? AND "
            "(SELECT e.status FROM station_event e WHERE e.station_id = s.id "
            "AND e.event_date <= ? ORDER BY e.event_date DESC, e.id DESC LIMIT 1) <> 'closed'",
            end,
            end,
        )
        assert by_history == by_closing, year
