"""The read side of aid payments (帮扶记录): ``aid list`` with its totals, one entry by id.

Plain SQL through ``db.read``; no ORM (see ``unioncli.views``). ``services.aid`` writes and
reads its new entry back through ``entry``. Totals count the entries that count: neither a
reversal nor reversed (whenever), as ``services.aid`` and the yearly report say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from unioncli.dates import parse_date, parse_year
from unioncli.db.read import Reader, day
from unioncli.enums import AidKind, FileStatus
from unioncli.errors import InvalidValue, NotFound
from unioncli.i18n import register, register_fields
from unioncli.ids import mask_id, parse_id_number, record_id
from unioncli.services.common import blank, clean_text
from unioncli.views import IN_COUNTY, county_param, limit_clause
from unioncli.views.hardship.common import find_org_id

register_fields(
    {
        "file": ("档案", "file"),
        "file_no": ("档案编号", "file no."),
        "file_or_id": ("档案编号或户主身份证号", "file no. or the head's ID number"),
        "aid_id": ("帮扶记录号", "aid entry no."),
        "aid_date": ("帮扶日期", "aid date"),
        "aid_kind": ("帮扶类型", "aid kind"),
        "fund_source": ("资金来源", "fund source"),
        "handler": ("经办人", "handler"),
        "note": ("备注", "note"),
        "since": ("起始日期", "from"),
        "until": ("截止日期", "until"),
    }
)

register(
    {
        "aid.file_not_found": ("找不到帮扶档案“{ref}”", "no hardship file “{ref}”"),
        "aid.no_file_of_head": (
            "身份证号 {id} 名下没有帮扶档案",
            "no hardship file is headed by ID number {id}",
        ),
    }
)


@dataclass(frozen=True)
class AidRow:
    aid_id: int
    aid_date: date
    file_id: int
    file_no: str
    head_name: str
    org: str | None
    kind: str
    amount_fen: int
    fund_source: str | None
    handler: str | None
    note: str | None
    reverses_id: int | None  # set on a reversing entry: the entry it cancels
    reversed_by: int | None  # set on a reversed entry: the entry that cancels it


@dataclass(frozen=True)
class AidTotals:
    """Totals over entries that count: neither reversed nor a reversal."""

    entries: int  # 人次
    households: int  # 户: distinct files
    amount_fen: int


@dataclass(frozen=True)
class AidPage:
    rows: list[AidRow]
    total: int  # every matching row, reversed entries and reversals included
    totals: AidTotals


@dataclass(frozen=True)
class AidFilter:
    file: str | None = None  # file no., #id or the head's ID number
    kind: str | None = None
    year: str | int | None = None
    fund_source: str | None = None  # a part of the text
    org: str | None = None
    since: str | date | None = None  # aid dates from (a round of aid: since/until)
    until: str | date | None = None  # aid dates to, included
    county: str | None = None  # the clerk's county (区县): entries of files of its unions only


# --- the file of --file ----------------------------------------------------------------------


def find_file_id(r: Reader, ref: str) -> int:
    """A file by file no., ``#id``, its head's ID number (the open file, else the latest) or the
    bare id: the rules and messages of ``services.aid.find_file`` without a date."""
    text = ref.strip()
    if text.startswith("#"):
        number = record_id(text)
        found = _file_id(r, "id = :v", number) if number is not None else None
        if found is None:
            raise NotFound("aid.file_not_found", ref=text)
        return found
    if text:
        found = _file_id(r, "file_no = :v", text)
        if found is None and text.upper() != text:
            found = _file_id(r, "file_no = :v", text.upper())
        if found is not None:
            return found
    bad_id: InvalidValue | None = None
    if len(text) in (15, 18):
        try:
            id_number = parse_id_number(text).number
        except InvalidValue as exc:
            bad_id = exc  # perhaps a file no. of that length; else say what is wrong, masked
        else:
            return _file_of_head(r, id_number)
    number = record_id(text) if text.isdigit() else None
    if number is not None:
        found = _file_id(r, "id = :v", number)
        if found is not None:
            return found
    if bad_id is not None:
        raise bad_id
    raise NotFound("aid.file_not_found", ref=text)


def _file_id(r: Reader, where: str, value: Any) -> int | None:
    found = r.scalar(f"SELECT id FROM hardship_file WHERE {where} LIMIT 1", {"v": value})
    return None if found is None else int(found)


def _file_of_head(r: Reader, id_number: str) -> int:
    found = r.scalar(
        """
        SELECT f.id FROM hardship_file f JOIN person p ON f.head_id = p.id
        WHERE p.id_number = :n
        ORDER BY CASE WHEN f.status = :open THEN 0 ELSE 1 END, f.opened_on DESC, f.id DESC
        LIMIT 1
        """,
        {"n": id_number, "open": FileStatus.OPEN.value},
    )
    if found is None:
        raise NotFound("aid.no_file_of_head", id=mask_id(id_number))
    return int(found)


# --- rows ------------------------------------------------------------------------------------

_ROWS = """
SELECT aid.id, aid.aid_date, aid.file_id, f.file_no, p.name, o.name, aid.kind, aid.amount_fen,
       aid.fund_source, aid.handler, aid.note, aid.reverses_id, rv.id
FROM aid
JOIN hardship_file f ON aid.file_id = f.id
JOIN person p ON f.head_id = p.id
LEFT JOIN org o ON f.org_id = o.id
LEFT JOIN aid rv ON rv.reverses_id = aid.id
WHERE {where}
"""

# "counts": neither a reversal nor reversed
_TOTALS = """
SELECT COUNT(*),
  COALESCE(SUM(CASE WHEN aid.reverses_id IS NULL AND rv.id IS NULL THEN 1 ELSE 0 END), 0),
  COUNT(DISTINCT CASE WHEN aid.reverses_id IS NULL AND rv.id IS NULL THEN aid.file_id END),
  COALESCE(SUM(CASE WHEN aid.reverses_id IS NULL AND rv.id IS NULL THEN aid.amount_fen ELSE 0 END),
           0)
FROM aid{join}
LEFT JOIN aid rv ON rv.reverses_id = aid.id
WHERE {where}
"""


def _row(a: Any) -> AidRow:
    return AidRow(
        aid_id=int(a[0]),
        aid_date=day(a[1]),  # type: ignore[arg-type]
        file_id=int(a[2]),
        file_no=a[3],
        head_name=a[4],
        org=a[5],
        kind=a[6],
        amount_fen=int(a[7]),
        fund_source=a[8],
        handler=a[9],
        note=a[10],
        reverses_id=a[11],
        reversed_by=a[12],
    )


def entry(r: Reader, aid_id: int) -> AidRow:
    """One entry by its id, with its file, head, union and reversal links."""
    found = r.one(_ROWS.format(where="aid.id = :id"), {"id": aid_id})
    assert found is not None  # entries are never deleted
    return _row(found)


def _like_part(text: str) -> str:
    # a part of the text, its own % and _ taken literally (escaped with /)
    escaped = text.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"


def _conditions(r: Reader, flt: AidFilter) -> tuple[list[str], dict[str, Any], bool]:
    """The filter as SQL conditions and parameters, and whether they need the file table."""
    conds: list[str] = []
    params: dict[str, Any] = {}
    needs_file = False
    if not blank(flt.file):
        assert flt.file is not None
        conds.append("aid.file_id = :file_id")
        params["file_id"] = find_file_id(r, flt.file)
    if not blank(flt.kind):
        assert flt.kind is not None
        conds.append("aid.kind = :kind")
        params["kind"] = AidKind.parse(flt.kind, field="aid_kind").value
    if flt.year is not None and not blank(flt.year):
        y = parse_year(flt.year)
        conds.append("aid.aid_date BETWEEN :year_lo AND :year_hi")
        params["year_lo"], params["year_hi"] = date(y, 1, 1), date(y, 12, 31)
    if flt.since is not None and not blank(flt.since):
        conds.append("aid.aid_date >= :since")
        params["since"] = parse_date(flt.since, "since")
    if flt.until is not None and not blank(flt.until):
        conds.append("aid.aid_date <= :until")
        params["until"] = parse_date(flt.until, "until")
    if not blank(flt.fund_source):
        text = clean_text(flt.fund_source, "fund_source")
        conds.append("aid.fund_source LIKE :fund ESCAPE '/'")
        params["fund"] = _like_part(text or "")
    if not blank(flt.org):
        assert flt.org is not None
        conds.append("f.org_id = :org_id")
        params["org_id"] = find_org_id(r, flt.org)
        needs_file = True
    if flt.county:
        conds.append(f"f.org_id IN {IN_COUNTY}")
        params.update(county_param(flt.county))
        needs_file = True
    return conds, params, needs_file


def list_aid(r: Reader, flt: AidFilter, *, limit: int | None = 50) -> AidPage:
    """One page of entries (newest first), how many match in all, and the totals of them all."""
    conds, params, needs_file = _conditions(r, flt)
    where = " AND ".join(conds) or "1 = 1"
    join = "\nJOIN hardship_file f ON aid.file_id = f.id" if needs_file else ""
    total, entries, households, amount = r.one(  # type: ignore[misc]
        _TOTALS.format(join=join, where=where), params
    )
    found = r.all(
        _ROWS.format(where=where) + "ORDER BY aid.aid_date DESC, aid.id DESC" + limit_clause(limit),
        {**params, "limit": limit},
    )
    return AidPage(
        rows=[_row(a) for a in found],
        total=int(total),
        totals=AidTotals(int(entries), int(households), int(amount)),
    )


def totals_by_year(r: Reader, file_id: int) -> list[tuple[int, int, int]]:
    """``[(year, entries, amount_fen)]`` of one file, oldest year first. Reversed entries and
    reversals are left out (they cancel). Summed in Python: see ``views.hardship.aid_by_year``."""
    sums: dict[int, list[int]] = {}
    for on, fen in r.all(
        """
        SELECT aid.aid_date, aid.amount_fen FROM aid
        WHERE aid.file_id = :id AND aid.reverses_id IS NULL
          AND NOT EXISTS (SELECT 1 FROM aid rv WHERE rv.reverses_id = aid.id)
        """,
        {"id": file_id},
    ):
        got = sums.setdefault(day(on).year, [0, 0])  # type: ignore[union-attr]
        got[0] += 1
        got[1] += int(fen)
    return [(y, n, fen) for y, (n, fen) in sorted(sums.items())]
