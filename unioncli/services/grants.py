"""金秋助学 (scholarship grants): the round settings (standards, budget), applications, approval,
rejection, withdrawal, payment; lists, the round summary and the public notice.

Rules (SPEC §2.3) and where they live:

- eligibility, checked when applying and again when approving: ``eligibility_of`` — the parent is
  the head or a family member of a hardship file open at some point in the round year
  (opened on or before 31 December, not closed before 1 January), or a migrant-worker member
  (``Member.migrant``) whose membership was in force — 在册 or 保留会籍 — at some point in the
  round year (from the dated member events, the way files are judged). Otherwise only an explicit
  override reason lets the application in;
- one standing grant (applied, approved, paid) per student per year, across all levels:
  ``check_one_per_year`` (and the partial unique index ``uq_grant_student_id_year``);
- the amount is the year's standard for level × parent on a file or not, unless given; a given
  amount that differs needs a reason; a year without standards takes amounts as given, with a
  warning: ``decide_amount``;
- approvals (and imported approved or paid grants) stay within the year's budget: ``check_budget``;
- which status change is allowed from which status: ``TRANSITIONS``, nowhere else;
- a payment date lies in the round year or later, never in the future: ``check_paid_on``;
- every status change is dated — applied_on → approved_on → paid_on | decided_on (a rejection or
  withdrawal) — so a year's figures read the state in force on 31 December: ``year_figures``
  counts the round's grants paid by then, in the union the parent was in on that day
  (``grant_org``).

The rule functions take a ``Session`` or a ``Connection`` and only read, so that the ``grants``
import kind (which works on a connection) applies the very same rules; ``plan_grant`` checks a
whole new grant and ``write_grant`` writes it (core inserts, for both paths).

Public functions for other parts: ``parse_grant_fields``, ``import_grant``, ``plan_grant``,
``write_grant``, ``standing_grant``, ``find_person``, ``eligibility_of``, ``standard_amount``,
``has_standards``, ``check_budget``, ``used_budget``, ``budget_of``, ``check_paid_on``,
``grants_of_parents`` (member show, hardship show), ``year_figures`` (the yearly report),
``grants_in_county`` (lists and exports in the clerk's county).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Select, case, func, insert, or_, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from unioncli import i18n
from unioncli.dates import parse_date, parse_year, today
from unioncli.db.uow import UnitOfWork, person_keys
from unioncli.enums import (
    Choice,
    Eligibility,
    FileStatus,
    GrantStatus,
    MemberEventKind,
    SchoolLevel,
)
from unioncli.errors import Conflict, InvalidValue, MissingFields, NotFound, UsageError
from unioncli.ids import mask_id, parse_id_number, record_id
from unioncli.models import (
    FamilyMember,
    Grant,
    GrantRound,
    GrantStandard,
    HardshipFile,
    Member,
    MemberEvent,
    Org,
    Person,
    metadata,
)
from unioncli.models.base import utcnow
from unioncli.money import format_money, parse_money
from unioncli.services.common import Collector, blank, clean_text, parse_name
from unioncli.services.figures import Scope, orgs_in_county
from unioncli.services.orgs import find_org
from unioncli.services.people import person_fields

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

STANDING = (S.APPLIED.value, S.APPROVED.value, S.PAID.value)  # one per student per year
GRANTED = (S.APPROVED.value, S.PAID.value)  # what uses the budget

# the member events after which a membership is in force (在册 or 保留会籍), and those ending it
_IN_FORCE_KINDS = (
    MemberEventKind.JOIN.value,
    MemberEventKind.TRANSFER_IN.value,
    MemberEventKind.RETAIN.value,
    MemberEventKind.RESTORE.value,
)

i18n.register_fields(
    {
        "grant": ("助学申请", "grant"),
        "student_name": ("学生姓名", "student's name"),
        "student_id_number": ("学生身份证号", "student's ID number"),
        "parent_name": ("家长姓名", "parent's name"),
        "parent_id_number": ("家长身份证号", "parent's ID number"),
        "level": ("学段", "school level"),
        "school": ("学校", "school"),
        "enrolled_year": ("入学年份", "enrolment year"),
        "applied_on": ("申请日期", "applied on"),
        "approved_on": ("批准日期", "approved on"),
        "paid_on": ("发放日期", "paid on"),
        "decided_on": ("决定日期", "decided on"),
        "status_reason": ("原因", "reason"),
        "override_reason": ("资格说明", "override reason"),
        "amount_reason": ("金额与标准不同的原因", "why the amount differs"),
        "override": ("特批原因", "override reason"),
        "exclusion": ("不予资助原因（已获其他资助）", "exclusion (funded elsewhere)"),
        "eligibility": ("资助依据", "eligibility"),
        "standard": ("标准金额", "standard amount"),
        "budget": ("预算", "budget"),
        "on_file": ("建档困难职工子女标准", "standard, parent on a hardship file"),
        "off_file": ("其他（农民工会员）子女标准", "standard, other parents"),
        "note": ("备注", "note"),
    }
)

i18n.register(
    {
        "grant.not_found": ("找不到助学申请“{ref}”", "no grant “{ref}”"),
        "grant.name_mismatch": (
            "{who}身份证号 {id} 已登记为“{stored}”，与填写的“{given}”不一致",
            "the {who}'s ID number {id} is registered as “{stored}”, not “{given}”",
        ),
        "grant.who.student": ("学生", "student"),
        "grant.who.parent": ("家长", "parent"),
        "grant.same_person": ("学生和家长是同一个人", "the student and the parent are one person"),
        "grant.parent_unknown": (
            "家长（身份证号 {id}）不在台账中：须是在档困难职工（户主或家庭成员）或农民工会员；"
            "确需资助请用 --override “原因” 特批，并填写 --parent-name",
            "the parent (ID number {id}) is not in the ledger: a parent must hold a hardship "
            "file (as head or family member) or be a migrant-worker member; to grant anyway, "
            "give --override “reason” and --parent-name",
        ),
        "grant.not_eligible": (
            "家长 {name}（{id}）在 {year} 年既没有在档的困难职工档案，也不是农民工会员，"
            "不符合资助条件；确需资助请用 --override “原因” 特批",
            "the parent {name} ({id}) held no open hardship file in {year} and was not a "
            "migrant-worker member: not eligible; to grant anyway, give --override “reason”",
        ),
        "grant.no_longer_eligible": (
            "助学申请 #{id} 的家长 {name} 在 {year} 年已不符合资助条件（没有在档的困难职工档案，"
            "也不是农民工会员）；确需资助请用 --override “原因” 特批",
            "grant #{id}: the parent {name} is no longer eligible for {year} (no open hardship "
            "file, not a migrant-worker member); to approve anyway, give --override “reason”",
        ),
        "grant.duplicate": (
            "{name} 在 {year} 年已有助学申请 #{id}（{level}，{status}）：每名学生每年只资助一次，"
            "不论学段",
            "{name} already has grant #{id} in {year} ({level}, {status}): one grant per "
            "student per year, whatever the level",
        ),
        "grant.amount_reason": (
            "金额 {amount} 元与 {year} 年{level}（{who}）标准 {standard} 元不同：请用 "
            "--amount-reason 写明原因",
            "the amount {amount} differs from the {year} standard for {level} ({who}), "
            "{standard}: give the reason with --amount-reason",
        ),
        "grant.amount_reason_note": (
            "金额 {amount} 元与 {year} 年{level}（{who}）标准 {standard} 元不同：请在“金额说明”列"
            "写明原因",
            "the amount {amount} differs from the {year} standard for {level} ({who}), "
            "{standard}: give the reason in the “amount_reason” column",
        ),
        "grant.import_parent_unknown": (
            "家长（身份证号 {id}）不在台账中：须是在档困难职工（户主或家庭成员）或农民工会员；"
            "确需资助请在“资格说明”列写明特批原因",
            "the parent (ID number {id}) is not in the ledger: a parent must hold a hardship "
            "file (as head or family member) or be a migrant-worker member; to grant anyway, "
            "give the reason in the “override_reason” column",
        ),
        "grant.import_not_eligible": (
            "家长 {name}（{id}）在 {year} 年既没有在档的困难职工档案，也不是农民工会员，"
            "不符合资助条件；确需资助请在“资格说明”列写明特批原因",
            "the parent {name} ({id}) held no open hardship file in {year} and was not a "
            "migrant-worker member: not eligible; to grant anyway, give the reason in the "
            "“override_reason” column",
        ),
        "grant.warn_override_used": (
            "提示：家长不符合资助条件，按特批记录（{reason}）",
            "note: the parent is not eligible; recorded as an override ({reason})",
        ),
        "grant.warn_amount_reason": (
            "提示：金额 {amount} 元与标准 {standard} 元不同，原因：{reason}",
            "note: the amount {amount} differs from the standard {standard}: {reason}",
        ),
        "grant.amount_required": (
            "{year} 年尚未设置资助标准：请填写金额（--amount）",
            "{year} has no standards set: give the amount (--amount)",
        ),
        "grant.level_amount_required": (
            "{year} 年没有{level}（{who}）的资助标准：请填写金额（--amount）",
            "{year} has no standard for {level} ({who}): give the amount (--amount)",
        ),
        "grant.warn_no_standards": (
            "提示：{year} 年尚未设置资助标准，金额按填写的 {amount} 元记录",
            "note: {year} has no standards set; the amount is taken as given ({amount})",
        ),
        "grant.warn_no_level_standard": (
            "提示：{year} 年没有{level}（{who}）的资助标准，金额按填写的 {amount} 元记录",
            "note: {year} has no standard for {level} ({who}); the amount is taken as given "
            "({amount})",
        ),
        "grant.warn_override_unused": (
            "提示：家长符合资助条件（{basis}），未按特批记录",
            "note: the parent is eligible ({basis}); not recorded as an override",
        ),
        "grant.warn_basis_changed": (
            "提示：资助依据由“{old}”改为“{new}”",
            "note: the eligibility changed from “{old}” to “{new}”",
        ),
        "grant.who.on_file": ("建档困难职工子女", "parent on a hardship file"),
        "grant.who.off_file": ("非建档家庭子女", "parent not on a hardship file"),
        "grant.over_budget": (
            "超出 {year} 年预算：预算 {budget} 元，已批准和已发放 {used} 元，剩余 {left} 元，"
            "本次 {amount} 元",
            "over the {year} budget: budget {budget}, approved and paid {used}, left {left}, "
            "this grant {amount}",
        ),
        "grant.budget_below_used": (
            "{year} 年已批准和已发放 {used} 元：预算不能低于此数",
            "{year} already has {used} approved and paid: the budget cannot be lower",
        ),
        "grant.not_allowed": (
            "助学申请 #{id}（{name}）当前状态为“{status}”，不能办理“{action}”（可办理的状态：{allowed}）",
            "grant #{id} ({name}) is “{status}”: “{action}” is not allowed (allowed from: "
            "{allowed})",
        ),
        "grant.reason_required": (
            "请写明原因（--reason）",
            "give a reason (--reason)",
        ),
        "grant.future": ("日期在今天之后", "the date is after today"),
        "grant.paid_before_year": (
            "早于 {year} 年：发放日期须在资助年度内或之后",
            "is before {year}: a grant is paid in its round year or later",
        ),
        "grant.before_applied": ("早于申请日期 {date}", "is before the application ({date})"),
        "grant.before_approved": ("早于批准日期 {date}", "is before the approval ({date})"),
        "grant.enrolled_after_year": (
            "晚于资助年度 {year}",
            "is after the round year {year}",
        ),
        "grant.amount_zero": ("金额须大于 0", "must be more than 0"),
        "grant.date_not_status": (
            "状态为“{status}”的申请没有这个日期",
            "a grant whose status is “{status}” has no such date",
        ),
        "grant.reason_not_status": (
            "原因只用于不予资助或撤回，状态为“{status}”",
            "a reason goes with a rejection or a withdrawal; the status is “{status}”",
        ),
        "grant.date_before": ("早于{other} {date}", "is before the {other} ({date})"),
        "grant.standards_what": (
            "设置标准须给出 --level，以及 --on-file、--off-file 至少一项",
            "setting a standard needs --level and at least one of --on-file, --off-file",
        ),
        "grant.standards_both": (
            "--clear 不能与 --on-file / --off-file 同时使用",
            "--clear cannot be combined with --on-file / --off-file",
        ),
        "grant.budget_what": (
            "请给出预算金额，或用 --none 取消预算（二者只能选一）",
            "give the budget amount, or --none to remove it (one of the two)",
        ),
    }
)


# --- views -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str
    id_number: str


@dataclass(frozen=True)
class StandardRow:
    """One level's standards in a year (None: not set)."""

    level: str
    on_file_fen: int | None
    off_file_fen: int | None


@dataclass(frozen=True)
class RoundSettings:
    year: int
    budget_fen: int | None
    standards: list[StandardRow]
    used_fen: int  # approved + paid


@dataclass(frozen=True)
class GrantView:
    id: int
    year: int
    status: str
    student_person_id: int
    student_name: str
    student_id_number: str
    parent_person_id: int
    parent_name: str
    parent_id_number: str
    level: str
    school: str | None
    enrolled_year: int | None
    amount_fen: int
    standard_fen: int | None
    amount_reason: str | None
    eligibility: str
    file_no: str | None  # the hardship file the eligibility rests on
    parent_org: str | None  # the parent's union (of the file, else of the membership)
    override_reason: str | None
    status_reason: str | None
    exclusion: str | None
    applied_on: date
    approved_on: date | None
    paid_on: date | None
    decided_on: date | None
    note: str | None
    budget_left_fen: int | None = None  # after an approval, when the year has a budget
    warnings: list[str] = field(default_factory=list)  # shown on stderr, never stored

    @property
    def person_ids(self) -> list[int]:
        return [self.student_person_id, self.parent_person_id]

    @property
    def history(self) -> list[tuple[date, str]]:
        """The dated status changes, oldest first: applied, approved, then paid | rejected |
        withdrawn (each status's own date column)."""
        out: list[tuple[date, str]] = [(self.applied_on, S.APPLIED.value)]
        if self.approved_on is not None:
            out.append((self.approved_on, S.APPROVED.value))
        if self.paid_on is not None:
            out.append((self.paid_on, S.PAID.value))
        elif self.status in (S.REJECTED.value, S.WITHDRAWN.value) and self.decided_on is not None:
            out.append((self.decided_on, self.status))
        return out


@dataclass(frozen=True)
class GrantRow:
    id: int
    year: int
    student_name: str
    student_id_number: str
    level: str
    school: str | None
    parent_name: str
    parent_id_number: str
    eligibility: str
    amount_fen: int
    standard_fen: int | None
    status: str
    applied_on: date
    approved_on: date | None
    paid_on: date | None


@dataclass(frozen=True)
class GrantTotals:
    count: int
    amount_fen: int
    granted_count: int  # approved + paid
    granted_fen: int


@dataclass(frozen=True)
class GrantPage:
    rows: list[GrantRow]
    total: int
    totals: GrantTotals


@dataclass(frozen=True)
class GrantFilter:
    year: int | str | None = None
    status: str | None = None
    level: str | None = None
    eligibility: str | None = None
    org: str | None = None  # the parent's union: of the hardship file, or of the membership
    county: str | None = None  # the clerk's county (区县): grants_in_county


@dataclass(frozen=True)
class Cell:
    count: int = 0
    amount_fen: int = 0


@dataclass(frozen=True)
class LevelLine:
    level: str  # a SchoolLevel code, or "total"
    applied: Cell
    approved: Cell
    paid: Cell
    rejected: Cell
    withdrawn: Cell
    all: Cell


@dataclass(frozen=True)
class RoundSummary:
    year: int
    budget_fen: int | None
    used_fen: int  # approved + paid
    left_fen: int | None  # None: no budget, no cap
    has_standards: bool
    levels: list[LevelLine]
    totals: LevelLine


@dataclass(frozen=True)
class NoticeRow:
    """A line of the public notice (公示): name, school level, amount — nothing else."""

    no: int
    name: str
    level: str
    amount_fen: int


@dataclass(frozen=True)
class Notice:
    year: int
    rows: list[NoticeRow]
    amount_fen: int


@dataclass(frozen=True)
class HouseholdGrant:
    """A grant to a child of the household, as ``member show`` and ``hardship show`` list it."""

    id: int
    year: int
    student_name: str
    parent_name: str
    level: str
    amount_fen: int
    status: str
    eligibility: str
    paid_on: date | None


@dataclass(frozen=True)
class LevelFigure:
    students: int
    amount_fen: int


@dataclass(frozen=True)
class GrantFigures:
    """The grants part of the yearly figures (SPEC §4.3): grants paid in the year's round."""

    students: int
    amount_fen: int
    by_level: dict[str, LevelFigure]
    hardship_children: int
    migrant_children: int


@dataclass
class GrantPlan:
    """A new grant, checked: what ``write_grant`` inserts. People are created when new."""

    student: PersonRef | None
    student_new: dict[str, Any] | None  # the person row to create
    parent: PersonRef | None
    parent_new: dict[str, Any] | None
    values: dict[str, Any]  # student_grant columns but the two person ids
    warnings: list[str] = field(default_factory=list)


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


def _basis_text(eligibility: Eligibility, file_no: str | None) -> str:
    label = eligibility.label()
    return f"{label} {file_no}" if file_no else label


def plan_grant(
    db: Db,
    fields: dict[str, Any],
    *,
    applied_on: date,
    override: str | None = None,
    amount_reason: str | None = None,
    exclusion: str | None = None,
    reason_in_note: bool = False,
    from_import: bool = False,
) -> GrantPlan:
    """Check a new grant by every rule of ``grant apply`` and return what to write.

    ``fields`` as ``parse_grant_fields`` returns them (``status``/``paid_on`` optional: an
    approved or paid grant is checked against the budget too). ``override``: the reason for an
    ineligible parent (a parent not in the ledger then needs ``parent_name``). ``exclusion``:
    the student is funded elsewhere, the application is recorded as rejected. A past
    rejected or withdrawn grant (an import's) is recorded whatever the parent's eligibility and
    without the one-per-year rule (it does not stand); ``approved_on``, ``decided_on`` and
    ``status_reason`` in ``fields`` date and explain it. ``from_import``: messages name the
    import's columns, not the command's options. Raises the rule's error; writes nothing.
    """
    year: int = fields["year"]
    status = GrantStatus(fields.get("status") or S.APPLIED.value)
    rid_student, rid_parent = fields["student_id_number"], fields["parent_id_number"]
    if rid_student == rid_parent:
        raise InvalidValue("parent_id_number", rid_parent, "grant.same_person", sensitive=True)
    student = _resolve_person(db, rid_student, fields["student_name"], "student")
    parent = _resolve_person(db, rid_parent, fields.get("parent_name"), "parent")
    warnings: list[str] = []

    standing = status.value in STANDING
    eligible = None if parent is None else eligibility_of(db, parent.id, year)
    if eligible is None and blank(override) and standing:
        via = "grant.import_" if from_import else "grant."
        if parent is None:
            raise Conflict(via + "parent_unknown", id=mask_id(rid_parent))
        raise Conflict(via + "not_eligible", name=parent.name, id=mask_id(rid_parent), year=year)
    if parent is None and blank(fields.get("parent_name")):
        raise MissingFields(["parent_name"])
    if eligible is None:
        eligibility, file_id, override_reason = E.OVERRIDE, None, override
        if not blank(override) and from_import:
            warnings.append(i18n.t("grant.warn_override_used", reason=override))
    else:
        eligibility, file_id = eligible
        override_reason = None
        if not blank(override):
            file_no = _file_no(db, file_id)
            warnings.append(
                i18n.t("grant.warn_override_unused", basis=_basis_text(eligibility, file_no))
            )
    on_file = eligibility == E.HARDSHIP_FILE

    if student is not None and exclusion is None and standing:
        check_one_per_year(db, student, year)

    level: str = fields["level"]
    if exclusion is not None:
        # funded elsewhere: recorded and not granted, whatever the amount would have been
        standard = standard_amount(db, year, level, on_file)
        given = fields.get("amount_fen")
        decision = AmountDecision(
            given if given is not None else (standard or 0), standard, amount_reason, None
        )
        status = S.REJECTED
    else:
        decision = decide_amount(
            db,
            year,
            level,
            on_file,
            fields.get("amount_fen"),
            amount_reason,
            reason_in_note=reason_in_note,
        )
        if decision.warning:
            warnings.append(decision.warning)
        elif from_import and decision.amount_fen != decision.standard_fen:
            warnings.append(
                i18n.t(
                    "grant.warn_amount_reason",
                    amount=format_money(decision.amount_fen),
                    standard=format_money(decision.standard_fen or 0),
                    reason=decision.reason,
                )
            )
    if status in (S.APPROVED, S.PAID):
        check_budget(db, year, decision.amount_fen)
    paid_on = fields.get("paid_on") if status == S.PAID else None
    approved_on = fields.get("approved_on")
    if approved_on is None and status in (S.APPROVED, S.PAID):
        approved_on = paid_on or applied_on
    decided_on = None
    if status in (S.REJECTED, S.WITHDRAWN):
        # funded elsewhere: refused on the day it was applied for
        decided_on = fields.get("decided_on") or approved_on or applied_on
    values: dict[str, Any] = {
        "year": year,
        "level": level,
        "school": fields.get("school"),
        "enrolled_year": fields.get("enrolled_year"),
        "amount_fen": decision.amount_fen,
        "standard_fen": decision.standard_fen,
        "amount_reason": decision.reason if decision.amount_fen != decision.standard_fen else None,
        "eligibility": eligibility.value,
        "override_reason": override_reason,
        "hardship_file_id": file_id,
        "status": status.value,
        "status_reason": exclusion if exclusion is not None else fields.get("status_reason"),
        "exclusion": exclusion,
        "applied_on": applied_on,
        "approved_on": approved_on,
        "paid_on": paid_on,
        "decided_on": decided_on,
        "note": fields.get("note"),
    }
    return GrantPlan(
        student=student,
        student_new=None
        if student is not None
        else person_fields(parse_id_number(rid_student), fields["student_name"]),
        parent=parent,
        parent_new=None
        if parent is not None
        else person_fields(parse_id_number(rid_parent), fields["parent_name"]),
        values=values,
        warnings=warnings,
    )


def _file_no(db: Db, file_id: int | None) -> str | None:
    if file_id is None:
        return None
    found = db.execute(
        select(col(HardshipFile.file_no)).where(col(HardshipFile.id) == file_id)
    ).scalar()
    return None if found is None else str(found)


def write_grant(
    db: Db, plan: GrantPlan, *, timestamp: datetime | None = None, batch_id: int | None = None
) -> int:
    """Insert a checked grant (and its new people); returns the grant's id."""
    at = timestamp or utcnow()
    people = metadata.tables["person"]
    stamps = {"created_at": at, "updated_at": at, "batch_id": batch_id}

    def person_id(known: PersonRef | None, new: dict[str, Any] | None) -> int:
        if known is not None:
            return known.id
        assert new is not None
        return int(
            db.execute(insert(people).returning(people.c.id), {**new, **stamps}).scalar_one()
        )

    student_id = person_id(plan.student, plan.student_new)
    parent_id = person_id(plan.parent, plan.parent_new)
    table = metadata.tables["student_grant"]
    return int(
        db.execute(
            insert(table).returning(table.c.id),
            {**plan.values, "student_id": student_id, "parent_id": parent_id, **stamps},
        ).scalar_one()
    )


def import_grant(
    db: Db, parsed: dict[str, Any], *, timestamp: datetime, batch_id: int | None
) -> tuple[int, list[str]]:
    """One import row (as ``parse_grant_fields`` returns it) into the ledger, by the rules of
    ``grant apply`` (+ approval and payment for an approved or paid row: the budget holds).

    An ineligible parent needs the row's 资格说明 (override reason); an amount that differs from
    the standard its 金额说明 (else 备注, where older exports wrote it). A rejected or withdrawn
    row is a past decision: recorded beside the student's standing grant, if any, and never
    counted in the budget. Dates the row leaves blank: applied on the earliest date it gives
    (else today); approved on the payment date, else the application; decided on the approval,
    else the application. Returns the grant id and the row's warnings (a year without
    standards, a non-standard amount with its reason, an override used). Raises the rule's
    error and writes nothing then.
    """
    given = [parsed.get(k) for k in _IMPORT_DATES]
    applied_on = parsed.get("applied_on") or next((d for d in given if d is not None), today())
    plan = plan_grant(
        db,
        parsed,
        applied_on=applied_on,
        override=parsed.get("override_reason"),
        amount_reason=parsed.get("amount_reason") or parsed.get("note"),
        reason_in_note=True,
        from_import=True,
    )
    return write_grant(db, plan, timestamp=timestamp, batch_id=batch_id), plan.warnings


# --- round settings ------------------------------------------------------------------------------


def _round_key(year: int) -> tuple[object, ...]:
    """The ``serialize`` key of a round year's settings: budget and standards."""
    return ("grant_round", year)


def round_settings(uow: UnitOfWork, year: Any) -> RoundSettings:
    y = _year(year)
    s = uow.session
    by_level: dict[str, dict[bool, int]] = {}
    for level, on_file, fen in s.execute(
        select(
            col(GrantStandard.level), col(GrantStandard.on_file), col(GrantStandard.amount_fen)
        ).where(col(GrantStandard.year) == y)
    ):
        by_level.setdefault(level, {})[bool(on_file)] = int(fen)
    standards = [
        StandardRow(lv.value, by_level[lv.value].get(True), by_level[lv.value].get(False))
        for lv in SchoolLevel
        if lv.value in by_level
    ]
    return RoundSettings(y, budget_of(s, y), standards, used_budget(s, y))


def _standard_snapshot(rows: list[StandardRow]) -> dict[str, Any]:
    return {r.level: {"on_file": r.on_file_fen, "off_file": r.off_file_fen} for r in rows}


def set_standards(
    uow: UnitOfWork, year: Any, level: str | None, *, on_file: Any = None, off_file: Any = None
) -> RoundSettings:
    """Set a level's standard amounts for a year: parent on a hardship file, or not (either or
    both). Grants already applied for keep the standard they were given. Audited."""
    if level is None or (blank(on_file) and blank(off_file)):
        raise UsageError("grant.standards_what")
    c = Collector()
    y = c.take(_year, year)
    lv = c.take(SchoolLevel.parse, level, "level")
    amounts = {
        True: None if blank(on_file) else c.take(parse_amount, on_file, "on_file"),
        False: None if blank(off_file) else c.take(parse_amount, off_file, "off_file"),
    }
    c.check()
    assert y is not None and lv is not None
    uow.serialize(_round_key(y))
    s = uow.session
    before = round_settings(uow, y)
    for flag, fen in amounts.items():
        if fen is None:
            continue
        row = s.get(GrantStandard, (y, lv.value, flag))
        if row is None:
            s.add(GrantStandard(year=y, level=lv.value, on_file=flag, amount_fen=fen))
        else:
            row.amount_fen = fen
            row.updated_at = utcnow()
            s.add(row)
    s.flush()
    after = round_settings(uow, y)
    old, new = _standard_snapshot(before.standards), _standard_snapshot(after.standards)
    uow.audit(
        "grant.standard",
        "grant_standard",
        y,
        before={lv.value: old.get(lv.value)},
        after={lv.value: new.get(lv.value)},
    )
    return after


def clear_standards(uow: UnitOfWork, year: Any, level: str | None = None) -> RoundSettings:
    """Remove a level's standards for a year (or all of the year's). Audited."""
    c = Collector()
    y = c.take(_year, year)
    lv = None if level is None else c.take(SchoolLevel.parse, level, "level")
    c.check()
    assert y is not None
    uow.serialize(_round_key(y))
    s = uow.session
    before = round_settings(uow, y)
    rows = s.scalars(
        select(GrantStandard).where(
            col(GrantStandard.year) == y,
            *([col(GrantStandard.level) == lv.value] if lv is not None else []),
        )
    ).all()
    for row in rows:
        s.delete(row)
    s.flush()
    if rows:
        old = _standard_snapshot(before.standards)
        keys = [lv.value] if lv is not None else list(old)
        uow.audit(
            "grant.standard",
            "grant_standard",
            y,
            before={k: old.get(k) for k in keys},
            after={k: None for k in keys},
        )
    return round_settings(uow, y)


def set_budget(uow: UnitOfWork, year: Any, amount: Any) -> RoundSettings:
    """Set the year's budget (``amount`` None: no budget, no cap). It cannot be below what is
    approved and paid already. Audited."""
    c = Collector()
    y = c.take(_year, year)
    fen = None if amount is None else c.take(parse_amount, amount, "budget")
    c.check()
    assert y is not None
    # approvals of the year wait (``approve`` takes the same key): none lands between counting
    # what is used and setting the budget
    uow.serialize(_round_key(y))
    s = uow.session
    used = used_budget(s, y)
    if fen is not None and fen < used:
        raise Conflict("grant.budget_below_used", year=y, used=format_money(used))
    row = s.get(GrantRound, y)
    old = None if row is None else row.budget_fen
    if row is None:
        row = GrantRound(year=y, budget_fen=fen)
    else:
        row.budget_fen = fen
        row.updated_at = utcnow()
    s.add(row)
    s.flush()
    if old != fen:
        uow.audit(
            "grant.budget", "grant_round", y, before={"budget_fen": old}, after={"budget_fen": fen}
        )
    return round_settings(uow, y)


# --- apply -------------------------------------------------------------------------------------

APPLY_REQUIRED = ("student_name", "student_id_number", "parent_id_number", "level")


def apply(uow: UnitOfWork, raw: dict[str, Any]) -> GrantView:
    """Record an application (SPEC §2.3), checked by every rule; audited.

    ``raw``: ``student_name``*, ``student_id_number``*, ``parent_id_number``*, ``parent_name``
    (needed for a parent not in the ledger; checked against the stored name otherwise),
    ``level``*, ``school``, ``enrolled_year``, ``year`` (default: this year), ``amount`` (default:
    the standard), ``amount_reason``, ``exclusion`` (funded elsewhere: recorded as rejected),
    ``override`` (reason, for an ineligible parent), ``applied_on`` (default: today), ``note``.
    """
    missing = [k for k in APPLY_REQUIRED if blank(raw.get(k))]
    if missing:
        raise MissingFields(missing)
    c = Collector()
    year = today().year if blank(raw.get("year")) else c.take(_year, raw["year"])
    fields = _parse_common(raw, c, year)
    fields["year"] = year
    applied_on = (
        today() if blank(raw.get("applied_on")) else c.take(_past, raw["applied_on"], "applied_on")
    )
    override = c.take(_text, raw.get("override"), "override", 200)
    amount_reason = c.take(_text, raw.get("amount_reason"), "amount_reason", 200)
    exclusion = c.take(_text, raw.get("exclusion"), "exclusion", 100)
    c.check()
    assert applied_on is not None
    # the student and the parent: a second clerk entering the same student's application at
    # the same moment waits here, then is told the student already has this year's grant
    uow.serialize(*person_keys([fields["student_id_number"], fields["parent_id_number"]]))
    s = uow.session
    plan = plan_grant(
        s,
        fields,
        applied_on=applied_on,
        override=override,
        amount_reason=amount_reason,
        exclusion=exclusion,
    )
    grant_id = write_grant(s, plan)
    grant = s.get(Grant, grant_id)
    assert grant is not None
    uow.audit(
        "grant.apply",
        "grant",
        grant_id,
        after={k: v for k, v in _snapshot(grant).items() if v is not None},
        reason=grant.override_reason,
    )
    return _view(uow, grant, plan.warnings)


# --- status changes ------------------------------------------------------------------------------


def _grant_id(ref: str | int) -> int:
    number = record_id(ref)
    if number is None:
        raise NotFound("grant.not_found", ref=str(ref).strip())
    return number


def find_grant(uow: UnitOfWork, ref: str | int) -> Grant:
    """A grant by its number (the # shown in lists), with or without the #."""
    found = uow.session.get(Grant, _grant_id(ref))
    if found is None:
        raise NotFound("grant.not_found", ref=str(ref).strip())
    return found


def _find_to_change(uow: UnitOfWork, ref: str | int) -> Grant:
    """``find_grant``, row-locked: a second clerk approving (or paying…) the same grant waits
    for this one's commit, then is told the grant's new status does not allow it."""
    g = find_grant(uow, ref)
    uow.lock(g)
    return g


def _snapshot(g: Grant) -> dict[str, Any]:
    return g.model_dump(exclude={"id", "created_at", "updated_at"})


def _check_transition(uow: UnitOfWork, g: Grant, action: GrantAction) -> GrantStatus:
    allowed, result = TRANSITIONS[action]
    current = GrantStatus(g.status)
    if current not in allowed:
        student = uow.session.get(Person, g.student_id)
        raise Conflict(
            "grant.not_allowed",
            id=g.id,
            name=student.name if student else "?",
            status=current.label(),
            action=action.label(),
            allowed=i18n.join(st.label() for st in GrantStatus if st in allowed),
        )
    return result


def _record(
    uow: UnitOfWork, g: Grant, action: GrantAction, before: dict[str, Any], reason: str | None
) -> None:
    g.updated_at = utcnow()
    uow.session.add(g)
    uow.session.flush()
    after = _snapshot(g)
    changed = [k for k in after if after[k] != before.get(k)]
    uow.audit(
        f"grant.{action.value}",
        "grant",
        g.id,
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
        reason=reason,
    )


def approve(
    uow: UnitOfWork, ref: str | int, on: Any = None, *, override: str | None = None
) -> GrantView:
    """Approve an application: eligibility is checked again (an override grant keeps its
    reason; ``override`` lets in a parent no longer eligible), and the budget must hold. Audited."""
    g = find_grant(uow, ref)
    uow.serialize(_round_key(g.year))  # the budget: one approval of the year at a time
    uow.lock(g)
    result = _check_transition(uow, g, A.APPROVE)
    when = today() if blank(on) else _past(on, "approved_on")
    if when < g.applied_on:
        raise InvalidValue("approved_on", on, "grant.before_applied", date=g.applied_on)
    reason = _text(override, "override", 200)
    s = uow.session
    before = _snapshot(g)
    warnings: list[str] = []
    if g.eligibility != E.OVERRIDE.value:
        found = eligibility_of(s, g.parent_id, g.year)
        if found is None:
            if reason is None:
                parent = s.get(Person, g.parent_id)
                raise Conflict(
                    "grant.no_longer_eligible",
                    id=g.id,
                    name=parent.name if parent else "?",
                    year=g.year,
                )
            found = (E.OVERRIDE, None)
            g.override_reason = reason
        if found[0].value != g.eligibility:
            warnings.append(
                i18n.t(
                    "grant.warn_basis_changed",
                    old=Eligibility(g.eligibility).label(),
                    new=found[0].label(),
                )
            )
        g.eligibility, g.hardship_file_id = found[0].value, found[1]
    left = check_budget(s, g.year, g.amount_fen)
    g.status = result.value
    g.approved_on = when
    _record(uow, g, A.APPROVE, before, g.override_reason if reason else None)
    return _view(uow, g, warnings, budget_left_fen=left)


def _decided_on(g: Grant, on: Any) -> date:
    """The day of a rejection or withdrawal (default today): not in the future, not before the
    application or the approval."""
    when = today() if blank(on) else _past(on, "decided_on")
    if when < g.applied_on:
        raise InvalidValue("decided_on", on or when, "grant.before_applied", date=g.applied_on)
    if g.approved_on is not None and when < g.approved_on:
        raise InvalidValue("decided_on", on or when, "grant.before_approved", date=g.approved_on)
    return when


def reject(uow: UnitOfWork, ref: str | int, reason: str | None, on: Any = None) -> GrantView:
    """不予资助: an applied or approved (not yet paid) grant, with a reason, on a date (default
    today; not before the application or approval, not in the future). Audited."""
    text = _text(reason, "reason", 200)
    if text is None:
        raise UsageError("grant.reason_required")
    g = _find_to_change(uow, ref)
    result = _check_transition(uow, g, A.REJECT)
    when = _decided_on(g, on)
    before = _snapshot(g)
    g.status, g.status_reason, g.decided_on = result.value, text, when
    _record(uow, g, A.REJECT, before, text)
    return _view(uow, g)


def withdraw(
    uow: UnitOfWork, ref: str | int, reason: str | None = None, on: Any = None
) -> GrantView:
    """撤回: the family withdraws an applied or approved (not yet paid) grant, on a date (default
    today; not before the application or approval, not in the future). Audited."""
    text = _text(reason, "reason", 200)
    g = _find_to_change(uow, ref)
    result = _check_transition(uow, g, A.WITHDRAW)
    when = _decided_on(g, on)
    before = _snapshot(g)
    g.status, g.status_reason, g.decided_on = result.value, text, when
    _record(uow, g, A.WITHDRAW, before, text)
    return _view(uow, g)


def pay(uow: UnitOfWork, ref: str | int, on: Any = None) -> GrantView:
    """Pay an approved grant on a date (default today): in the round year or later, not before
    the approval, not in the future. Audited."""
    g = _find_to_change(uow, ref)
    result = _check_transition(uow, g, A.PAY)
    when = _date(on, "paid_on")
    check_paid_on(when, g.year, on)
    if g.approved_on is not None and when < g.approved_on:
        raise InvalidValue("paid_on", on, "grant.before_approved", date=g.approved_on)
    before = _snapshot(g)
    g.status, g.paid_on = result.value, when
    _record(uow, g, A.PAY, before, None)
    return _view(uow, g)


# --- read side -----------------------------------------------------------------------------------


def _view(
    uow: UnitOfWork,
    g: Grant,
    warnings: list[str] | None = None,
    *,
    budget_left_fen: int | None = None,
) -> GrantView:
    s = uow.session
    assert g.id is not None
    student = s.get(Person, g.student_id)
    parent = s.get(Person, g.parent_id)
    assert student is not None and parent is not None
    file_no, org_name = None, None
    if g.hardship_file_id is not None:
        hf = s.get(HardshipFile, g.hardship_file_id)
        if hf is not None:
            file_no = hf.file_no
            if hf.org_id is not None:
                org = s.get(Org, hf.org_id)
                org_name = org.name if org else None
    if org_name is None:
        org_name = s.execute(
            select(col(Org.name))
            .join(Member, col(Member.org_id) == col(Org.id))
            .where(col(Member.person_id) == g.parent_id)
        ).scalar()
    return GrantView(
        id=g.id,
        year=g.year,
        status=g.status,
        student_person_id=g.student_id,
        student_name=student.name,
        student_id_number=student.id_number,
        parent_person_id=g.parent_id,
        parent_name=parent.name,
        parent_id_number=parent.id_number,
        level=g.level,
        school=g.school,
        enrolled_year=g.enrolled_year,
        amount_fen=g.amount_fen,
        standard_fen=g.standard_fen,
        amount_reason=g.amount_reason,
        eligibility=g.eligibility,
        file_no=file_no,
        parent_org=org_name,
        override_reason=g.override_reason,
        status_reason=g.status_reason,
        exclusion=g.exclusion,
        applied_on=g.applied_on,
        approved_on=g.approved_on,
        paid_on=g.paid_on,
        decided_on=g.decided_on,
        note=g.note,
        budget_left_fen=budget_left_fen,
        warnings=list(warnings or []),
    )


def show(uow: UnitOfWork, ref: str | int) -> GrantView:
    return _view(uow, find_grant(uow, ref))


def _conditions(uow: UnitOfWork, flt: GrantFilter) -> list[Any]:
    c = Collector()
    year = None if blank(flt.year) else c.take(_year, flt.year)
    status = None if blank(flt.status) else c.take(GrantStatus.parse, str(flt.status), "status")
    level = None if blank(flt.level) else c.take(SchoolLevel.parse, str(flt.level), "level")
    elig = (
        None
        if blank(flt.eligibility)
        else c.take(Eligibility.parse, str(flt.eligibility), "eligibility")
    )
    c.check()
    conds: list[Any] = []
    if year is not None:
        conds.append(col(Grant.year) == year)
    if status is not None:
        conds.append(col(Grant.status) == status.value)
    if level is not None:
        conds.append(col(Grant.level) == level.value)
    if elig is not None:
        conds.append(col(Grant.eligibility) == elig.value)
    if not blank(flt.org):
        org_id = find_org(uow, str(flt.org)).id
        files = select(col(HardshipFile.id)).where(col(HardshipFile.org_id) == org_id)
        members = select(col(Member.person_id)).where(col(Member.org_id) == org_id)
        conds.append(or_(col(Grant.hardship_file_id).in_(files), col(Grant.parent_id).in_(members)))
    if flt.county:
        conds.append(col(Grant.id).in_(grants_in_county(flt.county)))
    return conds


def list_grants(
    uow: UnitOfWork, flt: GrantFilter, *, limit: int | None, offset: int = 0
) -> GrantPage:
    """One page of grants (latest round first, newest first) and totals over all that match."""
    s = uow.session
    conds = _conditions(uow, flt)
    granted = col(Grant.status).in_(GRANTED)
    count, amount, granted_count, granted_fen = s.execute(
        select(
            func.count(),
            func.coalesce(func.sum(col(Grant.amount_fen)), 0),
            func.coalesce(func.sum(case((granted, 1), else_=0)), 0),
            func.coalesce(func.sum(case((granted, col(Grant.amount_fen)), else_=0)), 0),
        )
        .select_from(Grant)
        .where(*conds)
    ).one()
    student, parent = aliased(Person, name="student"), aliased(Person, name="parent")
    stmt = (
        select(
            Grant,
            col(student.name),
            col(student.id_number),
            col(parent.name),
            col(parent.id_number),
        )
        .join(student, col(student.id) == col(Grant.student_id))
        .join(parent, col(parent.id) == col(Grant.parent_id))
        .where(*conds)
        .order_by(col(Grant.year).desc(), col(Grant.id).desc())
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [
        GrantRow(
            id=g.id or 0,
            year=g.year,
            student_name=sname,
            student_id_number=sid,
            level=g.level,
            school=g.school,
            parent_name=pname,
            parent_id_number=pid,
            eligibility=g.eligibility,
            amount_fen=g.amount_fen,
            standard_fen=g.standard_fen,
            status=g.status,
            applied_on=g.applied_on,
            approved_on=g.approved_on,
            paid_on=g.paid_on,
        )
        for g, sname, sid, pname, pid in s.execute(stmt).all()
    ]
    totals = GrantTotals(int(count), int(amount), int(granted_count), int(granted_fen))
    return GrantPage(rows=rows, total=int(count), totals=totals)


def _level_order() -> Any:
    return case({lv.value: i for i, lv in enumerate(SchoolLevel)}, value=col(Grant.level))


def round_summary(uow: UnitOfWork, year: Any) -> RoundSummary:
    """The round by level and status (count, amount), with totals and the budget used and left."""
    y = _year(year)
    s = uow.session
    cells: dict[str, dict[str, Cell]] = {}
    for level, status, n, fen in s.execute(
        select(
            col(Grant.level),
            col(Grant.status),
            func.count(),
            func.coalesce(func.sum(col(Grant.amount_fen)), 0),
        )
        .where(col(Grant.year) == y)
        .group_by(col(Grant.level), col(Grant.status))
    ):
        cells.setdefault(level, {})[status] = Cell(int(n), int(fen))

    def line(level: str, by_status: dict[str, Cell]) -> LevelLine:
        def get(st: GrantStatus) -> Cell:
            return by_status.get(st.value, Cell())

        return LevelLine(
            level=level,
            applied=get(S.APPLIED),
            approved=get(S.APPROVED),
            paid=get(S.PAID),
            rejected=get(S.REJECTED),
            withdrawn=get(S.WITHDRAWN),
            all=Cell(
                sum(c.count for c in by_status.values()),
                sum(c.amount_fen for c in by_status.values()),
            ),
        )

    levels = [line(lv.value, cells[lv.value]) for lv in SchoolLevel if lv.value in cells]
    total: dict[str, Cell] = {}
    for by_status in cells.values():
        for st, cell in by_status.items():
            had = total.get(st, Cell())
            total[st] = Cell(had.count + cell.count, had.amount_fen + cell.amount_fen)
    budget = budget_of(s, y)
    used = sum(total.get(st, Cell()).amount_fen for st in GRANTED)
    return RoundSummary(
        year=y,
        budget_fen=budget,
        used_fen=used,
        left_fen=None if budget is None else budget - used,
        has_standards=has_standards(s, y),
        levels=levels,
        totals=line("total", total),
    )


def notice(uow: UnitOfWork, year: Any, county: str | None = None) -> Notice:
    """The public notice (公示) of a round: approved and paid grants, by level then name — name,
    school level and amount, nothing else (no ID number, school, parent or address). ``county``
    (the clerk's) keeps its grants (``grants_in_county``)."""
    y = _year(year)
    stmt = (
        select(col(Person.name), col(Grant.level), col(Grant.amount_fen))
        .join(Person, col(Person.id) == col(Grant.student_id))
        .where(col(Grant.year) == y, col(Grant.status).in_(GRANTED))
        .order_by(_level_order(), col(Person.name_pinyin), col(Grant.id))
    )
    if county:
        stmt = stmt.where(col(Grant.id).in_(grants_in_county(county)))
    rows = [
        NoticeRow(no=i, name=name, level=level, amount_fen=int(fen))
        for i, (name, level, fen) in enumerate(uow.session.execute(stmt).all(), start=1)
    ]
    return Notice(year=y, rows=rows, amount_fen=sum(r.amount_fen for r in rows))


def grants_of_parents(uow: UnitOfWork, person_ids: list[int]) -> list[HouseholdGrant]:
    """The grants whose parent is one of ``person_ids`` (a member; a file's head and family),
    newest round first."""
    if not person_ids:
        return []
    student, parent = aliased(Person, name="student"), aliased(Person, name="parent")
    stmt = (
        select(Grant, col(student.name), col(parent.name))
        .join(student, col(student.id) == col(Grant.student_id))
        .join(parent, col(parent.id) == col(Grant.parent_id))
        .where(col(Grant.parent_id).in_(person_ids))
        .order_by(col(Grant.year).desc(), col(Grant.id).desc())
    )
    return [
        HouseholdGrant(
            id=g.id or 0,
            year=g.year,
            student_name=sname,
            parent_name=pname,
            level=g.level,
            amount_fen=g.amount_fen,
            status=g.status,
            eligibility=g.eligibility,
            paid_on=g.paid_on,
        )
        for g, sname, pname in uow.session.execute(stmt).all()
    ]


def parent_org_at(end: Any = None) -> Any:
    """The parent's union as in force at ``end`` (a date; default 31 December of the grant's
    round year): the union of the latest event of the parent's membership dated by then, NULL
    when the membership had none. A correlated scalar subquery on ``student_grant``, served by
    ``member.person_id`` and ``ix_member_event_member_id_event_date``; the report's twin is
    ``report._GRANT_ORG``."""
    from sqlalchemy import extract

    e = aliased(MemberEvent, name="parent_event")
    pm = aliased(Member, name="parent_member")
    until = (
        col(e.event_date) <= end
        if end is not None
        else extract("year", col(e.event_date)) <= col(Grant.year)
    )
    return (
        select(col(e.org_id))
        .join(pm, col(pm.id) == col(e.member_id))
        .where(col(pm.person_id) == col(Grant.parent_id), until)
        .order_by(col(e.event_date).desc(), col(e.id).desc())
        .limit(1)
        .correlate(Grant)
        .scalar_subquery()
    )


def grant_org(end: Any = None) -> Any:
    """The union a grant counts for: its hardship file's union, else the parent's union as in
    force at the end of the round year (``parent_org_at``) — a later transfer of the parent
    never moves a past year's grant. Needs ``student_grant`` outer-joined to ``hardship_file``."""
    return func.coalesce(col(HardshipFile.org_id), parent_org_at(end))


def grants_in_county(county: str) -> Select[Any]:
    """The ids of the grants of a county (区县), for ``id IN (…)``: those whose ``grant_org()`` is
    one of its unions, as the yearly report counts them. A grant whose parent neither holds the
    grant's file nor was a member by the end of its round year belongs to no county."""
    return (
        select(col(Grant.id))
        .select_from(Grant)
        .outerjoin(HardshipFile, col(HardshipFile.id) == col(Grant.hardship_file_id))
        .where(grant_org().in_(orgs_in_county(county)))
        # a subquery of its own: never correlated with the student_grant of the query it filters
        .correlate(None)
    )


def year_figures(db: Db, year: int, scope: Scope | None = None) -> GrantFigures:
    """SPEC §4.3 ``grants.*``: students and amount of the year's round paid by 31 December of
    the year (a payment dated later never changes it), by level, of which children of
    hardship-file households and of migrant workers (by the grant's eligibility).

    With a ``scope``: the grants whose ``grant_org()`` at 31 December is one of its unions (a
    grant whose parent neither holds the grant's file nor was a member by then counts for the
    whole ledger only)."""
    _, end = _year_span(year)
    stmt = select(
        col(Grant.level),
        col(Grant.eligibility),
        func.count(func.distinct(col(Grant.student_id))),
        func.coalesce(func.sum(col(Grant.amount_fen)), 0),
    ).where(col(Grant.year) == year, col(Grant.status) == S.PAID.value, col(Grant.paid_on) <= end)
    if scope is not None and not scope.whole:
        stmt = stmt.select_from(Grant).outerjoin(
            HardshipFile, col(HardshipFile.id) == col(Grant.hardship_file_id)
        )
        union = grant_org(end)
        if scope.org_id is not None:
            stmt = stmt.where(union == scope.org_id)
        if scope.township is not None:
            stmt = stmt.where(
                union.in_(select(col(Org.id)).where(col(Org.township) == scope.township))
            )
        if scope.county is not None:
            stmt = stmt.where(union.in_(orgs_in_county(scope.county)))
    rows = db.execute(stmt.group_by(col(Grant.level), col(Grant.eligibility))).all()
    by_level: dict[str, LevelFigure] = {}
    by_elig: dict[str, int] = {}
    for level, elig, n, fen in rows:
        had = by_level.get(level, LevelFigure(0, 0))
        by_level[level] = LevelFigure(had.students + int(n), had.amount_fen + int(fen))
        by_elig[elig] = by_elig.get(elig, 0) + int(n)
    return GrantFigures(
        students=sum(f.students for f in by_level.values()),
        amount_fen=sum(f.amount_fen for f in by_level.values()),
        by_level=by_level,
        hardship_children=by_elig.get(E.HARDSHIP_FILE.value, 0),
        migrant_children=by_elig.get(E.MIGRANT_MEMBER.value, 0),
    )
