"""The fields of a hardship file, a family member, a review and a visit, as typed or imported:
parsed and checked, every bad value at once. Touches no database (the ``hardship`` import kinds
and ``lifecycle`` share it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from unioncli import i18n
from unioncli.dates import parse_date, today
from unioncli.enums import CloseReason, FileStatus, HardshipCategory, HardshipCause
from unioncli.errors import InvalidValue, MissingFields
from unioncli.ids import ResidentId, mask_id, parse_id_number, parse_mobile
from unioncli.money import parse_money
from unioncli.services.common import Collector, blank, clean_text, parse_name
from unioncli.views.hardship import common as _labels  # noqa: F401 (the field labels)

MAX_SECONDARY_CAUSES = 3
MAX_HOUSEHOLD = 30

i18n.register(
    {
        "hardship.future": ("日期在今天之后", "the date is after today"),
        "hardship.before_opened": (
            "早于建档日期 {opened}",
            "is before the file was opened ({opened})",
        ),
        "hardship.household_size": (
            "须为 1 到 {max} 之间的整数",
            "must be a whole number from 1 to {max}",
        ),
        "hardship.household_too_small": (
            "少于户主加家庭成员的人数（{count} 人）",
            "is less than the head and family members together ({count})",
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
        "hardship.status_closed_needs": (
            "状态为已退档时须填写退档日期和退档原因",
            "a closed file needs the closing date and reason",
        ),
        "hardship.closed_but_open": (
            "状态为在档，却填写了退档日期或原因",
            "the status is open but a closing date or reason is given",
        ),
    }
)
i18n.register_fields({"file_or_id": ("档案编号或户主身份证号", "file no. or the head's ID number")})


def past_date(raw: Any, field_key: str) -> date:
    value = parse_date(raw, field=field_key)
    if value > today():
        raise InvalidValue(field_key, raw, "hardship.future")
    return value


def not_before(value: date, limit: date | None, field_key: str, key: str, **params: Any) -> None:
    if limit is not None and value < limit:
        raise InvalidValue(field_key, value.isoformat(), key, **params)


def optional(raw: dict[str, Any], key: str) -> Any:
    value = raw.get(key)
    return None if blank(value) else value


def text_of(raw: Any, field_key: str, max_len: int) -> str | None:
    return clean_text(str(raw), field_key, max_len=max_len)


def parse_household_size(raw: Any) -> int:
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
    out = parse_file(raw, c)
    c.check()
    return out


def parse_file(raw: dict[str, Any], c: Collector) -> dict[str, Any]:
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
        out["file_no"] = c.take(file_no_text, raw["file_no"])
    out["name"] = c.take(parse_name, raw["name"])
    out["rid"] = c.take(parse_id_number, str(raw["id_number"]))
    if not blank(raw.get("org")):
        out["org"] = c.take(text_of, raw["org"], "org", 100)
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
    out["household_size"] = c.take(parse_household_size, raw["household_size"])
    if not blank(raw.get("income_per_capita")):
        out["income_fen"] = c.take(parse_money, raw["income_per_capita"], "income_per_capita")
    for key, max_len in (("health", 100), ("housing", 100), ("address", 200)):
        if not blank(raw.get(key)):
            out[key] = c.take(text_of, raw[key], key, max_len)
    if not blank(raw.get("phone")):
        out["phone"] = c.take(parse_mobile, str(raw["phone"]))
    out["opened_on"] = opened = c.take(past_date, raw["opened"], "opened")

    closed = reason = None
    if not blank(raw.get("closed")):
        closed = c.take(past_date, raw["closed"], "closed")
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


def file_no_text(raw: Any) -> str | None:
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
    relation = c.take(text_of, data.get("relation") or "", "relation", 20)
    if relation is None and not c.errors:
        c.errors.append(InvalidValue("relation", "", "common.name_empty"))
    income = None
    if not blank(data.get("income")):
        income = c.take(parse_money, data["income"], "family_income")
    health = (
        c.take(text_of, data["health"], "health", 100) if not blank(data.get("health")) else None
    )
    occupation = (
        c.take(text_of, data["occupation"], "occupation", 100)
        if not blank(data.get("occupation"))
        else None
    )
    c.check()
    assert name is not None and rid is not None and relation is not None
    return FamilyInput(rid, name, relation, income, health, occupation)


# --- reviews and visits as import rows (the hardship-reviews / hardship-visits kinds) ----------

REVIEW_REQUIRED = ("review_date", "outcome", "category")
VISIT_REQUIRED = ("visit_date",)


def _file_ref(raw: dict[str, Any], required: tuple[str, ...], c: Collector) -> dict[str, Any]:
    """``file_no`` and ``id_number`` (one at least) of an import row; the required cells."""
    missing = [k for k in required if blank(raw.get(k))]
    file_no = None if blank(raw.get("file_no")) else file_no_text(raw["file_no"])
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
    out["review_date"] = c.take(past_date, raw["review_date"], "review_date")
    out["outcome"] = c.take(text_of, raw["outcome"], "outcome", 200)
    found = c.take(HardshipCategory.parse, str(raw["category"]), "category")
    out["category"] = found.value if found else None
    reviewer = raw.get("reviewer")
    out["reviewer"] = None if blank(reviewer) else c.take(text_of, reviewer, "reviewer", 50)
    c.check()
    return out


def parse_visit_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """One home visit of an import row (``hardship-visits``), checked as ``hardship visit``
    checks it: ``file_no`` and/or ``id_number``, ``visit_date`` (not in the future),
    ``visitor``, ``note``."""
    c = Collector()
    out = _file_ref(raw, VISIT_REQUIRED, c)
    out["visit_date"] = c.take(past_date, raw["visit_date"], "visit_date")
    for key, max_len in (("visitor", 50), ("note", 500)):
        value = raw.get(key)
        out[key] = None if blank(value) else c.take(text_of, value, key, max_len)
    c.check()
    return out
