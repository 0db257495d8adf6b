"""Hardship files read: a file by reference, one file whole with its household, reviews, visits,
aid by year and linked files (``hardship show``), the list (``hardship list``), the files a person
heads.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from unioncli import i18n
from unioncli.dates import today
from unioncli.db.read import Reader, day, placeholders
from unioncli.enums import FileStatus, HardshipCategory, HardshipCause
from unioncli.errors import InvalidValue, NotFound
from unioncli.ids import mask_id, parse_id_number, record_id
from unioncli.views import Page, limit_clause
from unioncli.views.hardship.common import causes_list, scope, where, year_range
from unioncli.views.hardship.low_income import income_warning

i18n.register(
    {
        "hardship.not_found": ("找不到困难职工档案“{ref}”", "no hardship file “{ref}”"),
    }
)


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
class FileFilter:
    org: str | None = None
    category: str | None = None
    status: str | None = None
    opened_year: int | str | None = None
    closed_year: int | str | None = None
    cause: str | None = None
    county: str | None = None  # the clerk's county (区县): files of its unions only


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


# --- lookups ---------------------------------------------------------------------------------


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


_ROWS = """
SELECT f.id, f.file_no, p.name, p.id_number, f.phone, o.name, f.category, f.cause,
       f.household_size, f.income_fen, f.opened_on, f.status, f.closed_on, f.close_reason, p.id
FROM hardship_file f JOIN person p ON p.id = f.head_id LEFT JOIN org o ON o.id = f.org_id
WHERE {where}
ORDER BY f.opened_on DESC, f.id DESC{limit}
"""


def list_files(r: Reader, flt: FileFilter, *, limit: int | None) -> Page[FileRow]:
    """One page of files (newest opened first) and how many match in all."""
    conds, params = scope(r, flt.org, flt.county)
    if flt.category:
        conds.append("f.category = :category")
        params["category"] = HardshipCategory.parse(flt.category, field="category").value
    if flt.status:
        conds.append("f.status = :status")
        params["status"] = FileStatus.parse(flt.status, field="status").value
    if flt.opened_year:
        conds.append("f.opened_on BETWEEN :opened_lo AND :opened_hi")
        params["opened_lo"], params["opened_hi"] = year_range(flt.opened_year, "opened")
    if flt.closed_year:
        conds.append("f.closed_on BETWEEN :closed_lo AND :closed_hi")
        params["closed_lo"], params["closed_hi"] = year_range(flt.closed_year, "closed")
    if flt.cause:
        code = HardshipCause.parse(flt.cause, field="cause").value
        # a secondary cause counts: the stored list is comma-joined codes
        conds.append(
            "(f.cause = :cause OR (',' || COALESCE(f.secondary_causes, '') || ',') LIKE :causes)"
        )
        params["cause"], params["causes"] = code, f"%,{code},%"
    clause = where(conds)
    total = r.count(f"SELECT COUNT(*) FROM hardship_file f WHERE {clause}", params)
    found = r.all(_ROWS.format(where=clause, limit=limit_clause(limit)), {**params, "limit": limit})
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
