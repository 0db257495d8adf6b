"""The demo's driver: ``build`` fills a ledger register by register in one transaction, after
refusing a ledger with real work in it (``refuse_real_work``, ``save_before_rebuild``)."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, delete, insert, literal, select, update
from sqlmodel import SQLModel, col

from unioncli.config import Target
from unioncli.db.schema import move_sequences
from unioncli.db.uow import append_audit
from unioncli.errors import Conflict
from unioncli.i18n import register
from unioncli.models import AuditEntry, LedgerMeta, Member, MemberEvent, Org, Person
from unioncli.models.base import utcnow
from unioncli.models.grant import Grant, GrantRound, GrantStandard
from unioncli.models.hardship import (
    Aid,
    FamilyMember,
    HardshipFile,
    HardshipReview,
    HardshipVisit,
    LowIncomeLine,
)
from unioncli.models.station import Station, StationEvent, StationLog, StationRatingEntry
from unioncli.services.demo.common import BATCH, COUNTIES, FIRST_YEAR, LAST_YEAR, People
from unioncli.services.demo.grants import Household, Parent, draw_grants, draw_parents
from unioncli.services.demo.hardship import (
    FILES_FROM,
    HARDSHIP_SHARE,
    LOW_INCOME_LINE_YUAN,
    MEMBER_HEAD_SHARE,
    draw_casework,
    draw_chains,
)
from unioncli.services.demo.orgs import draw_ends, draw_members, draw_orgs
from unioncli.services.demo.stations import STATION_MAX, STATION_MEMBERS, STATION_MIN, draw_stations

register(
    {
        "demo.real_data": (
            "该台账里有不是演示生成的数据（审计日志里有其他操作），演示不会覆盖它。"
            "要两者都留，请把演示放在另一个文件：unioncli demo --db demo.sqlite3",
            "this ledger holds work the demo did not make (the audit log records other writes); "
            "the demo will not overwrite it. To keep both, put the demo in a file of its own: "
            "unioncli demo --db demo.sqlite3",
        ),
    }
)


@dataclass(frozen=True)
class DemoResult:
    orgs: int
    members: int
    events: int
    files: int = 0  # hardship files, open and closed
    open_files: int = 0
    aid: int = 0  # aid entries, reversing entries included
    grants: int = 0  # 金秋助学 grants, whatever their status
    grant_rounds: int = 0
    stations: int = 0  # outdoor-worker stations, suspended and closed ones included
    station_ratings: int = 0
    station_logs: int = 0  # monthly service-ledger entries
    counties: int = 0  # 0: a county's own ledger (no county set)


# audit actions that a demo ledger may hold and that change nothing a clerk made: the build
# itself, and looking at whole ID numbers (a reveal is recorded, but writes nothing of the ledger)
DEMO_ONLY_ACTIONS = ("demo.build", "reveal")


def holds_data(conn: Connection) -> bool:
    """Whether the ledger holds any record (a union, a person, a setting, a station...)."""
    return any(
        conn.execute(select(literal(1)).select_from(model).limit(1)).first() is not None
        for model in (
            Org,
            Person,
            HardshipFile,
            LowIncomeLine,
            GrantRound,
            GrantStandard,
            Station,
        )
    )


def refuse_real_work(conn: Connection) -> bool:
    """Refuse (``Conflict``) a ledger that holds anything the demo did not make; say whether
    it holds data at all (then it is a demo ledger, which a rebuild replaces).

    The demo marks its ledger, but a clerk may have started work in it since: every write is
    in the audit log, so any entry but the build (and reveals, which write nothing) is work."""
    other_work = conn.execute(
        select(literal(1))
        .select_from(AuditEntry)
        .where(col(AuditEntry.action).not_in(DEMO_ONLY_ACTIONS))
        .limit(1)
    ).first()
    if other_work is not None:
        raise Conflict("demo.real_data")
    if not holds_data(conn):
        return False
    is_demo = conn.execute(
        select(col(LedgerMeta.value)).where(col(LedgerMeta.key) == "demo")
    ).scalar()
    if is_demo != "1":
        raise Conflict("demo.real_data")
    return True


def save_before_rebuild(engine: Engine, target: Target) -> Path | None:
    """Before a demo ledger is rebuilt, keep it in ``backups/`` beside it (SQLite); refuse a
    ledger with real work in it. Returns the backup's path, None when there was nothing to keep
    (an empty ledger, or one on a server, where the rebuilt demo is what the seed makes again)."""
    with engine.connect() as conn:
        rebuild = refuse_real_work(conn)
    if not rebuild or not target.is_sqlite:
        return None
    from unioncli.db.maintenance import backup

    return backup(target)


def _clear_demo(conn: Connection) -> None:
    """Refuse to touch a ledger with real work in it; empty a ledger that holds only the demo."""
    refuse_real_work(conn)
    # children first: grants point at people and files, aid and a file's records at the file,
    # files at people and unions; the stations' events, ratings and ledger at the stations
    for model in (
        StationEvent,
        StationLog,
        StationRatingEntry,
        Station,
        Grant,
        GrantStandard,
        GrantRound,
        Aid,
        HardshipReview,
        HardshipVisit,
        FamilyMember,
        HardshipFile,
        LowIncomeLine,
        MemberEvent,
        Member,
        Person,
        Org,
        AuditEntry,
        LedgerMeta,
    ):
        conn.execute(delete(model))


def build(
    engine: Engine,
    operator: str,
    *,
    members: int = 3000,
    seed: int = 2024,
    today: date | None = None,
    progress: Callable[[int], None] | None = None,
    hardship_files: int | None = None,
    stations: int | None = None,
    counties: int = 0,
) -> DemoResult:
    """Fill the ledger with a sample county: unions, people, members and their history, the
    hardship files with their aid (``hardship_files``, by default 3% of the members), the
    金秋助学 rounds with their grants, and the outdoor-worker stations (``stations``, by default
    one per 22 members, 20 to 3,000) with their ratings and monthly service ledger.

    ``counties`` (up to ``len(COUNTIES)``) makes it a city's shared ledger instead: the unions
    and the stations are spread evenly over that many counties (区县); everything else is the
    same ledger. 0 (the default) sets no county, as a county's own ledger."""
    if not 0 <= counties <= len(COUNTIES):
        raise ValueError(f"counties must be 0 to {len(COUNTIES)}")
    rng = random.Random(seed)
    # a stream of its own, so that the members stay the same whatever the number of files
    hrng = random.Random(seed * 7_919 + 17)
    # and one for the grants, so that members and casework stay the same with or without them
    grng = random.Random(seed * 104_729 + 53)
    # and one for the stations, which come last and change nothing before them
    srng = random.Random(seed * 1_299_709 + 71)
    today = today or date.today()
    end = min(date(LAST_YEAR, 12, 31), today)
    n_orgs = max(12, min(8000, members // 60))
    n_files = int(members * HARDSHIP_SHARE) if hardship_files is None else hardship_files
    if end.year < FIRST_YEAR:
        n_files = 0
    if stations is None:
        stations = max(STATION_MIN, min(STATION_MAX, members // STATION_MEMBERS))
    org_rows = draw_orgs(rng, n_orgs, today)
    # a stream of its own for the unions that ended, so the rest draws as before
    ends = draw_ends(random.Random(seed * 15_485_863 + 29), org_rows, end)
    if counties:
        # each county takes an equal run of unions (of every township); no random draw, so the
        # rest of the ledger is the one the same seed builds without counties
        for i, org in enumerate(org_rows):
            org["county"] = COUNTIES[i * counties // len(org_rows)]
    # members who may head a file: drawn up front, kept if still in the union at the end
    wanted = min(members, round(n_files * MEMBER_HEAD_SHARE))
    drawn = hrng.sample(range(1, members + 1), min(members, 3 * wanted))
    candidates = set(drawn)
    found: dict[int, dict[str, Any]] = {}
    # members who may be a student's parent, likewise drawn up front
    grant_drawn = draw_parents(grng, members)
    grant_parents: list[Parent] = []
    migrant_heads: set[int] = set()  # of the members who may head a file
    n_events = 0
    now = utcnow()
    with engine.execution_options(sqlite_begin="IMMEDIATE").begin() as conn:
        _clear_demo(conn)
        # the ends afterwards: a merged union names its receiving union, which may come later
        end_columns = ("dissolved_on", "dissolution", "merged_into_id")
        conn.execute(
            insert(Org), [{k: v for k, v in o.items() if k not in end_columns} for o in org_rows]
        )
        if ends:
            table = Org.__table__  # type: ignore[attr-defined]
            conn.execute(
                update(table)
                .where(table.c.id == bindparam("org_id"))
                .values({k: bindparam(k) for k in end_columns}),
                [
                    {"org_id": o["id"], **{k: o[k] for k in end_columns}}
                    for o in org_rows
                    if o["id"] in ends
                ],
            )
        people = draw_members(rng, members, org_rows, today, ends)
        done = 0
        while True:
            persons, mems, events = [], [], []
            for person, member, evs in people:
                persons.append(person)
                mems.append(member)
                events.extend(evs)
                if member["id"] in candidates and member["status"] in ("active", "retained"):
                    found[member["id"]] = {
                        "person_id": person["id"],
                        "birth": person["birth_date"],
                        "gender": person["gender"],
                        "surname": person["name"][0],
                        "org_id": member["org_id"],
                        "joined_on": member["joined_on"],
                    }
                if member["migrant"] and member["id"] in candidates:
                    migrant_heads.add(member["id"])
                if member["id"] in grant_drawn and member["status"] == "active":
                    grant_parents.append(
                        Parent(
                            person["id"],
                            person["birth_date"],
                            person["gender"],
                            person["name"][0],
                            org_rows[member["org_id"] - 1]["township"],
                            member["joined_on"],
                            member["migrant"],
                        )
                    )
                if len(persons) >= BATCH:
                    break
            if not persons:
                break
            conn.execute(insert(Person), persons)
            conn.execute(insert(Member), mems)
            conn.execute(insert(MemberEvent), events)
            n_events += len(events)
            done += len(persons)
            if progress is not None:
                progress(len(persons))

        # the casework: 低保 lines, then households, oldest file numbers first
        conn.execute(
            insert(LowIncomeLine),
            [
                {"year": y, "amount_fen": yuan * 100, "updated_at": now}
                for y, yuan in LOW_INCOME_LINE_YUAN.items()
            ],
        )
        heads = [found[i] for i in drawn if i in found][:wanted]
        chains = draw_chains(hrng, n_files, heads, org_rows, date(FILES_FROM, 1, 1), end)
        new_people = People(hrng, members + 1, now)
        n_files = n_open = n_aid = 0
        # what the grants need of the casework: households, their spouses and children
        households: dict[int, Household] = {}
        file_of: dict[int, Household] = {}
        births: dict[int, date] = {}
        for rows in draw_casework(hrng, chains, new_people, org_rows, end, now):
            births.update((p["id"], p["birth_date"]) for p in new_people.rows)
            for f in rows["files"]:
                house = households.get(f["head_id"])
                if house is None:
                    township = org_rows[f["org_id"] - 1]["township"]
                    migrant = f["head_id"] in migrant_heads
                    house = Household(f["head_id"], township, migrant, [])
                    households[f["head_id"]] = house
                house.files.append((f["id"], f["opened_on"], f["closed_on"]))
                file_of[f["id"]] = house
            for fm in rows["family"]:
                house = file_of[fm["file_id"]]
                if house.files[0][0] != fm["file_id"]:
                    continue  # a reopened file lists the same people
                if fm["relation"] == "配偶":
                    house.spouse_id = fm["person_id"]
                elif fm["relation"] in ("儿子", "女儿"):
                    house.children.append((fm["person_id"], births[fm["person_id"]]))
            if new_people.rows:
                conn.execute(insert(Person), new_people.rows)
                new_people.rows.clear()
            for model, key in (
                (HardshipFile, "files"),
                (FamilyMember, "family"),
                (HardshipReview, "reviews"),
                (HardshipVisit, "visits"),
                (Aid, "aid"),
            ):
                if rows[key]:
                    conn.execute(insert(model), rows[key])
            n_files += len(rows["files"])
            n_open += sum(1 for f in rows["files"] if f["status"] == "open")
            n_aid += len(rows["aid"])

        # 金秋助学: children of the households and of migrant workers; new students are new people
        students = People(grng, new_people.next_id, now)
        students.seq = new_people.seq  # ID numbers never meet the casework's people
        parents = [p for p in grant_parents if p.person_id not in households]
        rounds, standards, grants = draw_grants(
            grng, list(households.values()), parents, students, end, now
        )
        for start in range(0, len(students.rows), BATCH):
            conn.execute(insert(Person), students.rows[start : start + BATCH])
        if rounds:
            conn.execute(insert(GrantRound), rounds)
            conn.execute(insert(GrantStandard), standards)
        for start in range(0, len(grants), BATCH):
            conn.execute(insert(Grant), grants[start : start + BATCH])

        # the outdoor-worker stations, their yearly ratings and monthly service ledger
        station_rows, station_ratings, station_logs, station_events = draw_stations(
            srng, stations, end, now
        )
        if counties:
            for i, station in enumerate(station_rows):
                station["county"] = COUNTIES[i % counties]  # in turn: every county builds yearly
        station_tables: tuple[tuple[type[SQLModel], list[dict[str, Any]]], ...] = (
            (Station, station_rows),
            (StationRatingEntry, station_ratings),
            (StationLog, station_logs),
            (StationEvent, station_events),
        )
        for station_model, table_rows in station_tables:
            for start in range(0, len(table_rows), BATCH):
                conn.execute(insert(station_model), table_rows[start : start + BATCH])

        move_sequences(conn)  # rows were inserted with their ids given
        conn.execute(insert(LedgerMeta), [{"key": "demo", "value": "1"}])
        append_audit(
            conn,
            operator=operator,
            action="demo.build",
            entity="ledger",
            entity_id=None,
            after=(
                f'{{"orgs": {n_orgs}, "members": {members}, "seed": {seed}, '
                f'"hardship_files": {n_files}, "aid": {n_aid}, "grants": {len(grants)}, '
                f'"stations": {len(station_rows)}'
                + (f', "counties": {counties}' if counties else "")
                + "}"
            ),
        )
    return DemoResult(
        orgs=n_orgs,
        members=members,
        events=n_events,
        files=n_files,
        open_files=n_open,
        aid=n_aid,
        grants=len(grants),
        grant_rounds=len(rounds),
        stations=len(station_rows),
        station_ratings=len(station_ratings),
        station_logs=len(station_logs),
        counties=counties,
    )
