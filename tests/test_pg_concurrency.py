"""Several clerks at the same moment on one PostgreSQL ledger: real parallel sessions.

PostgreSQL runs writers side by side (READ COMMITTED), so a rule checked by reading ("already a
member?", "the highest file number + 1") holds only because the second writer waits for the
first (``unioncli.db.uow.serialize`` and row locks). These tests make the race happen for real:

- a *gate* holds ``LOCK TABLE … IN ACCESS EXCLUSIVE MODE`` on the table the rule reads, the
  clerks start (threads with their own unit of work, or processes running the real program),
  and the gate opens only once every clerk is seen waiting for a lock in ``pg_locks`` — so all of
  them reach the check at once, however the machine schedules them;
- or one clerk's transaction is held open, uncommitted, until the other is seen waiting.

No sleeps: waiting is observed on the server. Without the locks these tests fail: the second
clerk's write collides with the first one's (the generic "conflicts with a record" message, or a
second aid entry, or a duplicate file number).

The SQLite variants at the end are cheap checks that the same calls behave the same there, where
every writer takes the file's write lock first (BEGIN IMMEDIATE); tests/test_concurrent_writers.py
covers SQLite under load.
"""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from dbutil import count, rows, scalar
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.pool import NullPool

from unioncli import i18n
from unioncli.config import Target
from unioncli.db.uow import UnitOfWork
from unioncli.errors import Conflict, UnionCliError
from unioncli.ids import make_id_number
from unioncli.services import aid as aid_service
from unioncli.services import members
from unioncli.services.grants import applications as grants
from unioncli.services.hardship import lifecycle as hardship
from unioncli.services.orgs import add_org
from unioncli.services.stations import register as stations

ORG_A = "道里区第一小学工会"  # a union of one county
ORG_B = "松北区人民医院工会"  # a union of another
WAIT_LIMIT = 60.0  # seconds: a clerk that is never seen waiting fails the test, never hangs it


def pid(n: int, gender: str = "male") -> str:
    """A valid, distinct ID number for every n below 10**6."""
    return make_id_number("230102", date(1960, 1, 1) + timedelta(days=n // 400), n % 400, gender)


def name(n: int) -> str:
    return "李" + "伟芳娜秀英敏静丽强磊"[n % 10] + "一二三四五六七八九十"[n // 10 % 10]


ZHANG = pid(900_001)
LI = pid(900_002, "female")
WANG = pid(900_003)
ZHAO = pid(900_004, "female")
KID = make_id_number("230102", date(2005, 5, 5), 11, "male")


# --- the server side: who waits, and the gate ------------------------------------------------


@pytest.fixture
def pg(pg_server: Any, request: pytest.FixtureRequest) -> Iterator[Target]:
    """A migrated PostgreSQL ledger of its own, with two unions."""
    target: Target = pg_server.fresh_ledger(request)
    with UnitOfWork(target) as uow:
        add_org(uow, {"org_name": ORG_A, "founded": "2010-05-01"})
        add_org(uow, {"org_name": ORG_B, "founded": "2012-03-01"})
        uow.commit()
    yield target


def _engine(target: Target) -> Engine:
    return create_engine(target.url, poolclass=NullPool)


def waiting(target: Target) -> int:
    """How many other sessions of this ledger wait for a lock right now."""
    engine = _engine(target)
    try:
        with engine.connect() as conn:
            return int(
                conn.execute(
                    text(
                        "SELECT count(DISTINCT a.pid) FROM pg_stat_activity a "
                        "JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted "
                        "WHERE a.datname = current_database() AND a.pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            )
    finally:
        engine.dispose()


def wait_for_waiters(target: Target, n: int, alive: Callable[[], int]) -> None:
    """Return once ``n`` sessions wait for a lock; fail if the clerks end or time runs out first.

    ``alive()``: how many clerks are still running (a clerk that finished never waited).
    """
    deadline = time.monotonic() + WAIT_LIMIT
    while True:
        seen = waiting(target)
        if seen >= n:
            return
        if alive() < n:
            pytest.fail(f"only {seen} of {n} clerks waited for a lock; the others went ahead")
        if time.monotonic() > deadline:
            pytest.fail(f"only {seen} of {n} clerks were seen waiting after {WAIT_LIMIT:.0f} s")
        time.sleep(0.01)  # polling the server's lock table, not a guess at how long things take


@contextmanager
def gate(target: Target, table: str) -> Iterator[None]:
    """Every session that touches ``table`` stops there until the block ends."""
    engine = _engine(target)
    conn = engine.connect()
    try:
        conn.execute(text(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE"))
        yield
    finally:
        conn.rollback()
        conn.close()
        engine.dispose()


# --- clerks ----------------------------------------------------------------------------------


@dataclass
class Outcome:
    value: Any = None
    error: UnionCliError | None = None
    crash: BaseException | None = None  # anything but a clerk's error: the test fails on it


class Clerk(threading.Thread):
    """One clerk at one terminal: a unit of work of its own, committed when the call returns."""

    def __init__(self, target: Target, call: Callable[[UnitOfWork], Any]) -> None:
        super().__init__(daemon=True)
        self.target, self.call, self.outcome = target, call, Outcome()

    def run(self) -> None:
        try:
            with UnitOfWork(self.target) as uow:
                self.outcome.value = self.call(uow)
                uow.commit()
        except UnionCliError as exc:
            self.outcome.error = exc
        except BaseException as exc:  # the test reports it, whatever it is
            self.outcome.crash = exc


def race(target: Target, table: str, *calls: Callable[[UnitOfWork], Any]) -> list[Outcome]:
    """Run the calls at once, released together at the gate on ``table``."""
    clerks = [Clerk(target, c) for c in calls]
    with gate(target, table):
        for clerk in clerks:
            clerk.start()
        wait_for_waiters(target, len(clerks), lambda: sum(c.is_alive() for c in clerks))
    for clerk in clerks:
        clerk.join(WAIT_LIMIT)
        assert not clerk.is_alive(), "a clerk is still waiting after the others finished"
    outcomes = [c.outcome for c in clerks]
    crashes = [repr(o.crash) for o in outcomes if o.crash is not None]
    assert not crashes, crashes
    return outcomes


def message(error: UnionCliError | None) -> str:
    assert error is not None
    return error.message("zh")


def sequential_error(target: Target, call: Callable[[UnitOfWork], Any]) -> UnionCliError:
    """The error the same call gets when it comes after the others, one clerk at a time."""
    with UnitOfWork(target) as uow, pytest.raises(UnionCliError) as caught:
        call(uow)
    return caught.value


def enrol(name: str, number: str, org: str = ORG_A, **extra: Any) -> Callable[[UnitOfWork], Any]:
    raw = {"name": name, "id_number": number, "org": org, "joined": "2020-01-02", **extra}
    return lambda uow: members.enrol(uow, dict(raw))


def open_file_raw(name: str, number: str, **extra: Any) -> dict[str, Any]:
    """What a clerk types to open a file for this head."""
    return {
        "name": name,
        "id_number": number,
        "org": ORG_A,
        "category": "深度困难",
        "cause": "患重特大疾病",
        "household_size": "3",
        "opened": "2024-03-05",
        **extra,
    }


def open_file(name: str, number: str, **extra: Any) -> Callable[[UnitOfWork], Any]:
    raw = open_file_raw(name, number, **extra)
    return lambda uow: hardship.open_file(uow, dict(raw))


# --- members ---------------------------------------------------------------------------------


def test_same_person_enrolled_twice_at_once_one_conflict(pg: Target) -> None:
    first, second = race(pg, "person", enrol("张伟", ZHANG), enrol("张伟", ZHANG))
    winners = [o for o in (first, second) if o.error is None]
    losers = [o for o in (first, second) if o.error is not None]
    assert len(winners) == 1 and len(losers) == 1
    assert isinstance(losers[0].error, Conflict)
    assert losers[0].error.key == "member.already_member"
    # word for word what a clerk is told who enrols an enrolled person
    assert message(losers[0].error) == message(sequential_error(pg, enrol("张伟", ZHANG)))
    assert count(pg, "person", "id_number = :n", n=ZHANG) == 1
    assert count(pg, "member") == 1
    assert count(pg, "audit_log", "action = 'member.add'") == 1


def test_the_second_clerk_waits_for_the_first_ones_commit(pg: Target) -> None:
    """One clerk's enrolment is typed in but not yet committed when the other one starts."""
    with UnitOfWork(pg) as first:
        members.enrol(
            first, {"name": "李娜", "id_number": LI, "org": ORG_A, "joined": "2021-05-06"}
        )
        second = Clerk(pg, enrol("李娜", LI, ORG_B))
        second.start()
        wait_for_waiters(pg, 1, lambda: int(second.is_alive()))
        first.commit()
    second.join(WAIT_LIMIT)
    assert second.outcome.crash is None, repr(second.outcome.crash)
    assert isinstance(second.outcome.error, Conflict)
    assert message(second.outcome.error) == message(sequential_error(pg, enrol("李娜", LI)))
    assert rows(pg, "SELECT o.name FROM member m JOIN org o ON o.id = m.org_id") == [(ORG_A,)]


def test_the_same_card_given_twice_at_once_one_conflict(pg: Target) -> None:
    outcomes = race(
        pg, "member", enrol("王强", WANG, card_no="HRB0001"), enrol("赵敏", ZHAO, card_no="HRB0001")
    )
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and errors[0].key == "member.card_taken"
    assert count(pg, "member", "card_no = 'HRB0001'") == 1


def test_two_status_changes_at_once_one_is_refused(pg: Target) -> None:
    with UnitOfWork(pg) as uow:
        members.enrol(
            uow, {"name": "张伟", "id_number": ZHANG, "org": ORG_A, "joined": "2020-01-02"}
        )
        uow.commit()

    def leave(uow: UnitOfWork) -> Any:
        return members.change_status(
            uow, ZHANG, members.K.LEAVE, "2024-05-06", "本人申请", to_org=None
        )

    outcomes = race(pg, "member_event", leave, leave)
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and errors[0].key == "member.not_allowed"
    assert count(pg, "member_event", "kind = 'leave'") == 1


def cli_process(target: Target, *args: str) -> subprocess.Popen[str]:
    """The real program in a process of its own, on this ledger (the test's settings else)."""
    env = {**os.environ, "UNIONCLI_DATABASE_URL": target.url}
    return subprocess.Popen(
        [sys.executable, "-m", "unioncli", *args],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(procs: list[subprocess.Popen[str]]) -> list[tuple[int, str, str]]:
    done = []
    for p in procs:
        out, err = p.communicate(timeout=WAIT_LIMIT)
        done.append((p.returncode, out, err))
    return done


def test_two_terminals_enrol_the_same_person_exit_0_and_4(pg: Target) -> None:
    add = ("member", "add", "张伟", "--id", ZHANG, "--org", ORG_A, "--joined", "2020-01-02")
    with gate(pg, "person"):
        procs = [cli_process(pg, *add), cli_process(pg, *add)]
        wait_for_waiters(pg, 2, lambda: sum(p.poll() is None for p in procs))
    results = sorted(finish(procs))
    assert [code for code, _, _ in results] == [0, 4], results
    import unioncli.cli  # noqa: F401 - registers the CLI's messages (the error prefix)

    # the one line a clerk gets who enrols an enrolled person, not the generic "conflicts with a
    # record already in the ledger"
    expected = i18n.t("error.prefix", "zh") + message(sequential_error(pg, enrol("张伟", ZHANG)))
    assert results[1][2] == expected + "\n"
    assert count(pg, "member") == 1


def test_a_clerk_blocked_by_a_stuck_session_gets_the_busy_message(
    pg: Target, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A session that holds a lock and never ends (a terminal left mid-transaction) makes the
    others give up after the busy timeout, with the one-line message and exit 4, not hang."""
    from typer.testing import CliRunner

    from unioncli.cli import app
    from unioncli.db import engine as engine_module

    monkeypatch.setattr(engine_module, "BUSY_TIMEOUT_MS", 300)
    engine_module.dispose_all()  # the next engine is made with the short timeout
    add = ("member", "add", "张伟", "--id", ZHANG, "--org", ORG_A, "--joined", "2020-01-02")
    with gate(pg, "person"):
        started = time.monotonic()
        r = CliRunner().invoke(app, list(add), env={"UNIONCLI_DATABASE_URL": pg.url})
        waited = time.monotonic() - started
    assert r.exit_code == 4, r.stderr
    assert r.stderr == "错误：台账正被另一个终端占用，请稍后再试\n"
    assert waited < 10  # the 300 ms timeout, not the real 15 s nor forever
    assert count(pg, "member") == 0 and count(pg, "person") == 0


# --- hardship files --------------------------------------------------------------------------


def test_files_opened_at_once_get_distinct_numbers(pg: Target) -> None:
    heads = [("张伟", ZHANG), ("李娜", LI), ("王强", WANG), ("赵敏", ZHAO)]
    outcomes = race(pg, "person", *(open_file(n, i) for n, i in heads))
    assert [o.error for o in outcomes] == [None] * 4
    numbers = sorted(o.value.file_no for o in outcomes)
    assert numbers == [f"KN2024-{k:05d}" for k in range(1, 5)]
    assert sorted(r[0] for r in rows(pg, "SELECT file_no FROM hardship_file")) == numbers


def test_the_same_head_twice_at_once_one_conflict(pg: Target) -> None:
    outcomes = race(pg, "person", open_file("张伟", ZHANG), open_file("张伟", ZHANG))
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and errors[0].key == "hardship.in_open_file"
    assert message(errors[0]) == message(sequential_error(pg, open_file("张伟", ZHANG)))
    assert count(pg, "hardship_file") == 1


def test_a_family_member_in_two_new_files_at_once_one_conflict(pg: Target) -> None:
    wife = f"李娜,{LI},妻子"
    outcomes = race(
        pg,
        "person",
        open_file("张伟", ZHANG, family=[wife]),
        open_file("王强", WANG, family=[wife]),
    )
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and errors[0].key == "hardship.in_open_file"
    assert count(pg, "hardship_file") == 1
    assert count(pg, "hardship_family") == 1
    assert count(pg, "person", "id_number = :n", n=LI) == 1


def test_a_file_reopened_twice_at_once_one_conflict(pg: Target) -> None:
    with UnitOfWork(pg) as uow:
        hardship.open_file(uow, open_file_raw("张伟", ZHANG))
        hardship.close_file(uow, "KN2024-00001", on="2024-06-01", reason="脱困")
        uow.commit()

    def reopen(uow: UnitOfWork) -> Any:
        return hardship.reopen_file(uow, "KN2024-00001", {"opened": "2024-09-01"})

    outcomes = race(pg, "hardship_file", reopen, reopen)
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and errors[0].key == "hardship.already_reopened"
    assert count(pg, "hardship_file") == 2


# --- aid, grants, stations -------------------------------------------------------------------


def test_the_same_aid_entered_twice_at_once_lands_once(pg: Target) -> None:
    with UnitOfWork(pg) as uow:
        hardship.open_file(uow, open_file_raw("张伟", ZHANG))
        uow.commit()
    entry = {"aid_date": "2024-05-06", "aid_kind": "送温暖", "amount": "500", "handler": "李四"}

    def pay(uow: UnitOfWork) -> Any:
        return aid_service.add_aid(uow, "KN2024-00001", dict(entry))

    outcomes = race(pg, "aid", pay, pay)
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and errors[0].key == "aid.double_entry"
    assert count(pg, "aid") == 1
    assert scalar(pg, "SELECT SUM(amount_fen) FROM aid") == 50_000


def test_the_same_student_applied_twice_at_once_one_conflict(pg: Target) -> None:
    with UnitOfWork(pg) as uow:
        hardship.open_file(uow, open_file_raw("张伟", ZHANG))
        uow.commit()
    application = {
        "student_name": "张小明",
        "student_id_number": KID,
        "parent_id_number": ZHANG,
        "level": "本科",
        "year": "2024",
        "amount": "3000",
        "applied_on": "2024-07-10",
    }

    def apply(uow: UnitOfWork) -> Any:
        return grants.apply(uow, dict(application))

    outcomes = race(pg, "person", apply, apply)
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and errors[0].key == "grant.duplicate"
    assert count(pg, "student_grant") == 1
    assert count(pg, "person", "id_number = :n", n=KID) == 1


def test_stations_added_at_once_without_a_code_get_distinct_codes(pg: Target) -> None:
    def add(name: str) -> Callable[[UnitOfWork], Any]:
        return lambda uow: stations.add_station(uow, {"name": name, "opened": "2023-04-05"})

    outcomes = race(
        pg, "station", add("道里区中央大街驿站"), add("松北区利民驿站"), add("南岗区驿站")
    )
    assert [o.error for o in outcomes] == [None] * 3
    assert sorted(o.value.code for o in outcomes) == ["ZD0001", "ZD0002", "ZD0003"]


def test_the_same_station_code_given_twice_at_once_one_conflict(pg: Target) -> None:
    def add(name: str) -> Callable[[UnitOfWork], Any]:
        raw = {"code": "ZD-009", "name": name, "opened": "2023-04-05"}
        return lambda uow: stations.add_station(uow, raw)

    outcomes = race(pg, "station", add("道里区中央大街驿站"), add("松北区利民驿站"))
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and errors[0].key == "station.code_taken"
    assert count(pg, "station") == 1


def test_the_same_union_registered_twice_at_once_one_conflict(pg: Target) -> None:
    def add(uow: UnitOfWork) -> Any:
        return add_org(uow, {"org_name": "呼兰区第三中学工会", "founded": "2015-09-01"})

    outcomes = race(pg, "org", add, add)
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and errors[0].key == "org.name_taken"
    assert count(pg, "org", "name = :n", n="呼兰区第三中学工会") == 1


# --- imports ---------------------------------------------------------------------------------


def members_file(path: Path, people: list[tuple[int, str]]) -> Path:
    buf = io.StringIO()
    out = csv.writer(buf, lineterminator="\r\n")
    out.writerow(["姓名", "身份证号", "所属工会", "入会日期"])
    for n, org in people:
        out.writerow([name(n), pid(n), org, "2021-06-07"])
    path.write_bytes(buf.getvalue().encode("utf-8"))
    return path


def import_at_once(pg: Target, files: list[Path]) -> list[tuple[int, str, str]]:
    with gate(pg, "person"):
        procs = [cli_process(pg, "import", "members", str(f)) for f in files]
        wait_for_waiters(pg, len(procs), lambda: sum(p.poll() is None for p in procs))
    return finish(procs)


def chain_intact(target: Target) -> None:
    from unioncli.db.read import reading
    from unioncli.views.audit import verify_chain

    with reading(target) as r:
        assert verify_chain(r).count == count(target, "audit_log")


def test_two_counties_importing_at_once_both_land(pg: Target, tmp_path: Path) -> None:
    a = members_file(tmp_path / "daoli.csv", [(n, ORG_A) for n in range(0, 3000)])
    b = members_file(tmp_path / "songbei.csv", [(n, ORG_B) for n in range(10_000, 13_000)])
    results = import_at_once(pg, [a, b])
    assert [r[0] for r in results] == [0, 0], results
    batches = rows(pg, "SELECT id, file_name, rows, created FROM import_batch ORDER BY id")
    assert len({b[0] for b in batches}) == 2  # two batch numbers
    assert sorted((b[1], b[2], b[3]) for b in batches) == [
        ("daoli.csv", 3000, 3000),
        ("songbei.csv", 3000, 3000),
    ]
    for batch_id, *_ in batches:
        assert count(pg, "member", "batch_id = :b", b=batch_id) == 3000
    assert count(pg, "member") == count(pg, "person") == 6000
    chain_intact(pg)


def test_imports_sharing_people_both_land(pg: Target, tmp_path: Path) -> None:
    """The same 200 workers are in both files (same union, same data): whichever import writes
    them second waits for the first, sees them, and counts them as unchanged."""
    shared = [(n, ORG_A) for n in range(50_000, 50_200)]
    a = members_file(tmp_path / "a.csv", [(n, ORG_A) for n in range(0, 1000)] + shared)
    b = members_file(tmp_path / "b.csv", [(n, ORG_B) for n in range(10_000, 11_000)] + shared)
    results = import_at_once(pg, [a, b])
    assert [r[0] for r in results] == [0, 0], results
    counts = sorted(rows(pg, "SELECT created, unchanged FROM import_batch"))
    assert counts == [(1000, 200), (1200, 0)]
    assert count(pg, "person") == count(pg, "member") == 2200
    chain_intact(pg)


# --- the same calls on SQLite ----------------------------------------------------------------


def sqlite_race(ledger: Target, *calls: Callable[[UnitOfWork], Any]) -> list[Outcome]:
    """Threads released together by a barrier; SQLite queues them on the write lock."""
    start = threading.Barrier(len(calls))

    def after_barrier(call: Callable[[UnitOfWork], Any]) -> Callable[[UnitOfWork], Any]:
        def run(uow: UnitOfWork) -> Any:
            start.wait(WAIT_LIMIT)
            return call(uow)

        return run

    clerks = [Clerk(ledger, after_barrier(c)) for c in calls]
    for clerk in clerks:
        clerk.start()
    for clerk in clerks:
        clerk.join(WAIT_LIMIT)
    outcomes = [c.outcome for c in clerks]
    assert not [o.crash for o in outcomes if o.crash is not None]
    return outcomes


@pytest.mark.sqlite_only("the PostgreSQL runs are the gated tests above")
def test_sqlite_same_person_and_file_numbers_at_once(ledger: Target) -> None:
    with UnitOfWork(ledger) as uow:
        add_org(uow, {"org_name": ORG_A, "founded": "2010-05-01"})
        add_org(uow, {"org_name": ORG_B, "founded": "2012-03-01"})
        uow.commit()
    outcomes = sqlite_race(ledger, enrol("张伟", ZHANG), enrol("张伟", ZHANG))
    errors = [o.error for o in outcomes if o.error is not None]
    assert len(errors) == 1 and errors[0].key == "member.already_member"
    outcomes = sqlite_race(ledger, open_file("李娜", LI), open_file("王强", WANG))
    assert sorted(o.value.file_no for o in outcomes) == ["KN2024-00001", "KN2024-00002"]
