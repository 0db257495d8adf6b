"""Hardship files (困难职工帮扶档案): open, update, review, visit, close, reopen; the due list,
the county's 低保 line, public notices.

Rules (SPEC §2.2) and where they live:

- a person is in at most one open file, as head or as family member: ``_check_not_in_open_file``
  (and the partial unique index ``uq_hardship_file_open_head`` for heads, whatever the race);
- reviews, visits, closing and updates need an open file: ``_require_open``;
- dates are never in the future nor before the file was opened: ``_past_date``/``_not_before``;
- a file's category is dated: the opening category (``opened_category``), then each review's;
  the category in force on a day is the latest review's by then (ties: the later entered), else
  the opening one (``category_on``); ``category`` caches the current one (``current_category``);
  ``update`` never changes the category;
- a household that falls back gets a new file linked to the closed one: ``reopen``;
- the income per head is checked against the year's 低保 line: ``income_warning``.

Public functions for other parts (the ``hardship`` import kind, ``aid``): ``find_file``,
``open_file_of``, ``open_membership``, ``next_file_no``, ``parse_file_fields``,
``low_income_line``, ``income_warning``, ``aid_by_year``, ``files_headed_by``, ``add_months``,
``category_on``, ``current_category``, ``parse_review_fields``, ``parse_visit_fields``.
"""

from __future__ import annotations

import heapq
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, case, func, literal, or_, select, union_all
from sqlalchemy.orm import Session
from sqlmodel import col

from unioncli import i18n
from unioncli.dates import parse_date, parse_year, today
from unioncli.db.uow import UnitOfWork, person_keys
from unioncli.enums import AidKind, CloseReason, FileStatus, HardshipCategory, HardshipCause
from unioncli.errors import (
    Conflict,
    InvalidValue,
    MissingFields,
    NotFound,
    UsageError,
)
from unioncli.ids import ResidentId, mask_id, parse_id_number, parse_mobile, record_id
from unioncli.models import (
    Aid,
    FamilyMember,
    HardshipFile,
    HardshipReview,
    HardshipVisit,
    LowIncomeLine,
    Org,
    Person,
)
from unioncli.models.base import utcnow
from unioncli.money import format_money, parse_money
from unioncli.services.common import Collector, blank, clean_text, parse_name
from unioncli.services.figures import orgs_in_county
from unioncli.services.orgs import find_org
from unioncli.services.people import person_fields

Db = Session | Connection

FILE_NO_PREFIX = "KN"
MAX_SECONDARY_CAUSES = 3
MAX_HOUSEHOLD = 30
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
    }
)

i18n.register(
    {
        "hardship.not_found": ("找不到困难职工档案“{ref}”", "no hardship file “{ref}”"),
        "hardship.name_mismatch": (
            "身份证号 {id} 已登记为“{stored}”，与填写的“{given}”不一致",
            "ID number {id} is registered as “{stored}”, not “{given}”",
        ),
        "hardship.in_open_file": (
            "{name}（{id}）已是在档档案 {file_no} 的{role}：一人只能在一个在档档案中",
            "{name} ({id}) is already the {role} of open file {file_no}: a person may be in "
            "one open file only",
        ),
        "hardship.role_head": ("户主", "head"),
        "hardship.role_family": ("家庭成员", "family member"),
        "hardship.twice_in_file": (
            "{name}（{id}）在本档案中出现了两次",
            "{name} ({id}) appears twice in this file",
        ),
        "hardship.closed_file": (
            "档案 {file_no} 已于 {date} 退档，不能再{action}",
            "file {file_no} was closed on {date}: it cannot be {action}",
        ),
        "hardship.action.review": ("复核", "reviewed"),
        "hardship.action.visit": ("登记走访", "visited"),
        "hardship.action.close": ("退档", "closed again"),
        "hardship.action.update": ("修改", "changed"),
        "hardship.action.family": ("增减家庭成员", "given new family members"),
        "hardship.still_open": (
            "档案 {file_no} 仍在档：只有已退档的档案才能重新建档",
            "file {file_no} is still open: only a closed file can be reopened",
        ),
        "hardship.already_reopened": (
            "档案 {file_no} 已重新建档为 {next_no}，请对 {next_no} 办理",
            "file {file_no} was already reopened as {next_no}; use {next_no}",
        ),
        "hardship.future": ("日期在今天之后", "the date is after today"),
        "hardship.before_opened": (
            "早于建档日期 {opened}",
            "is before the file was opened ({opened})",
        ),
        "hardship.before_last": (
            "早于该档案最近一次{what}（{last}）",
            "is before the file's latest {what} ({last})",
        ),
        "hardship.what.review": ("复核", "review"),
        "hardship.what.visit": ("走访", "visit"),
        "hardship.what.aid": ("帮扶", "aid payment"),
        "hardship.what.closing": ("退档", "closing"),
        "hardship.household_size": (
            "须为 1 到 {max} 之间的整数",
            "must be a whole number from 1 to {max}",
        ),
        "hardship.household_too_small": (
            "少于户主加家庭成员的人数（{count} 人）",
            "is less than the head and family members together ({count})",
        ),
        "hardship.family_too_many": (
            "家庭人口为 {size} 人，已登记户主和 {count} 名家庭成员；请先用 hardship update "
            "--size 修改家庭人口",
            "the household size is {size} and the head and {count} family members are recorded; "
            "raise it first with hardship update --size",
        ),
        "hardship.too_many_causes": (
            "次要致困原因最多 {max} 项",
            "at most {max} secondary causes",
        ),
        "hardship.duplicate_cause": ("重复填写了“{cause}”", "“{cause}” is given twice"),
        "hardship.secondary_is_main": (
            "“{cause}”已是主要致困原因",
            "“{cause}” is already the main cause",
        ),
        "hardship.family_format": (
            "请写成“姓名,身份证号,关系[,月收入[,健康状况[,身份/学校]]]”",
            "write it as “name,ID number,relation[,monthly income[,health[,school or work]]]”",
        ),
        "hardship.family_not_in_file": (
            "{name}（{id}）不是档案 {file_no} 的家庭成员",
            "{name} ({id}) is not a family member of file {file_no}",
        ),
        "hardship.category_via_review": (
            "困难类别只能通过年度复核调整：hardship review FILE --date … --outcome … --category …",
            "the category changes only through a review: hardship review FILE --date … "
            "--outcome … --category …",
        ),
        "hardship.nothing_to_update": ("没有要修改的内容", "nothing to update"),
        "hardship.status_closed_needs": (
            "状态为已退档时须填写退档日期和退档原因",
            "a closed file needs the closing date and reason",
        ),
        "hardship.closed_but_open": (
            "状态为在档，却填写了退档日期或原因",
            "the status is open but a closing date or reason is given",
        ),
        "hardship.notice_what": (
            "请指定 --opened-in 年度（新建档公示）或 --aid-year 年度（帮扶公示）之一",
            "give one of --opened-in YEAR (new files) or --aid-year YEAR (aid)",
        ),
        "hardship.settings_both": (
            "设置低保线须同时给出 --year 和 --low-income-line",
            "setting the line needs both --year and --low-income-line",
        ),
        "hardship.line_zero": ("低保线须大于 0", "the line must be above zero"),
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
    }
)


# --- views -----------------------------------------------------------------------------------


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


class OpenMembership(NamedTuple):
    file_id: int
    file_no: str
    role: str  # "head" or "family"


# --- small helpers ---------------------------------------------------------------------------


def add_months(day: date, months: int) -> date:
    """``day`` moved by whole calendar months; a day the target month lacks becomes its last day
    (31 August + 6 months = 28/29 February)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, _month_days(year, month + 1)))


def _month_days(year: int, month: int) -> int:
    if month == 12:
        return 31
    return (date(year, month + 1, 1) - date(year, month, 1)).days


def visit_cutoff(as_of: date, months: int = VISIT_MONTHS) -> date:
    """The latest last visit (or opening) whose next visit falls due on or before ``as_of``.

    A visit on day ``d`` is due again on ``add_months(d, 6)``; that is monotone in ``d``, so "due
    by ``as_of``" is exactly "``d`` on or before this cutoff" — one indexed comparison in SQL.
    On a month's last day every later day of the month six months back is due as well
    (31 August → 28 February).
    """
    cutoff = add_months(as_of, -months)
    if as_of.day == _month_days(as_of.year, as_of.month):
        cutoff = cutoff.replace(day=_month_days(cutoff.year, cutoff.month))
    return cutoff


def _past_date(raw: Any, field_key: str) -> date:
    value = parse_date(raw, field=field_key)
    if value > today():
        raise InvalidValue(field_key, raw, "hardship.future")
    return value


def _not_before(value: date, limit: date | None, field_key: str, key: str, **params: Any) -> None:
    if limit is not None and value < limit:
        raise InvalidValue(field_key, value.isoformat(), key, **params)


def _optional(raw: dict[str, Any], key: str) -> Any:
    value = raw.get(key)
    return None if blank(value) else value


def _text(raw: Any, field_key: str, max_len: int) -> str | None:
    return clean_text(str(raw), field_key, max_len=max_len)


def _household_size(raw: Any) -> int:
    text = unicodedata.normalize("NFKC", str(raw)).strip().removesuffix("人").strip()
    if isinstance(raw, int) and not isinstance(raw, bool):
        n = raw
    elif text.isdigit():
        n = int(text)
    else:
        raise InvalidValue("household_size", raw, "hardship.household_size", max=MAX_HOUSEHOLD)
    if not 1 <= n <= MAX_HOUSEHOLD:
        raise InvalidValue("household_size", raw, "hardship.household_size", max=MAX_HOUSEHOLD)
    return n


_SPLIT = re.compile(r"[,，、;；/]+")
_NO_CAUSES = frozenset({"无", "none", "-", "/", "没有"})


def _pieces(raw: str | Iterable[str] | None) -> list[str]:
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else list(raw)
    out: list[str] = []
    for item in items:
        out += [p.strip() for p in _SPLIT.split(unicodedata.normalize("NFKC", item)) if p.strip()]
    return out


def parse_secondary_causes(raw: str | Iterable[str] | None, main: str | None) -> str | None:
    """Up to three secondary causes (repeated, or separated by , 、 ; /) as comma-joined codes.

    No cause twice, none equal to the main cause (a code). ``无``/``none`` means no causes.
    """
    pieces = _pieces(raw)
    if len(pieces) == 1 and pieces[0].casefold() in _NO_CAUSES:
        return None
    codes: list[str] = []
    for piece in pieces:
        cause = HardshipCause.parse(piece, field="secondary_causes")
        if cause.value in codes:
            raise InvalidValue("secondary_causes", piece, "hardship.duplicate_cause", cause=piece)
        if cause.value == main:
            raise InvalidValue(
                "secondary_causes", piece, "hardship.secondary_is_main", cause=cause.label()
            )
        codes.append(cause.value)
    if len(codes) > MAX_SECONDARY_CAUSES:
        raise InvalidValue(
            "secondary_causes",
            "、".join(pieces),
            "hardship.too_many_causes",
            max=MAX_SECONDARY_CAUSES,
        )
    return ",".join(codes) or None


def _causes_list(stored: str | None) -> list[str]:
    return [c for c in (stored or "").split(",") if c]


# --- the file fields (shared with the hardship import kind) ----------------------------------

# SPEC §4.2 required columns; ``opened`` defaults to today for ``hardship open``.
FILE_REQUIRED = ("name", "id_number", "category", "cause", "household_size", "opened")


def parse_file_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate one file's fields as typed or imported (SPEC §4.2 hardship columns).

    ``raw`` keys (field keys; blank values are absent): ``file_no``, ``name``*, ``id_number``*,
    ``org``, ``category``*, ``opened_category``, ``cause``*, ``secondary_causes``,
    ``household_size``*,
    ``income_per_capita`` (yuan), ``health``, ``housing``, ``address``, ``phone``, ``opened``*,
    ``status`` (在档 / 已退档 / 退档 / codes), ``closed``, ``close_reason``.
    Category accepts the legacy labels (特困/极困/低保户 → deep, 一般困难/低保边缘户 → relative,
    意外致困户 → accident).

    Returns the values as stored: ``file_no`` (str | None), ``name``, ``rid`` (``ResidentId``),
    ``org`` (the text as given, or None: the caller resolves it), ``category``,
    ``opened_category`` (code | None: the category the file was opened with), ``cause``,
    ``secondary_causes`` (comma-joined codes | None), ``household_size`` (int), ``income_fen``
    (int | None), ``health``, ``housing``, ``address``, ``phone``, ``opened_on`` (date),
    ``status`` (code), ``closed_on`` (date | None), ``close_reason`` (code | None).

    Raises ``MissingFields`` for blank required fields, else every bad value at once
    (``InvalidValue`` or ``InvalidValues``, exit code 2). Touches no database.
    """
    c = Collector()
    out = _parse_file(raw, c)
    c.check()
    return out


def _parse_file(raw: dict[str, Any], c: Collector) -> dict[str, Any]:
    missing = [f for f in FILE_REQUIRED if blank(raw.get(f))]
    if missing:
        raise MissingFields(missing)
    out: dict[str, Any] = {
        "file_no": None,
        "org": None,
        "secondary_causes": None,
        "income_fen": None,
        "health": None,
        "housing": None,
        "address": None,
        "phone": None,
        "status": FileStatus.OPEN.value,
        "closed_on": None,
        "close_reason": None,
    }
    if not blank(raw.get("file_no")):
        out["file_no"] = c.take(_file_no_text, raw["file_no"])
    out["name"] = c.take(parse_name, raw["name"])
    out["rid"] = c.take(parse_id_number, str(raw["id_number"]))
    if not blank(raw.get("org")):
        out["org"] = c.take(_text, raw["org"], "org", 100)
    category = c.take(HardshipCategory.parse, str(raw["category"]), "category")
    out["category"] = category.value if category else None
    out["opened_category"] = None  # an import's 建档时类别, when the file was reviewed since
    if not blank(raw.get("opened_category")):
        opening = c.take(HardshipCategory.parse, str(raw["opened_category"]), "opened_category")
        out["opened_category"] = opening.value if opening else None
    cause = c.take(HardshipCause.parse, str(raw["cause"]), "cause")
    out["cause"] = cause.value if cause else None
    if not blank(raw.get("secondary_causes")):
        out["secondary_causes"] = c.take(
            parse_secondary_causes, raw["secondary_causes"], out["cause"]
        )
    out["household_size"] = c.take(_household_size, raw["household_size"])
    if not blank(raw.get("income_per_capita")):
        out["income_fen"] = c.take(parse_money, raw["income_per_capita"], "income_per_capita")
    for key, max_len in (("health", 100), ("housing", 100), ("address", 200)):
        if not blank(raw.get(key)):
            out[key] = c.take(_text, raw[key], key, max_len)
    if not blank(raw.get("phone")):
        out["phone"] = c.take(parse_mobile, str(raw["phone"]))
    out["opened_on"] = opened = c.take(_past_date, raw["opened"], "opened")

    closed = reason = None
    if not blank(raw.get("closed")):
        closed = c.take(_past_date, raw["closed"], "closed")
    if not blank(raw.get("close_reason")):
        found = c.take(CloseReason.parse, str(raw["close_reason"]), "close_reason")
        reason = found.value if found else None
    status: FileStatus | None = None
    if not blank(raw.get("status")):
        status = c.take(FileStatus.parse, str(raw["status"]), "status")
    elif not blank(raw.get("closed")):
        status = FileStatus.CLOSED  # a closing date says the file is closed
    else:
        status = FileStatus.OPEN
    if status == FileStatus.CLOSED:
        for key in ("closed", "close_reason"):
            if blank(raw.get(key)):
                c.errors.append(InvalidValue(key, "", "hardship.status_closed_needs"))
        if closed is not None and opened is not None and closed < opened:
            c.errors.append(
                InvalidValue("closed", closed.isoformat(), "hardship.before_opened", opened=opened)
            )
    elif status == FileStatus.OPEN and not (
        blank(raw.get("closed")) and blank(raw.get("close_reason"))
    ):
        c.errors.append(InvalidValue("status", raw.get("status") or "", "hardship.closed_but_open"))
    if status is not None:
        out["status"] = status.value
    out["closed_on"], out["close_reason"] = closed, reason
    return out


def _file_no_text(raw: Any) -> str | None:
    text = clean_text(str(raw), "file_no", max_len=30)
    return text.upper() if text else None


@dataclass(frozen=True)
class FamilyInput:
    rid: ResidentId
    name: str
    relation: str
    income_fen: int | None
    health: str | None
    occupation: str | None


def parse_family_spec(spec: str) -> dict[str, Any]:
    """``姓名,身份证号,关系[,月收入[,健康状况[,身份/学校]]]`` (commas ASCII or full-width) → raw
    fields; the last field keeps any further commas."""
    parts = [p.strip() for p in re.split(r"[,，]", spec.strip(), maxsplit=5)]
    if len(parts) < 3 or not all(parts[:3]):
        raise InvalidValue("family", _masked_spec(spec), "hardship.family_format")
    keys = ("name", "id_number", "relation", "income", "health", "occupation")
    return {k: v for k, v in zip(keys, parts, strict=False) if v}


def _masked_spec(spec: str) -> str:
    # the spec holds an ID number: never echo it whole
    return re.sub(r"\d{6,}[\dXx]?", lambda m: mask_id(m.group(0)), spec)


def parse_family(raw: str | dict[str, Any]) -> FamilyInput:
    """One family member from a spec string or a dict of raw fields; every bad value at once."""
    data = parse_family_spec(raw) if isinstance(raw, str) else raw
    c = Collector()
    name = c.take(parse_name, data.get("name"))
    rid = c.take(parse_id_number, str(data.get("id_number") or ""))
    relation = c.take(_text, data.get("relation") or "", "relation", 20)
    if relation is None and not c.errors:
        c.errors.append(InvalidValue("relation", "", "common.name_empty"))
    income = None
    if not blank(data.get("income")):
        income = c.take(parse_money, data["income"], "family_income")
    health = c.take(_text, data["health"], "health", 100) if not blank(data.get("health")) else None
    occupation = (
        c.take(_text, data["occupation"], "occupation", 100)
        if not blank(data.get("occupation"))
        else None
    )
    c.check()
    assert name is not None and rid is not None and relation is not None
    return FamilyInput(rid, name, relation, income, health, occupation)


# --- lookups (public: aid and the import kinds use them) -------------------------------------


def next_file_no(db: Db, year: int) -> str:
    """The next free file number of a year: ``KN2024-00012`` (year of opening + sequence).

    Numbers a clerk or an import gave in other forms are left alone; the sequence continues from
    the highest ``KN{year}-nnnnn`` in the ledger. Call once per transaction and count on from it
    for many files (``format_file_no``).
    """
    prefix = f"{FILE_NO_PREFIX}{year}-"
    stmt = (
        select(col(HardshipFile.file_no))
        .where(col(HardshipFile.file_no) >= prefix, col(HardshipFile.file_no) < prefix + "~")
        .order_by(func.length(col(HardshipFile.file_no)).desc(), col(HardshipFile.file_no).desc())
    )
    for (number,) in db.execute(stmt):
        tail = number[len(prefix) :]
        if tail.isdigit():
            return format_file_no(year, int(tail) + 1)
    return format_file_no(year, 1)


def format_file_no(year: int, seq: int) -> str:
    return f"{FILE_NO_PREFIX}{year}-{seq:05d}"


_NUMBERED = re.compile(rf"{FILE_NO_PREFIX}(\d{{4}})-\d+")


def file_no_key(file_no: str | None, year: int) -> tuple[object, ...]:
    """The ``serialize`` key of a new file's number: the year's sequence for a number of the
    ``KN2024-00012`` form (given or to be chosen by ``next_file_no``), else the number itself.

    Whoever picks or checks a new file number takes it first, so two clerks (or a clerk and an
    import) opening files of one year at once get numbers one after the other, never the same.
    """
    if file_no is None:
        return ("hardship_file_no", year)
    numbered = _NUMBERED.fullmatch(file_no)
    return ("hardship_file_no", int(numbered[1]) if numbered else file_no)


def _find_to_change(uow: UnitOfWork, ref: str) -> HardshipFile:
    """``find_file``, row-locked: a second clerk changing the same file waits for this one's
    commit, then decides on what it wrote (closed, reviewed, one more family member…)."""
    f = find_file(uow, ref)
    uow.lock(f)
    return f


def open_membership(
    db: Db, person_id: int, *, exclude_file_id: int | None = None
) -> OpenMembership | None:
    """The open file a person is in, as head or as family member, if any."""
    F, M = HardshipFile, FamilyMember
    as_head = select(col(F.id), col(F.file_no), literal("head").label("role")).where(
        col(F.head_id) == person_id, col(F.status) == FileStatus.OPEN.value
    )
    as_family = (
        select(col(F.id), col(F.file_no), literal("family").label("role"))
        .join(M, col(M.file_id) == col(F.id))
        .where(col(M.person_id) == person_id, col(F.status) == FileStatus.OPEN.value)
    )
    if exclude_file_id is not None:
        as_head = as_head.where(col(F.id) != exclude_file_id)
        as_family = as_family.where(col(F.id) != exclude_file_id)
    row = db.execute(union_all(as_head, as_family).limit(1)).first()
    return None if row is None else OpenMembership(int(row[0] or 0), str(row[1]), str(row[2]))


def open_file_of(db: Db, person_id: int) -> int | None:
    """The id of the open file a person is in (as head or family member), or None."""
    found = open_membership(db, person_id)
    return None if found is None else found.file_id


def find_file(uow: UnitOfWork, ref: str) -> HardshipFile:
    """A file by file number, ``#id`` (or the bare id), or a person's ID number.

    For an ID number: the open file the person heads, else the open file they are a family
    member of, else the latest file they headed.
    """
    s = uow.session
    text = unicodedata.normalize("NFKC", ref).strip()
    found: HardshipFile | None = None
    if text:
        found = s.scalars(
            select(HardshipFile).where(col(HardshipFile.file_no).in_({text, text.upper()}))
        ).first()
    number = record_id(text)
    if found is None and number is not None:
        found = s.get(HardshipFile, number)
    if found is None and len(text) in (15, 18):
        try:
            rid = parse_id_number(text)
        except InvalidValue:
            rid = None
        if rid is not None:
            found = _file_of_id_number(s, rid.number)
            if found is None:
                raise NotFound("hardship.not_found", ref=mask_id(rid.number))
    if found is None:
        raise NotFound("hardship.not_found", ref=text)
    return found


def _file_of_id_number(s: Session, number: str) -> HardshipFile | None:
    person = s.scalars(select(Person).where(col(Person.id_number) == number)).first()
    if person is None or person.id is None:
        return None
    member = open_membership(s, person.id)
    if member is not None:
        return s.get(HardshipFile, member.file_id)
    return s.scalars(
        select(HardshipFile)
        .where(col(HardshipFile.head_id) == person.id)
        .order_by(col(HardshipFile.opened_on).desc(), col(HardshipFile.id).desc())
        .limit(1)
    ).first()


# --- the category in force on a day ---------------------------------------------------------


def category_on(on: date | None, file_id: Any = None) -> ColumnElement[str]:
    """The category of a file in force on ``on``: the latest review's with ``review_date <= on``
    (ties: the highest id), else the file's ``opened_category``; ``on`` None: the latest review's
    (the current category). One correlated subquery on ix_hardship_review_file_day_cover.

    ``file_id``: the file's id column or a value (default ``hardship_file.id``, correlated).
    """
    R, F = HardshipReview, HardshipFile
    which = col(F.id) if file_id is None else file_id
    conds: list[Any] = [col(R.file_id) == which]
    if on is not None:
        conds.append(col(R.review_date) <= on)
    latest = (
        select(col(R.category))
        .where(*conds)
        .order_by(col(R.review_date).desc(), col(R.id).desc())
        .limit(1)
    )
    if file_id is None:
        latest = latest.correlate(F)
    return func.coalesce(latest.scalar_subquery(), col(F.opened_category))


def current_category(db: Db, file_id: int) -> str:
    """The category a file has now: its latest review's by date (ties: the later entered),
    else the one it was opened with. What ``hardship_file.category`` must hold."""
    F = HardshipFile
    found = db.execute(select(category_on(None)).where(col(F.id) == file_id)).scalar_one()
    return str(found)


# --- the 低保 line and the income check ------------------------------------------------------


def low_income_line(db: Db, year: int) -> int | None:
    """The county's 低保 line (fen per person per month) for a year, or None if not set."""
    found = db.execute(
        select(col(LowIncomeLine.amount_fen)).where(col(LowIncomeLine.year) == year)
    ).first()
    return None if found is None else int(found[0])


def income_warning(db: Db, category: str, income_fen: int | None, year: int) -> str | None:
    """Why the income per head does not fit the category, by the year's line; None if it fits,
    if no income is recorded, if the category has no income rule (accident), or if no line is
    set for the year. deep: below the line; relative: below twice the line."""
    if income_fen is None or category == HardshipCategory.ACCIDENT.value:
        return None
    line = low_income_line(db, year)
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


def set_low_income_line(uow: UnitOfWork, year: Any, amount: Any) -> LineView:
    """Set (or change) a year's 低保 line in yuan per person per month; audited."""
    c = Collector()
    y = c.take(parse_year, year)
    fen = c.take(parse_money, amount, "low_income_line")
    c.check()
    assert y is not None and fen is not None
    if fen <= 0:
        raise InvalidValue("low_income_line", amount, "hardship.line_zero")
    uow.serialize(("low_income_line", y))  # two clerks setting a new year's line: one inserts
    s = uow.session
    row = s.get(LowIncomeLine, y)
    before = None if row is None else {"year": y, "line_fen": row.amount_fen}
    if row is None:
        row = LowIncomeLine(year=y, amount_fen=fen)
    else:
        row.amount_fen = fen
        row.updated_at = utcnow()
    s.add(row)
    s.flush()
    if before is None or before["line_fen"] != fen:
        uow.audit(
            "hardship.settings",
            "low_income_line",
            y,
            before=before,
            after={"year": y, "line_fen": fen},
        )
    return LineView(row.year, row.amount_fen, row.updated_at)


def list_low_income_lines(uow: UnitOfWork) -> list[LineView]:
    rows = uow.session.scalars(select(LowIncomeLine).order_by(col(LowIncomeLine.year).desc()))
    return [LineView(r.year, r.amount_fen, r.updated_at) for r in rows]


# --- people ----------------------------------------------------------------------------------


def _person(uow: UnitOfWork, rid: ResidentId, name: str, phone: str | None = None) -> Person:
    """The person with this ID number, created if new (never stored twice); the name must match."""
    s = uow.session
    person = s.scalars(select(Person).where(col(Person.id_number) == rid.number)).first()
    if person is not None:
        if person.name != name:
            raise Conflict(
                "hardship.name_mismatch", id=mask_id(rid.number), stored=person.name, given=name
            )
        return person
    person = Person(**person_fields(rid, name), phone=phone)
    s.add(person)
    s.flush()
    return person


def _existing_person(s: Session, number: str) -> Person | None:
    return s.scalars(select(Person).where(col(Person.id_number) == number)).first()


def check_not_in_open_file(
    db: Db, person_id: int, name: str, id_number: str, *, exclude_file_id: int | None = None
) -> None:
    """Refuse a person who is already in an open file, as head or as family member."""
    found = open_membership(db, person_id, exclude_file_id=exclude_file_id)
    if found is not None:
        raise Conflict(
            "hardship.in_open_file",
            name=name,
            id=mask_id(id_number),
            file_no=found.file_no,
            role=i18n.t(f"hardship.role_{found.role}"),
        )


def _check_not_in_open_file(
    uow: UnitOfWork, person: Person, *, exclude_file_id: int | None = None
) -> None:
    assert person.id is not None
    check_not_in_open_file(
        uow.session, person.id, person.name, person.id_number, exclude_file_id=exclude_file_id
    )


def _check_people(
    uow: UnitOfWork,
    head: tuple[ResidentId, str],
    family: Sequence[FamilyInput],
    *,
    exclude_file_id: int | None = None,
) -> None:
    """No one twice in the household; no one (already stored) in another open file."""
    seen: set[str] = set()
    for rid, name in [head, *((m.rid, m.name) for m in family)]:
        if rid.number in seen:
            raise Conflict("hardship.twice_in_file", name=name, id=mask_id(rid.number))
        seen.add(rid.number)
        person = _existing_person(uow.session, rid.number)
        if person is not None:
            if person.name != name:
                raise Conflict(
                    "hardship.name_mismatch",
                    id=mask_id(rid.number),
                    stored=person.name,
                    given=name,
                )
            _check_not_in_open_file(uow, person, exclude_file_id=exclude_file_id)


def _add_family(uow: UnitOfWork, f: HardshipFile, m: FamilyInput) -> FamilyMember:
    assert f.id is not None
    person = _person(uow, m.rid, m.name)
    assert person.id is not None
    row = FamilyMember(
        file_id=f.id,
        person_id=person.id,
        relation=m.relation,
        income_fen=m.income_fen,
        health=m.health,
        occupation=m.occupation,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        "hardship.family_add",
        "hardship_file",
        f.id,
        after={
            "file_no": f.file_no,
            "name": m.name,
            "id_number": m.rid.number,
            "relation": m.relation,
            "family_income_fen": m.income_fen,
            "health": m.health,
            "occupation": m.occupation,
        },
    )
    return row


def _family_count(s: Session, file_id: int) -> int:
    return int(
        s.execute(select(func.count()).where(col(FamilyMember.file_id) == file_id)).scalar_one()
    )


# --- open ------------------------------------------------------------------------------------

_SNAPSHOT_FIELDS = (
    "file_no",
    "org_id",
    "category",
    "opened_category",
    "cause",
    "secondary_causes",
    "household_size",
    "income_fen",
    "health",
    "housing",
    "address",
    "phone",
    "opened_on",
    "status",
    "closed_on",
    "close_reason",
    "previous_id",
)


def _snapshot(f: HardshipFile) -> dict[str, Any]:
    return {k: getattr(f, k) for k in _SNAPSHOT_FIELDS}


def _resolve_org(uow: UnitOfWork, text: str | None, c: Collector) -> Org | None:
    if text is None:
        return None
    try:
        return find_org(uow, text)
    except NotFound as missing:
        if not c.errors:
            raise
        c.errors.append(InvalidValue("org", text, missing.key, **missing.params))
    return None


def open_file(uow: UnitOfWork, raw: dict[str, Any]) -> FileView:
    """Open a file for a household: head (found or created by ID number), family, data.

    ``raw``: the fields of ``parse_file_fields`` (``opened`` defaults to today; no status or
    closing fields) plus ``family``: a list of spec strings (see ``parse_family_spec``) or dicts.
    """
    raw = {k: v for k, v in raw.items() if k not in ("status", "closed", "close_reason")}
    if blank(raw.get("opened")):
        raw["opened"] = today()
    c = Collector()
    fields = _parse_file(raw, c)
    family = [m for m in (c.take(parse_family, spec) for spec in raw.get("family") or []) if m]
    if fields["household_size"] is not None and fields["household_size"] < 1 + len(family):
        c.errors.append(
            InvalidValue(
                "household_size",
                raw["household_size"],
                "hardship.household_too_small",
                count=1 + len(family),
            )
        )
    org = _resolve_org(uow, fields["org"], c)
    c.check()
    rid: ResidentId = fields["rid"]
    opened: date = fields["opened_on"]
    # the household's people, then the file number: a second clerk opening a file for one of
    # them waits, then is told which open file the person is in
    uow.serialize(
        *person_keys([rid.number, *(m.rid.number for m in family)]),
        file_no_key(fields["file_no"], opened.year),
    )
    _check_people(uow, (rid, fields["name"]), family)
    head = _person(uow, rid, fields["name"], fields["phone"])
    assert head.id is not None
    f = HardshipFile(
        file_no=fields["file_no"] or next_file_no(uow.session, opened.year),
        head_id=head.id,
        org_id=None if org is None else org.id,
        category=fields["category"],
        opened_category=fields["category"],
        cause=fields["cause"],
        secondary_causes=fields["secondary_causes"],
        household_size=fields["household_size"],
        income_fen=fields["income_fen"],
        health=fields["health"],
        housing=fields["housing"],
        address=fields["address"],
        phone=fields["phone"],
        opened_on=opened,
        status=FileStatus.OPEN.value,
    )
    _check_file_no_free(uow, f.file_no)
    uow.session.add(f)
    uow.session.flush()
    assert f.id is not None
    uow.audit(
        "hardship.open",
        "hardship_file",
        f.id,
        after={"name": head.name, "id_number": head.id_number}
        | {k: v for k, v in _snapshot(f).items() if v is not None},
    )
    for m in family:
        _add_family(uow, f, m)
    return file_view(uow, f, warn_year=opened.year)


def _check_file_no_free(uow: UnitOfWork, file_no: str) -> None:
    taken = uow.session.execute(
        select(col(HardshipFile.id)).where(col(HardshipFile.file_no) == file_no)
    ).first()
    if taken is not None:
        raise Conflict("hardship.file_no_taken", file_no=file_no)


i18n.register(
    {"hardship.file_no_taken": ("档案编号 {file_no} 已被使用", "file no. {file_no} is taken")}
)


# --- state rules -----------------------------------------------------------------------------


def _require_open(f: HardshipFile, action: str) -> None:
    if f.status != FileStatus.OPEN.value:
        raise Conflict(
            "hardship.closed_file",
            file_no=f.file_no,
            date=f.closed_on,
            action=i18n.t(f"hardship.action.{action}"),
        )


def _event_date(f: HardshipFile, raw: Any, field_key: str) -> date:
    """A dated event on a file: a real date, not in the future, not before the file opened."""
    on = today() if blank(raw) else _past_date(raw, field_key)
    _not_before(on, f.opened_on, field_key, "hardship.before_opened", opened=f.opened_on)
    return on


def _latest(s: Session, column: Any, file_column: Any, file_id: int) -> date | None:
    value = s.execute(select(func.max(column)).where(file_column == file_id)).scalar_one()
    return value if value is None or isinstance(value, date) else parse_date(value)


# --- update ----------------------------------------------------------------------------------

UPDATE_FIELDS = (
    "org",
    "cause",
    "secondary_causes",
    "household_size",
    "income_per_capita",
    "health",
    "housing",
    "address",
    "phone",
)


def update_file(uow: UnitOfWork, ref: str, raw: dict[str, Any]) -> FileView:
    """Correct a file's household data; the category changes only through ``review``."""
    if not blank(raw.get("category")):
        raise UsageError("hardship.category_via_review")
    f = _find_to_change(uow, ref)
    assert f.id is not None
    _require_open(f, "update")
    c = Collector()
    new: dict[str, Any] = {}
    if not blank(raw.get("cause")):
        cause = c.take(HardshipCause.parse, str(raw["cause"]), "cause")
        if cause is not None:
            new["cause"] = cause.value
    if raw.get("secondary_causes") not in (None, "", []):
        main = new.get("cause", f.cause)
        new["secondary_causes"] = c.take(parse_secondary_causes, raw["secondary_causes"], main)
        if new["secondary_causes"] is None and c.errors:
            new.pop("secondary_causes")
    elif "cause" in new and new["cause"] in _causes_list(f.secondary_causes):
        c.errors.append(
            InvalidValue(
                "cause",
                raw["cause"],
                "hardship.secondary_is_main",
                cause=HardshipCause(new["cause"]).label(),
            )
        )
    if not blank(raw.get("household_size")):
        size = c.take(_household_size, raw["household_size"])
        if size is not None:
            count = 1 + _family_count(uow.session, f.id)
            if size < count:
                c.errors.append(
                    InvalidValue(
                        "household_size",
                        raw["household_size"],
                        "hardship.household_too_small",
                        count=count,
                    )
                )
            new["household_size"] = size
    if not blank(raw.get("income_per_capita")):
        new["income_fen"] = c.take(parse_money, raw["income_per_capita"], "income_per_capita")
    for key, max_len in (("health", 100), ("housing", 100), ("address", 200)):
        if not blank(raw.get(key)):
            new[key] = c.take(_text, raw[key], key, max_len)
    if not blank(raw.get("phone")):
        new["phone"] = c.take(parse_mobile, str(raw["phone"]))
    org = _resolve_org(uow, _optional(raw, "org"), c)
    c.check()
    if org is not None:
        new["org_id"] = org.id
    if not new:
        raise UsageError("hardship.nothing_to_update")
    before = _snapshot(f)
    changed = {k: v for k, v in new.items() if before.get(k) != v}
    if changed:
        for key, value in changed.items():
            setattr(f, key, value)
        f.updated_at = utcnow()
        uow.session.add(f)
        uow.session.flush()
        uow.audit(
            "hardship.update",
            "hardship_file",
            f.id,
            before={k: before[k] for k in changed},
            after=changed,
        )
    return file_view(uow, f, warn_year=today().year)


# --- family ----------------------------------------------------------------------------------


def add_family_member(uow: UnitOfWork, ref: str, spec: str | dict[str, Any]) -> FileView:
    """Add someone to an open file's household (not in another open file; size permitting)."""
    f = find_file(uow, ref)
    assert f.id is not None
    _require_open(f, "family")
    m = parse_family(spec)
    uow.serialize(*person_keys([m.rid.number]))
    uow.lock(f)
    _require_open(f, "family")
    head = uow.session.get(Person, f.head_id)
    assert head is not None
    if head.id_number == m.rid.number:
        raise Conflict("hardship.twice_in_file", name=head.name, id=mask_id(head.id_number))
    person = _existing_person(uow.session, m.rid.number)
    if person is not None:
        if person.name != m.name:
            raise Conflict(
                "hardship.name_mismatch",
                id=mask_id(m.rid.number),
                stored=person.name,
                given=m.name,
            )
        in_this = uow.session.execute(
            select(col(FamilyMember.id)).where(
                col(FamilyMember.file_id) == f.id, col(FamilyMember.person_id) == person.id
            )
        ).first()
        if in_this is not None:
            raise Conflict("hardship.twice_in_file", name=person.name, id=mask_id(m.rid.number))
        _check_not_in_open_file(uow, person)
    count = _family_count(uow.session, f.id)
    if 1 + count + 1 > f.household_size:
        raise Conflict("hardship.family_too_many", size=f.household_size, count=count)
    _add_family(uow, f, m)
    return file_view(uow, f, warn_year=None)


def remove_family_member(uow: UnitOfWork, ref: str, id_number: str) -> FileView:
    """Take someone off an open file's household (moved out, married, deceased); audited."""
    f = _find_to_change(uow, ref)
    assert f.id is not None
    _require_open(f, "family")
    rid = parse_id_number(id_number)
    s = uow.session
    row = s.execute(
        select(FamilyMember, Person)
        .join(Person, col(Person.id) == col(FamilyMember.person_id))
        .where(col(FamilyMember.file_id) == f.id, col(Person.id_number) == rid.number)
    ).first()
    if row is None:
        person = _existing_person(s, rid.number)
        raise NotFound(
            "hardship.family_not_in_file",
            name=person.name if person else "?",
            id=mask_id(rid.number),
            file_no=f.file_no,
        )
    member, person = row[0], row[1]
    uow.audit(
        "hardship.family_remove",
        "hardship_file",
        f.id,
        before={
            "file_no": f.file_no,
            "name": person.name,
            "id_number": person.id_number,
            "relation": member.relation,
        },
    )
    s.delete(member)
    s.flush()
    return file_view(uow, f, warn_year=None)


# --- review, visit, close, reopen ------------------------------------------------------------


def review_file(
    uow: UnitOfWork,
    ref: str,
    *,
    on: Any,
    outcome: str | None,
    category: str | None = None,
    reviewer: str | None = None,
) -> FileView:
    """Record the yearly review; a new category becomes the file's category from that day on.

    Not on a closed file, not in the future, not before the opening or the latest review. The
    file's cached ``category`` is the latest review's by date (``current_category``), so even a
    review entered out of order never changes it silently; earlier days keep their category.
    """
    f = _find_to_change(uow, ref)
    assert f.id is not None
    _require_open(f, "review")
    c = Collector()
    when = c.take(_event_date, f, on, "review_date")
    if blank(outcome):
        c.errors.append(InvalidValue("outcome", "", "common.name_empty"))
        text = None
    else:
        text = c.take(_text, outcome, "outcome", 200)
    new_category = None
    if not blank(category):
        found = c.take(HardshipCategory.parse, str(category), "category")
        new_category = found.value if found else None
    who = c.take(_text, reviewer, "reviewer", 50) if not blank(reviewer) else None
    c.check()
    assert when is not None and text is not None
    s = uow.session
    last = _latest(s, col(HardshipReview.review_date), col(HardshipReview.file_id), f.id)
    if last is not None and when < last:
        raise InvalidValue(
            "review_date",
            when.isoformat(),
            "hardship.before_last",
            what=i18n.t("hardship.what.review"),
            last=last,
        )
    # no category given: the review keeps the one in force on its day
    after_category = new_category or str(
        s.execute(select(category_on(when)).where(col(HardshipFile.id) == f.id)).scalar_one()
    )
    review = HardshipReview(
        file_id=f.id, review_date=when, outcome=text, category=after_category, reviewer=who
    )
    s.add(review)
    s.flush()
    before = {"category": f.category}
    now_category = current_category(s, f.id)
    if now_category != f.category:
        f.category = now_category
        f.updated_at = utcnow()
        s.add(f)
    s.flush()
    uow.audit(
        "hardship.review",
        "hardship_file",
        f.id,
        before=before if before["category"] != now_category else None,
        after={
            "file_no": f.file_no,
            "review_date": when,
            "outcome": text,
            "category": after_category,
            "reviewer": who,
        },
    )
    return file_view(uow, f, warn_year=when.year)


def visit_file(
    uow: UnitOfWork, ref: str, *, on: Any, visitor: str | None = None, note: str | None = None
) -> FileView:
    """Record a home visit (入户走访) to an open file."""
    f = _find_to_change(uow, ref)
    assert f.id is not None
    _require_open(f, "visit")
    c = Collector()
    when = c.take(_event_date, f, on, "visit_date")
    who = c.take(_text, visitor, "visitor", 50) if not blank(visitor) else None
    text = c.take(_text, note, "note", 500) if not blank(note) else None
    c.check()
    assert when is not None
    uow.session.add(HardshipVisit(file_id=f.id, visit_date=when, visitor=who, note=text))
    uow.session.flush()
    uow.audit(
        "hardship.visit",
        "hardship_file",
        f.id,
        after={"file_no": f.file_no, "visit_date": when, "visitor": who, "note": text},
    )
    return file_view(uow, f, warn_year=None)


def close_file(
    uow: UnitOfWork, ref: str, *, on: Any, reason: str | None, note: str | None = None
) -> FileView:
    """Close a file (退档) with a reason. The date is not in the future and not before the
    opening, the latest review or visit, or the latest aid paid to it."""
    f = _find_to_change(uow, ref)
    assert f.id is not None
    _require_open(f, "close")
    c = Collector()
    when = c.take(_event_date, f, on, "closed")
    if blank(reason):
        c.errors.append(
            InvalidValue(
                "close_reason",
                "",
                "enums.empty",
                choices_zh="、".join(CloseReason.labels("zh")),
                choices_en=", ".join(CloseReason.codes()),
            )
        )
        code = None
    else:
        found = c.take(CloseReason.parse, str(reason), "close_reason")
        code = found.value if found else None
    text = c.take(_text, note, "note", 200) if not blank(note) else None
    c.check()
    assert when is not None and code is not None
    s = uow.session
    for what, column, file_column in (
        ("review", col(HardshipReview.review_date), col(HardshipReview.file_id)),
        ("visit", col(HardshipVisit.visit_date), col(HardshipVisit.file_id)),
        ("aid", col(Aid.aid_date), col(Aid.file_id)),
    ):
        last = _latest(s, column, file_column, f.id)
        if last is not None and when < last:
            raise InvalidValue(
                "closed",
                when.isoformat(),
                "hardship.before_last",
                what=i18n.t(f"hardship.what.{what}"),
                last=last,
            )
    before = _snapshot(f)
    f.status = FileStatus.CLOSED.value
    f.closed_on = when
    f.close_reason = code
    f.updated_at = utcnow()
    s.add(f)
    s.flush()
    after = _snapshot(f)
    changed = [k for k in after if after[k] != before[k]]
    uow.audit(
        "hardship.close",
        "hardship_file",
        f.id,
        before={k: before[k] for k in changed},
        after={k: after[k] for k in changed},
        reason=text,
    )
    return file_view(uow, f, warn_year=None)


def _check_not_reopened(s: Session, old: HardshipFile) -> None:
    successor = s.scalars(
        select(HardshipFile).where(col(HardshipFile.previous_id) == old.id).limit(1)
    ).first()
    if successor is not None:
        raise Conflict("hardship.already_reopened", file_no=old.file_no, next_no=successor.file_no)


def reopen_file(uow: UnitOfWork, ref: str, raw: dict[str, Any]) -> FileView:
    """A household that falls back into hardship gets a new file linked to its closed one.

    The head, union, family and household data are copied; ``raw`` may give ``opened``
    (default today), ``category``, ``cause``, ``secondary_causes``, ``household_size``,
    ``income_per_capita``, ``health``, ``housing``, ``address``, ``phone``. Refused while the
    old file is open, or when it was already reopened.
    """
    old = find_file(uow, ref)
    assert old.id is not None
    if old.status == FileStatus.OPEN.value:
        raise Conflict("hardship.still_open", file_no=old.file_no)
    s = uow.session
    _check_not_reopened(s, old)
    head = s.get(Person, old.head_id)
    assert head is not None and head.id is not None
    merged: dict[str, Any] = {
        "name": head.name,
        "id_number": head.id_number,
        "category": old.category,
        "cause": old.cause,
        "secondary_causes": ",".join(_causes_list(old.secondary_causes)) or None,
        "household_size": old.household_size,
        "income_per_capita": None if old.income_fen is None else format_money(old.income_fen),
        "health": old.health,
        "housing": old.housing,
        "address": old.address,
        "phone": old.phone,
        "opened": today(),
    }
    given = {k: v for k, v in raw.items() if not blank(v) and v != []}
    if "cause" in given and "secondary_causes" not in given:
        # the old secondary causes may hold the new main cause: keep the others
        try:
            main: str | None = HardshipCause.parse(str(given["cause"]), "cause").value
        except InvalidValue:
            main = None  # reported by the parse below
        merged["secondary_causes"] = (
            ",".join(x for x in _causes_list(old.secondary_causes) if x != main) or None
        )
    merged.update(given)
    c = Collector()
    fields = _parse_file(merged, c)
    c.check()
    opened: date = fields["opened_on"]
    assert old.closed_on is not None
    _not_before(
        opened,
        old.closed_on,
        "opened",
        "hardship.before_last",
        what=i18n.t("hardship.what.closing"),
        last=old.closed_on,
    )
    family_rows = s.execute(
        select(FamilyMember, Person)
        .join(Person, col(Person.id) == col(FamilyMember.person_id))
        .where(col(FamilyMember.file_id) == old.id)
        .order_by(col(FamilyMember.id))
    ).all()
    if fields["household_size"] < 1 + len(family_rows):
        raise InvalidValue(
            "household_size",
            str(fields["household_size"]),
            "hardship.household_too_small",
            count=1 + len(family_rows),
        )
    # the household's people and the year's numbers, then the old file: a second clerk
    # reopening it waits here, then is told it was reopened
    uow.serialize(
        *person_keys([head.id_number, *(p.id_number for _, p in family_rows)]),
        file_no_key(None, opened.year),
    )
    uow.lock(old)
    _check_not_reopened(s, old)
    _check_not_in_open_file(uow, head)
    for _, person in family_rows:
        _check_not_in_open_file(uow, person)
    f = HardshipFile(
        file_no=next_file_no(s, opened.year),
        head_id=head.id,
        org_id=old.org_id,
        category=fields["category"],
        opened_category=fields["category"],
        cause=fields["cause"],
        secondary_causes=fields["secondary_causes"],
        household_size=fields["household_size"],
        income_fen=fields["income_fen"],
        health=fields["health"],
        housing=fields["housing"],
        address=fields["address"],
        phone=fields["phone"],
        opened_on=opened,
        status=FileStatus.OPEN.value,
        previous_id=old.id,
    )
    s.add(f)
    s.flush()
    assert f.id is not None
    for member, _ in family_rows:
        s.add(
            FamilyMember(
                file_id=f.id,
                person_id=member.person_id,
                relation=member.relation,
                income_fen=member.income_fen,
                health=member.health,
                occupation=member.occupation,
            )
        )
    s.flush()
    uow.audit(
        "hardship.reopen",
        "hardship_file",
        f.id,
        after={"name": head.name, "id_number": head.id_number}
        | {k: v for k, v in _snapshot(f).items() if v is not None}
        | {"family": len(family_rows)},
    )
    return file_view(uow, f, warn_year=opened.year)


# --- reviews and visits as import rows (the hardship-reviews / hardship-visits kinds) ----------

i18n.register(
    {
        "hardship.after_closed": (
            "晚于退档日期 {closed}",
            "is after the file was closed ({closed})",
        ),
        "hardship.no_file_on": (
            "身份证号 {id} 名下没有在 {date} 在档的困难档案",
            "no file headed by ID number {id} was open on {date}",
        ),
        "hardship.no_file_of_head": (
            "身份证号 {id} 名下没有困难档案",
            "no hardship file is headed by ID number {id}",
        ),
        "hardship.head_mismatch": (
            "档案 {file_no} 的户主不是身份证号 {id} 的人",
            "file {file_no} is not headed by ID number {id}",
        ),
    }
)
i18n.register_fields({"file_or_id": ("档案编号或户主身份证号", "file no. or the head's ID number")})

REVIEW_REQUIRED = ("review_date", "outcome", "category")
VISIT_REQUIRED = ("visit_date",)


class EventFile(NamedTuple):
    """The file a review or visit of an import row goes to."""

    id: int
    file_no: str
    opened_on: date
    closed_on: date | None


def _file_ref(raw: dict[str, Any], required: tuple[str, ...], c: Collector) -> dict[str, Any]:
    """``file_no`` and ``id_number`` (one at least) of an import row; the required cells."""
    missing = [k for k in required if blank(raw.get(k))]
    file_no = None if blank(raw.get("file_no")) else _file_no_text(raw["file_no"])
    if file_no is None and blank(raw.get("id_number")):
        missing.insert(0, "file_or_id")
    if missing:
        raise MissingFields(missing)
    id_number = None
    if not blank(raw.get("id_number")):
        rid = c.take(parse_id_number, str(raw["id_number"]))
        id_number = None if rid is None else rid.number
    return {"file_no": file_no, "id_number": id_number}


def parse_review_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """One review of an import row (``hardship-reviews``), checked as ``hardship review`` checks
    it: ``file_no`` and/or ``id_number`` (the head's), ``review_date`` (not in the future),
    ``outcome``, ``category`` (legacy labels too), ``reviewer``. Every bad value at once; looks
    nothing up (the file comes from ``event_file``)."""
    c = Collector()
    out = _file_ref(raw, REVIEW_REQUIRED, c)
    out["review_date"] = c.take(_past_date, raw["review_date"], "review_date")
    out["outcome"] = c.take(_text, raw["outcome"], "outcome", 200)
    found = c.take(HardshipCategory.parse, str(raw["category"]), "category")
    out["category"] = found.value if found else None
    reviewer = raw.get("reviewer")
    out["reviewer"] = None if blank(reviewer) else c.take(_text, reviewer, "reviewer", 50)
    c.check()
    return out


def parse_visit_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """One home visit of an import row (``hardship-visits``), checked as ``hardship visit``
    checks it: ``file_no`` and/or ``id_number``, ``visit_date`` (not in the future),
    ``visitor``, ``note``."""
    c = Collector()
    out = _file_ref(raw, VISIT_REQUIRED, c)
    out["visit_date"] = c.take(_past_date, raw["visit_date"], "visit_date")
    for key, max_len in (("visitor", 50), ("note", 500)):
        value = raw.get(key)
        out[key] = None if blank(value) else c.take(_text, value, key, max_len)
    c.check()
    return out


def event_file(
    db: Db, file_no: str | None, id_number: str | None, on: date, field_key: str
) -> EventFile:
    """The file a dated review or visit of an import row belongs to, open on ``on``.

    By file no. (an ID number given too must be its head's), else the file that head had open
    on ``on``. Open or closed since: history comes in after the fact, but only within the file's
    open period (``hardship.before_opened`` / ``hardship.after_closed`` name the date).
    """
    F = HardshipFile
    stmt = select(col(F.id), col(F.file_no), col(F.opened_on), col(F.closed_on), col(F.head_id))
    if file_no is not None:
        row = db.execute(stmt.where(col(F.file_no) == file_no)).first()
        if row is None:
            raise NotFound("hardship.not_found", ref=file_no)
        if id_number is not None:
            head = db.execute(
                select(col(Person.id_number)).where(col(Person.id) == row[4])
            ).scalar_one()
            if head != id_number:
                raise Conflict("hardship.head_mismatch", file_no=file_no, id=mask_id(id_number))
    else:
        assert id_number is not None
        of_head = stmt.join(Person, col(Person.id) == col(F.head_id)).where(
            col(Person.id_number) == id_number
        )
        row = db.execute(
            of_head.where(
                col(F.opened_on) <= on, or_(col(F.closed_on).is_(None), col(F.closed_on) >= on)
            )
            .order_by(col(F.opened_on).desc(), col(F.id).desc())
            .limit(1)
        ).first()
        if row is None:
            if db.execute(of_head.limit(1)).first() is not None:
                raise Conflict("hardship.no_file_on", id=mask_id(id_number), date=on)
            raise NotFound("hardship.no_file_of_head", id=mask_id(id_number))
    found = EventFile(int(row[0] or 0), str(row[1]), _as_date(row[2]) or on, _as_date(row[3]))
    _not_before(on, found.opened_on, field_key, "hardship.before_opened", opened=found.opened_on)
    if found.closed_on is not None and on > found.closed_on:
        raise InvalidValue(
            field_key, on.isoformat(), "hardship.after_closed", closed=found.closed_on
        )
    return found


# --- read side -------------------------------------------------------------------------------


def aid_by_year(db: Db, file_ids: Sequence[int]) -> dict[int, list[AidYear]]:
    """Aid per file and year, straight from the ``aid`` table: net entries and net amount.

    A reversing entry (``reverses_id`` set) counts minus one, so a payment and its reversal in
    the same year leave nothing behind.
    """
    if not file_ids:
        return {}
    year = func.extract("year", col(Aid.aid_date))
    stmt = (
        select(
            col(Aid.file_id),
            year,
            func.sum(case((col(Aid.reverses_id).is_(None), 1), else_=-1)),
            func.sum(col(Aid.amount_fen)),
        )
        .where(col(Aid.file_id).in_(list(file_ids)))
        .group_by(col(Aid.file_id), year)
        .order_by(col(Aid.file_id), year.desc())
    )
    out: dict[int, list[AidYear]] = {}
    for file_id, y, n, amount in db.execute(stmt):
        out.setdefault(int(file_id), []).append(AidYear(int(y), int(n), int(amount or 0)))
    return out


def _link(f: HardshipFile | None) -> LinkView | None:
    if f is None:
        return None
    assert f.id is not None
    return LinkView(f.id, f.file_no, f.opened_on, f.closed_on, f.status, f.close_reason)


def file_view(uow: UnitOfWork, f: HardshipFile, *, warn_year: int | None) -> FileView:
    """The whole file. ``warn_year``: check the income against that year's line (None: don't)."""
    s = uow.session
    assert f.id is not None
    head = s.get(Person, f.head_id)
    assert head is not None and head.id is not None
    org = s.get(Org, f.org_id) if f.org_id is not None else None
    family = [
        FamilyView(
            id=m.id or 0,
            person_id=p.id or 0,
            name=p.name,
            id_number=p.id_number,
            gender=p.gender,
            birth_date=p.birth_date,
            relation=m.relation,
            income_fen=m.income_fen,
            health=m.health,
            occupation=m.occupation,
        )
        for m, p in s.execute(
            select(FamilyMember, Person)
            .join(Person, col(Person.id) == col(FamilyMember.person_id))
            .where(col(FamilyMember.file_id) == f.id)
            .order_by(col(FamilyMember.id))
        ).all()
    ]
    reviews = [
        ReviewView(r.id or 0, r.review_date, r.outcome, r.category, r.reviewer)
        for r in s.scalars(
            select(HardshipReview)
            .where(col(HardshipReview.file_id) == f.id)
            .order_by(col(HardshipReview.review_date), col(HardshipReview.id))
        )
    ]
    visits = [
        VisitView(v.id or 0, v.visit_date, v.visitor, v.note)
        for v in s.scalars(
            select(HardshipVisit)
            .where(col(HardshipVisit.file_id) == f.id)
            .order_by(col(HardshipVisit.visit_date), col(HardshipVisit.id))
        )
    ]
    history = [CategoryStep(f.opened_on, f.opened_category, "opened")] + [
        CategoryStep(r.date, r.category, "review") for r in reviews
    ]
    previous = s.get(HardshipFile, f.previous_id) if f.previous_id is not None else None
    following = s.scalars(
        select(HardshipFile).where(col(HardshipFile.previous_id) == f.id).limit(1)
    ).first()
    warnings: list[str] = []
    if warn_year is not None and f.status == FileStatus.OPEN.value:
        warning = income_warning(s, f.category, f.income_fen, warn_year)
        if warning:
            warnings.append(warning)
    return FileView(
        id=f.id,
        file_no=f.file_no,
        status=f.status,
        person_id=head.id,
        name=head.name,
        id_number=head.id_number,
        gender=head.gender,
        birth_date=head.birth_date,
        phone=f.phone,
        org_id=f.org_id,
        org=None if org is None else org.name,
        category=f.category,
        cause=f.cause,
        secondary_causes=_causes_list(f.secondary_causes),
        household_size=f.household_size,
        income_fen=f.income_fen,
        health=f.health,
        housing=f.housing,
        address=f.address,
        opened_on=f.opened_on,
        closed_on=f.closed_on,
        close_reason=f.close_reason,
        opened_category=f.opened_category,
        previous=_link(previous),
        next=_link(following),
        family=family,
        reviews=reviews,
        visits=visits,
        aid_by_year=aid_by_year(s, [f.id]).get(f.id, []),
        category_history=history,
        warnings=warnings,
    )


def show_file(uow: UnitOfWork, ref: str) -> FileView:
    """The whole file; an open file's income is checked against this year's line."""
    f = find_file(uow, ref)
    return file_view(uow, f, warn_year=today().year)


def files_headed_by(uow: UnitOfWork, person_id: int) -> list[HeadedFile]:
    """The files a person heads, newest first, with aid by year (for ``member show``)."""
    s = uow.session
    files = list(
        s.scalars(
            select(HardshipFile)
            .where(col(HardshipFile.head_id) == person_id)
            .order_by(col(HardshipFile.opened_on).desc(), col(HardshipFile.id).desc())
        )
    )
    aid = aid_by_year(s, [f.id for f in files if f.id is not None])
    return [
        HeadedFile(
            id=f.id or 0,
            file_no=f.file_no,
            category=f.category,
            status=f.status,
            opened_on=f.opened_on,
            closed_on=f.closed_on,
            close_reason=f.close_reason,
            aid_by_year=aid.get(f.id or 0, []),
        )
        for f in files
    ]


@dataclass(frozen=True)
class FileFilter:
    org: str | None = None
    category: str | None = None
    status: str | None = None
    opened_year: int | str | None = None
    closed_year: int | str | None = None
    cause: str | None = None
    county: str | None = None  # the clerk's county (区县): files of its unions only


def _year_range(raw: int | str, field_key: str) -> tuple[date, date]:
    y = parse_year(raw, field_key)
    return date(y, 1, 1), date(y, 12, 31)


def list_files(
    uow: UnitOfWork, flt: FileFilter, *, limit: int | None, offset: int = 0
) -> tuple[list[FileRow], int]:
    """One page of files (newest opened first) and how many match in all."""
    s = uow.session
    F = HardshipFile
    conds: list[Any] = []
    if flt.org:
        conds.append(col(F.org_id) == find_org(uow, flt.org).id)
    if flt.county:
        conds.append(col(F.org_id).in_(orgs_in_county(flt.county)))
    if flt.category:
        conds.append(
            col(F.category) == HardshipCategory.parse(flt.category, field="category").value
        )
    if flt.status:
        conds.append(col(F.status) == FileStatus.parse(flt.status, field="status").value)
    if flt.opened_year:
        lo, hi = _year_range(flt.opened_year, "opened")
        conds.append(col(F.opened_on).between(lo, hi))
    if flt.closed_year:
        lo, hi = _year_range(flt.closed_year, "closed")
        conds.append(col(F.closed_on).between(lo, hi))
    if flt.cause:
        code = HardshipCause.parse(flt.cause, field="cause").value
        conds.append(
            or_(
                col(F.cause) == code,
                ("," + func.coalesce(col(F.secondary_causes), "") + ",").contains(f",{code},"),
            )
        )
    total = int(s.execute(select(func.count()).select_from(F).where(*conds)).scalar_one())
    stmt = (
        select(F, col(Person.name), col(Person.id_number), col(Person.id), col(Org.name))
        .join(Person, col(Person.id) == col(F.head_id))
        .outerjoin(Org, col(Org.id) == col(F.org_id))
        .where(*conds)
        .order_by(col(F.opened_on).desc(), col(F.id).desc())
        .offset(offset)
    )
    if limit is not None:
        stmt = stmt.limit(limit)
    rows = [
        FileRow(
            id=f.id or 0,
            file_no=f.file_no,
            name=name,
            id_number=idn,
            phone=f.phone,
            org=org_name,
            category=f.category,
            cause=f.cause,
            household_size=f.household_size,
            income_fen=f.income_fen,
            opened_on=f.opened_on,
            status=f.status,
            closed_on=f.closed_on,
            close_reason=f.close_reason,
            person_id=int(pid or 0),
        )
        for f, name, idn, pid, org_name in s.execute(stmt).all()
    ]
    return rows, total


# --- the due list ----------------------------------------------------------------------------


def due(
    uow: UnitOfWork,
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

    ``county`` (the clerk's 区县) keeps the files of its unions. Oldest due date first. One query finds every due file (correlated MAX subqueries on the
    (file_id, date) indexes); a second fetches names and unions for the page shown only.
    """
    when = today() if as_of is None else parse_date(as_of, field="as_of")
    if kind not in (None, "review", "visit"):
        raise InvalidValue("kind", kind, "hardship.due_kind")
    want_review = kind in (None, "review")
    want_visit = kind in (None, "visit")
    F, R, V = HardshipFile, HardshipReview, HardshipVisit
    jan1 = date(when.year, 1, 1)
    cutoff = visit_cutoff(when)
    last_review = (
        select(func.max(col(R.review_date)))
        .where(col(R.file_id) == col(F.id), col(R.review_date) <= when)
        .correlate(F)
        .scalar_subquery()
    )
    last_visit = (
        select(func.max(col(V.visit_date)))
        .where(col(V.file_id) == col(F.id), col(V.visit_date) <= when)
        .correlate(F)
        .scalar_subquery()
    )
    if when >= today():
        # no file is closed after today: the status index finds the open ones
        conds: list[Any] = [col(F.status) == FileStatus.OPEN.value]
    else:
        # files opened after the day are skipped below: "opened_on <= day" here would lead
        # SQLite into the opened_on index and a random read per file, three times slower
        conds = [or_(col(F.status) == FileStatus.OPEN.value, col(F.closed_on) > when)]
    if org:
        conds.append(col(F.org_id) == find_org(uow, org).id)
    if county:
        conds.append(col(F.org_id).in_(orgs_in_county(county)))
    inner = (
        select(
            col(F.id).label("id"),
            col(F.file_no).label("file_no"),
            col(F.opened_on).label("opened_on"),
            last_review.label("last_review"),
            last_visit.label("last_visit"),
        )
        .where(*conds)
        .subquery()
    )
    # Which files are due is decided below, not in a WHERE: SQLite would evaluate both
    # subqueries twice per file (once to filter, once to return them).
    stmt = select(
        inner.c.id, inner.c.file_no, inner.c.opened_on, inner.c.last_review, inner.c.last_visit
    )
    # (due on, kind, file no, file id, last done): plain tuples, as the queue may be long
    queue: list[tuple[date, str, str, int, date | None]] = []
    six_months: dict[date, date] = {}
    for fid, no, opened, l_review, l_visit in uow.session.connection().execute(stmt):
        opened, l_review, l_visit = _as_date(opened), _as_date(l_review), _as_date(l_visit)
        if opened is None or opened > when:
            continue
        base = l_review or opened
        if want_review and base < jan1:
            queue.append((date(base.year + 1, 1, 1), "review", no, fid, l_review))
        base = l_visit or opened
        if want_visit and base <= cutoff:
            on = six_months.get(base)
            if on is None:
                on = six_months[base] = add_months(base, VISIT_MONTHS)
            queue.append((on, "visit", no, fid, l_visit))
    reviews = sum(1 for q in queue if q[1] == "review")
    total = len(queue)
    if limit is not None and limit < total:
        queue = heapq.nsmallest(limit, queue)
    else:
        queue.sort()
    details = _due_details(uow, {q[3] for q in queue}, when)
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


def _due_details(uow: UnitOfWork, file_ids: set[int], on: date) -> dict[int, dict[str, Any]]:
    """Head, phone, union and category (in force on ``on``) of the files on the page shown."""
    out: dict[int, dict[str, Any]] = {}
    ids = sorted(file_ids)
    F = HardshipFile
    for start in range(0, len(ids), 500):
        stmt = (
            select(
                col(F.id),
                col(Person.id),
                col(Person.name),
                col(Person.id_number),
                col(F.phone),
                col(Org.name),
                category_on(on),
            )
            .join(Person, col(Person.id) == col(F.head_id))
            .outerjoin(Org, col(Org.id) == col(F.org_id))
            .where(col(F.id).in_(ids[start : start + 500]))
        )
        for fid, pid, name, idn, phone, org_name, category in uow.session.execute(stmt):
            out[int(fid or 0)] = {
                "person_id": int(pid or 0),
                "name": name,
                "id_number": idn,
                "phone": phone,
                "org": org_name,
                "category": category,
            }
    return out


i18n.register(
    {
        "hardship.due_kind": (
            "须为 review（年度复核）或 visit（入户走访）",
            "must be review or visit",
        )
    }
)
i18n.register_fields({"kind": ("类型", "kind")})


def _as_date(value: Any) -> date | None:
    # SQLite hands back text for a MAX() over dates
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


# --- public notice ---------------------------------------------------------------------------


def notice(
    uow: UnitOfWork,
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
    s = uow.session
    F = HardshipFile
    conds: list[Any] = []
    if org:
        conds.append(col(F.org_id) == find_org(uow, org).id)
    if county:
        conds.append(col(F.org_id).in_(orgs_in_county(county)))
    if opened_in is not None:
        lo, hi = _year_range(opened_in, "opened")
        stmt = (
            select(col(Person.name), col(Org.name), category_on(hi), literal(None))
            .select_from(F)
            .join(Person, col(Person.id) == col(F.head_id))
            .outerjoin(Org, col(Org.id) == col(F.org_id))
            .where(col(F.opened_on).between(lo, hi), *conds)
            .order_by(col(Org.name), col(F.opened_on), col(F.id))
        )
    else:
        assert aid_year is not None
        lo, hi = _year_range(aid_year, "year")
        aid_conds: list[Any] = [col(Aid.aid_date).between(lo, hi)]
        if kind:
            aid_conds.append(col(Aid.kind) == AidKind.parse(kind, field="aid_kind").value)
        totals = (
            select(col(Aid.file_id).label("file_id"), func.sum(col(Aid.amount_fen)).label("fen"))
            .where(*aid_conds)
            .group_by(col(Aid.file_id))
            .having(func.sum(col(Aid.amount_fen)) > 0)
            .subquery()
        )
        stmt = (
            select(col(Person.name), col(Org.name), category_on(hi), totals.c.fen)
            .select_from(totals)
            .join(F, col(F.id) == totals.c.file_id)
            .join(Person, col(Person.id) == col(F.head_id))
            .outerjoin(Org, col(Org.id) == col(F.org_id))
            .where(*conds)
            .order_by(col(Org.name), col(Person.name_pinyin), col(F.id))
        )
    return [
        NoticeRow(
            no=i,
            name=name,
            org=org_name,
            category=category,
            amount_fen=None if fen is None else int(fen),
        )
        for i, (name, org_name, category, fen) in enumerate(s.execute(stmt).all(), start=1)
    ]
