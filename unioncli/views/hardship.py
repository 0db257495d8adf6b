"""The read side of hardship files (困难职工帮扶档案): show, list, due, notice, the 低保 lines.

Plain SQL through ``db.read``; no ORM (see ``unioncli.views``). The writes
(``services/hardship/``) read a file back through ``file_view`` on their own connection, so a
file is put together in one place. Also here, as the reads need them: the field labels, the due
dates' month arithmetic (``add_months``, ``visit_cutoff``) and the income check against the
year's line (``income_warning``).
"""

from __future__ import annotations

import heapq
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from unioncli import i18n
from unioncli.dates import parse_date, parse_year, today
from unioncli.db.read import Reader, day, moment, placeholders
from unioncli.enums import AidKind, FileStatus, HardshipCategory, HardshipCause
from unioncli.errors import InvalidValue, NotFound, UsageError
from unioncli.ids import mask_id, parse_id_number, record_id
from unioncli.money import format_money
from unioncli.views import IN_COUNTY, Page, county_param, limit_clause

VISIT_MONTHS = 6  # a home visit at least every six months

i18n.register_fields(
    {
        "file_no": ("档案编号", "file no."),
        "file": ("档案", "file"),
        "category": ("困难类别", "category"),
        "opened_category": ("建档时类别", "category when opened"),
        "cause": ("主要致困原因", "main cause"),
        "secondary_causes": ("次要致困原因", "secondary causes"),
        "household_size": ("家庭人口", "household size"),
        "income_per_capita": ("家庭月人均收入", "monthly income per head"),
        "income_fen": ("家庭月人均收入（分）", "monthly income per head (fen)"),
        "health": ("健康状况", "health"),
        "housing": ("住房类型", "housing"),
        "address": ("家庭住址", "address"),
        "opened": ("建档日期", "opened"),
        "opened_on": ("建档日期", "opened"),
        "closed": ("退档日期", "closed"),
        "closed_on": ("退档日期", "closed"),
        "close_reason": ("退档原因", "reason for closing"),
        "head_id": ("户主编号", "head no."),
        "previous_id": ("原档案编号", "previous file no."),
        "family": ("家庭成员", "family member"),
        "relation": ("关系", "relation"),
        "family_income": ("月收入", "monthly income"),
        "family_income_fen": ("月收入（分）", "monthly income (fen)"),
        "occupation": ("身份/学校", "school or work"),
        "outcome": ("复核结论", "outcome"),
        "reviewer": ("复核人", "reviewer"),
        "review_date": ("复核日期", "review date"),
        "visitor": ("走访人", "visitor"),
        "visit_date": ("走访日期", "visit date"),
        "note": ("备注", "note"),
        "as_of": ("截至日期", "as of"),
        "line_fen": ("低保线（分）", "low-income line (fen)"),
        "low_income_line": ("低保线", "low-income line"),
        "aid_kind": ("帮扶类型", "aid kind"),
        "kind": ("类型", "kind"),
    }
)

i18n.register(
    {
        "hardship.not_found": ("找不到困难职工档案“{ref}”", "no hardship file “{ref}”"),
        "hardship.notice_what": (
            "请指定 --opened-in 年度（新建档公示）或 --aid-year 年度（帮扶公示）之一",
            "give one of --opened-in YEAR (new files) or --aid-year YEAR (aid)",
        ),
        "hardship.settings_both": (
            "设置低保线须同时给出 --year 和 --low-income-line",
            "setting the line needs both --year and --low-income-line",
        ),
        "hardship.due_kind": (
            "须为 review（年度复核）或 visit（入户走访）",
            "must be review or visit",
        ),
        "hardship.warn_deep": (
            "家庭月人均收入 {income} 元 不低于低保线（{year} 年 {line} 元）：与“{category}”不符",
            "monthly income per head {income} yuan is not below the low-income line "
            "({year}: {line} yuan): does not fit “{category}”",
        ),
        "hardship.warn_relative": (
            "家庭月人均收入 {income} 元 不低于 2 倍低保线（{year} 年低保线 {line} 元，2 倍为 "
            "{double} 元）：与“{category}”不符",
            "monthly income per head {income} yuan is not below twice the low-income line "
            "({year}: {line} yuan, twice is {double}): does not fit “{category}”",
        ),
        # the union lookup's messages, as services/orgs says them
        "org.not_found": ("找不到工会“{ref}”", "no union “{ref}”"),
        "org.ambiguous": (
            "“{ref}”对应多个工会：{names}，请写全称",
            "“{ref}” matches several unions: {names}; give the full name",
        ),
    }
)


# --- what a read returns ---------------------------------------------------------------------


@dataclass(frozen=True)
class FamilyView:
    id: int
    person_id: int
    name: str
    id_number: str
    gender: str
    birth_date: date
    relation: str
    income_fen: int | None
    health: str | None
    occupation: str | None


@dataclass(frozen=True)
class ReviewView:
    id: int
    date: date
    outcome: str
    category: str
    reviewer: str | None


@dataclass(frozen=True)
class CategoryStep:
    """One step of a file's category history: its opening, then each review."""

    date: date
    category: str
    source: str  # "opened" or "review"


@dataclass(frozen=True)
class VisitView:
    id: int
    date: date
    visitor: str | None
    note: str | None


@dataclass(frozen=True)
class AidYear:
    """Aid to one file in one year: net entries (a reversal takes one away) and net amount."""

    year: int
    count: int
    amount_fen: int


@dataclass(frozen=True)
class LinkView:
    """Another file of the same household's history."""

    id: int
    file_no: str
    opened_on: date
    closed_on: date | None
    status: str
    close_reason: str | None


@dataclass(frozen=True)
class FileView:
    id: int
    file_no: str
    status: str
    person_id: int
    name: str
    id_number: str
    gender: str
    birth_date: date
    phone: str | None
    org_id: int | None
    org: str | None
    category: str
    cause: str
    secondary_causes: list[str]
    household_size: int
    income_fen: int | None
    health: str | None
    housing: str | None
    address: str | None
    opened_on: date
    closed_on: date | None
    close_reason: str | None
    opened_category: str = ""
    previous: LinkView | None = None
    next: LinkView | None = None
    family: list[FamilyView] = field(default_factory=list)
    reviews: list[ReviewView] = field(default_factory=list)
    visits: list[VisitView] = field(default_factory=list)
    aid_by_year: list[AidYear] = field(default_factory=list)
    # the opening category, then each review's, oldest first
    category_history: list[CategoryStep] = field(default_factory=list)
    # income that does not fit the category: shown by the CLI on stderr, never stored
    warnings: list[str] = field(default_factory=list)

    @property
    def person_ids(self) -> list[int]:
        return [self.person_id, *(m.person_id for m in self.family)]


@dataclass(frozen=True)
class HouseholdGrant:
    """A grant to a child of the household, as ``hardship show`` lists it (the fields of
    ``services.grants.HouseholdGrant``)."""

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
class FileRow:
    id: int
    file_no: str
    name: str
    id_number: str
    phone: str | None
    org: str | None
    category: str
    cause: str
    household_size: int
    income_fen: int | None
    opened_on: date
    status: str
    closed_on: date | None
    close_reason: str | None
    person_id: int


@dataclass(frozen=True)
class FileFilter:
    org: str | None = None
    category: str | None = None
    status: str | None = None
    opened_year: int | str | None = None
    closed_year: int | str | None = None
    cause: str | None = None
    county: str | None = None  # the clerk's county (区县): files of its unions only


@dataclass(frozen=True)
class DueItem:
    file_id: int
    file_no: str
    person_id: int
    name: str
    id_number: str
    phone: str | None
    org: str | None
    category: str
    kind: str  # "review" or "visit"
    due_on: date
    last_on: date | None
    days_overdue: int


@dataclass(frozen=True)
class DueList:
    as_of: date
    items: list[DueItem]
    total: int
    reviews: int
    visits: int


@dataclass(frozen=True)
class NoticeRow:
    """One line of a public notice (公示): never an ID number, health or address."""

    no: int
    name: str
    org: str | None
    category: str
    amount_fen: int | None = None


@dataclass(frozen=True)
class LineView:
    year: int
    amount_fen: int
    updated_at: datetime


@dataclass(frozen=True)
class HeadedFile:
    """A file a person heads, as ``member show`` lists it."""

    id: int
    file_no: str
    category: str
    status: str
    opened_on: date
    closed_on: date | None
    close_reason: str | None
    aid_by_year: list[AidYear]


# --- month arithmetic of the due dates -------------------------------------------------------


def add_months(on: date, months: int) -> date:
    """``on`` moved by whole calendar months; a day the target month lacks becomes its last day
    (31 August + 6 months = 28/29 February)."""
    index = on.year * 12 + on.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(on.day, _month_days(year, month + 1)))


def _month_days(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def visit_cutoff(as_of: date, months: int = VISIT_MONTHS) -> date:
    """The latest last visit (or opening) whose next visit falls due on or before ``as_of``.

    A visit on day ``d`` is due again on ``add_months(d, 6)``; that is monotone in ``d``, so "due
    by ``as_of``" is exactly "``d`` on or before this cutoff".
    On a month's last day every later day of the month six months back is due as well
    (31 August → 28 February).
    """
    cutoff = add_months(as_of, -months)
    if as_of.day == _month_days(as_of.year, as_of.month):
        cutoff = cutoff.replace(day=_month_days(cutoff.year, cutoff.month))
    return cutoff


def causes_list(stored: str | None) -> list[str]:
    """The secondary causes as stored (comma-joined codes) as a list."""
    return [c for c in (stored or "").split(",") if c]


def _year_range(raw: int | str, field_key: str) -> tuple[date, date]:
    y = parse_year(raw, field_key)
    return date(y, 1, 1), date(y, 12, 31)


# The category of file ``f`` in force on :on: the latest review's by then (ties: the highest
# id), else the opening one (services/hardship/files.category_on, on
# ix_hardship_review_file_day_cover).
CATEGORY_ON = """COALESCE(
  (SELECT r.category FROM hardship_review r
   WHERE r.file_id = f.id AND r.review_date <= :on
   ORDER BY r.review_date DESC, r.id DESC LIMIT 1),
  f.opened_category)"""


# --- lookups ---------------------------------------------------------------------------------


def find_org_id(r: Reader, ref: str) -> int:
    """A union by id, USCC, exact name, or a part of its name that names only one union (the
    rules and messages of ``services.orgs.find_org``)."""
    ref = ref.strip()
    number = record_id(ref) if ref.isdigit() else None
    if number is not None:
        found = r.scalar("SELECT id FROM org WHERE id = :id", {"id": number})
        if found is not None:
            return int(found)
    if len(ref) == 18:
        found = r.scalar("SELECT id FROM org WHERE uscc = :uscc LIMIT 1", {"uscc": ref.upper()})
        if found is not None:
            return int(found)
    found = r.scalar("SELECT id FROM org WHERE name = :name LIMIT 1", {"name": ref})
    if found is not None:
        return int(found)
    if ref:
        hits = r.all(
            "SELECT id, name FROM org WHERE name LIKE '%' || :part || '%' LIMIT 6", {"part": ref}
        )
        if len(hits) == 1:
            return int(hits[0][0])
        if hits:
            raise UsageError("org.ambiguous", ref=ref, names=i18n.join(h[1] for h in hits[:5]))
    raise NotFound("org.not_found", ref=ref)


def open_membership(r: Reader, person_id: int) -> tuple[int, str, str] | None:
    """(file id, file no., "head" or "family") of the open file a person is in, if any."""
    return r.one(  # type: ignore[return-value]
        """
        SELECT id, file_no, 'head' FROM hardship_file WHERE head_id = :pid AND status = :open
        UNION ALL
        SELECT f.id, f.file_no, 'family' FROM hardship_file f
        JOIN hardship_family m ON m.file_id = f.id
        WHERE m.person_id = :pid AND f.status = :open
        LIMIT 1
        """,
        {"pid": person_id, "open": FileStatus.OPEN.value},
    )


def find_file_id(r: Reader, ref: str) -> int:
    """A file by file number, ``#id`` (or the bare id), or a person's ID number (the rules of
    ``services.hardship.files.find_file``).

    For an ID number: the open file the person heads, else the open file they are a family
    member of, else the latest file they headed.
    """
    text = unicodedata.normalize("NFKC", ref).strip()
    if text:
        nos, params = placeholders("no", sorted({text, text.upper()}))
        found = r.scalar(f"SELECT id FROM hardship_file WHERE file_no IN {nos} LIMIT 1", params)
        if found is not None:
            return int(found)
    number = record_id(text)
    if number is not None:
        found = r.scalar("SELECT id FROM hardship_file WHERE id = :id", {"id": number})
        if found is not None:
            return int(found)
    if len(text) in (15, 18):
        try:
            rid = parse_id_number(text)
        except InvalidValue:
            rid = None
        if rid is not None:
            found = _file_of_id_number(r, rid.number)
            if found is None:
                raise NotFound("hardship.not_found", ref=mask_id(rid.number))
            return found
    raise NotFound("hardship.not_found", ref=text)


def _file_of_id_number(r: Reader, number: str) -> int | None:
    person = r.scalar("SELECT id FROM person WHERE id_number = :n LIMIT 1", {"n": number})
    if person is None:
        return None
    member = open_membership(r, int(person))
    if member is not None:
        return int(member[0])
    found = r.scalar(
        "SELECT id FROM hardship_file WHERE head_id = :pid "
        "ORDER BY opened_on DESC, id DESC LIMIT 1",
        {"pid": person},
    )
    return None if found is None else int(found)


# --- the 低保 line and the income check ------------------------------------------------------


def low_income_line(r: Reader, year: int) -> int | None:
    """The county's 低保 line (fen per person per month) for a year, or None if not set."""
    found = r.scalar("SELECT amount_fen FROM low_income_line WHERE year = :y", {"y": year})
    return None if found is None else int(found)


def low_income_lines(r: Reader) -> list[LineView]:
    """Every year's line, the latest year first (``hardship settings``)."""
    return [
        LineView(int(y), int(fen), moment(at))  # type: ignore[arg-type]
        for y, fen, at in r.all(
            "SELECT year, amount_fen, updated_at FROM low_income_line ORDER BY year DESC"
        )
    ]


def income_warning(r: Reader, category: str, income_fen: int | None, year: int) -> str | None:
    """Why the income per head does not fit the category, by the year's line; None if it fits,
    if no income is recorded, if the category has no income rule (accident), or if no line is
    set for the year. deep: below the line; relative: below twice the line."""
    if income_fen is None or category == HardshipCategory.ACCIDENT.value:
        return None
    line = low_income_line(r, year)
    if line is None:
        return None
    label = HardshipCategory(category).label()
    if category == HardshipCategory.DEEP.value and income_fen >= line:
        return i18n.t(
            "hardship.warn_deep",
            income=format_money(income_fen),
            year=year,
            line=format_money(line),
            category=label,
        )
    if category == HardshipCategory.RELATIVE.value and income_fen >= 2 * line:
        return i18n.t(
            "hardship.warn_relative",
            income=format_money(income_fen),
            year=year,
            line=format_money(line),
            double=format_money(2 * line),
            category=label,
        )
    return None


# --- one file --------------------------------------------------------------------------------


def aid_by_year(r: Reader, file_ids: Sequence[int]) -> dict[int, list[AidYear]]:
    """Aid per file and year, straight from the ``aid`` table: net entries and net amount,
    the latest year first.

    A reversing entry (``reverses_id`` set) counts minus one, so a payment and its reversal in
    the same year leave nothing behind. Summed here rather than grouped by a year in SQL: the
    year of a date is spelt differently on SQLite and PostgreSQL, and a file has few entries.
    """
    if not file_ids:
        return {}
    ids, params = placeholders("f", list(file_ids))
    sums: dict[tuple[int, int], list[int]] = {}
    for fid, on, reversal, fen in r.all(
        f"SELECT file_id, aid_date, reverses_id, amount_fen FROM aid WHERE file_id IN {ids}",
        params,
    ):
        y = day(on).year  # type: ignore[union-attr]
        got = sums.setdefault((int(fid), y), [0, 0])
        got[0] += 1 if reversal is None else -1
        got[1] += int(fen)
    out: dict[int, list[AidYear]] = {}
    for (fid, y), (n, fen) in sorted(sums.items(), key=lambda kv: (kv[0][0], -kv[0][1])):
        out.setdefault(fid, []).append(AidYear(y, n, fen))
    return out


_LINK = "SELECT id, file_no, opened_on, closed_on, status, close_reason FROM hardship_file"


def _link(row: Any) -> LinkView | None:
    if row is None:
        return None
    return LinkView(int(row[0]), row[1], day(row[2]), day(row[3]), row[4], row[5])  # type: ignore[arg-type]


_FILE = """
SELECT f.id, f.file_no, f.status, p.id, p.name, p.id_number, p.gender, p.birth_date, f.phone,
       f.org_id, o.name, f.category, f.cause, f.secondary_causes, f.household_size, f.income_fen,
       f.health, f.housing, f.address, f.opened_on, f.closed_on, f.close_reason,
       f.opened_category, f.previous_id
FROM hardship_file f JOIN person p ON p.id = f.head_id LEFT JOIN org o ON o.id = f.org_id
WHERE f.id = :id
"""


def file_view(r: Reader, file_id: int, *, warn_year: int | None) -> FileView:
    """The whole file. ``warn_year``: check the income against that year's line (None: don't)."""
    f = r.one(_FILE, {"id": file_id})
    if f is None:
        raise NotFound("hardship.not_found", ref=f"#{file_id}")
    family = [
        FamilyView(
            int(m[0]),
            int(m[1]),
            m[2],
            m[3],
            m[4],
            day(m[5]),  # type: ignore[arg-type]
            m[6],
            m[7],
            m[8],
            m[9],
        )
        for m in r.all(
            """
            SELECT m.id, p.id, p.name, p.id_number, p.gender, p.birth_date, m.relation,
                   m.income_fen, m.health, m.occupation
            FROM hardship_family m JOIN person p ON p.id = m.person_id
            WHERE m.file_id = :id ORDER BY m.id
            """,
            {"id": file_id},
        )
    ]
    reviews = [
        ReviewView(int(v[0]), day(v[1]), v[2], v[3], v[4])  # type: ignore[arg-type]
        for v in r.all(
            "SELECT id, review_date, outcome, category, reviewer FROM hardship_review "
            "WHERE file_id = :id ORDER BY review_date, id",
            {"id": file_id},
        )
    ]
    visits = [
        VisitView(int(v[0]), day(v[1]), v[2], v[3])  # type: ignore[arg-type]
        for v in r.all(
            "SELECT id, visit_date, visitor, note FROM hardship_visit "
            "WHERE file_id = :id ORDER BY visit_date, id",
            {"id": file_id},
        )
    ]
    opened_on = day(f[19])
    assert opened_on is not None
    history = [CategoryStep(opened_on, f[22], "opened")] + [
        CategoryStep(v.date, v.category, "review") for v in reviews
    ]
    previous = None
    if f[23] is not None:
        previous = _link(r.one(f"{_LINK} WHERE id = :id", {"id": f[23]}))
    following = _link(r.one(f"{_LINK} WHERE previous_id = :id LIMIT 1", {"id": file_id}))
    warnings: list[str] = []
    if warn_year is not None and f[2] == FileStatus.OPEN.value:
        warning = income_warning(r, f[11], f[15], warn_year)
        if warning:
            warnings.append(warning)
    return FileView(
        id=int(f[0]),
        file_no=f[1],
        status=f[2],
        person_id=int(f[3]),
        name=f[4],
        id_number=f[5],
        gender=f[6],
        birth_date=day(f[7]),  # type: ignore[arg-type]
        phone=f[8],
        org_id=f[9],
        org=f[10],
        category=f[11],
        cause=f[12],
        secondary_causes=causes_list(f[13]),
        household_size=int(f[14]),
        income_fen=f[15],
        health=f[16],
        housing=f[17],
        address=f[18],
        opened_on=opened_on,
        closed_on=day(f[20]),
        close_reason=f[21],
        opened_category=f[22],
        previous=previous,
        next=following,
        family=family,
        reviews=reviews,
        visits=visits,
        aid_by_year=aid_by_year(r, [file_id]).get(file_id, []),
        category_history=history,
        warnings=warnings,
    )


def show_file(r: Reader, ref: str) -> FileView:
    """The whole file; an open file's income is checked against this year's line."""
    return file_view(r, find_file_id(r, ref), warn_year=today().year)


def household_grants(r: Reader, person_ids: list[int]) -> list[HouseholdGrant]:
    """The grants whose parent is one of ``person_ids`` (a file's head and family), newest round
    first (``services.grants.grants_of_parents``)."""
    if not person_ids:
        return []
    ids, params = placeholders("p", person_ids)
    return [
        HouseholdGrant(int(g[0]), int(g[1]), g[2], g[3], g[4], int(g[5]), g[6], g[7], day(g[8]))
        for g in r.all(
            f"""
            SELECT g.id, g.year, s.name, p.name, g.level, g.amount_fen, g.status, g.eligibility,
                   g.paid_on
            FROM student_grant g
            JOIN person s ON s.id = g.student_id JOIN person p ON p.id = g.parent_id
            WHERE g.parent_id IN {ids}
            ORDER BY g.year DESC, g.id DESC
            """,
            params,
        )
    ]


def files_headed_by(r: Reader, person_id: int) -> list[HeadedFile]:
    """The files a person heads, newest first, with aid by year (for ``member show``)."""
    files = r.all(
        "SELECT id, file_no, category, status, opened_on, closed_on, close_reason "
        "FROM hardship_file WHERE head_id = :pid ORDER BY opened_on DESC, id DESC",
        {"pid": person_id},
    )
    aid = aid_by_year(r, [int(f[0]) for f in files])
    return [
        HeadedFile(
            id=int(f[0]),
            file_no=f[1],
            category=f[2],
            status=f[3],
            opened_on=day(f[4]),  # type: ignore[arg-type]
            closed_on=day(f[5]),
            close_reason=f[6],
            aid_by_year=aid.get(int(f[0]), []),
        )
        for f in files
    ]


# --- list ------------------------------------------------------------------------------------


def _scope(r: Reader, org: str | None, county: str | None) -> tuple[list[str], dict[str, Any]]:
    """The union and county conditions on ``f.org_id``."""
    conds: list[str] = []
    params: dict[str, Any] = {}
    if org:
        conds.append("f.org_id = :org_id")
        params["org_id"] = find_org_id(r, org)
    if county:
        conds.append(f"f.org_id IN {IN_COUNTY}")
        params.update(county_param(county))
    return conds, params


def _where(conds: list[str]) -> str:
    return " AND ".join(conds) or "1 = 1"


_ROWS = """
SELECT f.id, f.file_no, p.name, p.id_number, f.phone, o.name, f.category, f.cause,
       f.household_size, f.income_fen, f.opened_on, f.status, f.closed_on, f.close_reason, p.id
FROM hardship_file f JOIN person p ON p.id = f.head_id LEFT JOIN org o ON o.id = f.org_id
WHERE {where}
ORDER BY f.opened_on DESC, f.id DESC{limit}
"""


def list_files(r: Reader, flt: FileFilter, *, limit: int | None) -> Page[FileRow]:
    """One page of files (newest opened first) and how many match in all."""
    conds, params = _scope(r, flt.org, flt.county)
    if flt.category:
        conds.append("f.category = :category")
        params["category"] = HardshipCategory.parse(flt.category, field="category").value
    if flt.status:
        conds.append("f.status = :status")
        params["status"] = FileStatus.parse(flt.status, field="status").value
    if flt.opened_year:
        conds.append("f.opened_on BETWEEN :opened_lo AND :opened_hi")
        params["opened_lo"], params["opened_hi"] = _year_range(flt.opened_year, "opened")
    if flt.closed_year:
        conds.append("f.closed_on BETWEEN :closed_lo AND :closed_hi")
        params["closed_lo"], params["closed_hi"] = _year_range(flt.closed_year, "closed")
    if flt.cause:
        code = HardshipCause.parse(flt.cause, field="cause").value
        # a secondary cause counts: the stored list is comma-joined codes
        conds.append(
            "(f.cause = :cause OR (',' || COALESCE(f.secondary_causes, '') || ',') LIKE :causes)"
        )
        params["cause"], params["causes"] = code, f"%,{code},%"
    where = _where(conds)
    total = r.count(f"SELECT COUNT(*) FROM hardship_file f WHERE {where}", params)
    found = r.all(_ROWS.format(where=where, limit=limit_clause(limit)), {**params, "limit": limit})
    rows = [
        FileRow(
            id=int(f[0]),
            file_no=f[1],
            name=f[2],
            id_number=f[3],
            phone=f[4],
            org=f[5],
            category=f[6],
            cause=f[7],
            household_size=int(f[8]),
            income_fen=f[9],
            opened_on=day(f[10]),  # type: ignore[arg-type]
            status=f[11],
            closed_on=day(f[12]),
            close_reason=f[13],
            person_id=int(f[14]),
        )
        for f in found
    ]
    return Page(rows, total)


# --- the due list ----------------------------------------------------------------------------

# Which files are due is decided in Python, not in a WHERE: SQLite would evaluate both
# subqueries twice per file (once to filter, once to return them).
_DUE = """
SELECT f.id, f.file_no, f.opened_on,
  (SELECT MAX(r.review_date) FROM hardship_review r
   WHERE r.file_id = f.id AND r.review_date <= :on),
  (SELECT MAX(v.visit_date) FROM hardship_visit v
   WHERE v.file_id = f.id AND v.visit_date <= :on)
FROM hardship_file f
WHERE {where}
"""

_DUE_DETAILS = f"""
SELECT f.id, p.id, p.name, p.id_number, f.phone, o.name, {CATEGORY_ON}
FROM hardship_file f JOIN person p ON p.id = f.head_id LEFT JOIN org o ON o.id = f.org_id
WHERE f.id IN {{ids}}
"""


def due(
    r: Reader,
    as_of: Any = None,
    *,
    kind: str | None = None,
    org: str | None = None,
    county: str | None = None,
    limit: int | None = None,
) -> DueList:
    """The clerk's work queue on ``as_of`` (default today), overdue first.

    Files open on that day (opened on or before it, not closed by then), and:

    - **review** (年度复核) — the file has no review in the calendar year of ``as_of``. The
      review falls due on 1 January of the year after the latest review, or after the opening
      when there is none: the opening screening stands for the year a file is opened, so a file
      opened this year is first due next January;
    - **visit** (入户走访) — the latest visit, or the opening when there is none, lies six
      calendar months or more back: the visit is due on that day + 6 months (a month end stays
      a month end: 31 August → 28/29 February).

    ``county`` (the clerk's 区县) keeps the files of its unions. Oldest due date first. One query
    finds every due file (correlated MAX subqueries on the (file_id, date) indexes); a second
    fetches names and unions for the page shown only.
    """
    when = today() if as_of is None else parse_date(as_of, field="as_of")
    if kind not in (None, "review", "visit"):
        raise InvalidValue("kind", kind, "hardship.due_kind")
    want_review = kind in (None, "review")
    want_visit = kind in (None, "visit")
    jan1 = date(when.year, 1, 1)
    cutoff = visit_cutoff(when)
    # no file is closed after today: the status index finds the open ones
    conds = ["f.status = :open"]
    if when < today():
        # files opened after the day are skipped below: "opened_on <= day" here would lead
        # SQLite into the opened_on index and a random read per file, three times slower
        conds = ["(f.status = :open OR f.closed_on > :on)"]
    scope, params = _scope(r, org, county)
    params |= {"on": when, "open": FileStatus.OPEN.value}
    # (due on, kind, file no, file id, last done): plain tuples, as the queue may be long
    queue: list[tuple[date, str, str, int, date | None]] = []
    six_months: dict[date, date] = {}
    for fid, no, opened_raw, review_raw, visit_raw in r.all(
        _DUE.format(where=_where(conds + scope)), params
    ):
        opened, l_review, l_visit = day(opened_raw), day(review_raw), day(visit_raw)
        if opened is None or opened > when:
            continue
        base = l_review or opened
        if want_review and base < jan1:
            queue.append((date(base.year + 1, 1, 1), "review", no, int(fid), l_review))
        base = l_visit or opened
        if want_visit and base <= cutoff:
            on = six_months.get(base)
            if on is None:
                on = six_months[base] = add_months(base, VISIT_MONTHS)
            queue.append((on, "visit", no, int(fid), l_visit))
    reviews = sum(1 for q in queue if q[1] == "review")
    total = len(queue)
    if limit is not None and limit < total:
        queue = heapq.nsmallest(limit, queue)
    else:
        queue.sort()
    details = _due_details(r, {q[3] for q in queue}, when)
    items = [
        DueItem(
            file_id=fid,
            file_no=no,
            **details[fid],
            kind=what,
            due_on=on,
            last_on=last,
            days_overdue=(when - on).days,
        )
        for on, what, no, fid, last in queue
    ]
    return DueList(when, items, total, reviews, total - reviews)


def _due_details(r: Reader, file_ids: set[int], on: date) -> dict[int, dict[str, Any]]:
    """Head, phone, union and category (in force on ``on``) of the files on the page shown."""
    out: dict[int, dict[str, Any]] = {}
    ids = sorted(file_ids)
    for start in range(0, len(ids), 500):
        chunk, params = placeholders("f", ids[start : start + 500])
        for fid, pid, name, idn, phone, org_name, category in r.all(
            _DUE_DETAILS.format(ids=chunk), {**params, "on": on}
        ):
            out[int(fid)] = {
                "person_id": int(pid),
                "name": name,
                "id_number": idn,
                "phone": phone,
                "org": org_name,
                "category": category,
            }
    return out


# --- public notice ---------------------------------------------------------------------------

_NOTICE_NEW = f"""
SELECT p.name, o.name, {CATEGORY_ON}, NULL
FROM hardship_file f JOIN person p ON p.id = f.head_id LEFT JOIN org o ON o.id = f.org_id
WHERE f.opened_on BETWEEN :lo AND :on AND {{where}}
ORDER BY o.name, f.opened_on, f.id
"""

_NOTICE_AID = f"""
SELECT p.name, o.name, {CATEGORY_ON}, t.fen
FROM (SELECT file_id, SUM(amount_fen) AS fen FROM aid
      WHERE aid_date BETWEEN :lo AND :on{{kind}}
      GROUP BY file_id HAVING SUM(amount_fen) > 0) t
JOIN hardship_file f ON f.id = t.file_id
JOIN person p ON p.id = f.head_id LEFT JOIN org o ON o.id = f.org_id
WHERE {{where}}
ORDER BY o.name, p.name_pinyin, f.id
"""


def notice(
    r: Reader,
    *,
    opened_in: int | str | None = None,
    aid_year: int | str | None = None,
    kind: str | None = None,
    org: str | None = None,
    county: str | None = None,
) -> list[NoticeRow]:
    """A public-notice (公示) list: new files of a year, or households aided in a year (with the
    net amount; ``kind`` narrows to one aid kind), of the files of ``county``'s unions when given.
    Name, union, category (in force on 31 December of the year), amount — never an ID number,
    health or address."""
    if (opened_in is None) == (aid_year is None):
        raise UsageError("hardship.notice_what")
    conds, params = _scope(r, org, county)
    if opened_in is not None:
        params["lo"], params["on"] = _year_range(opened_in, "opened")
        statement = _NOTICE_NEW.format(where=_where(conds))
    else:
        assert aid_year is not None
        params["lo"], params["on"] = _year_range(aid_year, "year")
        narrow = ""
        if kind:
            narrow = " AND kind = :kind"
            params["kind"] = AidKind.parse(kind, field="aid_kind").value
        statement = _NOTICE_AID.format(kind=narrow, where=_where(conds))
    return [
        NoticeRow(
            no=i,
            name=name,
            org=org_name,
            category=category,
            amount_fen=None if fen is None else int(fen),
        )
        for i, (name, org_name, category, fen) in enumerate(r.all(statement, params), start=1)
    ]
