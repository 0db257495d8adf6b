"""The county (区县) of a city's shared ledger: stamping, moving, lists, reports by county.

The central check: a city ledger's report for one county equals the report of that county's own
ledger — the same story told in a ledger that holds only that county (no county set, as a
county's SQLite file is). A move between two counties' unions is, in each county's own ledger, a
transfer out of the county or a transfer in from outside it.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from dbutil import rows, scalar

from unioncli.config import Target, sqlite_target
from unioncli.db.engine import engine_for
from unioncli.db.uow import UnitOfWork
from unioncli.ids import make_id_number, parse_id_number
from unioncli.models import (
    Aid,
    Grant,
    HardshipFile,
    Member,
    MemberEvent,
    Org,
    Person,
    Station,
    StationLog,
    StationRatingEntry,
)
from unioncli.services.people import person_fields
from unioncli.services.report import (
    BY_COUNTY_KEYS,
    SPEC_KEYS,
    Scope,
    by_county,
    by_county_totals,
    by_org,
    county_order,
    trend,
    year_report,
)

A, B = "甲区", "乙区"
D = date
YEARS = (2021, 2022, 2023, 2024, 2025)

# --- one story, told in a city ledger and in each county's own ledger ---------------------------

# union: (county, township, founded). "城关镇" is in both counties; X has no county (city only).
ORGS = {
    "A1": (A, "城关镇", D(2010, 5, 1)),
    "A2": (A, "河西镇", D(2023, 1, 1)),
    "B1": (B, "城关镇", D(2015, 3, 1)),
    "B2": (B, "东风镇", D(2024, 12, 31)),
    "X": (None, "新华街道", D(2012, 1, 1)),
}
# member: events (kind, date, union, from union); migrant, gig group
MEMBERS: list[tuple[str, list[tuple[str, date, str, str | None]], bool, str | None]] = [
    ("甲一", [("join", D(2023, 1, 1), "A1", None)], True, "courier"),
    ("甲二", [("join", D(2023, 12, 31), "A1", None), ("leave", D(2024, 6, 1), "A1", None)], False, None),
    ("甲三", [("join", D(2021, 3, 3), "A2", None), ("retain", D(2023, 5, 5), "A2", None),
             ("restore", D(2024, 2, 2), "A2", None)], False, None),
    ("甲四", [("transfer_in", D(2022, 7, 7), "A1", None),
             ("transfer_in", D(2023, 9, 1), "A2", "A1")], True, None),  # a move within 甲区
    # from 甲区 to 乙区, and back on 31 December
    ("跨一", [("join", D(2022, 3, 1), "A1", None), ("transfer_in", D(2023, 6, 1), "B1", "A1"),
             ("transfer_in", D(2024, 12, 31), "A2", "B1"), ("retain", D(2025, 1, 5), "A2", None)],
     False, "food_delivery"),
    ("跨二", [("join", D(2021, 1, 1), "B1", None), ("transfer_in", D(2024, 12, 31), "A1", "B1")],
     True, None),
    ("乙一", [("join", D(2023, 4, 4), "B1", None), ("death", D(2024, 12, 31), "B1", None)], True, None),
    ("乙二", [("join", D(2024, 12, 31), "B2", None)], False, "courier"),
    ("乙三", [("join", D(2020, 1, 1), "B1", None), ("retain", D(2022, 12, 31), "B1", None),
             ("leave", D(2023, 1, 1), "B1", None)], False, None),
    ("乙四", [("transfer_in", D(2023, 7, 7), "B1", None),
             ("transfer_out", D(2023, 12, 31), "B1", None)], False, None),
    ("无区县", [("join", D(2023, 2, 2), "X", None)], True, None),
]  # fmt: skip
# file: (no, head, union, category, opened, closed, reason, aid [(date, kind, fen)])
FILES: list[tuple[Any, ...]] = [
    ("KN-A1", "甲一", "A1", "deep", D(2023, 1, 1), None, None,
     [(D(2023, 1, 1), "warmth", 100_000), (D(2024, 1, 1), "warmth", 100_000)]),
    ("KN-A2", "甲二", "A1", "relative", D(2022, 5, 5), D(2023, 12, 31), "recovered",
     [(D(2023, 12, 31), "living", 50_000)]),
    ("KN-B1", "乙一", "B1", "accident", D(2023, 6, 6), D(2024, 1, 1), "moved",
     [(D(2023, 8, 8), "medical", 300_000)]),
    ("KN-B2", "乙二", "B2", "deep", D(2024, 12, 31), None, None,
     [(D(2024, 12, 31), "living", 60_000)]),
    ("KN-X", "无区县", "X", "deep", D(2023, 3, 3), None, None, [(D(2023, 4, 4), "warmth", 70_000)]),
    ("KN-0", None, None, "relative", D(2021, 1, 1), None, None,  # no union: city only
     [(D(2023, 5, 5), "schooling", 80_000)]),
]  # fmt: skip
# grant: (year, parent, level, fen, status, eligibility, file no)
GRANTS: list[tuple[Any, ...]] = [
    (2023, "甲一", "primary", 100_000, "paid", "migrant_member", None),
    (2023, "甲一", "senior", 200_000, "approved", "migrant_member", None),
    (2024, "甲二", "bachelor", 400_000, "paid", "override", None),
    (2023, "乙一", "bachelor", 500_000, "paid", "hardship_file", "KN-B1"),
    (2024, "乙二", "junior", 150_000, "paid", "hardship_file", "KN-B2"),
]
# station: (code, county, township, opened, closed, ratings, logs [(month, visits, activities)])
STATIONS: list[tuple[Any, ...]] = [
    ("S-A1", A, "城关镇", D(2022, 3, 1), None, [(2023, "standard"), (2024, "demonstration")],
     [(D(2023, m, 1), 100 + m, 1) for m in range(1, 13)] + [(D(2024, 1, 1), 40, 0)]),
    ("S-A2", A, "河西镇", D(2023, 12, 31), D(2024, 6, 30), [(2024, "standard")],
     [(D(2024, m, 1), 50, 2) for m in range(1, 7)]),
    ("S-B1", B, "城关镇", D(2021, 1, 1), None, [(2022, "most_beautiful"), (2024, "none")],
     [(D(2023, 12, 1), 30, 3), (D(2024, 3, 1), 7, 0)]),
    ("S-X", None, "新华街道", D(2024, 1, 1), None, [], [(D(2024, 12, 1), 9, 1)]),
]  # fmt: skip

STATUS = {"join": "active", "transfer_in": "active", "restore": "active", "retain": "retained",
          "transfer_out": "transferred_out", "leave": "left", "remove": "removed",
          "death": "deceased"}  # fmt: skip


def told_in(county: str | None, events: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    """A member's events as one county's own ledger holds them (None: the city's, unchanged)."""
    if county is None:
        return events
    out = []
    for kind, on, org, from_org in events:
        here, came_from = ORGS[org][0] == county, from_org and ORGS[from_org][0] == county
        if here and from_org and not came_from:
            out.append((kind, on, org, None))  # in from another county: from outside
        elif here:
            out.append((kind, on, org, from_org))
        elif came_from:
            out.append(("transfer_out", on, from_org, None))  # out to another county
    return out


def build(target: Target, only: str | None = None) -> dict[str, int]:
    """The story in ``target``: all of it with counties set (``only`` None), or one county's part
    with no county set (that county's own ledger). Returns the union ids by key."""
    seq = 0

    def add(obj: Any) -> int:
        s.add(obj)
        s.flush()
        return int(obj.id)

    def person(name: str, born: date = D(1985, 3, 4)) -> int:
        nonlocal seq
        seq += 1
        rid = parse_id_number(make_id_number("230125", born, seq, "male"))
        return add(Person(**person_fields(rid, name)))

    def kept(county: str | None) -> bool:
        return only is None or county == only

    with UnitOfWork(target) as uow:
        s = uow.session
        orgs = {
            key: add(
                Org(
                    name=f"{county or ''}{town}{key}工会",
                    township=town,
                    county=county if only is None else None,
                    founded=founded,
                )
            )
            for key, (county, town, founded) in ORGS.items()
            if kept(county)
        }
        people: dict[str, int] = {}
        for name, story, migrant, gig in MEMBERS:
            events = told_in(only, story)
            if not events:
                continue
            people[name] = pid = person(name)
            kind, on, org, _ = events[-1]
            mid = add(
                Member(
                    person_id=pid,
                    org_id=orgs[org],
                    status=STATUS[kind],
                    status_since=on,
                    joined_on=events[0][1],
                    migrant=migrant,
                    gig_group=gig,
                )
            )
            for kind, on, org, from_org in events:
                add(
                    MemberEvent(
                        member_id=mid,
                        kind=kind,
                        event_date=on,
                        org_id=orgs[org],
                        from_org_id=orgs[from_org] if from_org else None,
                        migrant=migrant,
                        gig_group=gig,
                    )
                )
        files: dict[str, int] = {}
        for no, head, org, category, opened, closed, reason, aid in FILES:
            if not (only is None or (org is not None and ORGS[org][0] == only)):
                continue
            files[no] = fid = add(
                HardshipFile(
                    file_no=no,
                    head_id=people[head] if head else person("非会员户主"),
                    org_id=orgs[org] if org else None,
                    category=category,
                    cause="illness",
                    household_size=3,
                    opened_on=opened,
                    status="closed" if closed else "open",
                    closed_on=closed,
                    close_reason=reason,
                )
            )
            for on, kind, fen in aid:
                add(Aid(file_id=fid, aid_date=on, kind=kind, amount_fen=fen))
        for year, parent, level, fen, status, eligibility, file_no in GRANTS:
            if parent not in people:
                continue
            add(
                Grant(
                    year=year,
                    student_id=person(f"{parent}之子", D(2010, 5, 6)),
                    parent_id=people[parent],
                    level=level,
                    amount_fen=fen,
                    eligibility=eligibility,
                    hardship_file_id=files[file_no] if file_no else None,
                    status=status,
                    applied_on=D(year, 7, 1),
                    paid_on=D(year, 8, 20) if status == "paid" else None,
                )
            )
        for code, county, town, opened, closed, ratings, logs in STATIONS:
            if not kept(county):
                continue
            sid = add(
                Station(
                    code=code,
                    name=f"驿站{code}",
                    township=town,
                    county=county if only is None else None,
                    opened_on=opened,
                    status="closed" if closed else "open",
                    status_since=closed or opened,
                    closed_on=closed,
                )
            )
            for year, rating in ratings:
                add(StationRatingEntry(station_id=sid, year=year, rating=rating))
            for month, visits, activities in logs:
                add(StationLog(station_id=sid, month=month, visits=visits, activities=activities))
        uow.commit()
    return orgs


@dataclass
class City:
    target: Target
    orgs: dict[str, int]
    own: dict[str, Target]  # each county's own ledger


@pytest.fixture
def new_ledger(ledger: Target, request: pytest.FixtureRequest, template_db: Path, tmp_path: Path):
    """Another fresh ledger on the backend of ``ledger``."""
    made = 0

    def make() -> Target:
        nonlocal made
        made += 1
        if ledger.is_sqlite:
            path = tmp_path / f"other{made}.sqlite3"
            shutil.copy(template_db, path)
            return sqlite_target(path)
        return request.getfixturevalue("pg_server").fresh_ledger(request)

    return make


@pytest.fixture
def city(ledger: Target, new_ledger) -> City:
    orgs = build(ledger)
    own = {}
    for county in (A, B):
        own[county] = new_ledger()
        build(own[county], only=county)
    return City(ledger, orgs, own)


def without_scope(report: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in report.items() if not k.startswith("scope.")}


def ok(r: Any) -> str:
    assert r.exit_code == 0, r.stderr
    return str(r.stdout)


# --- reports ---------------------------------------------------------------------------------


def test_a_county_of_the_city_reports_as_its_own_ledger(city: City) -> None:
    engine = engine_for(city.target)
    for county, own in city.own.items():
        for year in YEARS:
            got = year_report(engine, year, Scope(county=county))
            alone = year_report(engine_for(own), year)
            assert got["scope.county"] == county and got["scope.stations"] == "county"
            assert list(got)[: len(SPEC_KEYS)] == list(SPEC_KEYS)
            # a move from the other county is a move between unions in the city, and a
            # transfer in from outside in the county's own ledger: every other figure agrees
            got.pop("members.transferred_between_unions")
            alone.pop("members.transferred_between_unions")
            assert without_scope(got) == alone, (county, year)
            # the fast path (sqlite3 without SQLAlchemy, on SQLite) reads the same
            assert year_report(city.target, year, Scope(county=county)) == year_report(
                engine, year, Scope(county=county)
            )
        assert trend(engine, 2021, 2025, Scope(county=county)) == trend(engine_for(own), 2021, 2025)


def test_the_counties_tell_the_cross_county_moves(city: City) -> None:
    engine = engine_for(city.target)
    a = year_report(engine, 2023, Scope(county=A))
    b = year_report(engine, 2023, Scope(county=B))
    assert a["members.transferred_out"] == 1  # 跨一 to 乙区
    assert b["members.transferred_in"] == 2  # 跨一 from 甲区, 乙四 from outside
    whole = year_report(engine, 2023)
    assert whole["members.transferred_out"] == 1  # only 乙四 left the city


def test_county_and_township_together(city: City) -> None:
    engine = engine_for(city.target)
    both = year_report(engine, 2023, Scope(county=B, township="城关镇"))
    assert both["scope.stations"] == "township" and both["scope.county"] == B
    town = year_report(engine, 2023, Scope(township="城关镇"))  # both counties' 城关镇
    county_b = year_report(engine, 2023, Scope(county=B))
    assert both["orgs.total_end"] == 1 < town["orgs.total_end"] == 2
    assert both["members.new"] == county_b["members.new"]  # 乙区's unions of 2023 are in 城关镇
    assert both["stations.visits"] == 30 and town["stations.visits"] == 30 + sum(
        100 + m for m in range(1, 13)
    )


def test_by_county_rows_add_up_to_the_city(city: City) -> None:
    engine = engine_for(city.target)
    for year in YEARS:
        data = by_county(engine, year)
        assert [r["county"] for r in data] == [A, B, None]
        whole = year_report(engine, year)
        assert by_county_totals(data) == {k: whole[k] for k in BY_COUNTY_KEYS}, year
        for row in data[:2]:
            scoped = year_report(engine, year, Scope(county=row["county"]))
            assert row == {"county": row["county"], **{k: scoped[k] for k in BY_COUNTY_KEYS}}
        assert by_county(city.target, year) == data  # through sqlite3 on SQLite
    # 未分区县: the union and the station without a county, and the file of no union
    rest = by_county(engine, 2023)[-1]
    assert rest["orgs.total_end"] == 1 and rest["aid.amount_fen"] == 70_000 + 80_000


def test_by_county_command(city: City, cli) -> None:
    data = json.loads(ok(cli("report", "by-county", "2024", "-f", "json")))
    assert data["counties"] == by_county(engine_for(city.target), 2024)
    whole = year_report(engine_for(city.target), 2024)
    assert data["total"] == {k: whole[k] for k in BY_COUNTY_KEYS}
    table = ok(cli("report", "by-county", "2024")).splitlines()
    assert "范围：全市（全部区县）" in table
    assert table[-1].split()[0] == "全市合计"
    assert table[-1].split()[1] == f"{whole['members.new']:,}"
    assert any(line.startswith("未分区县") for line in table)
    text = ok(cli("report", "by-county", "2024", "-f", "csv"))
    body = list(csv.reader(io.StringIO(text)))
    assert body[0][:3] == ["区县", "新会员", "农民工"]
    assert [r[0] for r in body[1:]] == [A, B, "未分区县", "全市合计"]
    assert int(body[-1][3]) == whole["members.active_end"]
    # the clerk's county does not narrow the city's table
    assert ok(cli("--county", A, "report", "by-county", "2024", "-f", "csv")) == text


def test_the_clerks_county_scopes_the_reports(
    city: City, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = engine_for(city.target)
    scoped = year_report(engine, 2024, Scope(county=A))
    whole = year_report(engine, 2024)
    assert json.loads(ok(cli("--county", A, "report", "year", "2024", "-f", "json"))) == scoped
    monkeypatch.setenv("UNIONCLI_COUNTY", A)
    assert json.loads(ok(cli("report", "year", "2024", "-f", "json"))) == scoped
    assert "范围：甲区" in ok(cli("report", "year", "2024"))
    # --county on the command beats the setting; --city (on the command or before it) drops it
    other = json.loads(ok(cli("report", "year", "2024", "--county", B, "-f", "json")))
    assert other == year_report(engine, 2024, Scope(county=B))
    assert json.loads(ok(cli("report", "year", "2024", "--city", "-f", "json"))) == whole
    assert json.loads(ok(cli("--city", "report", "year", "2024", "-f", "json"))) == whole
    assert "范围：全市（全部区县）" in ok(cli("report", "year", "2024", "--city"))
    r = cli("report", "year", "2024", "--city", "--county", B)
    assert r.exit_code == 2 and "--city" in r.stderr
    # trend and by-org too
    got = json.loads(ok(cli("report", "trend", "--from", "2022", "--to", "2024", "-f", "json")))
    assert got == trend(engine, 2022, 2024, Scope(county=A))
    data = json.loads(ok(cli("report", "by-org", "2024", "-f", "json")))
    assert data["county"] == A
    assert {r["county"] for r in data["orgs"]} == {A}
    assert data["total"]["members.active_end"] == scoped["members.active_end"]
    assert data["orgs"] == by_org(engine, 2024, county=A)
    city_rows = json.loads(ok(cli("report", "by-org", "2024", "--city", "-f", "json")))["orgs"]
    assert len(city_rows) == len(by_org(engine, 2024)) > len(data["orgs"])
    table = ok(cli("report", "by-org", "2024", "--city"))
    assert "甲区 · 城关镇" in table and "乙区 · 城关镇" in table


def test_a_union_of_another_county_is_refused(city: City, cli) -> None:
    r = cli("--county", A, "report", "year", "2024", "--org", str(city.orgs["B1"]))
    assert r.exit_code == 3
    assert "属于乙区，不在甲区" in r.stderr
    ok(cli("--county", A, "report", "year", "2024", "--org", str(city.orgs["A1"])))
    ok(cli("--city", "report", "year", "2024", "--org", str(city.orgs["B1"])))


def test_an_unknown_county_is_said_not_zeros(city: City, cli) -> None:
    """A misspelt county (甲 for 甲区) would print a report of zeros: it is refused, naming the
    counties there are."""
    for args in (
        ("report", "year", "2024"),
        ("report", "by-org", "2024"),
        ("report", "trend", "--from", "2023", "--to", "2024"),
    ):
        r = cli("--county", "甲", *args)
        assert r.exit_code == 3, args
        assert r.stdout == ""
        assert r.stderr == (
            "错误：台账中没有属于“甲”的基层工会或服务站点（台账中的区县：甲区、乙区）\n"
        )
    r = cli("--lang", "en", "report", "year", "2024", "--county", "丙区")
    assert r.exit_code == 3 and "counties: 甲区, 乙区" in r.stderr


# --- a county's own ledger: nothing changes ----------------------------------------------------


def test_a_ledger_without_counties_is_one_county(ledger: Target, cli) -> None:
    build(ledger, only=A)
    engine = engine_for(ledger)
    whole = year_report(engine, 2024)
    assert not any(k.startswith("scope.") for k in whole)
    assert json.loads(ok(cli("report", "year", "2024", "-f", "json"))) == whole
    assert "范围：全县" in ok(cli("report", "year", "2024"))
    (only,) = by_county(engine, 2024)
    assert only == {"county": None, **{k: whole[k] for k in BY_COUNTY_KEYS}}
    assert "county" not in by_org(engine, 2024)[0]
    listing = ok(cli("org", "list"))
    assert "区县" not in listing and listing.splitlines()[-1] == "共 2 个基层工会"
    assert "county" not in json.loads(ok(cli("station", "list", "-f", "json")))[0]
    assert "区县" not in ok(cli("org", "show", "A1"))
    # a clerk whose setting names a county, on a ledger that has none, is told so
    r = cli("--county", A, "report", "year", "2024")
    assert r.exit_code == 3 and "本台账未划分区县" in r.stderr and "--city" in r.stderr


# --- writing: the clerk's county on new unions and stations ------------------------------------


def test_new_unions_and_stations_take_the_clerks_county(
    ledger: Target, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    ok(cli("org", "add", "无区县工会", "--founded", "2019-05-01"))
    ok(cli("--county", A, "org", "add", "甲区第一小学工会", "--founded", "2019-05-01"))
    monkeypatch.setenv("UNIONCLI_COUNTY", f" {B} ")
    ok(cli("org", "add", "乙区医院工会", "--founded", "2019-05-01"))
    ok(cli("org", "add", "丙区工会", "--founded", "2019-05-01", "--county", "丙区"))
    ok(cli("station", "add", "ZD-B1", "乙区驿站", "--opened", "2020-01-01"))
    ok(cli("--county", A, "station", "add", "ZD-A1", "甲区驿站", "--opened", "2020-01-01"))
    ok(cli("--city", "station", "add", "ZD-0", "无区县驿站", "--opened", "2020-01-01"))
    counties = dict(rows(ledger, "SELECT name, county FROM org"))
    assert counties == {
        "无区县工会": None,
        "甲区第一小学工会": A,
        "乙区医院工会": B,
        "丙区工会": "丙区",
    }
    assert dict(rows(ledger, "SELECT code, county FROM station")) == {
        "ZD-B1": B,
        "ZD-A1": A,
        "ZD-0": None,
    }
    shown = ok(cli("org", "show", "乙区医院工会"))
    assert "区县" in shown and B in shown
    assert "区县" in ok(cli("station", "show", "ZD-B1"))
    # the audit log keeps the county with the rest of the new union
    after = scalar(ledger, "SELECT after FROM audit_log WHERE action = 'org.add' ORDER BY id DESC")
    assert json.loads(after)["county"] == "丙区"


def test_moving_a_union_and_a_station_to_another_county(ledger: Target, cli) -> None:
    ok(cli("--county", A, "org", "add", "甲区第一小学工会", "--founded", "2019-05-01"))
    ok(cli("--county", A, "station", "add", "ZD-A1", "甲区驿站", "--opened", "2020-01-01"))
    ok(cli("org", "update", "甲区第一小学工会", "--county", B))
    ok(cli("station", "update", "ZD-A1", "--county", B))
    assert scalar(ledger, "SELECT county FROM org") == B
    assert scalar(ledger, "SELECT county FROM station") == B
    before, after = rows(ledger, "SELECT before, after FROM audit_log WHERE action = 'org.update'")[
        0
    ]
    assert json.loads(before) == {"county": A} and json.loads(after) == {"county": B}
    assert cli("--county", A, "org", "list").stdout.splitlines()[-1] == "甲区：共 0 个基层工会"
    assert cli("--county", B, "org", "list").stdout.splitlines()[-1] == "乙区：共 1 个基层工会"


def _csv(path: Path, header: list[str], body: list[list[str]]) -> Path:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows([header, *body])
    path.write_text(buf.getvalue(), encoding="utf-8")
    return path


def test_imports_stamp_the_clerks_county_unless_the_row_names_one(
    ledger: Target, cli, tmp_path: Path
) -> None:
    orgs = _csv(
        tmp_path / "orgs.csv",
        ["工会名称", "成立日期", "所属乡镇", "所属区县"],
        [
            ["城关镇一小工会", "2019-05-01", "城关镇", ""],
            ["城关镇医院工会", "2019-05-01", "城关镇", B],
        ],
    )
    ok(cli("--county", A, "import", "orgs", str(orgs)))
    assert dict(rows(ledger, "SELECT name, county FROM org")) == {
        "城关镇一小工会": A,
        "城关镇医院工会": B,
    }
    stations = _csv(
        tmp_path / "stations.csv",
        ["站点编号", "站点名称", "建成日期", "区县"],
        [["ZD-1", "一号驿站", "2020-01-01", ""], ["ZD-2", "二号驿站", "2020-01-01", "丙区"]],
    )
    ok(cli("--county", A, "import", "stations", str(stations)))
    assert dict(rows(ledger, "SELECT code, county FROM station")) == {"ZD-1": A, "ZD-2": "丙区"}
    # without a setting, a file without the column sets no county
    more = _csv(tmp_path / "more.csv", ["工会名称", "成立日期"], [["河西镇工会", "2019-05-01"]])
    ok(cli("import", "orgs", str(more)))
    assert scalar(ledger, "SELECT county FROM org WHERE name = '河西镇工会'") is None
    # the column moves a known union with --on-duplicate update
    moved = _csv(
        tmp_path / "moved.csv",
        ["工会名称", "成立日期", "县区"],
        [["城关镇一小工会", "2019-05-01", B]],
    )
    ok(cli("import", "orgs", str(moved), "--on-duplicate", "update"))
    assert scalar(ledger, "SELECT county FROM org WHERE name = '城关镇一小工会'") == B


def test_exports_carry_the_county_and_read_back(
    ledger: Target, cli, new_ledger, tmp_path: Path
) -> None:
    ok(cli("--county", A, "org", "add", "甲区一小工会", "--founded", "2019-05-01"))
    ok(cli("--county", B, "org", "add", "乙区医院工会", "--founded", "2019-05-01"))
    ok(cli("--county", B, "station", "add", "ZD-1", "一号驿站", "--opened", "2020-01-01"))
    orgs, stations = tmp_path / "orgs.csv", tmp_path / "stations.csv"
    ok(cli("export", "orgs", "--out", str(orgs)))
    ok(cli("export", "stations", "--out", str(stations)))
    header = next(csv.reader(io.StringIO(orgs.read_text(encoding="utf-8-sig"))))
    assert header[header.index("所属乡镇") + 1] == "区县"
    other = new_ledger()
    argv = ["--db", str(other.path)] if other.is_sqlite else []
    env = None if other.is_sqlite else {"UNIONCLI_DATABASE_URL": other.url}
    from typer.testing import CliRunner

    from unioncli.cli import app

    for kind, path in (("orgs", orgs), ("stations", stations)):
        r = CliRunner().invoke(app, [*argv, "import", kind, str(path)], env=env)
        assert r.exit_code == 0, r.stderr
    assert sorted(rows(other, "SELECT name, county FROM org")) == [
        ("乙区医院工会", B),
        ("甲区一小工会", A),
    ]
    assert rows(other, "SELECT code, county FROM station") == [("ZD-1", B)]


def test_exports_of_a_ledger_without_counties_keep_their_columns(cli, tmp_path: Path) -> None:
    ok(cli("org", "add", "一小工会", "--founded", "2019-05-01"))
    out = tmp_path / "orgs.csv"
    ok(cli("export", "orgs", "--out", str(out)))
    assert "区县" not in out.read_text(encoding="utf-8-sig").splitlines()[0]


# --- lists: the clerk's county only -----------------------------------------------------------


def test_lists_show_the_clerks_county(city: City, cli) -> None:
    def names(*args: str) -> set[str]:
        return {r["name"] for r in json.loads(ok(cli(*args, "-f", "json")))}

    a_orgs = {f"{A}城关镇A1工会", f"{A}河西镇A2工会"}
    assert names("--county", A, "org", "list") == a_orgs
    assert len(names("org", "list")) == len(names("--city", "org", "list")) == 5
    assert cli("--county", A, "org", "list").stdout.splitlines()[-1] == "甲区：共 2 个基层工会"
    assert {r["county"] for r in json.loads(ok(cli("org", "list", "-f", "json")))} == {A, B, None}
    codes = {r["code"] for r in json.loads(ok(cli("--county", B, "station", "list", "-f", "json")))}
    assert codes == {"S-B1"}
    assert "区县" in ok(cli("station", "list"))
    # members and hardship files: through their union's county
    members = names("--county", A, "member", "list", "--all")
    assert members == {"甲一", "甲二", "甲三", "甲四", "跨一", "跨二"}  # the last two moved in
    assert names("--county", B, "member", "list", "--all") == {"乙一", "乙二", "乙三", "乙四"}
    assert len(names("member", "list", "--all")) == len(MEMBERS)
    files = json.loads(ok(cli("--county", A, "hardship", "list", "-f", "json")))
    assert {f["file_no"] for f in files} == {"KN-A1", "KN-A2"}
    assert len(json.loads(ok(cli("hardship", "list", "-f", "json")))) == len(FILES)


# --- the demo as a city ---------------------------------------------------------------------


def test_demo_spreads_a_city_over_counties(ledger: Target) -> None:
    from unioncli.services.demo.builder import build as demo
    from unioncli.services.demo.common import COUNTIES

    engine = engine_for(ledger)
    result = demo(engine, "tester", members=800, today=D(2025, 6, 30), counties=3)
    assert result.counties == 3
    found = rows(ledger, "SELECT county, COUNT(*) FROM org GROUP BY county ORDER BY county")
    assert {c for c, _ in found} == set(COUNTIES[:3]) and all(n >= 4 for _, n in found)
    assert scalar(ledger, "SELECT COUNT(*) FROM station WHERE county IS NULL") == 0
    for year in (2019, 2024):
        data = by_county(engine, year)
        whole = year_report(engine, year)
        assert [r["county"] for r in data] == sorted(COUNTIES[:3], key=county_order)
        assert by_county_totals(data) == {k: whole[k] for k in BY_COUNTY_KEYS}
        for row in data:
            scoped = year_report(engine, year, Scope(county=row["county"]))
            assert {k: scoped[k] for k in BY_COUNTY_KEYS} == {k: row[k] for k in BY_COUNTY_KEYS}
        parts = [year_report(engine, year, Scope(county=c)) for c in COUNTIES[:3]]
        for key in ("members.new", "members.active_end", "aid.person_times", "stations.visits"):
            assert sum(p[key] for p in parts) == whole[key], (year, key)


def test_demo_without_counties_sets_none(ledger: Target) -> None:
    from unioncli.services.demo.builder import build as demo

    demo(engine_for(ledger), "tester", members=300, today=D(2025, 6, 30))
    assert scalar(ledger, "SELECT COUNT(*) FROM org WHERE county IS NOT NULL") == 0
    assert scalar(ledger, "SELECT COUNT(*) FROM station WHERE county IS NOT NULL") == 0
