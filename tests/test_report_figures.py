"""The yearly report's figures (SPEC §4.3), checked against an independent count.

``expected()`` below reads the raw rows (plain SELECTs, no service code) and counts every figure
in Python its own way: each member's state at year end from their last event (the service
counts entries less exits), the union of every row by looking it up, aid reversals by a set.
It is compared with ``year_report`` on a small ledger made by hand around the edge dates and on
the demo ledger, for several years, for the county, a township and single unions.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

from unioncli.config import Target
from unioncli.db import migrate
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
    BY_ORG_KEYS,
    SPEC_KEYS,
    TREND_KEYS,
    Scope,
    by_org,
    federation_name,
    ledger_fingerprint,
    report_with_previous,
    set_federation_name,
    trend,
    year_report,
)

ACTIVE = {"join", "transfer_in", "restore"}

# --- the independent count -------------------------------------------------------------------


@dataclass
class Rows:
    orgs: list[tuple[Any, ...]]
    events: list[tuple[Any, ...]]
    files: list[tuple[Any, ...]]
    aid: list[tuple[Any, ...]]
    grants: list[tuple[Any, ...]]
    members: list[tuple[Any, ...]]
    stations: list[tuple[Any, ...]]
    ratings: list[tuple[Any, ...]]
    logs: list[tuple[Any, ...]]
    reviews: list[tuple[Any, ...]]
    ended: dict[int, str] = field(default_factory=dict)  # union id -> the day it ended


def _day(value: Any) -> str | None:
    return None if value is None else str(value)[:10]


def load(engine: Engine) -> Rows:
    def q(sql: str) -> list[tuple[Any, ...]]:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]

    return Rows(
        orgs=[(i, t, _day(f)) for i, t, f in q("SELECT id, township, founded FROM org")],
        events=[
            (i, m, k, _day(d), o, fo, bool(mig), g)
            for i, m, k, d, o, fo, mig, g in q(
                "SELECT id, member_id, kind, event_date, org_id, from_org_id, migrant, gig_group "
                "FROM member_event"
            )
        ],
        files=[
            (i, o, c, _day(op), _day(cl), r)
            for i, o, c, op, cl, r in q(
                "SELECT id, org_id, opened_category, opened_on, closed_on, close_reason "
                "FROM hardship_file"
            )
        ],
        reviews=[
            (i, f, _day(d), c)
            for i, f, d, c in q("SELECT id, file_id, review_date, category FROM hardship_review")
        ],
        aid=[
            (i, f, _day(d), k, a, rev)
            for i, f, d, k, a, rev in q(
                "SELECT id, file_id, aid_date, kind, amount_fen, reverses_id FROM aid"
            )
        ],
        grants=q(
            "SELECT year, status, level, eligibility, amount_fen, student_id, hardship_file_id, "
            "parent_id, paid_on FROM student_grant"
        ),
        members=q("SELECT person_id, id FROM member"),
        stations=[
            (i, t, _day(o), _day(c))
            for i, t, o, c in q("SELECT id, township, opened_on, closed_on FROM station")
        ],
        ratings=q("SELECT station_id, year, rating FROM station_rating"),
        logs=[
            (s, _day(m), v, a)
            for s, m, v, a in q("SELECT station_id, month, visits, activities FROM station_log")
        ],
        ended={
            int(i): str(_day(d))
            for i, d in q("SELECT id, dissolved_on FROM org WHERE dissolved_on IS NOT NULL")
        },
    )


def expected(rows: Rows, year: int, scope: Scope | None = None) -> dict[str, Any]:
    start, end = f"{year}-01-01", f"{year}-12-31"
    township = {oid: t for oid, t, _ in rows.orgs}

    def inside(org_id: int | None) -> bool:
        if org_id is None:
            return scope is None or (scope.org_id is None and scope.township is None)
        if scope is None:
            return True
        if scope.org_id is not None and org_id != scope.org_id:
            return False
        return scope.township is None or township[org_id] == scope.township

    def in_year(day: str | None) -> bool:
        return day is not None and start <= day <= end

    out: dict[str, Any] = {"year": year}
    # members: the year's events, and each member's last event by 31 December
    year_events = [e for e in rows.events if in_year(e[3]) and inside(e[4])]
    joins = [e for e in year_events if e[2] == "join"]
    out["members.new"] = len(joins)
    out["members.new_migrant"] = sum(1 for e in joins if e[6])
    out["members.new_gig"] = sum(1 for e in joins if e[7] is not None)
    out["members.new_gig_by_group"] = dict(Counter(e[7] for e in joins if e[7] is not None))
    kinds = Counter(e[2] for e in year_events)
    moved_away = [
        e
        for e in rows.events
        if in_year(e[3])
        and e[2] == "transfer_in"
        and e[5] is not None
        and inside(e[5])
        and not inside(e[4])
    ]
    out["members.transferred_in"] = kinds["transfer_in"]
    out["members.transferred_out"] = kinds["transfer_out"] + len(moved_away)
    # a retain naming a from_org_id keeps a retained member retained through a merger: not counted
    out["members.retained"] = sum(1 for e in year_events if e[2] == "retain" and e[5] is None)
    out["members.left"] = kinds["leave"]
    last: dict[int, tuple[Any, ...]] = {}
    for e in sorted(rows.events, key=lambda e: (e[3], e[0])):
        if e[3] <= end:
            last[e[1]] = e
    out["members.active_end"] = sum(1 for e in last.values() if e[2] in ACTIVE and inside(e[4]))
    out["members.retained_end"] = sum(1 for e in last.values() if e[2] == "retain" and inside(e[4]))
    out["orgs.new"] = sum(1 for oid, _, f in rows.orgs if in_year(f) and inside(oid))
    out["orgs.total_end"] = sum(
        1
        for oid, _, f in rows.orgs
        if f <= end and rows.ended.get(oid, "9999") > end and inside(oid)
    )
    out["orgs.dissolved"] = sum(
        1 for oid, day in rows.ended.items() if in_year(day) and inside(oid)
    )
    # hardship files
    files = [f for f in rows.files if inside(f[1])]
    closed = [f for f in files if in_year(f[4])]
    open_end = [f for f in files if f[3] <= end and (f[4] is None or f[4] > end)]
    out["hardship.opened"] = sum(1 for f in files if in_year(f[3]))
    out["hardship.closed"] = len(closed)
    out["hardship.closed_by_reason"] = dict(Counter(f[5] for f in closed))
    out["hardship.open_end"] = len(open_end)
    # the category in force on 31 December: the last review by then (by date, then id), else the
    # category the file was opened with
    in_force = {f[0]: f[2] for f in files}
    for _, file_id, day, category in sorted(rows.reviews, key=lambda r: (r[2], r[0])):
        if day <= end and file_id in in_force:
            in_force[file_id] = category
    out["hardship.open_end_by_category"] = dict(Counter(in_force[f[0]] for f in open_end))
    # aid: a reversal and the entry it reverses count nowhere
    file_org = {f[0]: f[1] for f in rows.files}
    reversed_ids = {a[5] for a in rows.aid if a[5] is not None}
    counted = [
        a
        for a in rows.aid
        if in_year(a[2]) and a[5] is None and a[0] not in reversed_ids and inside(file_org[a[1]])
    ]
    out["aid.households"] = len({a[1] for a in counted})
    out["aid.person_times"] = len(counted)
    out["aid.amount_fen"] = sum(a[4] for a in counted)
    by_kind: dict[str, dict[str, Any]] = {}
    for a in counted:
        k = by_kind.setdefault(a[3], {"files": set(), "person_times": 0, "amount_fen": 0})
        k["files"].add(a[1])
        k["person_times"] += 1
        k["amount_fen"] += a[4]
    out["aid.by_kind"] = {
        kind: {
            "households": len(v["files"]),
            "person_times": v["person_times"],
            "amount_fen": v["amount_fen"],
        }
        for kind, v in by_kind.items()
    }
    # grants of the year's round paid by 31 December, for the union of the grant's file, else
    # the union the parent's membership was in on 31 December (its last event by then)
    member_of = dict(rows.members)
    paid = []
    for g_year, status, level, elig, fen, student, file_id, parent, paid_on in rows.grants:
        if g_year != year or status != "paid" or str(_day(paid_on)) > end:
            continue
        org = file_org.get(file_id) if file_id is not None else None
        if org is None and parent in member_of and member_of[parent] in last:
            org = last[member_of[parent]][4]
        if inside(org):
            paid.append((level, elig, fen, student))
    out["grants.students"] = len({g[3] for g in paid})
    out["grants.amount_fen"] = sum(g[2] for g in paid)
    levels: dict[str, dict[str, int]] = defaultdict(lambda: {"students": 0, "amount_fen": 0})
    for level, _, fen, _ in paid:
        levels[level]["students"] += 1
        levels[level]["amount_fen"] += fen
    out["grants.by_level"] = dict(levels)
    out["grants.hardship_children"] = sum(1 for g in paid if g[1] == "hardship_file")
    out["grants.migrant_children"] = sum(1 for g in paid if g[1] == "migrant_member")
    # stations: by township; none for one union
    if scope is not None and scope.org_id is not None:
        stations: list[tuple[Any, ...]] = []
    else:
        stations = [
            s
            for s in rows.stations
            if scope is None or scope.township is None or s[1] == scope.township
        ]
    ids = {s[0] for s in stations}
    out["stations.opened"] = sum(1 for s in stations if in_year(s[2]))
    out["stations.open_end"] = sum(
        1 for s in stations if s[2] <= end and (s[3] is None or s[3] > end)
    )
    out["stations.rated"] = dict(
        Counter(r[2] for r in rows.ratings if r[0] in ids and r[1] == year and r[2] != "none")
    )
    logs = [lg for lg in rows.logs if lg[0] in ids and lg[1][:4] == str(year)]
    out["stations.visits"] = sum(lg[2] for lg in logs)
    out["stations.activities"] = sum(lg[3] for lg in logs)
    return out


def check(
    engine: Engine, rows: Rows, year: int, scope: Scope | None = None, target: Target | None = None
) -> dict[str, Any]:
    got = year_report(engine, year, scope)
    assert list(got)[: len(SPEC_KEYS)] == list(SPEC_KEYS)
    want = expected(rows, year, scope)
    for key, value in want.items():
        assert got[key] == value, (year, scope, key)
    if target is not None:  # read through sqlite3 (db.read) on SQLite: the same figures
        assert year_report(target, year, scope) == got
    return got


# --- a small ledger made by hand --------------------------------------------------------------


class Builder:
    def __init__(self, session: Session) -> None:
        self.s = session
        self.seq = 0

    def add(self, obj: SQLModel) -> Any:
        self.s.add(obj)
        self.s.flush()
        return obj.id  # type: ignore[attr-defined]

    def person(self, name: str, born: date = date(1985, 3, 4)) -> int:
        self.seq += 1
        rid = parse_id_number(make_id_number("230125", born, self.seq, "male"))
        return int(self.add(Person(**person_fields(rid, name))))

    def org(self, name: str, township: str, founded: date) -> int:
        return int(self.add(Org(name=name, township=township, founded=founded)))

    def member(
        self,
        name: str,
        events: list[tuple[str, date, int, int | None]],
        *,
        migrant: bool = False,
        gig: str | None = None,
    ) -> tuple[int, int]:
        pid = self.person(name)
        kind, first, org, _ = events[0]
        last = events[-1]
        status = {
            "join": "active",
            "transfer_in": "active",
            "restore": "active",
            "retain": "retained",
            "transfer_out": "transferred_out",
            "leave": "left",
            "remove": "removed",
            "death": "deceased",
        }[last[0]]
        mid = self.add(
            Member(
                person_id=pid,
                org_id=last[2],
                status=status,
                status_since=last[1],
                joined_on=first,
                migrant=migrant,
                gig_group=gig,
            )
        )
        for kind, on, org, from_org in events:
            self.add(
                MemberEvent(
                    member_id=mid,
                    kind=kind,
                    event_date=on,
                    org_id=org,
                    from_org_id=from_org,
                    migrant=migrant,
                    gig_group=gig,
                )
            )
        return mid, pid

    def file(
        self,
        no: str,
        head: int,
        org: int | None,
        category: str,
        opened: date,
        closed: date | None = None,
        reason: str | None = None,
    ) -> int:
        return int(
            self.add(
                HardshipFile(
                    file_no=no,
                    head_id=head,
                    org_id=org,
                    category=category,
                    cause="illness",
                    household_size=3,
                    opened_on=opened,
                    status="closed" if closed else "open",
                    closed_on=closed,
                    close_reason=reason,
                )
            )
        )

    def aid(self, file_id: int, on: date, kind: str, fen: int, reverses: int | None = None) -> int:
        return int(
            self.add(
                Aid(file_id=file_id, aid_date=on, kind=kind, amount_fen=fen, reverses_id=reverses)
            )
        )

    def grant(
        self,
        year: int,
        parent: int,
        level: str,
        fen: int,
        status: str,
        eligibility: str,
        file_id: int | None = None,
    ) -> int:
        student = self.person(f"学生{self.seq}", date(2010, 5, 6))
        return int(
            self.add(
                Grant(
                    year=year,
                    student_id=student,
                    parent_id=parent,
                    level=level,
                    amount_fen=fen,
                    eligibility=eligibility,
                    hardship_file_id=file_id,
                    status=status,
                    applied_on=date(year, 7, 1),
                    paid_on=date(year, 8, 20) if status == "paid" else None,
                )
            )
        )

    def station(self, code: str, township: str, opened: date, closed: date | None = None) -> int:
        return int(
            self.add(
                Station(
                    code=code,
                    name=f"驿站{code}",
                    township=township,
                    opened_on=opened,
                    status="closed" if closed else "open",
                    status_since=closed or opened,
                    closed_on=closed,
                )
            )
        )


@dataclass
class Hand:
    engine: Engine
    orgs: dict[str, int]
    target: Target


def build_hand(target: Target) -> Hand:
    with UnitOfWork(target) as uow:
        b = Builder(uow.session)
        A = b.org("城关镇甲公司工会", "城关镇", date(2010, 5, 1))
        B = b.org("城关镇乙公司工会", "城关镇", date(2023, 1, 1))  # founded on 1 January
        C = b.org("河西镇丙公司工会", "河西镇", date(2023, 12, 31))  # and on 31 December
        D = b.org("河西镇丁公司工会", "河西镇", date(2024, 6, 1))
        d = date
        _, p1 = b.member("甲一", [("join", d(2023, 1, 1), A, None)], migrant=True, gig="courier")
        _, p2 = b.member("甲二", [("join", d(2023, 12, 31), A, None)])
        _, p3 = b.member(  # moved between unions on 31 December, left on 1 January
            "乙三",
            [
                ("join", d(2022, 6, 1), B, None),
                ("transfer_in", d(2023, 12, 31), C, B),
                ("leave", d(2024, 1, 1), C, None),
            ],
        )
        b.member(  # retained, then restored
            "甲四",
            [
                ("join", d(2021, 3, 3), A, None),
                ("retain", d(2023, 5, 5), A, None),
                ("restore", d(2024, 2, 2), A, None),
            ],
        )
        b.member(  # joined on 1 January, left on 31 December, rejoined elsewhere the next day
            "丙五",
            [
                ("join", d(2024, 1, 1), C, None),
                ("leave", d(2024, 12, 31), C, None),
                ("join", d(2025, 1, 1), D, None),
            ],
            migrant=True,
        )
        b.member(  # in from outside the county, out again on 31 December
            "乙六",
            [("transfer_in", d(2023, 7, 7), B, None), ("transfer_out", d(2023, 12, 31), B, None)],
        )
        b.member(  # left while retained
            "甲七",
            [
                ("join", d(2020, 1, 1), A, None),
                ("retain", d(2022, 12, 31), A, None),
                ("leave", d(2023, 1, 1), A, None),
            ],
        )
        b.member("乙八", [("join", d(2023, 3, 1), B, None), ("death", d(2024, 12, 31), B, None)])
        b.member(  # joined and moved on the same day, across townships
            "甲九",
            [("join", d(2024, 12, 31), A, None), ("transfer_in", d(2024, 12, 31), D, A)],
            gig="food_delivery",
        )
        head4 = b.person("无会员户主")
        f1 = b.file("KN-1", p1, A, "deep", d(2023, 1, 1))
        f2 = b.file("KN-2", p2, A, "relative", d(2022, 5, 5), d(2023, 12, 31), "recovered")
        f3 = b.file("KN-3", p3, C, "accident", d(2023, 6, 6), d(2024, 1, 1), "moved")
        f4 = b.file("KN-4", head4, None, "relative", d(2021, 1, 1))  # no union
        f5 = b.file("KN-5", b.person("乙户主"), B, "deep", d(2024, 12, 31))
        b.aid(f1, d(2023, 1, 1), "warmth", 100_000)
        b.aid(f2, d(2023, 12, 31), "living", 50_000)  # on the day the file closed
        b.aid(f3, d(2023, 8, 8), "medical", 300_000)  # to a file closed later
        wrong = b.aid(f3, d(2023, 9, 9), "medical", 20_000)
        b.aid(f3, d(2024, 1, 15), "medical", -20_000, reverses=wrong)  # reversed the next year
        twice = b.aid(f1, d(2023, 2, 2), "warmth", 100_000)
        b.aid(f1, d(2023, 2, 3), "warmth", -100_000, reverses=twice)
        b.aid(f4, d(2023, 5, 5), "schooling", 80_000)
        b.aid(f1, d(2024, 1, 1), "warmth", 100_000)
        b.aid(f5, d(2024, 12, 31), "living", 60_000)
        b.aid(f1, d(2022, 12, 31), "warmth", 90_000)
        b.grant(2023, p1, "primary", 100_000, "paid", "migrant_member")  # A by the parent
        b.grant(2023, head4, "junior", 150_000, "paid", "hardship_file", f4)  # no union
        b.grant(2023, p1, "senior", 200_000, "approved", "migrant_member")
        b.grant(2023, p2, "senior", 200_000, "rejected", "override")
        b.grant(2023, p2, "bachelor", 400_000, "applied", "override")
        b.grant(2023, p3, "bachelor", 500_000, "paid", "hardship_file", f3)  # C by the file
        b.grant(2024, p2, "bachelor", 400_000, "paid", "override")
        b.grant(2023, b.person("非会员家长"), "preschool", 80_000, "paid", "override")
        s1 = b.station("S1", "城关镇", d(2022, 3, 1))
        s2 = b.station("S2", "河西镇", d(2023, 12, 31), d(2024, 6, 30))
        s3 = b.station("S3", "城关镇", d(2024, 1, 1))
        s4 = b.station("S4", "城关镇", d(2021, 1, 1), d(2023, 12, 31))
        for sid, year, rating in [
            (s1, 2022, "most_beautiful"),
            (s1, 2023, "standard"),  # lowered
            (s1, 2024, "none"),  # withdrawn
            (s4, 2022, "demonstration"),
            (s2, 2024, "standard"),
            (s3, 2024, "demonstration"),
        ]:
            b.add(StationRatingEntry(station_id=sid, year=year, rating=rating))
        for m in range(1, 13):
            b.add(StationLog(station_id=s1, month=d(2023, m, 1), visits=100 + m, activities=1))
        for m in range(1, 7):
            b.add(StationLog(station_id=s2, month=d(2024, m, 1), visits=50, activities=2))
        b.add(StationLog(station_id=s3, month=d(2024, 3, 1), visits=7, activities=0))
        b.add(StationLog(station_id=s3, month=d(2024, 12, 1), visits=9, activities=1))
        b.add(StationLog(station_id=s4, month=d(2023, 12, 1), visits=30, activities=3))
        uow.commit()
    return Hand(engine_for(target), {"A": A, "B": B, "C": C, "D": D}, target)


@pytest.fixture
def hand(ledger: Target) -> Hand:
    return build_hand(ledger)


YEARS = (2021, 2022, 2023, 2024, 2025)


def test_hand_ledger_by_hand(hand: Hand) -> None:
    """The figures worked out on paper for 2023 and 2024."""
    r = year_report(hand.engine, 2023)
    assert r["members.new"] == 3  # 1 January, 31 December, March
    assert (r["members.new_migrant"], r["members.new_gig"]) == (1, 1)
    assert r["members.new_gig_by_group"] == {"courier": 1}
    assert (r["members.transferred_in"], r["members.transferred_out"]) == (2, 1)
    assert (r["members.retained"], r["members.left"]) == (1, 1)
    assert (r["members.active_end"], r["members.retained_end"]) == (4, 1)
    assert (r["orgs.new"], r["orgs.total_end"]) == (2, 3)
    assert (r["hardship.opened"], r["hardship.closed"]) == (2, 1)
    assert r["hardship.closed_by_reason"] == {"recovered": 1}
    assert r["hardship.open_end_by_category"] == {"accident": 1, "deep": 1, "relative": 1}
    assert (r["aid.households"], r["aid.person_times"], r["aid.amount_fen"]) == (4, 4, 530_000)
    assert r["aid.by_kind"]["warmth"] == {"households": 1, "person_times": 1, "amount_fen": 100_000}
    assert r["aid.by_kind"]["medical"]["amount_fen"] == 300_000  # the reversed 200 yuan is out
    assert (r["grants.students"], r["grants.amount_fen"]) == (4, 830_000)
    assert (r["grants.hardship_children"], r["grants.migrant_children"]) == (2, 1)
    assert (r["stations.opened"], r["stations.open_end"]) == (1, 2)  # S4 closed on 31 December
    assert r["stations.rated"] == {"standard": 1}
    assert (r["stations.visits"], r["stations.activities"]) == (sum(range(101, 113)) + 30, 15)
    assert not any(k.startswith("scope.") for k in r)

    r = year_report(hand.engine, 2024)
    assert (r["members.new"], r["members.left"], r["members.active_end"]) == (2, 2, 4)
    assert r["members.transferred_in"] == 1
    assert r["hardship.closed_by_reason"] == {"moved": 1}
    assert r["hardship.open_end_by_category"] == {"deep": 2, "relative": 1}
    assert (r["aid.person_times"], r["aid.amount_fen"]) == (2, 160_000)  # the reversal is out
    assert r["stations.rated"] == {"demonstration": 1, "standard": 1}  # S1's withdrawn
    assert (r["stations.opened"], r["stations.open_end"]) == (1, 2)  # S3 on 1 January; S2 closed

    # a union: its events, files, aid and grants; its moves away are transfers out
    a2024 = year_report(hand.engine, 2024, Scope(org_id=hand.orgs["A"]))
    assert (a2024["members.new"], a2024["members.transferred_out"]) == (1, 1)
    assert a2024["scope.stations"] == "none" and a2024["stations.rated"] == {}
    c2023 = year_report(hand.engine, 2023, Scope(org_id=hand.orgs["C"]))
    assert (c2023["members.transferred_in"], c2023["members.active_end"]) == (1, 1)
    assert (c2023["grants.students"], c2023["grants.amount_fen"]) == (1, 500_000)
    b2023 = year_report(hand.engine, 2023, Scope(org_id=hand.orgs["B"]))
    assert (b2023["members.transferred_out"], b2023["members.active_end"]) == (2, 1)
    # a township: the move from 城关镇 to 河西镇 leaves one and enters the other
    west = year_report(hand.engine, 2023, Scope(township="河西镇"))
    assert (west["members.transferred_in"], west["members.active_end"]) == (1, 1)
    assert west["scope.stations"] == "township" and west["stations.opened"] == 1


def test_hand_ledger_matches_independent_count(hand: Hand) -> None:
    rows = load(hand.engine)
    scopes = [None, Scope(township="城关镇"), Scope(township="河西镇"), Scope(township="无此镇")]
    scopes += [Scope(org_id=o) for o in hand.orgs.values()]
    scopes.append(Scope(org_id=hand.orgs["A"], township="城关镇"))
    scopes.append(Scope(org_id=hand.orgs["A"], township="河西镇"))  # not there: nothing
    for year in YEARS:
        for scope in scopes:
            check(hand.engine, rows, year, scope, hand.target)


def test_empty_ledger_has_every_key(ledger: Target) -> None:
    r = year_report(engine_for(ledger), 2024)
    assert list(r)[: len(SPEC_KEYS)] == list(SPEC_KEYS)
    assert all(r[k] in (0, {}) for k in SPEC_KEYS if k != "year")
    assert r["year"] == 2024
    assert by_org(engine_for(ledger), 2024) == []


def check_by_org(engine: Engine, year: int) -> None:
    rows = by_org(engine, year)
    county = year_report(engine, year)
    for key in BY_ORG_KEYS:
        if key in ("hardship.opened", "hardship.open_end"):
            continue  # files are in no row when they have no union: checked below
        assert sum(r[key] for r in rows) == county[key], (year, key)
    orphans = [r for r in rows if r["org_id"] is None]
    assert len(orphans) <= 1 and (not orphans or rows[-1] is orphans[0])
    for key in ("hardship.opened", "hardship.open_end"):
        assert sum(r[key] for r in rows) == county[key], (year, key)
    # each union's row is its scoped report
    for r in rows[:40]:
        if r["org_id"] is None:
            continue
        one = year_report(engine, year, Scope(org_id=r["org_id"]))
        for key in BY_ORG_KEYS:
            assert r[key] == one[key], (year, r["org"], key)
    towns = [r["township"] for r in rows if r["org_id"] is not None]
    keys = [(t is None, t or "", r["org"]) for t, r in zip(towns, rows, strict=False)]
    assert keys == sorted(keys)
    # a township's breakdown is that township's rows
    town = next(t for t in towns if t is not None)
    mine = by_org(engine, year, town)
    assert {r["org_id"] for r in mine} == {r["org_id"] for r in rows if r["township"] == town}
    scoped = year_report(engine, year, Scope(township=town))
    assert sum(r["members.new"] for r in mine) == scoped["members.new"]
    assert sum(r["aid.amount_fen"] for r in mine) == scoped["aid.amount_fen"]


def test_hand_ledger_by_org(hand: Hand) -> None:
    for year in YEARS:
        check_by_org(hand.engine, year)
        assert by_org(hand.target, year) == by_org(hand.engine, year)
    rows = by_org(hand.engine, 2023)
    assert [r["org"] for r in rows[:-1]] == [  # D was founded in 2024; by township, name
        "城关镇乙公司工会",
        "城关镇甲公司工会",
        "河西镇丙公司工会",
    ]
    assert rows[-1]["org_id"] is None  # KN-4 and the non-member parent's grant
    assert (rows[-1]["aid.amount_fen"], rows[-1]["grants.students"]) == (80_000, 2)


def test_previous_year_and_trend(hand: Hand) -> None:
    assert report_with_previous(hand.target, 2024) == report_with_previous(hand.engine, 2024)
    assert trend(hand.target, 2022, 2025) == trend(hand.engine, 2022, 2025)
    this, before = report_with_previous(hand.engine, 2024, Scope(township="城关镇"))
    assert this == year_report(hand.engine, 2024, Scope(township="城关镇"))
    assert before == year_report(hand.engine, 2023, Scope(township="城关镇"))
    rows = trend(hand.engine, 2022, 2025)
    assert [r["year"] for r in rows] == [2022, 2023, 2024, 2025]
    for r in rows:
        assert set(r) == {"year", *TREND_KEYS}
        full = year_report(hand.engine, r["year"])
        assert all(r[k] == full[k] for k in TREND_KEYS)


def test_fingerprint_changes_with_any_write(hand: Hand, ledger: Target) -> None:
    first = ledger_fingerprint(hand.engine)
    assert len(first) == 12 and int(first, 16) >= 0
    assert ledger_fingerprint(hand.engine) == first  # reading changes nothing
    with UnitOfWork(ledger) as uow:
        file = uow.session.get(HardshipFile, 1)
        assert file is not None
        file.category = "relative"  # an edit in place, audited as every write is
        uow.audit("hardship.update", "hardship_file", 1, after={"category": "relative"})
        uow.commit()
    second = ledger_fingerprint(hand.engine)
    assert second != first
    assert ledger_fingerprint(hand.target) == second  # through sqlite3, the same
    with UnitOfWork(ledger) as uow:
        uow.audit("reveal", "member", 1, reason="核对")  # showing an ID changes no figure
        uow.commit()
    assert ledger_fingerprint(hand.engine) == second
    with hand.engine.begin() as conn:
        conn.execute(text("DELETE FROM station_log WHERE id = (SELECT MAX(id) FROM station_log)"))
    assert ledger_fingerprint(hand.engine) != second


def test_federation_name_is_set_audited_and_cleared(ledger: Target) -> None:
    engine = engine_for(ledger)
    assert federation_name(engine) is None
    with UnitOfWork(ledger) as uow:
        set_federation_name(uow, "  某某县总工会 ")
        uow.commit()
    assert federation_name(engine) == "某某县总工会" == federation_name(ledger)
    with UnitOfWork(ledger) as uow:
        set_federation_name(uow, "")
        uow.commit()
    assert federation_name(engine) is None
    with engine.connect() as conn:
        actions = conn.execute(
            text("SELECT action, before, after FROM audit_log ORDER BY id")
        ).all()
    assert [a[0] for a in actions] == ["report.federation_name"] * 2
    assert "某某县总工会" in actions[0][2] and "某某县总工会" in actions[1][1]


# --- the demo ledger --------------------------------------------------------------------------


@dataclass
class Demo:
    engine: Engine
    target: Target


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    from unioncli.config import sqlite_target
    from unioncli.services.demo.builder import build

    path: Path = tmp_path_factory.mktemp("report-demo") / "demo.sqlite3"
    target = sqlite_target(path)
    migrate.upgrade(target)
    engine = engine_for(target)
    build(engine, "tester", members=3000, today=date(2025, 6, 30))
    return Demo(engine, target)


@pytest.fixture
def demo(demo_ledger: Demo) -> Engine:
    return demo_ledger.engine


def test_demo_ledger_matches_independent_count(demo: Engine, demo_ledger: Demo) -> None:
    rows = load(demo)
    towns = sorted({t for _, t, _ in rows.orgs if t is not None})
    busiest = Counter(e[4] for e in rows.events).most_common(3)
    for year in range(2016, 2026):
        got = check(demo, rows, year, None, demo_ledger.target)
        assert got["members.new"] > 0 or year > 2024  # the demo ends with 2024
        for town in towns[:3]:
            check(demo, rows, year, Scope(township=town), demo_ledger.target)
        for org_id, _ in busiest:
            check(demo, rows, year, Scope(org_id=org_id), demo_ledger.target)
    last = year_report(demo, 2024)
    assert last["aid.person_times"] > 0 and last["grants.students"] > 0
    assert last["stations.visits"] > 0 and last["hardship.closed"] > 0


def test_registers_own_figures_agree_with_the_report(demo: Engine, hand: Hand) -> None:
    """The report sums grants and stations in its own SQL: the registers' functions agree."""
    from unioncli.services.grants import figures as grants
    from unioncli.services.stations import figures as stations

    for engine, towns, orgs in (
        (demo, ("城关镇", "河西镇"), (1, 2, 3)),
        (hand.engine, ("城关镇", "河西镇"), tuple(hand.orgs.values())),
    ):
        for year in (2019, 2023, 2024):
            with engine.connect() as conn:
                scopes = [None, *(Scope(township=t) for t in towns)]
                scopes += [Scope(org_id=o) for o in orgs]
                for scope in scopes:
                    got = year_report(engine, year, scope)
                    fig = grants.year_figures(conn, year, scope)
                    assert (fig.students, fig.amount_fen) == (
                        got["grants.students"],
                        got["grants.amount_fen"],
                    )
                    assert {k: v.students for k, v in fig.by_level.items()} == {
                        k: v["students"] for k, v in got["grants.by_level"].items()
                    }
                    assert (fig.hardship_children, fig.migrant_children) == (
                        got["grants.hardship_children"],
                        got["grants.migrant_children"],
                    )
                    if scope is None or scope.org_id is None:
                        town = None if scope is None else scope.township
                        assert stations.year_figures(conn, year, town) == {
                            k: v for k, v in got.items() if k.startswith("stations.")
                        }


def test_demo_ledger_scopes_add_up(demo: Engine) -> None:
    rows = load(demo)
    towns = sorted({t for _, t, _ in rows.orgs if t is not None})
    assert all(t is not None for _, t, _ in rows.orgs)
    for year in (2019, 2024):
        county = year_report(demo, year)
        parts = [year_report(demo, year, Scope(township=t)) for t in towns]
        for key in ("members.new", "members.active_end", "orgs.total_end", "aid.person_times"):
            assert sum(p[key] for p in parts) == county[key], (year, key)
        check_by_org(demo, year)


# --- PostgreSQL ----------------------------------------------------------------------------------


@pytest.mark.postgres
def test_hand_ledger_on_postgres(pg_target: Target) -> None:
    migrate.upgrade(pg_target)
    hand = build_hand(pg_target)
    rows = load(hand.engine)
    for year in YEARS:
        for scope in (None, Scope(township="城关镇"), Scope(org_id=hand.orgs["C"])):
            check(hand.engine, rows, year, scope, pg_target)  # a Target on a server: the engine
        check_by_org(hand.engine, year)
    assert len(ledger_fingerprint(hand.engine)) == 12
