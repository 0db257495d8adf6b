"""The rules of a grant, for applying, approving and importing alike: parsing the fields, who is
eligible (a hardship file or a migrant-worker membership in the round year), one standing grant
per student per year, the standard amount and the budget. They take a ``Session`` or a
``Connection`` and only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, case, func, or_, select
from sqlalchemy.orm import Session
from sqlmodel import col

from unioncli import i18n
from unioncli.dates import parse_date, parse_year, today
from unioncli.enums import (
    Choice,
    Eligibility,
    FileStatus,
    GrantStatus,
    MemberEventKind,
    SchoolLevel,
)
from unioncli.errors import Conflict, InvalidValue, MissingFields, UsageError
from unioncli.ids import mask_id, parse_id_number
from unioncli.models import (
    FamilyMember,
    Grant,
    GrantRound,
    GrantStandard,
    HardshipFile,
    Member,
    MemberEvent,
    Person,
)
from unioncli.money import format_money, parse_money
from unioncli.services.common import Collector, blank, clean_text, parse_name
from unioncli.views.grants import (
    GRANTED,
    STANDING,
)

Db = Session | Connection

S = GrantStatus
E = Eligibility


class GrantAction(Choice):
    APPROVE = "approve", "批准", "approve"
    REJECT = "reject", "不予资助", "reject"
    WITHDRAW = "withdraw", "撤回", "withdraw"
    PAY = "pay", "发放", "pay"


A = GrantAction

# action -> (statuses it may start from, status it leads to). A paid grant is money out of the
# door: it is never rejected or withdrawn afterwards.
TRANSITIONS: dict[GrantAction, tuple[frozenset[GrantStatus], GrantStatus]] = {
    A.APPROVE: (frozenset({S.APPLIED}), S.APPROVED),
    A.REJECT: (frozenset({S.APPLIED, S.APPROVED}), S.REJECTED),
    A.WITHDRAW: (frozenset({S.APPLIED, S.APPROVED}), S.WITHDRAWN),
    A.PAY: (frozenset({S.APPROVED}), S.PAID),
}


# the member events after which a membership is in force (在册 or 保留会籍), and those ending it
_IN_FORCE_KINDS = (
    MemberEventKind.JOIN.value,
    MemberEventKind.TRANSFER_IN.value,
    MemberEventKind.RETAIN.value,
    MemberEventKind.RESTORE.value,
)


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str
    id_number: str


# --- parsing -----------------------------------------------------------------------------------


def _text(raw: Any, field_key: str, max_len: int) -> str | None:
    return None if blank(raw) else clean_text(str(raw), field_key, max_len=max_len)


def parse_amount(raw: Any, field_key: str = "amount") -> int:
    """An amount in yuan (or 万元), in fen; more than 0."""
    fen = parse_money(raw, field_key)
    if fen <= 0:
        raise InvalidValue(field_key, raw, "grant.amount_zero")
    return fen


def _past(raw: Any, field_key: str) -> date:
    value = raw if isinstance(raw, date) else parse_date(raw, field_key)
    if value > today():
        raise InvalidValue(field_key, raw, "grant.future")
    return value


def _date(raw: Any, field_key: str) -> date:
    """A date as typed (or given as a date); blank means today."""
    if blank(raw):
        return today()
    return raw if isinstance(raw, date) else parse_date(raw, field_key)


def check_paid_on(day: date, year: int, raw: Any = None) -> None:
    """A grant of ``year`` is paid in that year or later, never in the future."""
    shown = day if raw is None else raw
    if day > today():
        raise InvalidValue("paid_on", shown, "grant.future")
    if day.year < year:
        raise InvalidValue("paid_on", shown, "grant.paid_before_year", year=year)


def _enrolled(raw: Any, year: int | None) -> int:
    value = parse_year(raw if isinstance(raw, int) else str(raw), "enrolled_year")
    if year is not None and value > year:
        raise InvalidValue("enrolled_year", raw, "grant.enrolled_after_year", year=year)
    return value


def _id_number(raw: Any, field_key: str) -> str:
    return parse_id_number(str(raw), field_key).number


def _parse_common(raw: dict[str, Any], c: Collector, year: int | None) -> dict[str, Any]:
    """The fields an application and an import row share; every bad value goes into ``c``."""
    out: dict[str, Any] = {
        "student_name": c.take(parse_name, raw.get("student_name"), "student_name"),
        "student_id_number": c.take(_id_number, raw.get("student_id_number"), "student_id_number"),
        "level": c.take(lambda v: SchoolLevel.parse(str(v), field="level").value, raw["level"]),
        "school": c.take(_text, raw.get("school"), "school", 100),
        "enrolled_year": None,
        "note": c.take(_text, raw.get("note"), "note", 200),
    }
    if not blank(raw.get("enrolled_year")):
        out["enrolled_year"] = c.take(_enrolled, raw["enrolled_year"], year)
    parent_id = raw.get("parent_id_number")
    out["parent_id_number"] = c.take(_id_number, parent_id, "parent_id_number")
    out["parent_name"] = (
        None
        if blank(raw.get("parent_name"))
        else c.take(parse_name, raw["parent_name"], "parent_name")
    )
    out["amount_fen"] = None if blank(raw.get("amount")) else c.take(parse_amount, raw["amount"])
    return out


def _year(raw: Any) -> int:
    return parse_year(raw if isinstance(raw, int) else str(raw), "year")


IMPORT_REQUIRED = (
    "student_name",
    "student_id_number",
    "parent_name",
    "parent_id_number",
    "level",
    "year",
    "amount",
)


# the dates an import row may carry, in the order a grant's history runs
_IMPORT_DATES = ("applied_on", "approved_on", "paid_on", "decided_on")
# which statuses a date column belongs to (a date given on another status is an error)
_DATE_STATUSES: dict[str, frozenset[GrantStatus]] = {
    "approved_on": frozenset({S.APPROVED, S.PAID, S.REJECTED, S.WITHDRAWN}),
    "paid_on": frozenset({S.PAID}),
    "decided_on": frozenset({S.REJECTED, S.WITHDRAWN}),
}


def parse_grant_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Check the grants columns of one import row (SPEC §4.2) and return them parsed.

    ``raw`` holds (text, blanks allowed for the optional ones): ``student_name``*,
    ``student_id_number``*, ``parent_name``*, ``parent_id_number``*, ``level``*, ``school``,
    ``enrolled_year``, ``year``*, ``amount``* (yuan), ``status``, ``applied_on``,
    ``approved_on``, ``paid_on``, ``decided_on``, ``status_reason``, ``override_reason``,
    ``amount_reason``, ``note``.

    Returns ``student_name``, ``student_id_number`` and ``parent_id_number`` (normalised
    18-character numbers), ``parent_name``, ``level`` (code), ``school``, ``enrolled_year``
    (int | None, not after the year), ``year`` (int), ``amount_fen`` (int > 0), ``status``
    (any GrantStatus code), the four dates (date | None: only what the row gives; the defaults
    are ``import_grant``'s), ``status_reason``, ``override_reason``, ``amount_reason``, ``note``.

    Every status comes in with its dates: a blank 状态 means applied, or paid when a 发放日期 is
    given; 已发放 needs a 发放日期 in the round year or later; 审批日期 belongs to an approved, paid,
    rejected or withdrawn row, 发放日期 to a paid one, 决定日期 to a rejected or withdrawn one; a
    rejection needs its 原因 (as ``grant reject`` does). Dates run in order — applied ≤ approved ≤
    paid or decided — and none is in the future. Raises ``MissingFields`` for blank required
    cells, else ``InvalidValue(s)`` naming every bad value at once (ID numbers masked). Looks
    nothing up.
    """
    missing = [k for k in IMPORT_REQUIRED if blank(raw.get(k))]
    if missing:
        raise MissingFields(missing)
    c = Collector()
    year = c.take(_year, raw["year"])
    out = _parse_common(raw, c, year)
    out["year"] = year
    dates: dict[str, date | None] = {
        k: None if blank(raw.get(k)) else c.take(parse_date, raw[k], k) for k in _IMPORT_DATES
    }
    status: GrantStatus | None = S.PAID if dates["paid_on"] is not None else S.APPLIED
    if not blank(raw.get("status")):
        status = c.take(GrantStatus.parse, str(raw["status"]), "status")
    for key in ("status_reason", "override_reason", "amount_reason"):
        out[key] = c.take(_text, raw.get(key), key, 200)
    if status is not None:
        for key, allowed in _DATE_STATUSES.items():
            if dates[key] is not None and status not in allowed:
                c.errors.append(
                    InvalidValue(key, raw[key], "grant.date_not_status", status=status.label())
                )
                dates[key] = None
        if out["status_reason"] is not None and status not in (S.REJECTED, S.WITHDRAWN):
            c.errors.append(
                InvalidValue(
                    "status_reason",
                    raw["status_reason"],
                    "grant.reason_not_status",
                    status=status.label(),
                )
            )
    for key in _IMPORT_DATES:
        day = dates[key]
        if day is not None and day > today():
            c.errors.append(InvalidValue(key, raw[key], "grant.future"))
            dates[key] = None
    if dates["paid_on"] is not None and year is not None and dates["paid_on"].year < year:
        c.errors.append(
            InvalidValue("paid_on", raw["paid_on"], "grant.paid_before_year", year=year)
        )
    # in order: each date not before any earlier one the row gives
    earlier: tuple[str, date] | None = None
    for key in _IMPORT_DATES:
        day = dates[key]
        if day is None:
            continue
        if earlier is not None and day < earlier[1]:
            c.errors.append(
                InvalidValue(
                    key,
                    raw[key],
                    "grant.date_before",
                    other=i18n.field_label(earlier[0]),
                    date=earlier[1],
                )
            )
        else:
            earlier = (key, day)
    c.check()
    assert status is not None
    if status == S.PAID and dates["paid_on"] is None:
        raise MissingFields(["paid_on"])
    if status == S.REJECTED and out["status_reason"] is None:
        raise MissingFields(["status_reason"])
    out["status"] = status.value
    out.update(dates)
    return out


# --- rules (read only; a Session or a Connection) ------------------------------------------------


def _year_span(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def find_person(db: Db, id_number: str) -> PersonRef | None:
    row = db.execute(
        select(col(Person.id), col(Person.name), col(Person.id_number)).where(
            col(Person.id_number) == id_number
        )
    ).first()
    return None if row is None else PersonRef(int(row[0] or 0), str(row[1]), str(row[2]))


def hardship_file_in_year(db: Db, person_id: int, year: int) -> int | None:
    """A hardship file open at some point in ``year`` that the person heads or is a family
    member of (an open file first, then the latest opened), or None."""
    first, last = _year_span(year)
    F = HardshipFile
    in_family = select(col(FamilyMember.file_id)).where(col(FamilyMember.person_id) == person_id)
    found = db.execute(
        select(col(F.id))
        .where(
            or_(col(F.head_id) == person_id, col(F.id).in_(in_family)),
            col(F.opened_on) <= last,
            or_(col(F.closed_on).is_(None), col(F.closed_on) >= first),
        )
        .order_by(
            case((col(F.status) == FileStatus.OPEN.value, 0), else_=1),
            col(F.opened_on).desc(),
            col(F.id).desc(),
        )
        .limit(1)
    ).scalar()
    return None if found is None else int(found)


def migrant_member_in_year(db: Db, person_id: int, year: int) -> bool:
    """Whether the person is a migrant-worker member (``Member.migrant``) whose membership was in
    force (在册 or 保留会籍) at some point in ``year``: in force on 1 January (the last event
    before it left them a member), or made so by an event dated in the year."""
    first, last = _year_span(year)
    member = db.execute(
        select(col(Member.id)).where(col(Member.person_id) == person_id, col(Member.migrant))
    ).scalar()
    if member is None:
        return False
    before = db.execute(
        select(col(MemberEvent.kind))
        .where(col(MemberEvent.member_id) == member, col(MemberEvent.event_date) < first)
        .order_by(col(MemberEvent.event_date).desc(), col(MemberEvent.id).desc())
        .limit(1)
    ).scalar()
    if before in _IN_FORCE_KINDS:
        return True
    during = db.execute(
        select(col(MemberEvent.id))
        .where(
            col(MemberEvent.member_id) == member,
            col(MemberEvent.event_date).between(first, last),
            col(MemberEvent.kind).in_(_IN_FORCE_KINDS),
        )
        .limit(1)
    ).scalar()
    return during is not None


def eligibility_of(
    db: Db, parent_person_id: int, year: int
) -> tuple[Eligibility, int | None] | None:
    """Why a child of this parent may have a grant in ``year``: (HARDSHIP_FILE, file id) or
    (MIGRANT_MEMBER, None); None when neither holds (only an override lets them in)."""
    file_id = hardship_file_in_year(db, parent_person_id, year)
    if file_id is not None:
        return E.HARDSHIP_FILE, file_id
    if migrant_member_in_year(db, parent_person_id, year):
        return E.MIGRANT_MEMBER, None
    return None


def has_standards(db: Db, year: int) -> bool:
    found = db.execute(
        select(col(GrantStandard.year)).where(col(GrantStandard.year) == year).limit(1)
    ).first()
    return found is not None


def standard_amount(db: Db, year: int, level: str, on_file: bool) -> int | None:
    """The year's standard (fen) for a level, parent on a hardship file or not; None if unset."""
    found = db.execute(
        select(col(GrantStandard.amount_fen)).where(
            col(GrantStandard.year) == year,
            col(GrantStandard.level) == level,
            col(GrantStandard.on_file) == on_file,
        )
    ).scalar()
    return None if found is None else int(found)


def budget_of(db: Db, year: int) -> int | None:
    found = db.execute(
        select(col(GrantRound.budget_fen)).where(col(GrantRound.year) == year)
    ).scalar()
    return None if found is None else int(found)


def used_budget(db: Db, year: int) -> int:
    """Approved and paid amounts of the year's round (fen)."""
    return int(
        db.execute(
            select(func.coalesce(func.sum(col(Grant.amount_fen)), 0)).where(
                col(Grant.year) == year, col(Grant.status).in_(GRANTED)
            )
        ).scalar_one()
    )


def check_budget(db: Db, year: int, extra_fen: int) -> int | None:
    """Refuse ``extra_fen`` more approved in ``year`` when it would exceed the budget; returns
    what is left afterwards (None: the year has no budget, no cap)."""
    budget = db.execute(
        select(col(GrantRound.budget_fen)).where(col(GrantRound.year) == year).with_for_update()
    ).scalar()
    if budget is None:
        return None
    used = used_budget(db, year)
    left = int(budget) - used
    if extra_fen > left:
        raise Conflict(
            "grant.over_budget",
            year=year,
            budget=format_money(int(budget)),
            used=format_money(used),
            left=format_money(max(left, 0)),
            amount=format_money(extra_fen),
        )
    return left - extra_fen


@dataclass(frozen=True)
class StandingGrant:
    id: int
    level: str
    status: str
    amount_fen: int
    paid_on: date | None
    batch_id: int | None
    applied_on: date | None = None
    approved_on: date | None = None


def _as_date(value: Any) -> date | None:
    if value is not None and not isinstance(value, date):
        return date.fromisoformat(str(value)[:10])
    return value


def standing_grant(db: Db, student_person_id: int, year: int) -> StandingGrant | None:
    """The student's applied, approved or paid grant of the year, if any."""
    row = db.execute(
        select(
            col(Grant.id),
            col(Grant.level),
            col(Grant.status),
            col(Grant.amount_fen),
            col(Grant.paid_on),
            col(Grant.batch_id),
            col(Grant.applied_on),
            col(Grant.approved_on),
        ).where(
            col(Grant.student_id) == student_person_id,
            col(Grant.year) == year,
            col(Grant.status).in_(STANDING),
        )
    ).first()
    if row is None:
        return None
    return StandingGrant(
        int(row[0] or 0),
        row[1],
        row[2],
        int(row[3]),
        _as_date(row[4]),
        row[5],
        _as_date(row[6]),
        _as_date(row[7]),
    )


def check_one_per_year(db: Db, student: PersonRef, year: int) -> None:
    found = standing_grant(db, student.id, year)
    if found is not None:
        raise Conflict(
            "grant.duplicate",
            name=student.name,
            year=year,
            id=found.id,
            level=SchoolLevel(found.level).label(),
            status=GrantStatus(found.status).label(),
        )


def _who(on_file: bool) -> str:
    return i18n.t("grant.who.on_file" if on_file else "grant.who.off_file")


@dataclass(frozen=True)
class AmountDecision:
    amount_fen: int
    standard_fen: int | None
    reason: str | None
    warning: str | None


def decide_amount(
    db: Db,
    year: int,
    level: str,
    on_file: bool,
    amount_fen: int | None,
    reason: str | None,
    *,
    reason_in_note: bool = False,
) -> AmountDecision:
    """The grant's amount: the standard unless given; a given amount that differs from the
    standard needs ``reason``; a year (or level) without a standard needs the amount, and says
    that it was taken as given."""
    level_label = SchoolLevel(level).label()
    standard = standard_amount(db, year, level, on_file)
    if standard is None:
        any_standard = has_standards(db, year)
        if amount_fen is None:
            if any_standard:
                raise UsageError(
                    "grant.level_amount_required", year=year, level=level_label, who=_who(on_file)
                )
            raise UsageError("grant.amount_required", year=year)
        if any_standard:
            warning = i18n.t(
                "grant.warn_no_level_standard",
                year=year,
                level=level_label,
                who=_who(on_file),
                amount=format_money(amount_fen),
            )
        else:
            warning = i18n.t("grant.warn_no_standards", year=year, amount=format_money(amount_fen))
        return AmountDecision(amount_fen, None, reason, warning)
    if amount_fen is None or amount_fen == standard:
        return AmountDecision(standard, standard, None, None)
    if blank(reason):
        raise UsageError(
            "grant.amount_reason_note" if reason_in_note else "grant.amount_reason",
            amount=format_money(amount_fen),
            year=year,
            level=level_label,
            who=_who(on_file),
            standard=format_money(standard),
        )
    return AmountDecision(amount_fen, standard, reason, None)


def _resolve_person(db: Db, id_number: str, name: str | None, who: str) -> PersonRef | None:
    found = find_person(db, id_number)
    if found is not None and name is not None and found.name != name:
        raise Conflict(
            "grant.name_mismatch",
            who=i18n.t(f"grant.who.{who}"),
            id=mask_id(id_number),
            stored=found.name,
            given=name,
        )
    return found
