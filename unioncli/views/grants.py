"""The read side of 金秋助学 (scholarship grants): one grant, the list with its totals, the
round's settings (standards, budget) and summary, the public notice, a household's grants.

Plain SQL through ``db.read`` (no ORM): what ``grant show/list/round/notice/standards/budget``
print. The field labels and messages of the register live here, so that a read registers them
without loading the services; ``services/grants`` imports them from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from unioncli import i18n
from unioncli.dates import parse_year
from unioncli.db.read import Reader, day, placeholders
from unioncli.enums import Eligibility, GrantStatus, SchoolLevel
from unioncli.errors import NotFound
from unioncli.ids import record_id
from unioncli.services.common import Collector, blank
from unioncli.views import IN_COUNTY, county_param, limit_clause
from unioncli.views.orgs import find_org_id

S = GrantStatus

STANDING = (S.APPLIED.value, S.APPROVED.value, S.PAID.value)  # one per student per year
GRANTED = (S.APPROVED.value, S.PAID.value)  # what uses the budget

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


# --- dataclasses ---------------------------------------------------------------------------------


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


# --- lookups -------------------------------------------------------------------------------------


def year_of(raw: Any) -> int:
    """A round year as typed (or an int)."""
    return parse_year(raw if isinstance(raw, int) else str(raw), "year")


def grant_id(ref: str | int) -> int:
    """The number of a grant reference (the # shown in lists), with or without the #."""
    number = record_id(ref)
    if number is None:
        raise NotFound("grant.not_found", ref=str(ref).strip())
    return number


# ``student_grant g`` of the clerk's county (区县), for ``g.id IN …``: the grants whose union —
# the hardship file's, else the parent's as in force at the end of the round year (the latest
# event of the parent's membership dated in or before it) — is one of the county's, as the
# yearly report counts them (``services/grants/figures.grant_org``).
GRANTS_IN_COUNTY = f"""(SELECT cg.id FROM student_grant cg
    LEFT JOIN hardship_file cf ON cf.id = cg.hardship_file_id
    WHERE COALESCE(cf.org_id, (
        SELECT e.org_id FROM member pm JOIN member_event e ON e.member_id = pm.id
        WHERE pm.person_id = cg.parent_id
          AND CAST(SUBSTR(CAST(e.event_date AS TEXT), 1, 4) AS INTEGER) <= cg.year
        ORDER BY e.event_date DESC, e.id DESC LIMIT 1)) IN {IN_COUNTY})"""


def _level_order(column: str) -> str:
    whens = " ".join(f"WHEN '{lv.value}' THEN {i}" for i, lv in enumerate(SchoolLevel))
    return f"CASE {column} {whens} END"


# --- one grant -----------------------------------------------------------------------------------

_GRANT = """
SELECT g.id, g.year, g.status, g.student_id, s.name, s.id_number, g.parent_id, p.name,
       p.id_number, g.level, g.school, g.enrolled_year, g.amount_fen, g.standard_fen,
       g.amount_reason, g.eligibility, f.file_no,
       COALESCE(fo.name, (SELECT o.name FROM org o JOIN member m ON m.org_id = o.id
                          WHERE m.person_id = g.parent_id LIMIT 1)),
       g.override_reason, g.status_reason, g.exclusion, g.applied_on, g.approved_on, g.paid_on,
       g.decided_on, g.note
FROM student_grant g
JOIN person s ON s.id = g.student_id
JOIN person p ON p.id = g.parent_id
LEFT JOIN hardship_file f ON f.id = g.hardship_file_id
LEFT JOIN org fo ON fo.id = f.org_id
WHERE g.id = :id
"""


def show(r: Reader, ref: str | int) -> GrantView:
    """A grant by its number: student, parent, basis (the file it rests on), the parent's union
    (of the file, else of the membership), amounts and dates."""
    row = r.one(_GRANT, {"id": grant_id(ref)})
    if row is None:
        raise NotFound("grant.not_found", ref=str(ref).strip())
    return GrantView(
        id=int(row[0]),
        year=int(row[1]),
        status=row[2],
        student_person_id=int(row[3]),
        student_name=row[4],
        student_id_number=row[5],
        parent_person_id=int(row[6]),
        parent_name=row[7],
        parent_id_number=row[8],
        level=row[9],
        school=row[10],
        enrolled_year=None if row[11] is None else int(row[11]),
        amount_fen=int(row[12]),
        standard_fen=None if row[13] is None else int(row[13]),
        amount_reason=row[14],
        eligibility=row[15],
        file_no=row[16],
        parent_org=row[17],
        override_reason=row[18],
        status_reason=row[19],
        exclusion=row[20],
        applied_on=day(row[21]),  # type: ignore[arg-type]
        approved_on=day(row[22]),
        paid_on=day(row[23]),
        decided_on=day(row[24]),
        note=row[25],
    )


# --- the list ------------------------------------------------------------------------------------


def _conditions(r: Reader, flt: GrantFilter) -> tuple[list[str], dict[str, Any]]:
    c = Collector()
    year = None if blank(flt.year) else c.take(year_of, flt.year)
    status = None if blank(flt.status) else c.take(GrantStatus.parse, str(flt.status), "status")
    level = None if blank(flt.level) else c.take(SchoolLevel.parse, str(flt.level), "level")
    elig = (
        None
        if blank(flt.eligibility)
        else c.take(Eligibility.parse, str(flt.eligibility), "eligibility")
    )
    c.check()
    conds: list[str] = []
    params: dict[str, Any] = {}
    if year is not None:
        conds.append("g.year = :year")
        params["year"] = year
    if status is not None:
        conds.append("g.status = :status")
        params["status"] = status.value
    if level is not None:
        conds.append("g.level = :level")
        params["level"] = level.value
    if elig is not None:
        conds.append("g.eligibility = :eligibility")
        params["eligibility"] = elig.value
    if not blank(flt.org):
        params["org_id"] = find_org_id(r, str(flt.org))
        conds.append(
            "(g.hardship_file_id IN (SELECT id FROM hardship_file WHERE org_id = :org_id)"
            " OR g.parent_id IN (SELECT person_id FROM member WHERE org_id = :org_id))"
        )
    if flt.county:
        conds.append(f"g.id IN {GRANTS_IN_COUNTY}")
        params.update(county_param(flt.county))
    return conds, params


def list_grants(r: Reader, flt: GrantFilter, *, limit: int | None) -> GrantPage:
    """One page of grants (latest round first, newest first) and totals over all that match."""
    conds, params = _conditions(r, flt)
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    granted, _ = placeholders("granted", list(GRANTED))
    granted_params = {f"granted_{i}": v for i, v in enumerate(GRANTED)}
    totals = r.one(
        f"""SELECT COUNT(*), COALESCE(SUM(g.amount_fen), 0),
               COALESCE(SUM(CASE WHEN g.status IN {granted} THEN 1 ELSE 0 END), 0),
               COALESCE(SUM(CASE WHEN g.status IN {granted} THEN g.amount_fen ELSE 0 END), 0)
            FROM student_grant g{where}""",
        params | granted_params,
    )
    assert totals is not None
    found = r.all(
        f"""SELECT g.id, g.year, s.name, s.id_number, g.level, g.school, p.name, p.id_number,
               g.eligibility, g.amount_fen, g.standard_fen, g.status, g.applied_on,
               g.approved_on, g.paid_on
            FROM student_grant g
            JOIN person s ON s.id = g.student_id
            JOIN person p ON p.id = g.parent_id{where}
            ORDER BY g.year DESC, g.id DESC{limit_clause(limit)}""",
        params | {"limit": limit},
    )
    rows = [
        GrantRow(
            id=int(x[0]),
            year=int(x[1]),
            student_name=x[2],
            student_id_number=x[3],
            level=x[4],
            school=x[5],
            parent_name=x[6],
            parent_id_number=x[7],
            eligibility=x[8],
            amount_fen=int(x[9]),
            standard_fen=None if x[10] is None else int(x[10]),
            status=x[11],
            applied_on=day(x[12]),  # type: ignore[arg-type]
            approved_on=day(x[13]),
            paid_on=day(x[14]),
        )
        for x in found
    ]
    count, amount, granted_count, granted_fen = (int(v or 0) for v in totals)
    return GrantPage(
        rows=rows,
        total=count,
        totals=GrantTotals(count, amount, granted_count, granted_fen),
    )


# --- the round: settings, summary, notice --------------------------------------------------------


def has_standards(r: Reader, year: int) -> bool:
    return (
        r.one("SELECT year FROM grant_standard WHERE year = :year LIMIT 1", {"year": year})
        is not None
    )


def budget_of(r: Reader, year: int) -> int | None:
    found = r.scalar("SELECT budget_fen FROM grant_round WHERE year = :year", {"year": year})
    return None if found is None else int(found)


def used_budget(r: Reader, year: int) -> int:
    """Approved and paid amounts of the year's round (fen)."""
    granted, params = placeholders("granted", list(GRANTED))
    return r.count(
        f"SELECT COALESCE(SUM(amount_fen), 0) FROM student_grant"
        f" WHERE year = :year AND status IN {granted}",
        params | {"year": year},
    )


def round_settings(r: Reader, year: Any) -> RoundSettings:
    """A round's standards by level (parent on a file or not), its budget and what is used."""
    y = year_of(year)
    by_level: dict[str, dict[bool, int]] = {}
    for level, on_file, fen in r.all(
        "SELECT level, on_file, amount_fen FROM grant_standard WHERE year = :year", {"year": y}
    ):
        by_level.setdefault(level, {})[bool(on_file)] = int(fen)
    standards = [
        StandardRow(lv.value, by_level[lv.value].get(True), by_level[lv.value].get(False))
        for lv in SchoolLevel
        if lv.value in by_level
    ]
    return RoundSettings(y, budget_of(r, y), standards, used_budget(r, y))


def round_summary(r: Reader, year: Any) -> RoundSummary:
    """The round by level and status (count, amount), with totals and the budget used and left."""
    y = year_of(year)
    cells: dict[str, dict[str, Cell]] = {}
    for level, status, n, fen in r.all(
        """SELECT level, status, COUNT(*), COALESCE(SUM(amount_fen), 0) FROM student_grant
           WHERE year = :year GROUP BY level, status""",
        {"year": y},
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
    budget = budget_of(r, y)
    used = sum(total.get(st, Cell()).amount_fen for st in GRANTED)
    return RoundSummary(
        year=y,
        budget_fen=budget,
        used_fen=used,
        left_fen=None if budget is None else budget - used,
        has_standards=has_standards(r, y),
        levels=levels,
        totals=line("total", total),
    )


def notice(r: Reader, year: Any, county: str | None = None) -> Notice:
    """The public notice (公示) of a round: approved and paid grants, by level then name — name,
    school level and amount, nothing else (no ID number, school, parent or address). ``county``
    (the clerk's) keeps its grants (``GRANTS_IN_COUNTY``)."""
    y = year_of(year)
    granted, params = placeholders("granted", list(GRANTED))
    here = f" AND g.id IN {GRANTS_IN_COUNTY}" if county else ""
    found = r.all(
        f"""SELECT p.name, g.level, g.amount_fen FROM student_grant g
            JOIN person p ON p.id = g.student_id
            WHERE g.year = :year AND g.status IN {granted}{here}
            ORDER BY {_level_order("g.level")}, p.name_pinyin, g.id""",
        params | {"year": y} | county_param(county),
    )
    rows = [
        NoticeRow(no=i, name=name, level=level, amount_fen=int(fen))
        for i, (name, level, fen) in enumerate(found, start=1)
    ]
    return Notice(year=y, rows=rows, amount_fen=sum(x.amount_fen for x in rows))


# --- for member show and hardship show -----------------------------------------------------------


def household_grants(r: Reader, person_ids: list[int]) -> list[HouseholdGrant]:
    """The grants whose parent is one of ``person_ids`` (a member; a file's head and family),
    newest round first."""
    if not person_ids:
        return []
    ids, params = placeholders("person", list(person_ids))
    return [
        HouseholdGrant(
            id=int(x[0]),
            year=int(x[1]),
            student_name=x[2],
            parent_name=x[3],
            level=x[4],
            amount_fen=int(x[5]),
            status=x[6],
            eligibility=x[7],
            paid_on=day(x[8]),
        )
        for x in r.all(
            f"""SELECT g.id, g.year, s.name, p.name, g.level, g.amount_fen, g.status,
                   g.eligibility, g.paid_on
                FROM student_grant g
                JOIN person s ON s.id = g.student_id
                JOIN person p ON p.id = g.parent_id
                WHERE g.parent_id IN {ids}
                ORDER BY g.year DESC, g.id DESC""",
            params,
        )
    ]
