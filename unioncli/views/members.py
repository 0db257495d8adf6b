"""The read side of members (会员): ``member find``, ``member list`` and ``member show`` — the
member, their membership history, the hardship files they head (with aid by year) and the grants
to their children.

``member find`` is the clerk's quick lookup, by name, pinyin, initials, ID tail or phone; every
branch is an indexed prefix search. ``services.members`` writes members and reads back what it
wrote through ``member_by_id`` here, so a member is shown one way whichever command shows it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from unioncli.db.read import Reader, day, flag
from unioncli.enums import GigGroup, MemberEventKind, MemberStatus
from unioncli.errors import InvalidValue, NotFound, UsageError
from unioncli.i18n import register, register_fields
from unioncli.ids import mask_id, parse_id_number, record_id
from unioncli.pinyin import looks_latin
from unioncli.views import IN_COUNTY, Page, county_param, limit_clause
from unioncli.views.orgs import find_org_id

register(
    {
        "find.too_short": (
            "查询内容太短：姓名至少 1 个汉字，拼音至少 2 个字母，号码至少 4 位",
            "query too short: at least 1 Chinese character, 2 letters, or 4 digits",
        ),
        "member.not_found": ("找不到会员“{ref}”", "no member “{ref}”"),
    }
)
# the hardship file's labels, as the hardship register has them (``member show`` lists the files
# a member heads without loading that register)
register_fields(
    {
        "file_no": ("档案编号", "file no."),
        "category": ("困难类别", "category"),
        "opened": ("建档日期", "opened"),
        "closed": ("退档日期", "closed"),
    }
)


@dataclass(frozen=True)
class MemberRow:
    member_id: int
    name: str
    id_number: str
    gender: str
    phone: str | None
    org: str
    status: str
    joined_on: date
    migrant: bool
    gig_group: str | None


@dataclass(frozen=True)
class EventView:
    id: int
    kind: str
    date: date
    org: str
    from_org: str | None
    reason: str | None


@dataclass(frozen=True)
class MemberView:
    member_id: int
    person_id: int
    name: str
    id_number: str
    gender: str
    birth_date: date
    ethnicity: str | None
    phone: str | None
    education: str | None
    political_status: str | None
    hukou: str | None
    org: str
    employer: str | None
    status: str
    status_since: date
    joined_on: date
    card_no: str | None
    migrant: bool
    gig_group: str | None
    events: list[EventView] = field(default_factory=list)


# --- member find -------------------------------------------------------------------------------

_FIND = """
SELECT m.id, p.name, p.id_number, p.gender, p.phone, o.name, m.status, m.joined_on,
       m.migrant, m.gig_group
FROM person p JOIN member m ON m.person_id = p.id JOIN org o ON o.id = m.org_id
WHERE {where}
ORDER BY p.name, m.id
LIMIT :limit
"""
_FIND_COUNT = "SELECT COUNT(*) FROM person p JOIN member m ON m.person_id = p.id WHERE {where}"


def _prefix(column: str, param: str, dialect: str) -> str:
    # SQLite uses an index for a range, not for LIKE on a case-sensitive column.
    if dialect == "sqlite":
        return f"({column} >= :{param} AND {column} < :{param}_end)"
    return f"{column} LIKE :{param}_like"


def _bind_prefix(params: dict[str, Any], name: str, value: str) -> None:
    params[name] = value
    params[f"{name}_end"] = value[:-1] + chr(ord(value[-1]) + 1)
    params[f"{name}_like"] = (
        value.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_") + "%"
    )


def build_query(query: str, dialect: str) -> tuple[str, dict[str, Any]]:
    q = unicodedata.normalize("NFKC", query).strip().replace(" ", "").replace("-", "")
    params: dict[str, Any] = {}
    if re.fullmatch(r"\d{3,17}[xX]?|\d*[xX]", q) and len(q) >= 4:
        digits = q.upper()
        clauses = [_prefix("p.id_rev", "rev", dialect)]
        _bind_prefix(params, "rev", digits[::-1])
        if re.fullmatch(r"1[3-9]\d{9}", digits):
            clauses.append("p.phone = :phone")
            params["phone"] = digits
        if len(digits) == 18:
            clauses = ["p.id_number = :idn"]
            params = {"idn": digits}
        return " OR ".join(clauses), params
    typed = q.replace("ü", "v").replace("Ü", "V")  # ü is typed v on a pinyin keyboard
    latin = re.sub(r"[^a-z]", "", typed.lower())
    if looks_latin(typed) and len(latin) >= 2:
        _bind_prefix(params, "py", latin)
        _bind_prefix(params, "ini", latin)
        where = f"{_prefix('p.name_pinyin', 'py', dialect)} OR {_prefix('p.name_initials', 'ini', dialect)}"
        return where, params
    if q and not q.isascii():
        _bind_prefix(params, "nm", q)
        return _prefix("p.name", "nm", dialect), params
    raise UsageError("find.too_short")


def _member_row(r: tuple[Any, ...]) -> MemberRow:
    return MemberRow(
        member_id=int(r[0]),
        name=r[1],
        id_number=r[2],
        gender=r[3],
        phone=r[4],
        org=r[5],
        status=r[6],
        joined_on=day(r[7]),  # type: ignore[arg-type]
        migrant=flag(r[8]),
        gig_group=r[9],
    )


def find_members(r: Reader, query: str, *, limit: int = 20) -> Page[MemberRow]:
    """The members a quick query names, by name (then number), cut at ``limit``."""
    where, params = build_query(query, r.dialect)
    total = r.count(_FIND_COUNT.format(where=where), params)
    found = r.all(_FIND.format(where=where), {**params, "limit": limit})
    return Page([_member_row(row) for row in found], total)


# --- member list -------------------------------------------------------------------------------


@dataclass(frozen=True)
class MemberFilter:
    org: str | None = None
    status: str | None = None
    migrant: bool | None = None
    gig_group: str | None = None
    joined_year: int | None = None
    county: str | None = None  # the clerk's county (区县): members of its unions only


_LIST = """
SELECT m.id, p.name, p.id_number, p.gender, p.phone, o.name, m.status, m.joined_on,
       m.migrant, m.gig_group
FROM member m JOIN person p ON p.id = m.person_id JOIN org o ON o.id = m.org_id
"""


def list_members(r: Reader, flt: MemberFilter, *, limit: int | None) -> Page[MemberRow]:
    """One page of members (newest joins first) and how many match in all."""
    conds: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if flt.org:
        conds.append("m.org_id = :org_id")
        params["org_id"] = find_org_id(r, flt.org)
    if flt.county:
        conds.append(f"m.org_id IN {IN_COUNTY}")
        params.update(county_param(flt.county))
    if flt.status:
        conds.append("m.status = :status")
        params["status"] = MemberStatus.parse(flt.status, field="status").value
    if flt.migrant is not None:
        conds.append("m.migrant = :migrant")
        params["migrant"] = flt.migrant
    if flt.gig_group:
        if flt.gig_group in ("any", "all", "任意", "全部"):
            conds.append("m.gig_group IS NOT NULL")
        else:
            conds.append("m.gig_group = :gig")
            params["gig"] = GigGroup.parse(flt.gig_group, field="gig_group").value
    if flt.joined_year:
        y = flt.joined_year
        # "joined in year" means a join event in that year, not only the latest join date
        conds.append(
            "m.id IN (SELECT member_id FROM member_event WHERE kind = :join "
            "AND event_date >= :joined_from AND event_date <= :joined_to)"
        )
        params.update(
            join=MemberEventKind.JOIN.value,
            joined_from=date(y, 1, 1),
            joined_to=date(y, 12, 31),
        )
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    total = r.count("SELECT COUNT(*) FROM member m" + where, params)
    found = r.all(
        _LIST + where + " ORDER BY m.joined_on DESC, m.id DESC" + limit_clause(limit), params
    )
    return Page([_member_row(row) for row in found], total)


# --- member show -------------------------------------------------------------------------------

_MEMBER = """
SELECT m.id, p.id, p.name, p.id_number, p.gender, p.birth_date, p.ethnicity, p.phone,
       p.education, p.political_status, p.hukou, o.name, m.employer, m.status, m.status_since,
       m.joined_on, m.card_no, m.migrant, m.gig_group
FROM member m JOIN person p ON p.id = m.person_id LEFT JOIN org o ON o.id = m.org_id
"""


def find_member_id(r: Reader, ref: str) -> int:
    """A member by ID number, card number, or member number (the # shown in lists); the rules and
    messages of ``services.members.find_member``, which the writes use."""
    ref = ref.strip()
    bad_id: InvalidValue | None = None
    if len(ref) in (15, 18):
        try:
            rid = parse_id_number(ref)
        except InvalidValue as exc:
            rid, bad_id = None, exc  # maybe a card number of that length; else say what's wrong
        if rid is not None:
            found = r.scalar(
                "SELECT m.id FROM member m JOIN person p ON p.id = m.person_id "
                "WHERE p.id_number = :idn",
                {"idn": rid.number},
            )
            if found is None:
                raise NotFound("member.not_found", ref=mask_id(rid.number))
            return int(found)
    found = r.scalar("SELECT id FROM member WHERE card_no = :card", {"card": ref})
    number = record_id(ref)
    if found is None and number is not None:
        found = r.scalar("SELECT id FROM member WHERE id = :id", {"id": number})
    if found is None and bad_id is not None:
        raise bad_id  # masked, and names the cause (a wrong check digit, a lost digit...)
    if found is None:
        raise NotFound("member.not_found", ref=ref)
    return int(found)


def member_by_id(r: Reader, member_id: int) -> MemberView:
    """A member with their membership history, oldest change first."""
    m = r.one(_MEMBER + "WHERE m.id = :id", {"id": member_id})
    if m is None:
        raise NotFound("member.not_found", ref=str(member_id))
    events = [
        EventView(
            id=int(e[0]),
            kind=e[1],
            date=day(e[2]),  # type: ignore[arg-type]
            org=e[3] if e[3] is not None else "?",
            from_org=e[4],
            reason=e[5],
        )
        for e in r.all(
            "SELECT e.id, e.kind, e.event_date, o.name, f.name, e.reason FROM member_event e "
            "LEFT JOIN org o ON o.id = e.org_id LEFT JOIN org f ON f.id = e.from_org_id "
            "WHERE e.member_id = :id ORDER BY e.event_date, e.id",
            {"id": member_id},
        )
    ]
    return MemberView(
        member_id=int(m[0]),
        person_id=int(m[1]),
        name=m[2],
        id_number=m[3],
        gender=m[4],
        birth_date=day(m[5]),  # type: ignore[arg-type]
        ethnicity=m[6],
        phone=m[7],
        education=m[8],
        political_status=m[9],
        hukou=m[10],
        org=m[11] if m[11] is not None else "?",
        employer=m[12],
        status=m[13],
        status_since=day(m[14]),  # type: ignore[arg-type]
        joined_on=day(m[15]),  # type: ignore[arg-type]
        card_no=m[16],
        migrant=flag(m[17]),
        gig_group=m[18],
        events=events,
    )


def show_member(r: Reader, ref: str) -> MemberView:
    return member_by_id(r, find_member_id(r, ref))
