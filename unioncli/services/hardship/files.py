"""Finding hardship files: numbering, lookup by reference, who is in an open file, the category
in force on a day, the file a dated import row belongs to. Writes (``lifecycle``, ``household``,
the import kinds) use them; ``file_view`` reads a file back through the read side.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, func, literal, or_, select, union_all
from sqlalchemy.orm import Session
from sqlmodel import col

from unioncli import i18n
from unioncli.db.read import day, reading
from unioncli.db.uow import UnitOfWork
from unioncli.enums import FileStatus
from unioncli.errors import Conflict, InvalidValue, NotFound
from unioncli.ids import mask_id
from unioncli.models import FamilyMember, HardshipFile, HardshipReview, Person
from unioncli.services.hardship.fields import not_before
from unioncli.views.hardship import files as views
from unioncli.views.hardship.files import FileView

Db = Session | Connection

FILE_NO_PREFIX = "KN"

i18n.register(
    {
        "hardship.in_open_file": (
            "{name}（{id}）已是在档档案 {file_no} 的{role}：一人只能在一个在档档案中",
            "{name} ({id}) is already the {role} of open file {file_no}: a person may be in "
            "one open file only",
        ),
        "hardship.role_head": ("户主", "head"),
        "hardship.role_family": ("家庭成员", "family member"),
    }
)
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


class OpenMembership(NamedTuple):
    file_id: int
    file_no: str
    role: str  # "head" or "family"


# --- numbers ---------------------------------------------------------------------------------


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


# --- lookups ---------------------------------------------------------------------------------


def find_file(uow: UnitOfWork, ref: str) -> HardshipFile:
    """A file by file number, ``#id`` (or the bare id), or a person's ID number: the rules and
    messages of the read side's ``views.hardship.find_file_id``.

    For an ID number: the open file the person heads, else the open file they are a family
    member of, else the latest file they headed.
    """
    with reading(uow.session.connection()) as r:
        file_id = views.find_file_id(r, ref)
    found = uow.session.get(HardshipFile, file_id)
    assert found is not None
    return found


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


# --- the file of a dated import row ----------------------------------------------------------


class EventFile(NamedTuple):
    """The file a review or visit of an import row goes to."""

    id: int
    file_no: str
    opened_on: date
    closed_on: date | None


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
    found = EventFile(int(row[0] or 0), str(row[1]), day(row[2]) or on, day(row[3]))
    not_before(on, found.opened_on, field_key, "hardship.before_opened", opened=found.opened_on)
    if found.closed_on is not None and on > found.closed_on:
        raise InvalidValue(
            field_key, on.isoformat(), "hardship.after_closed", closed=found.closed_on
        )
    return found


# --- reading a file back ---------------------------------------------------------------------


def file_view(uow: UnitOfWork, f: HardshipFile, *, warn_year: int | None) -> FileView:
    """The whole file as the read side shows it, read inside this unit of work (uncommitted
    changes included). ``warn_year``: check the income against that year's line."""
    assert f.id is not None
    uow.session.flush()
    with reading(uow.session.connection()) as r:
        return views.file_view(r, f.id, warn_year=warn_year)
