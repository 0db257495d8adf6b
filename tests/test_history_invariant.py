"""Issue 14, "the past stays true", as a property: recording something dated after year Y never
changes ``report year Y`` (nor any earlier year), for every scope.

A hypothesis state machine works on a real demo ledger (``demo.builder.build``, a few hundred
members, built once per session into a template and copied for each example). Before the first
command it holds the report (``services.report.year_report``, what ``report year Y --format
json`` prints) of every year of the ledger for every scope: the whole ledger, each township, the
three biggest unions and, on a city's ledger (``demo --counties 3``), each county and one township
of a county. Then it runs random commands through the services, as the CLI calls them, each in its
own unit of work, on a clock that only moves forward from 1 January of the year after the
ledger's last; a command the rules refuse (any ``UnionCliError``) is skipped, as a clerk would be
told no. When the clock enters a new year, the year just ended is recorded too: from then on only
later-dated commands come, and it must not move either. At the end (and whenever the ``check``
rule is drawn) every recorded report must be equal, key for key, to the report read anew.

Corrections are left out on purpose: an aid reversal is only drawn for an entry of the clock's own
year (reversing an older entry is a correction, which may change its year).

The registers' new commands of issue 14 (org dissolve/merge, dated grant decisions) are drawn
only when their service functions exist, so the file works at every stage of the merge.

``test_the_property_has_teeth`` puts one report query back to its old snapshot form in-process
and checks that the machine then finds a counterexample.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbutil import rows
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, precondition, rule, run_state_machine_as_test

from unioncli.config import Target, sqlite_target
from unioncli.db.read import reading
from unioncli.errors import UnionCliError
from unioncli.ids import make_id_number
from unioncli.services import aid as aid_svc
from unioncli.services import members as member_svc
from unioncli.services import orgs as org_svc
from unioncli.services import report as report_svc
from unioncli.services.demo.builder import build
from unioncli.services.demo.common import FIRST_YEAR, LAST_YEAR
from unioncli.services.figures import Scope
from unioncli.services.grants import applications as gapps
from unioncli.services.hardship import lifecycle as hardship_svc
from unioncli.services.stations import logs as slogs
from unioncli.services.stations import ratings as sratings
from unioncli.services.stations import register as sregister
from unioncli.services.stations import rules as srules
from unioncli.services.stations import status as sstatus

REGISTERS = frozenset({"members", "hardship", "aid", "grants", "stations", "orgs"})
TODAY = date.today()
MEMBERS = 300
REASON = "测试"
# more examples for a longer hunt: HISTORY_INVARIANT_SCALE=20 pytest tests/test_history_invariant.py
SCALE = max(1, int(os.environ.get("HISTORY_INVARIANT_SCALE", "1")))


# --- the demo ledgers: built once per session and backend, copied per example ---------------


@dataclass
class DemoLedger:
    """One demo ledger's template and how to get a fresh copy of it for an example."""

    fresh: Callable[[], tuple[Target, Callable[[], None]]]
    counties: int
    scopes: list[Scope | None] = field(default_factory=list)
    baseline: dict[tuple[int, Scope | None], dict[str, Any]] = field(default_factory=dict)

    def prepare(self, target: Target) -> None:
        """The scopes and every year's reports of the untouched ledger (the same for every
        example: read once, on the first copy)."""
        if self.scopes:
            return
        scopes: list[Scope | None] = [None]
        scopes += [Scope(township=t) for (t,) in rows(target, TOWNSHIPS)]
        scopes += [Scope(org_id=int(o)) for (o,) in rows(target, BIGGEST_UNIONS)]
        if self.counties:
            counties = report_svc.known_counties(target)
            scopes += [Scope(county=c) for c in counties]
            (town,) = rows(target, TOWNSHIP_OF_COUNTY, county=counties[0])[0]
            scopes.append(Scope(county=counties[0], township=town))
        self.scopes = scopes
        self.baseline = reports(target, range(FIRST_YEAR, LAST_YEAR + 1), scopes)


TOWNSHIPS = "SELECT DISTINCT township FROM org WHERE township IS NOT NULL ORDER BY township"
BIGGEST_UNIONS = """
SELECT org_id FROM member GROUP BY org_id ORDER BY COUNT(*) DESC, org_id LIMIT 3"""
TOWNSHIP_OF_COUNTY = """
SELECT MIN(township) FROM org WHERE county = :county AND township IS NOT NULL"""


def reports(
    target: Target, years: Iterable[int], scopes: list[Scope | None]
) -> dict[tuple[int, Scope | None], dict[str, Any]]:
    return read_reports(target, [(y, s) for y in years for s in scopes])


def read_reports(
    target: Target, keys: Iterable[tuple[int, Scope | None]]
) -> dict[tuple[int, Scope | None], dict[str, Any]]:
    """``year_report(target, year, scope)`` of each key, read on one connection: what the CLI
    prints, a third of the time of a connection per report (a check reads a hundred)."""
    with reading(target) as q:
        return {(y, s): report_svc._report(q, y, s) for y, s in keys}


@pytest.fixture(scope="session")
def _sqlite_demos() -> dict[int, Path]:
    """The SQLite demo templates of this session, by number of counties (built on first use)."""
    return {}


@pytest.fixture
def demo_ledger(
    backend: str,
    request: pytest.FixtureRequest,
    template_db: Path,
    tmp_path: Path,
    _sqlite_demos: dict[int, Path],
) -> Callable[[int], DemoLedger]:
    """``demo_ledger(counties)``: the demo ledger of this backend (built the first time)."""

    def sqlite_demo(counties: int) -> DemoLedger:
        if counties not in _sqlite_demos:
            from unioncli.db.engine import make_engine

            path = template_db.parent / f"demo-{counties}.sqlite3"
            shutil.copy(template_db, path)
            engine = make_engine(sqlite_target(path))
            try:
                build(engine, "tester", members=MEMBERS, counties=counties)
            finally:
                engine.dispose()
            _sqlite_demos[counties] = path
        template = _sqlite_demos[counties]
        n = itertools.count()

        def fresh() -> tuple[Target, Callable[[], None]]:
            path = tmp_path / f"example-{next(n)}.sqlite3"
            shutil.copy(template, path)
            os.chmod(path, 0o600)

            def cleanup() -> None:
                from unioncli.db.engine import dispose_all

                dispose_all()
                for p in path.parent.glob(path.name + "*"):
                    p.unlink()

            return sqlite_target(path), cleanup

        return DemoLedger(fresh, counties)

    def pg_demo(counties: int) -> DemoLedger:
        from unioncli.db.engine import dispose_all, make_engine

        server = request.getfixturevalue("pg_server")
        demos: dict[int, str] = server.__dict__.setdefault("_history_demos", {})
        if counties not in demos:
            name = server.create(server.template)
            engine = make_engine(Target(url=server.url_of(name), path=None))
            try:
                build(engine, "tester", members=MEMBERS, counties=counties)
            finally:
                engine.dispose()
            dispose_all()  # a template must have no connections when it is copied
            demos[counties] = name

        def fresh() -> tuple[Target, Callable[[], None]]:
            name = server.create(demos[counties])
            return Target(url=server.url_of(name), path=None), lambda: server.drop(name)

        return DemoLedger(fresh, counties)

    cache: dict[int, DemoLedger] = {}

    def get(counties: int) -> DemoLedger:
        if counties not in cache:
            cache[counties] = (sqlite_demo if backend == "sqlite" else pg_demo)(counties)
        return cache[counties]

    return get


# --- the machine -------------------------------------------------------------------------------


class PastStaysTrue(RuleBasedStateMachine):
    """Set ``ledger`` and ``registers`` (on a subclass) before running it."""

    ledger: DemoLedger
    registers: frozenset[str] = REGISTERS

    def __init__(self) -> None:
        super().__init__()
        self.target, self._cleanup = self.ledger.fresh()
        self.ledger.prepare(self.target)
        self.expected = dict(self.ledger.baseline)
        self.frontier = LAST_YEAR  # every year up to here is recorded and must not change
        self.clock = date(LAST_YEAR + 1, 1, 1)
        self.serial = itertools.count(1)
        self.failed = False  # a check failed: teardown does not report it a second time

    # -- helpers --

    def day(self, data: st.DataObject) -> date:
        """The date of the next command: the clock, moved on by a few days (never back, never
        past today). Entering a new year records the year just ended first."""
        later = min(self.clock + timedelta(days=data.draw(st.integers(0, 45), "days later")), TODAY)
        if later.year - 1 > self.frontier:
            years = range(self.frontier + 1, later.year)
            self.expected.update(reports(self.target, years, self.ledger.scopes))
            self.frontier = later.year - 1
        self.clock = later
        return later

    def rows(self, sql: str, **params: Any) -> list[Any]:
        """Rows of a SELECT on the example's ledger (its engine is the services' own, cached)."""
        from sqlalchemy import text

        from unioncli.db.engine import engine_for

        with engine_for(self.target).connect() as conn:
            return list(conn.execute(text(sql), params))

    def pick(self, data: st.DataObject, sql: str, label: str, **params: Any) -> Any:
        """One value of the first column of ``sql`` (ordered), or None when there is none."""
        found = [r[0] for r in self.rows(sql, **params)]
        return data.draw(st.sampled_from(found), label) if found else None

    def run(self, command: Callable[[Any], object]) -> bool:
        """The command in a unit of work of its own, committed; False when the rules refuse it."""
        from unioncli.db.uow import UnitOfWork

        try:
            with UnitOfWork(self.target) as uow:
                command(uow)
                uow.commit()
        except UnionCliError:
            return False
        return True

    def new_id(self, born: date) -> str:
        """A resident ID number no demo person has (the demo's people are of other regions)."""
        n = next(self.serial)
        return make_id_number("110101", born + timedelta(days=n), 0, "male")

    def org(self, data: st.DataObject) -> str:
        return str(self.pick(data, "SELECT id FROM org ORDER BY id", "org"))

    def check_reports(self) -> None:
        now = read_reports(self.target, self.expected)
        wrong = []
        for key, before in self.expected.items():
            after = now[key]
            if after != before:
                year, scope = key
                diffs = [
                    f"{k}: {before.get(k)!r} -> {after.get(k)!r}"
                    for k in sorted(set(before) | set(after))
                    if before.get(k) != after.get(k)
                ]
                wrong.append(f"report year {year} scope {scope}: " + "; ".join(diffs))
        self.failed = bool(wrong)
        assert not wrong, (
            f"{len(wrong)} reports of years <= {self.frontier} changed:\n  "
            + "\n  ".join(wrong[:12])
        )

    def teardown(self) -> None:
        try:
            if not self.failed:
                self.check_reports()
        finally:
            self._cleanup()

    # -- members --

    @precondition(lambda self: "members" in self.registers)
    @rule(data=st.data())
    def member_enrol(self, data: st.DataObject) -> None:
        on, org = self.day(data), self.org(data)
        raw = {
            "name": "测试员",
            "id_number": self.new_id(date(1980, 1, 1)),
            "org": org,
            "joined": on,
        }
        outside = data.draw(st.booleans(), "from outside")
        self.run(lambda uow: member_svc.enrol(uow, raw, from_outside=outside))

    @precondition(lambda self: "members" in self.registers)
    @rule(data=st.data(), kind=st.sampled_from(sorted(member_svc.TRANSITIONS)))
    def member_change(self, data: st.DataObject, kind: Any) -> None:
        """transfer --to / --out, retain, restore, leave, remove, death, rejoin."""
        on = self.day(data)
        allowed = sorted(s.value for s in member_svc.TRANSITIONS[kind][0] if s is not None)
        marks = ", ".join(f"'{s}'" for s in allowed)
        ref = self.pick(data, f"SELECT id FROM member WHERE status IN ({marks}) ORDER BY id", "m")
        if ref is None:
            return
        to_org = None
        if kind in (member_svc.K.TRANSFER_IN, member_svc.K.JOIN):
            to_org = self.org(data)
        self.run(
            lambda uow: member_svc.change_status(uow, str(ref), kind, on, REASON, to_org=to_org)
        )

    # -- hardship files --

    OPEN_FILES = "SELECT file_no FROM hardship_file WHERE status = 'open' ORDER BY id"

    @precondition(lambda self: "hardship" in self.registers)
    @rule(
        data=st.data(),
        category=st.sampled_from(["deep", "relative", "accident"]),
        member=st.booleans(),
    )
    def hardship_open(self, data: st.DataObject, category: str, member: bool) -> None:
        on = self.day(data)
        head = None
        if member:  # a member's household (what makes a grant's parent eligible)
            head = self.pick(
                data,
                "SELECT p.id_number FROM member m JOIN person p ON p.id = m.person_id "
                "WHERE m.status = 'active' ORDER BY m.id",
                "head",
            )
        if head is not None:
            (name,) = self.rows("SELECT name FROM person WHERE id_number = :n", n=head)[0]
        else:
            head, name = self.new_id(date(1975, 1, 1)), "测试户"
        raw = {
            "name": name,
            "id_number": head,
            "org": self.org(data),
            "category": category,
            "cause": "unemployed",
            "household_size": 1,
            "income_per_capita": "500",
            "opened": on,
            "family": [],
        }
        self.run(lambda uow: hardship_svc.open_file(uow, raw))

    @precondition(lambda self: "hardship" in self.registers)
    @rule(data=st.data(), category=st.sampled_from([None, "deep", "relative", "accident"]))
    def hardship_review(self, data: st.DataObject, category: str | None) -> None:
        on = self.day(data)
        ref = self.pick(data, self.OPEN_FILES, "file")
        if ref is None:
            return
        outcome = "维持" if category is None else "调整类别"
        self.run(
            lambda uow: hardship_svc.review_file(
                uow, ref, on=on, outcome=outcome, category=category
            )
        )

    @precondition(lambda self: "hardship" in self.registers)
    @rule(data=st.data())
    def hardship_visit(self, data: st.DataObject) -> None:
        on = self.day(data)
        ref = self.pick(data, self.OPEN_FILES, "file")
        if ref is not None:
            self.run(lambda uow: hardship_svc.visit_file(uow, ref, on=on, visitor="王红"))

    @precondition(lambda self: "hardship" in self.registers)
    @rule(data=st.data(), reason=st.sampled_from(["recovered", "retired", "moved", "deceased"]))
    def hardship_close(self, data: st.DataObject, reason: str) -> None:
        on = self.day(data)
        ref = self.pick(data, self.OPEN_FILES, "file")
        if ref is not None:
            self.run(lambda uow: hardship_svc.close_file(uow, ref, on=on, reason=reason))

    @precondition(lambda self: "hardship" in self.registers)
    @rule(data=st.data(), category=st.sampled_from([None, "deep", "relative"]))
    def hardship_reopen(self, data: st.DataObject, category: str | None) -> None:
        on = self.day(data)
        ref = self.pick(
            data,
            "SELECT f.file_no FROM hardship_file f WHERE f.status = 'closed' AND NOT EXISTS "
            "(SELECT 1 FROM hardship_file n WHERE n.previous_id = f.id) ORDER BY f.id",
            "closed file",
        )
        if ref is not None:
            raw = {"opened": on, "category": category}
            self.run(lambda uow: hardship_svc.reopen_file(uow, ref, raw))

    # -- aid --

    @precondition(lambda self: "aid" in self.registers)
    @rule(
        data=st.data(),
        kind=st.sampled_from(["living", "medical", "schooling", "warmth", "employment", "other"]),
        yuan=st.integers(1, 3000),
    )
    def aid_add(self, data: st.DataObject, kind: str, yuan: int) -> None:
        on = self.day(data)
        ref = self.pick(data, self.OPEN_FILES, "file")
        if ref is not None:
            raw = {"aid_date": on, "aid_kind": kind, "amount": str(yuan), "fund_source": "专项"}
            self.run(lambda uow: aid_svc.add_aid(uow, ref, raw))

    @precondition(lambda self: "aid" in self.registers)
    @rule(data=st.data())
    def aid_reverse(self, data: st.DataObject) -> None:
        """Only an entry of a year not yet recorded: reversing an older one is a correction."""
        on = self.day(data)
        entry = self.pick(
            data,
            "SELECT a.id FROM aid a WHERE a.aid_date > :end AND a.reverses_id IS NULL "
            "AND NOT EXISTS (SELECT 1 FROM aid r WHERE r.reverses_id = a.id) ORDER BY a.id",
            "entry",
            end=date(self.frontier, 12, 31),
        )
        if entry is not None:
            self.run(lambda uow: aid_svc.reverse_aid(uow, entry, "金额录错", on))

    # -- grants (金秋助学) --

    @precondition(lambda self: "grants" in self.registers)
    @rule(
        data=st.data(),
        level=st.sampled_from(["primary", "junior", "senior", "vocational", "bachelor"]),
        round_back=st.integers(-1, 2),
        yuan=st.sampled_from(["500", "1000"]),  # within what is left of the demo's budgets
    )
    def grant_apply(self, data: st.DataObject, level: str, round_back: int, yuan: str) -> None:
        """For this year's round or next (a round later than the recorded years), or a late
        application to an old round (its payment, dated now, must not change the old year)."""
        on = self.day(data)
        year = on.year - round_back
        parent = self.pick(
            data,
            "SELECT p.id_number FROM member m JOIN person p ON p.id = m.person_id ORDER BY m.id",
            "parent",
        )
        raw = {
            "student_name": "测试生",
            "student_id_number": self.new_id(date(2006, 1, 1)),
            "parent_id_number": parent,
            "level": level,
            "year": year,
            "amount": yuan,
            "amount_reason": REASON,
            "override": REASON,
            "applied_on": on,
        }
        self.run(lambda uow: gapps.apply(uow, raw))

    def _grant(self, data: st.DataObject, statuses: str) -> int | None:
        sql = f"SELECT id FROM student_grant WHERE status IN ({statuses}) ORDER BY id"
        return self.pick(data, sql, "grant")  # type: ignore[no-any-return]

    @precondition(lambda self: "grants" in self.registers)
    @rule(data=st.data())
    def grant_approve(self, data: st.DataObject) -> None:
        on = self.day(data)
        ref = self._grant(data, "'applied'")
        if ref is not None:
            self.run(lambda uow: gapps.approve(uow, ref, on, override=REASON))

    @precondition(lambda self: "grants" in self.registers)
    @rule(data=st.data())
    def grant_pay(self, data: st.DataObject) -> None:
        on = self.day(data)
        ref = self._grant(data, "'approved'")
        if ref is not None:
            self.run(lambda uow: gapps.pay(uow, ref, on))

    @precondition(lambda self: "grants" in self.registers)
    @rule(data=st.data(), action=st.sampled_from(["reject", "withdraw"]))
    def grant_decide(self, data: st.DataObject, action: str) -> None:
        on = self.day(data)
        ref = self._grant(data, "'applied', 'approved'")
        if ref is None:
            return
        service = getattr(gapps, action)
        self.run(lambda uow: service(uow, ref, REASON, on=on))

    # -- stations --

    @precondition(lambda self: "stations" in self.registers)
    @rule(data=st.data())
    def station_add(self, data: st.DataObject) -> None:
        on = self.day(data)
        town = self.pick(data, "SELECT DISTINCT township FROM station ORDER BY 1", "township")
        county = self.pick(
            data, "SELECT DISTINCT county FROM station WHERE county IS NOT NULL ORDER BY 1", "c"
        )
        raw = {"name": f"测试驿站{next(self.serial)}", "opened": on, "township": town}
        if county is not None:
            raw["county"] = county
        self.run(lambda uow: sregister.add_station(uow, raw))

    @precondition(lambda self: "stations" in self.registers)
    @rule(data=st.data(), action=st.sampled_from(sorted(srules.TRANSITIONS)))
    def station_change(self, data: st.DataObject, action: str) -> None:
        """suspend, close, reopen."""
        on = self.day(data)
        allowed = ", ".join(f"'{s.value}'" for s in srules.TRANSITIONS[action][0])
        ref = self.pick(
            data, f"SELECT code FROM station WHERE status IN ({allowed}) ORDER BY id", "station"
        )
        if ref is not None:
            self.run(lambda uow: sstatus.change_status(uow, ref, action, on, REASON))

    STATIONS = "SELECT code FROM station ORDER BY id"

    @precondition(lambda self: "stations" in self.registers)
    @rule(
        data=st.data(),
        rating=st.sampled_from(["none", "standard", "demonstration", "most_beautiful"]),
    )
    def station_rate(self, data: st.DataObject, rating: str) -> None:
        on = self.day(data)
        ref = self.pick(data, self.STATIONS, "station")
        if ref is not None:  # the clock's year: later than every recorded year
            self.run(lambda uow: sratings.rate(uow, ref, on.year, rating, on))

    @precondition(lambda self: "stations" in self.registers)
    @rule(data=st.data(), visits=st.integers(0, 500), activities=st.integers(0, 5))
    def station_log(self, data: st.DataObject, visits: int, activities: int) -> None:
        on = self.day(data)
        ref = self.pick(data, self.STATIONS, "station")
        replace = data.draw(st.booleans(), "replace")
        if ref is not None:
            self.run(
                lambda uow: slogs.log_month(
                    uow, ref, f"{on:%Y-%m}", visits, activities, replace=replace
                )
            )

    # -- unions --

    @precondition(lambda self: "orgs" in self.registers)
    @rule(data=st.data())
    def org_add(self, data: st.DataObject) -> None:
        on = self.day(data)
        town = self.pick(data, TOWNSHIPS, "township")
        raw: dict[str, Any] = {"org_name": f"测试工会{next(self.serial)}", "founded": on}
        raw["township"] = town
        county = self.pick(data, "SELECT DISTINCT county FROM org WHERE county IS NOT NULL", "c")
        if county is not None:
            raw["county"] = county
        self.run(lambda uow: org_svc.add_org(uow, raw))

    # org dissolve / org merge

    ORGS_IN_FORCE = "SELECT id FROM org WHERE dissolved_on IS NULL ORDER BY id"

    def _org_in_force(self, data: st.DataObject, label: str) -> Any:
        return self.pick(data, self.ORGS_IN_FORCE, label)

    @precondition(lambda self: "orgs" in self.registers)
    @rule(
        data=st.data(),
        kind=st.sampled_from(["revoked", "deregistered"]),
        retain=st.booleans(),
    )
    def org_dissolve(self, data: st.DataObject, kind: str, retain: bool) -> None:
        on = self.day(data)
        ref = self._org_in_force(data, "org")
        if ref is not None:
            self.run(
                lambda uow: org_svc.dissolve_org(
                    uow, str(ref), on, kind, REASON, retain_members=retain
                )
            )

    @precondition(lambda self: "orgs" in self.registers)
    @rule(data=st.data())
    def org_merge(self, data: st.DataObject) -> None:
        on = self.day(data)
        ref, into = self._org_in_force(data, "org"), self._org_in_force(data, "into")
        if ref is not None and into is not None:
            self.run(lambda uow: org_svc.merge_org(uow, str(ref), str(into), on, REASON))


def run_machine(
    ledger: DemoLedger,
    registers: frozenset[str] = REGISTERS,
    *,
    examples: int,
    steps: int = 30,
    shrink: bool = True,
) -> None:
    machine = type(
        "PastStaysTrueOn",
        (PastStaysTrue,),
        {"ledger": ledger, "registers": registers},
    )
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=list(HealthCheck),
            print_blob=False,
            phases=list(Phase) if shrink else [Phase.explicit, Phase.generate],
        ),
    )


@pytest.fixture(autouse=True)
def _short_shrink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A counterexample runs dozens of commands and reads a hundred reports: hypothesis's own
    five minutes of shrinking would be most of the suite's time. Twenty seconds of it still
    brings a failure down to a few steps."""
    from hypothesis.internal.conjecture import engine

    # a private setting: should hypothesis rename it, shrinking just takes its own time
    monkeypatch.setattr(engine, "MAX_SHRINKING_SECONDS", SHRINK_SECONDS, raising=False)


SHRINK_SECONDS = 20


# --- the tests -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "registers",
    [
        pytest.param(frozenset({"members"}), id="members"),
        pytest.param(frozenset({"hardship", "aid"}), id="hardship"),
        pytest.param(frozenset({"grants", "members"}), id="grants"),
        pytest.param(frozenset({"stations"}), id="stations"),
        pytest.param(frozenset({"orgs", "members"}), id="orgs"),
        pytest.param(REGISTERS, id="all"),
    ],
)
def test_the_past_stays_true(
    backend: str, demo_ledger: Callable[[int], DemoLedger], registers: frozenset[str]
) -> None:
    """A county's ledger: the whole, each township, the three biggest unions."""
    examples = (10 if registers == REGISTERS else 6) if backend == "sqlite" else 2
    run_machine(demo_ledger(0), registers, examples=examples * SCALE)


def test_the_past_stays_true_in_a_city(
    backend: str, demo_ledger: Callable[[int], DemoLedger]
) -> None:
    """A city's ledger of three counties: each county is a scope too."""
    run_machine(demo_ledger(3), examples=(8 if backend == "sqlite" else 2) * SCALE)


def _old_stations_query() -> str:
    """stations.open_end as it was before the status history: the station's closing date now
    (and no suspension known: 0 suspended)."""
    return (
        "SELECT SUM(CASE WHEN opened_on >= :start THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN closed_on IS NULL OR closed_on > :end THEN 1 ELSE 0 END), 0"
        " FROM station WHERE opened_on <= :end AND {here}"
    )


def _old_grants_query() -> str:
    """grants.* as they were: a round's paid grants, whenever paid."""
    return report_svc._GRANTS.replace(" AND g.paid_on <= :end", "")


@pytest.mark.sqlite_only("the same machine as on PostgreSQL; one backend shows the teeth")
@pytest.mark.parametrize(
    ("constant", "old", "registers", "figure"),
    [
        pytest.param("_STATIONS", _old_stations_query, {"stations"}, "stations.open_end", id="st"),
        pytest.param("_GRANTS", _old_grants_query, {"grants"}, "grants.students", id="grants"),
    ],
)
def test_the_property_has_teeth(
    backend: str,
    demo_ledger: Callable[[int], DemoLedger],
    monkeypatch: pytest.MonkeyPatch,
    constant: str,
    old: Callable[[], str],
    registers: set[str],
    figure: str,
) -> None:
    """Break a rule on purpose: with one report query put back to its snapshot form the machine
    finds a later-dated command (a station reopened, an old round paid late) that moves a
    recorded year."""
    monkeypatch.setattr(report_svc, constant, old())
    with pytest.raises(AssertionError, match=r"reports of years <= \d+ changed") as failed:
        run_machine(demo_ledger(0), frozenset(registers), examples=40, shrink=False)
    assert figure in str(failed.value)
