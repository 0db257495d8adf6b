"""``member find``: the clerk's quick lookup, by name, pinyin, initials, ID tail or phone.

This is the one read path that must start fast on a city's ledger, so it imports neither
SQLAlchemy nor SQLModel nor pypinyin (see ``db.read``), and every branch is an indexed prefix
search.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from unioncli.config import Target
from unioncli.db.read import day, flag, reading
from unioncli.errors import UsageError
from unioncli.i18n import register
from unioncli.pinyin import looks_latin

register(
    {
        "find.too_short": (
            "查询内容太短：姓名至少 1 个汉字，拼音至少 2 个字母，号码至少 4 位",
            "query too short: at least 1 Chinese character, 2 letters, or 4 digits",
        ),
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


_SELECT = """
SELECT m.id, p.name, p.id_number, p.gender, p.phone, o.name, m.status, m.joined_on,
       m.migrant, m.gig_group
FROM person p JOIN member m ON m.person_id = p.id JOIN org o ON o.id = m.org_id
WHERE {where}
ORDER BY p.name, m.id
LIMIT :limit
"""
_COUNT = "SELECT COUNT(*) FROM person p JOIN member m ON m.person_id = p.id WHERE {where}"


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


def find_members(target: Target, query: str, *, limit: int = 20) -> tuple[list[MemberRow], int]:
    with reading(target) as db:
        where, params = build_query(query, db.dialect)
        total = int(db.all(_COUNT.format(where=where), params)[0][0])
        found = db.all(_SELECT.format(where=where), {**params, "limit": limit})
    rows = [
        MemberRow(
            member_id=r[0],
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
        for r in found
    ]
    return rows, total
