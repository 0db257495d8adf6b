"""Numbers a spreadsheet damaged, given back from the ledger — never guessed (``--repair-ids``).

Excel, WPS and Calc read an 18-digit ID number typed into a "standard" column as a number: it is
saved again as ``2.3012519970721E+017`` (rounded to at most 15 significant digits, trailing
zeros dropped) or with its digits after the 15th zeroed (``230125199707210000``); an 11-digit
mobile may come back as ``1.38E+10``. What survives is a range the true number lies in. A cell is
repaired only when exactly one record of the ledger lies in that range *and* agrees with the
row's own evidence: the person's name (and the row's 性别 / 出生日期 where it has them), or for an
aid row, the household file the row names; a union's USCC with the union's name; a mobile with
the stored phone of the person the row is about. Anything else stays rejected, with the reason
the repair failed.

This is the one place every kind's ID columns are repaired (members, hardship heads, aid, the
students and parents of grants): the engine calls it for the rows whose parse failed with a
damage reason, after the kind's own parser named the cell and the cause.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection

from unioncli import i18n
from unioncli.errors import InvalidValue, UnionCliError
from unioncli.ids import mask_id, mask_phone

i18n.register(
    {
        "repair.possible": (
            "{columns}可按台账修复（台账中恰有一条记录与残存数字及本行的姓名等相符）：加 --repair-ids 重新导入",
            "{columns} can be repaired from the ledger (exactly one record agrees with the "
            "surviving digits and the row's name or file): import again with --repair-ids",
        ),
        "repair.none": (
            "{column}无法修复：台账中没有与残存数字和{evidence}都相符的记录",
            "{column} cannot be repaired: no record of the ledger agrees with the surviving "
            "digits and the {evidence}",
        ),
        "repair.several": (
            "{column}无法修复：台账中有 {n} 条记录与残存数字和{evidence}相符，无法确定是哪一个",
            "{column} cannot be repaired: {n} records agree with the surviving digits and the "
            "{evidence}, so which one is meant is not known",
        ),
        "repair.no_evidence": (
            "{column}无法修复：该行没有可核对的{evidence}",
            "{column} cannot be repaired: the row has no {evidence} to check it against",
        ),
        "repair.evidence.name": ("姓名", "name"),
        "repair.evidence.file": ("档案编号", "file number"),
        "repair.evidence.org": ("工会名称", "union name"),
        "repair.evidence.person": ("本人身份证号对应的手机号", "phone of the row's person"),
    }
)

# the parse failures that mean "a spreadsheet turned the number into a number"; any other
# reason (a wrong check digit, letters, a masked number) is never repaired
ID_DAMAGE = frozenset({"ids.scientific", "ids.numeric", "ids.truncated"})
_SCIENTIFIC = re.compile(r"(\d+)(?:\.(\d*))?E\+?(\d+)", re.ASCII)
_FLOAT = re.compile(r"(\d+)\.0*", re.ASCII)
SIGNIFICANT = 15  # what a spreadsheet's double keeps


@dataclass(frozen=True)
class Span:
    """The true value lies in ``low <= value < high`` (integers of ``digits`` digits)."""

    low: int
    high: int
    digits: int

    def bounds(self) -> tuple[str, str]:
        width = self.digits
        return f"{max(self.low, 0):0{width}d}", f"{self.high:0{width}d}"

    def holds(self, number: str) -> bool:
        # the last character of an ID number may be X (10): it sorts as the digit after 9
        text = number.upper()
        if len(text) != self.digits or not text[:-1].isdigit():
            return False
        if not (text[-1].isdigit() or text[-1] == "X"):
            return False
        value = int(text[:-1]) * 10 + (10 if text[-1] == "X" else int(text[-1]))
        return self.low <= value < self.high


def damaged_span(raw: str, digits: int) -> Span | None:
    """The range a spreadsheet-damaged number of ``digits`` digits lies in, or None.

    ``2.3012519970721E+017``: 14 digits shown, rounded: the true number is within half a unit of
    the last shown digit — or, where the program cut instead of rounding, within one unit above.
    ``230125199707210000`` (or ``….0``): the digits after the 15th are unknown.
    """
    text = unicodedata.normalize("NFKC", raw).strip().lstrip("'").upper().replace(" ", "")
    m = _SCIENTIFIC.fullmatch(text)
    if m:
        shown = (m.group(1) + (m.group(2) or "")).lstrip("0").rstrip("0") or "0"
        point = len(m.group(1).lstrip("0")) - 1  # the power of ten of the first shown digit
        exponent = int(m.group(3)) + point
        if exponent + 1 != digits or shown == "0":
            return None
        unit = 10 ** (digits - len(shown))
    else:
        f = _FLOAT.fullmatch(text)
        whole = f.group(1) if f else text
        if not (whole.isdigit() and len(whole) == digits and len(whole) > SIGNIFICANT):
            return None
        if not f and not whole.endswith("0" * (digits - SIGNIFICANT)):
            return None
        shown = whole[:SIGNIFICANT]
        unit = 10 ** (digits - SIGNIFICANT)
    value = int(shown) * unit
    return Span(value - unit // 2, value + unit, digits)


@dataclass
class Repaired:
    """One repaired cell, as the summary and the audit entry show it (masked)."""

    line: int
    column: str
    before: str
    after: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "column": self.column,
            "before": self.before,
            "after": self.after,
        }


@dataclass(frozen=True)
class Target:
    """A column that can be repaired: what it holds and which cells of the row confirm it."""

    what: str  # person | org_uscc | employer_uscc | phone
    digits: int
    name: str | None = None  # the row's name column that must agree
    gender: str | None = None
    birth_date: str | None = None


TARGETS: dict[str, Target] = {
    "id_number": Target("person", 18, "name", "gender", "birth_date"),
    "student_id_number": Target("person", 18, "student_name"),
    "parent_id_number": Target("person", 18, "parent_name"),
    "org_uscc": Target("org_uscc", 18, "org_name"),
    "employer_uscc": Target("employer_uscc", 18, "org_name"),
    "phone": Target("phone", 11),
}
# kinds whose rows name no person, only a household head's ID beside the file number: the file
# is what an ID number repaired there must agree with
FILE_KINDS = frozenset({"aid", "hardship-reviews", "hardship-visits"})
# the order cells are repaired in: a row's phone is checked against the person its ID names
ORDER = ("id_number", "student_id_number", "parent_id_number", "org_uscc", "employer_uscc", "phone")


def _is_damage(error: InvalidValue, raw: str, target: Target) -> Span | None:
    if target.what == "person" and error.reason not in ID_DAMAGE:
        return None
    return damaged_span(raw, target.digits)


def _same_name(a: str | None, b: str | None) -> bool:
    def fold(s: str | None) -> str:
        return "".join(unicodedata.normalize("NFKC", s or "").split())

    return bool(a) and fold(a) == fold(b)


class Repairer:
    """Repairs the damaged cells of a chunk's rejected rows; one indexed lookup per cell."""

    def __init__(self, conn: Connection, placeholder: str, enabled: bool) -> None:
        self.conn = conn
        self.mark = placeholder
        self.enabled = enabled
        self.repaired: list[Repaired] = []

    def _sql(self, sql: str, params: tuple[Any, ...]) -> list[Any]:
        return list(self.conn.exec_driver_sql(sql.replace("?", self.mark), params))

    def damaged(self, errors: list[UnionCliError], raw: dict[str, str]) -> dict[str, Span]:
        """The cells of a row that failed only because a spreadsheet made numbers of them."""
        found: dict[str, Span] = {}
        for error in errors:
            if not isinstance(error, InvalidValue) or error.field not in TARGETS:
                continue
            if error.field not in raw:
                continue
            span = _is_damage(error, raw[error.field], TARGETS[error.field])
            if span is not None:
                found[error.field] = span
        return found

    def recover(
        self, kind: str, raw: dict[str, str], spans: dict[str, Span]
    ) -> tuple[dict[str, str], list[UnionCliError]]:
        """(field → recovered value, the reasons of the cells that could not be recovered)."""
        values: dict[str, str] = {}
        problems: list[UnionCliError] = []
        for key in ORDER:
            span = spans.get(key)
            if span is None:
                continue
            target = TARGETS[key]
            column = i18n.field_label(key)
            evidence, candidates = self._candidates(kind, key, target, span, raw, values)
            if candidates is None:
                problems.append(
                    UnionCliError("repair.no_evidence", column=column, evidence=evidence)
                )
            elif len(candidates) == 1:
                values[key] = candidates[0]
            elif not candidates:
                problems.append(UnionCliError("repair.none", column=column, evidence=evidence))
            else:
                problems.append(
                    UnionCliError(
                        "repair.several", column=column, evidence=evidence, n=len(candidates)
                    )
                )
        return values, problems

    def _candidates(
        self,
        kind: str,
        key: str,
        target: Target,
        span: Span,
        raw: dict[str, str],
        repaired: dict[str, str],
    ) -> tuple[str, list[str] | None]:
        if target.what == "person":
            return self._people(kind, target, span, raw)
        if target.what in ("org_uscc", "employer_uscc"):
            evidence = i18n.t("repair.evidence.org")
            name = (raw.get("org_name") or "").strip()
            if not name:
                return evidence, None
            rows = self._sql(
                f"SELECT {target.what.removeprefix('org_')} FROM org WHERE name = ?", (name,)
            )
            return evidence, [r[0] for r in rows if r[0] and span.holds(r[0])]
        # a mobile: the stored phone of the person whose (whole or repaired) ID the row carries
        evidence = i18n.t("repair.evidence.person")
        number = repaired.get("id_number") or _whole_id(raw.get("id_number"))
        if number is None:
            return evidence, None
        rows = self._sql("SELECT phone FROM person WHERE id_number = ?", (number,))
        return evidence, [r[0] for r in rows if r[0] and span.holds(r[0])]

    def _people(
        self, kind: str, target: Target, span: Span, raw: dict[str, str]
    ) -> tuple[str, list[str] | None]:
        low, high = span.bounds()
        name = raw.get(target.name or "") if target.name else None
        by_file = kind in FILE_KINDS
        file_no = (raw.get("file_no") or "").strip() if by_file else ""
        if not (name and name.strip()) and not file_no:
            evidence = i18n.t("repair.evidence.file" if by_file else "repair.evidence.name")
            return evidence, None
        evidence = i18n.t("repair.evidence.name" if name else "repair.evidence.file")
        # an indexed range of the unique id_number index: only the numbers the digits allow
        rows = self._sql(
            "SELECT id, id_number, name, gender, birth_date FROM person "
            "WHERE id_number >= ? AND id_number < ?",
            (low, high),
        )
        rows = [r for r in rows if span.holds(r[1])]
        if name:
            rows = [r for r in rows if _same_name(r[2], name)]
        gender = _gender(raw.get(target.gender or "")) if target.gender else None
        if gender is not None:
            rows = [r for r in rows if r[3] == gender]
        born = _day(raw.get(target.birth_date or "")) if target.birth_date else None
        if born is not None:
            rows = [r for r in rows if str(r[4])[:10] == born.isoformat()]
        if file_no:
            heads = {
                h
                for (h,) in self._sql(
                    "SELECT head_id FROM hardship_file WHERE file_no = ?", (file_no,)
                )
            }
            rows = [r for r in rows if r[0] in heads]
        return evidence, [r[1] for r in rows]

    def note(self, line: int, key: str, before: str, after: str) -> None:
        masked = mask_phone if key == "phone" else mask_id
        self.repaired.append(Repaired(line, i18n.field_label(key), masked(before), masked(after)))


def _whole_id(raw: str | None) -> str | None:
    from unioncli.ids import parse_id_number

    if not raw:
        return None
    try:
        return parse_id_number(raw).number
    except InvalidValue:
        return None


def _gender(raw: str | None) -> str | None:
    from unioncli.enums import Gender

    if not raw or not raw.strip():
        return None
    try:
        return Gender.parse(raw, "gender").value
    except InvalidValue:
        return None


def _day(raw: str | None) -> date | None:
    from unioncli.dates import parse_date

    if not raw or not raw.strip():
        return None
    try:
        return parse_date(raw, "birth_date")
    except InvalidValue:
        return None
