"""Clean files out: every register as rows whose headers the import reads back.

ID numbers and mobiles are masked unless the clerk asks for them whole; that export is audited.
With the clerk's county (区县) set, each register keeps that county's rows: its unions, their
members, the files of its unions and their aid, its grants (as the yearly report counts them:
``grants.grants_in_county``), its stations and their logs. Without one, the whole ledger.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, and_, func, select

from unioncli import i18n
from unioncli.config import Target
from unioncli.db.engine import engine_for
from unioncli.db.uow import UnitOfWork
from unioncli.enums import (
    AidKind,
    BuildModel,
    CloseReason,
    Education,
    Facility,
    FileStatus,
    GigGroup,
    GrantStatus,
    HardshipCategory,
    HardshipCause,
    Hukou,
    MemberStatus,
    OrgDissolution,
    OrgType,
    PoliticalStatus,
    SchoolLevel,
    StationRating,
    StationStatus,
)
from unioncli.errors import UsageError
from unioncli.i18n import register
from unioncli.ids import mask_id, mask_phone
from unioncli.models import Member, Org, Person, metadata
from unioncli.services.audit import record_reveal
from unioncli.services.figures import county_name, orgs_in_county
from unioncli.services.grants.figures import grants_in_county
from unioncli.services.imports.aid import COLUMNS as AID_COLUMNS
from unioncli.services.imports.engine import Column
from unioncli.services.imports.grants import COLUMNS as GRANT_COLUMNS
from unioncli.services.imports.hardship import COLUMNS as HARDSHIP_COLUMNS
from unioncli.services.imports.hardship import REVIEW_COLUMNS, VISIT_COLUMNS
from unioncli.services.imports.members import COLUMNS as MEMBER_COLUMNS
from unioncli.services.imports.orgs import COLUMNS as ORG_COLUMNS
from unioncli.services.imports.stations import (
    LOG_COLUMNS,
    RATING_COLUMNS,
    STATION_COLUMNS,
    STATUS_COLUMNS,
)

FETCH = 2000
KINDS = (
    "orgs",
    "members",
    "hardship",
    "hardship-reviews",
    "hardship-visits",
    "aid",
    "grants",
    "stations",
    "station-logs",
    "station-status",
    "station-ratings",
)

register(
    {
        "export.kind": (
            "不能导出“{kind}”（可导出：{kinds}）",
            "cannot export “{kind}” (kinds: {kinds})",
        )
    }
)


@dataclass
class Export:
    header: list[str]
    rows: Iterator[list[Any]]


def _header(columns: tuple[Column, ...]) -> list[str]:
    en = i18n.get_lang() == "en"
    return [c.en if en else c.zh for c in columns]


def _label(choice: Any, code: str | None) -> str | None:
    return None if code is None else choice(code).label()


def _yes_no(value: bool) -> str:
    return ("yes" if value else "no") if i18n.get_lang() == "en" else ("是" if value else "否")


def export(
    target: Target, kind: str, *, unmasked: bool, reason: str | None, county: str | None = None
) -> Export:
    """The rows of one register, streamed from a read-only connection (writers are not held up);
    ``county`` (the clerk's) keeps that county's rows."""
    if kind not in KINDS:
        raise UsageError("export.kind", kind=kind, kinds=i18n.join(KINDS))
    county = county_name(county)
    if unmasked:
        # recorded before a single row leaves the ledger
        with UnitOfWork(target) as uow:
            record_reveal(uow, f"{kind}.export", [], reason)
            uow.commit()
    engine = engine_for(target)
    if kind == "orgs":
        with_county = _has_county(engine, "org")
        return Export(
            _header(_columns(ORG_COLUMNS, with_county)), _orgs(engine, with_county, county)
        )
    if kind == "hardship":
        return Export(_header(HARDSHIP_COLUMNS), _hardship(engine, unmasked, county))
    if kind in ("hardship-reviews", "hardship-visits"):
        # as for aid: the heads' ID numbers only in an unmasked export; the file number is enough
        history: tuple[Column, ...] = (
            REVIEW_COLUMNS if kind == "hardship-reviews" else VISIT_COLUMNS
        )
        if not unmasked:
            history = tuple(c for c in history if c.key != "id_number")
        return Export(_header(history), _file_history(engine, kind, unmasked, county))
    if kind == "aid":
        # the heads' ID numbers travel only in an unmasked export; the file number is enough
        columns = AID_COLUMNS if unmasked else tuple(c for c in AID_COLUMNS if c.key != "id_number")
        return Export(_header(columns), _aid(engine, unmasked, county))
    if kind == "grants":
        return Export(_header(GRANT_COLUMNS), _grants(engine, unmasked, county))
    if kind == "stations":
        with_county = _has_county(engine, "station")
        return Export(
            _header(_columns(STATION_COLUMNS, with_county)),
            _stations(engine, unmasked, with_county, county),
        )
    if kind == "station-logs":
        return Export(_header(LOG_COLUMNS), _station_logs(engine, county))
    if kind == "station-status":
        return Export(_header(STATUS_COLUMNS), _station_status(engine, county))
    if kind == "station-ratings":
        return Export(_header(RATING_COLUMNS), _station_ratings(engine, county))
    return Export(_header(MEMBER_COLUMNS), _members(engine, unmasked, county))


def _has_county(engine: Engine, table: str) -> bool:
    """Whether any row of ``table`` has a county (区县): a county's own ledger has none, and its
    files keep the columns they always had."""
    t = metadata.tables[table]
    with engine.connect() as conn:
        return (
            conn.execute(select(t.c.id).where(t.c.county.is_not(None)).limit(1)).first() is not None
        )


def _columns(columns: tuple[Column, ...], with_county: bool) -> tuple[Column, ...]:
    return columns if with_county else tuple(c for c in columns if c.key != "county")


def _grants(engine: Engine, unmasked: bool, county: str | None) -> Iterator[list[Any]]:
    """Every grant, whatever its status, with its dates and reasons (the import's columns, in
    their order): minors' data, masked unless asked. A grant recorded as funded elsewhere
    (exclusion) carries it as its 原因."""
    g = metadata.tables["student_grant"]
    student = metadata.tables["person"].alias("student")
    parent = metadata.tables["person"].alias("parent")
    stmt = (
        select(
            g,
            student.c.name.label("student_name"),
            student.c.id_number.label("student_number"),
            parent.c.name.label("parent_name"),
            parent.c.id_number.label("parent_number"),
        )
        .join(student, student.c.id == g.c.student_id)
        .join(parent, parent.c.id == g.c.parent_id)
        .order_by(g.c.year, g.c.id)
    )
    if county is not None:
        stmt = stmt.where(g.c.id.in_(grants_in_county(county)))
    for r in _stream(engine, stmt):
        r = r._mapping
        yield [
            r["student_name"],
            r["student_number"] if unmasked else mask_id(r["student_number"]),
            r["parent_name"],
            r["parent_number"] if unmasked else mask_id(r["parent_number"]),
            _label(SchoolLevel, r["level"]),
            r["school"],
            r["enrolled_year"],
            r["year"],
            _yuan(r["amount_fen"]),
            _label(GrantStatus, r["status"]),
            r["applied_on"],
            r["approved_on"],
            r["paid_on"],
            r["decided_on"],
            r["status_reason"],
            r["override_reason"],
            r["amount_reason"],
            r["note"],
        ]


def _stations(
    engine: Engine, unmasked: bool, with_county: bool, county: str | None
) -> Iterator[list[Any]]:
    """Every station with its latest rating; a manager's mobile is masked unless asked."""
    st = metadata.tables["station"]
    r = metadata.tables["station_rating"]
    latest = (
        select(r.c.station_id, func.max(r.c.year).label("year")).group_by(r.c.station_id).subquery()
    )
    stmt = (
        select(st, r.c.rating, r.c.year.label("rating_year"))
        .outerjoin(latest, latest.c.station_id == st.c.id)
        .outerjoin(r, (r.c.station_id == st.c.id) & (r.c.year == latest.c.year))
        .order_by(st.c.code)
    )
    if county is not None:
        stmt = stmt.where(st.c.county == county)
    for row in _stream(engine, stmt):
        row = row._mapping
        facilities = row["facilities"]
        phone = row["phone"]
        if phone and not unmasked and len(phone) == 11 and phone.isdigit():
            phone = mask_phone(phone)
        yield [
            row["code"],
            row["name"],
            row["address"],
            row["township"],
            *([row["county"]] if with_county else []),
            row["host"],
            _label(BuildModel, row["build_model"]),
            row["opened_on"],
            row["hours"],
            "、".join(Facility(c).label() for c in facilities.split(",")) if facilities else None,
            _label(StationRating, row["rating"]),
            row["rating_year"],
            _label(StationStatus, row["status"]),
            row["closed_on"],
            row["manager"],
            phone,
        ]


def _station_logs(engine: Engine, county: str | None) -> Iterator[list[Any]]:
    lg = metadata.tables["station_log"]
    st = metadata.tables["station"]
    stmt = (
        select(st.c.code, st.c.name, lg.c.month, lg.c.visits, lg.c.activities)
        .join(st, st.c.id == lg.c.station_id)
        .order_by(st.c.code, lg.c.month)
    )
    if county is not None:
        stmt = stmt.where(st.c.county == county)
    for row in _stream(engine, stmt):
        month = row.month if isinstance(row.month, date) else date.fromisoformat(str(row.month))
        yield [row.code, row.name, f"{month:%Y-%m}", row.visits, row.activities]


def _station_status(engine: Engine, county: str | None) -> Iterator[list[Any]]:
    """Every station's status events, its opening first, as ``import station-status`` reads them."""
    ev = metadata.tables["station_event"]
    st = metadata.tables["station"]
    stmt = (
        select(st.c.code, st.c.name, ev.c.status, ev.c.event_date, ev.c.reason)
        .join(st, st.c.id == ev.c.station_id)
        .order_by(st.c.code, ev.c.event_date, ev.c.id)
    )
    if county is not None:
        stmt = stmt.where(st.c.county == county)
    for row in _stream(engine, stmt):
        yield [row.code, row.name, StationStatus(row.status).label(), row.event_date, row.reason]


def _station_ratings(engine: Engine, county: str | None) -> Iterator[list[Any]]:
    """Every station's yearly ratings, withdrawals (无) included."""
    r = metadata.tables["station_rating"]
    st = metadata.tables["station"]
    stmt = (
        select(st.c.code, st.c.name, r.c.year, r.c.rating, r.c.rated_on)
        .join(st, st.c.id == r.c.station_id)
        .order_by(st.c.code, r.c.year)
    )
    if county is not None:
        stmt = stmt.where(st.c.county == county)
    for row in _stream(engine, stmt):
        yield [row.code, row.name, row.year, StationRating(row.rating).label(), row.rated_on]


def _yuan(fen: int | None) -> str | None:
    """Integer fen as yuan text the import reads back exactly: 123456 → 1234.56."""
    if fen is None:
        return None
    sign = "-" if fen < 0 else ""
    return f"{sign}{abs(fen) // 100}.{abs(fen) % 100:02d}"


def _hardship(engine: Engine, unmasked: bool, county: str | None) -> Iterator[list[Any]]:
    """Every file. Health and address are sensitive (PIPL art. 28): only in an unmasked export."""
    f = metadata.tables["hardship_file"]
    p = metadata.tables["person"]
    o = metadata.tables["org"]
    stmt = (
        select(f, p.c.name.label("head_name"), p.c.id_number, o.c.name.label("org_name"))
        .join(p, p.c.id == f.c.head_id)
        .outerjoin(o, o.c.id == f.c.org_id)
        .order_by(f.c.id)
    )
    if county is not None:
        stmt = stmt.where(f.c.org_id.in_(orgs_in_county(county)))
    for r in _stream(engine, stmt):
        r = r._mapping
        secondary = r["secondary_causes"]
        yield [
            r["file_no"],
            r["head_name"],
            r["id_number"] if unmasked else mask_id(r["id_number"]),
            r["org_name"],
            _label(HardshipCategory, r["category"]),
            _label(HardshipCategory, r["opened_category"]),
            _label(HardshipCause, r["cause"]),
            "、".join(HardshipCause(c).label() for c in secondary.split(","))
            if secondary
            else None,
            r["household_size"],
            _yuan(r["income_fen"]),
            r["health"] if unmasked else None,
            r["housing"],
            r["opened_on"],
            r["phone"] if unmasked or not r["phone"] else mask_phone(r["phone"]),
            r["address"] if unmasked else None,
            _label(FileStatus, r["status"]),
            r["closed_on"],
            _label(CloseReason, r["close_reason"]),
        ]


def _file_history(
    engine: Engine, kind: str, unmasked: bool, county: str | None
) -> Iterator[list[Any]]:
    """Every review (``hardship-reviews``) or home visit (``hardship-visits``) of every file, a
    file's in date order: what ``import hardship-reviews`` / ``hardship-visits`` read back."""
    reviews = kind == "hardship-reviews"
    t = metadata.tables["hardship_review" if reviews else "hardship_visit"]
    day = t.c.review_date if reviews else t.c.visit_date
    f = metadata.tables["hardship_file"]
    p = metadata.tables["person"]
    stmt = (
        select(t, f.c.file_no, p.c.id_number)
        .join(f, f.c.id == t.c.file_id)
        .join(p, p.c.id == f.c.head_id)
        .order_by(f.c.id, day, t.c.id)
    )
    if county is not None:  # the files of the county's unions
        stmt = stmt.where(f.c.org_id.in_(orgs_in_county(county)))
    for r in _stream(engine, stmt):
        r = r._mapping
        head = [r["file_no"], *([r["id_number"]] if unmasked else [])]
        if reviews:
            yield [
                *head,
                r["review_date"],
                r["outcome"],
                _label(HardshipCategory, r["category"]),
                r["reviewer"],
            ]
        else:
            yield [*head, r["visit_date"], r["visitor"], r["note"]]


def _aid(engine: Engine, unmasked: bool, county: str | None) -> Iterator[list[Any]]:
    """The entries that count: a reversed entry and its reversal cancel out and are left out."""
    a = metadata.tables["aid"]
    f = metadata.tables["hardship_file"]
    p = metadata.tables["person"]
    reversal = a.alias("reversal")
    counts = and_(
        a.c.reverses_id.is_(None),
        ~select(reversal.c.id).where(reversal.c.reverses_id == a.c.id).exists(),
    )
    stmt = (
        select(a, f.c.file_no, p.c.id_number)
        .join(f, f.c.id == a.c.file_id)
        .join(p, p.c.id == f.c.head_id)
        .where(counts)
        .order_by(a.c.aid_date, a.c.id)
    )
    if county is not None:  # the entries of the county's unions' files
        stmt = stmt.where(f.c.org_id.in_(orgs_in_county(county)))
    for r in _stream(engine, stmt):
        r = r._mapping
        row = [
            r["file_no"],
            r["id_number"],
            r["aid_date"],
            _label(AidKind, r["kind"]),
            _yuan(r["amount_fen"]),
            r["fund_source"],
            r["handler"],
            r["note"],
        ]
        if not unmasked:
            del row[1]
        yield row


def _stream(engine: Engine, stmt: Any) -> Iterator[Any]:
    with engine.connect() as conn:
        yield from conn.execution_options(yield_per=FETCH).execute(stmt)


def _orgs(engine: Engine, with_county: bool, county: str | None) -> Iterator[list[Any]]:
    o = Org.__table__  # type: ignore[attr-defined]
    into = o.alias("into")
    stmt = (
        select(o, into.c.name.label("merged_into"))
        .outerjoin(into, into.c.id == o.c.merged_into_id)
        # unions in force first, then the ended ones latest first: a receiving union (in force
        # at the merger, so ended later if at all) comes before the union merged into it
        .order_by(o.c.dissolved_on.is_not(None), o.c.dissolved_on.desc(), o.c.id)
    )
    if county is not None:
        stmt = stmt.where(o.c.county == county)
    for r in _stream(engine, stmt):
        r = r._mapping
        yield [
            r["name"],
            r["uscc"],
            r["employer"],
            r["employer_uscc"],
            _label(OrgType, r["type"]),
            r["township"],
            *([r["county"]] if with_county else []),
            r["founded"],
            r["chair"],
            r["phone"],
            r["dissolved_on"],
            _label(OrgDissolution, r["dissolution"]),
            r["merged_into"],
        ]


def _members(engine: Engine, unmasked: bool, county: str | None) -> Iterator[list[Any]]:
    p = Person.__table__  # type: ignore[attr-defined]
    m = Member.__table__  # type: ignore[attr-defined]
    o = Org.__table__  # type: ignore[attr-defined]
    stmt = (
        select(
            p.c.name,
            p.c.id_number,
            p.c.gender,
            p.c.ethnicity,
            p.c.phone,
            p.c.education,
            m.c.employer,
            o.c.name.label("org"),
            m.c.joined_on,
            m.c.card_no,
            m.c.migrant,
            m.c.gig_group,
            p.c.political_status,
            p.c.hukou,
            m.c.status,
            m.c.status_since,
        )
        .join(p, p.c.id == m.c.person_id)
        .join(o, o.c.id == m.c.org_id)
        .order_by(m.c.id)
    )
    if county is not None:
        stmt = stmt.where(o.c.county == county)
    gender = {"male": "男", "female": "女"} if i18n.get_lang() != "en" else {}
    for r in _stream(engine, stmt):
        active = r.status == MemberStatus.ACTIVE.value
        yield [
            r.name,
            r.id_number if unmasked else mask_id(r.id_number),
            gender.get(r.gender, r.gender),
            r.ethnicity,
            r.phone if unmasked or not r.phone else mask_phone(r.phone),
            _label(Education, r.education),
            r.employer,
            r.org,
            r.joined_on,
            r.card_no,
            _yes_no(r.migrant),
            _label(GigGroup, r.gig_group),
            _label(PoliticalStatus, r.political_status),
            _label(Hukou, r.hukou),
            MemberStatus(r.status).label(),
            None if active else r.status_since,
        ]
