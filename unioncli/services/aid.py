"""Aid payments (帮扶记录) to hardship files: record, correct by reversal (the list and its totals
are the read side's: ``views.aid``).

Money history is never rewritten. A mistaken entry stays on record and a reversing entry (same
file and kind, the negative amount, ``reverses_id`` pointing at it) cancels it. A reversed entry
and its reversal count nowhere in the totals — not as 人次, not as 户, not in the amount — so a
year's figures never depend on whether the correction was booked in the same year.

The functions under "rules" take either a ``Session`` or a ``Connection`` (the import engine
works on a connection) and only read; the import kind ``aid`` reuses them row by row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, case, literal, or_, select
from sqlalchemy.orm import Session, aliased
from sqlmodel import col

from unioncli.dates import parse_date, today
from unioncli.db.read import reading
from unioncli.db.uow import UnitOfWork
from unioncli.enums import AidKind
from unioncli.errors import (
    Conflict,
    InvalidValue,
    MissingFields,
    NotFound,
    UsageError,
)
from unioncli.i18n import register
from unioncli.ids import mask_id, parse_id_number, record_id
from unioncli.models import Aid, HardshipFile, Person
from unioncli.money import format_money, parse_money
from unioncli.services.common import Collector, blank, clean_text
from unioncli.views.aid import AidRow, entry

DB = Session | Connection

register(
    {
        "aid.no_file_open_for_head": (
            "身份证号 {id} 名下没有在 {date} 在档的帮扶档案；帮扶只能记入当日在档的档案",
            "no file headed by ID number {id} was open on {date}; aid goes only to a file "
            "open on the aid's date",
        ),
        "aid.head_mismatch": (
            "档案 {file_no} 的户主不是身份证号 {id} 的人",
            "file {file_no} is not headed by ID number {id}",
        ),
        "aid.before_opening": (
            "档案 {file_no} 于 {opened} 建档，{date} 尚未建档；帮扶只能记入当日在档的档案",
            "file {file_no} was opened on {opened}, after {date}; aid goes only to a file "
            "open on the aid's date",
        ),
        "aid.after_closing": (
            "档案 {file_no} 已于 {closed} 退档，{date} 不在档；帮扶只能记入当日在档的档案",
            "file {file_no} was closed on {closed}, before {date}; aid goes only to a file "
            "open on the aid's date",
        ),
        "aid.future": ("日期在今天之后", "the date is after today"),
        "aid.amount_zero": ("金额须大于 0", "must be more than 0"),
        "aid.double_entry": (
            "重复登记：档案 {file_no} 已有 {date} 的{kind} {amount} 元（帮扶记录 #{id}）；"
            "如原记录有误，请先冲正：unioncli aid reverse {id} --reason …",
            "double entry: file {file_no} already has {kind} of {amount} yuan on {date} "
            "(aid entry #{id}); if that entry is wrong, reverse it first: "
            "unioncli aid reverse {id} --reason …",
        ),
        "aid.not_found": ("找不到帮扶记录 {ref}", "no aid entry {ref}"),
        "aid.already_reversed": (
            "帮扶记录 #{id} 已冲正（冲正记录 #{by}，{date}），不能再次冲正",
            "aid entry #{id} is already reversed (by entry #{by} on {date})",
        ),
        "aid.is_reversal": (
            "帮扶记录 #{id} 本身是对 #{of} 的冲正，不能再冲正；如原记录其实无误，请重新登记",
            "aid entry #{id} is itself the reversal of #{of} and cannot be reversed; "
            "if the original was right after all, record it again",
        ),
        "aid.reason_required": (
            "冲正须写明原因：--reason “…”",
            "a reversal needs a reason: --reason “…”",
        ),
        "aid.reverse_before": (
            "早于被冲正记录的日期 {date}",
            "is before the date of the entry it reverses ({date})",
        ),
    }
)

# The aid columns of an import file (SPEC §4.2), as ``parse_aid_fields`` takes them.
AID_FIELDS = (
    "file_no",
    "id_number",
    "aid_date",
    "aid_kind",
    "amount",
    "fund_source",
    "handler",
    "note",
)
ENTRY_REQUIRED = ("aid_date", "aid_kind", "amount")


@dataclass(frozen=True)
class FileInfo:
    """What the aid rules need to know of a hardship file."""

    id: int
    file_no: str
    head_id: int
    head_name: str
    org_id: int | None
    opened_on: date
    closed_on: date | None
    status: str


# --- parsing ---------------------------------------------------------------------------------


def parse_aid_date(raw: Any, field: str = "aid_date") -> date:
    """A date on which aid was (or is being) paid: any accepted form, never after today."""
    value = parse_date(raw, field)
    if value > today():
        raise InvalidValue(field, raw, "aid.future")
    return value


def parse_aid_amount(raw: Any, field: str = "amount") -> int:
    """An amount in yuan (or 万元) as typed or imported, in fen; more than 0."""
    fen = parse_money(raw, field)
    if fen <= 0:
        raise InvalidValue(field, raw, "aid.amount_zero")
    return fen


def parse_aid_kind(raw: str, field: str = "aid_kind") -> str:
    """The kind's code, from the Chinese label, the code or a legacy alias (大病救助, 两节慰问)."""
    return AidKind.parse(raw, field=field).value


_TEXT_FIELDS: dict[str, int] = {"fund_source": 100, "handler": 50, "note": 200}


def _parse_entry(raw: dict[str, Any], c: Collector) -> dict[str, Any]:
    """The fields of one entry (no file): every bad value goes into ``c``."""
    out: dict[str, Any] = {
        "aid_date": c.take(parse_aid_date, raw["aid_date"]),
        "aid_kind": c.take(parse_aid_kind, raw["aid_kind"]),
        "amount_fen": c.take(parse_aid_amount, raw["amount"]),
    }
    for key, max_len in _TEXT_FIELDS.items():
        value = raw.get(key)
        out[key] = None if blank(value) else c.take(clean_text, str(value), key, max_len=max_len)
    return out


def parse_aid_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Check the aid columns of one import row (SPEC §4.2) and return them parsed.

    ``raw`` holds (as text, blanks allowed for optional ones): ``file_no`` and/or ``id_number``
    (of the household head; at least one), ``aid_date``, ``aid_kind``, ``amount`` (yuan),
    ``fund_source``, ``handler``, ``note``.
    Returns ``file_no`` (str | None), ``id_number`` (the normalised 18-character number | None),
    ``aid_date`` (date, not in the future), ``aid_kind`` (code), ``amount_fen`` (int > 0),
    ``fund_source``, ``handler``, ``note`` (cleaned text | None).
    Raises ``MissingFields`` when a required cell is blank, otherwise ``InvalidValue(s)`` naming
    every bad value at once (ID numbers masked). Looks nothing up: the file comes from
    ``resolve_file``.
    """
    missing = [k for k in ENTRY_REQUIRED if blank(raw.get(k))]
    file_no = None if blank(raw.get("file_no")) else str(raw["file_no"]).strip()
    id_raw = raw.get("id_number")
    if file_no is None and blank(id_raw):
        missing.insert(0, "file_or_id")
    if missing:
        raise MissingFields(missing)
    c = Collector()
    id_number = None
    if not blank(id_raw):
        rid = c.take(parse_id_number, str(id_raw))
        id_number = None if rid is None else rid.number
    out = _parse_entry(raw, c)
    c.check()
    return {"file_no": file_no, "id_number": id_number, **out}


# --- rules (read only; a Session or a Connection) ----------------------------------------------


def _file_query() -> Any:
    return select(
        col(HardshipFile.id),
        col(HardshipFile.file_no),
        col(HardshipFile.head_id),
        col(Person.name),
        col(HardshipFile.org_id),
        col(HardshipFile.opened_on),
        col(HardshipFile.closed_on),
        col(HardshipFile.status),
    ).join(Person, col(HardshipFile.head_id) == col(Person.id))


def _file_info(row: Any) -> FileInfo:
    return FileInfo(
        id=row[0],
        file_no=row[1],
        head_id=row[2],
        head_name=row[3],
        org_id=row[4],
        opened_on=row[5],
        closed_on=row[6],
        status=row[7],
    )


def _file_where(db: DB, *conds: Any) -> FileInfo | None:
    row = db.execute(_file_query().where(*conds).limit(1)).first()
    return None if row is None else _file_info(row)


def is_open_on(opened_on: date, closed_on: date | None, on: date) -> bool:
    """Whether a file opened and closed on these dates was open on ``on`` (both days included)."""
    return opened_on <= on and (closed_on is None or on <= closed_on)


def file_open_on(db: DB, file_id: int, on: date) -> bool:
    """Whether file ``file_id`` was open on ``on``: opened by then and not closed before it."""
    row = db.execute(
        select(col(HardshipFile.opened_on), col(HardshipFile.closed_on)).where(
            col(HardshipFile.id) == file_id
        )
    ).first()
    return row is not None and is_open_on(row[0], row[1], on)


def check_file_open(file: FileInfo, on: date) -> None:
    """Raise ``Conflict`` unless ``file`` was open on ``on``, saying when it opened or closed."""
    if on < file.opened_on:
        raise Conflict("aid.before_opening", file_no=file.file_no, opened=file.opened_on, date=on)
    if file.closed_on is not None and on > file.closed_on:
        raise Conflict("aid.after_closing", file_no=file.file_no, closed=file.closed_on, date=on)


def file_of_head(db: DB, id_number: str, on: date | None = None) -> FileInfo:
    """The file headed by the person with this (normalised) ID number.

    With ``on``: the file open on that date (``Conflict`` if none was). Without: the open file,
    or else the most recent one. ``NotFound`` when the person heads no file at all.
    """
    person_files = _file_query().where(col(Person.id_number) == id_number)
    newest = (col(HardshipFile.opened_on).desc(), col(HardshipFile.id).desc())
    if on is not None:
        stmt = person_files.where(
            col(HardshipFile.opened_on) <= on,
            or_(col(HardshipFile.closed_on).is_(None), col(HardshipFile.closed_on) >= on),
        )
    else:
        # the open file first, then the latest
        is_open = case((col(HardshipFile.status) == "open", 0), else_=1)
        stmt = person_files.order_by(is_open)
    row = db.execute(stmt.order_by(*newest).limit(1)).first()
    if row is not None:
        return _file_info(row)
    if on is not None and db.execute(person_files.limit(1)).first() is not None:
        raise Conflict("aid.no_file_open_for_head", id=mask_id(id_number), date=on)
    raise NotFound("aid.no_file_of_head", id=mask_id(id_number))


def find_file(db: DB, ref: str, on: date | None = None) -> FileInfo:
    """A hardship file by file no., by ``#id``, or by its head's ID number.

    For an ID number, ``on`` picks the file of that head open on that date (see
    ``file_of_head``); a file named by number or id is returned whatever its dates.
    """
    text = ref.strip()
    if text.startswith("#"):
        file_id = record_id(text)
        found = _file_where(db, col(HardshipFile.id) == file_id) if file_id is not None else None
        if found is None:
            raise NotFound("aid.file_not_found", ref=text)
        return found
    if text:
        found = _file_where(db, col(HardshipFile.file_no) == text)
        if found is None and text.upper() != text:
            found = _file_where(db, col(HardshipFile.file_no) == text.upper())
        if found is not None:
            return found
    bad_id: InvalidValue | None = None
    if len(text) in (15, 18):
        try:
            number = parse_id_number(text).number
        except InvalidValue as exc:
            bad_id = exc  # perhaps a file no. of that length; else say what is wrong, masked
        else:
            return file_of_head(db, number, on)
    file_id = record_id(text) if text.isdigit() else None
    if file_id is not None:
        found = _file_where(db, col(HardshipFile.id) == file_id)
        if found is not None:
            return found
    if bad_id is not None:
        raise bad_id
    raise NotFound("aid.file_not_found", ref=text)


def resolve_file(db: DB, file_no: str | None, id_number: str | None, on: date) -> FileInfo:
    """The file an import row means (``parse_aid_fields`` output), checked open on ``on``.

    By file no. when given (and then an ID number given too must be its head's), else the file
    of that head open on ``on``. Raises ``NotFound`` or ``Conflict``.
    """
    if file_no is not None:
        found = _file_where(db, col(HardshipFile.file_no) == file_no)
        if found is None:
            raise NotFound("aid.file_not_found", ref=file_no)
        if id_number is not None:
            head = db.execute(
                select(col(Person.id_number)).where(col(Person.id) == found.head_id)
            ).scalar_one()
            if head != id_number:
                raise Conflict("aid.head_mismatch", file_no=file_no, id=mask_id(id_number))
    elif id_number is not None:
        found = file_of_head(db, id_number, on)
    else:
        raise MissingFields(["file_or_id"])
    check_file_open(found, on)
    return found


def _counts() -> Any:
    """Condition: an entry that counts (not a reversal, and not reversed by any entry)."""
    reversal = aliased(Aid)
    return and_(
        col(Aid.reverses_id).is_(None),
        ~select(literal(1)).where(col(reversal.reverses_id) == col(Aid.id)).exists(),
    )


def find_double_entry(db: DB, file_id: int, kind: str, on: date, amount_fen: int) -> int | None:
    """The id of an entry identical to this one (same file, kind code, date and amount) that
    still counts (not reversed, not a reversal), or ``None``. Uses ix_aid_file_id_aid_date."""
    return db.execute(
        select(col(Aid.id))
        .where(
            col(Aid.file_id) == file_id,
            col(Aid.aid_date) == on,
            col(Aid.kind) == kind,
            col(Aid.amount_fen) == amount_fen,
            _counts(),
        )
        .order_by(col(Aid.id))
        .limit(1)
    ).scalar()


def double_entry_error(
    file_no: str, existing_id: int, kind: str, on: date, amount_fen: int
) -> Conflict:
    """The ``Conflict`` for a double entry, naming the entry already recorded."""
    return Conflict(
        "aid.double_entry",
        file_no=file_no,
        id=existing_id,
        kind=AidKind(kind).label(),
        date=on,
        amount=format_money(amount_fen),
    )


def check_new_aid(db: DB, file: FileInfo, kind: str, on: date, amount_fen: int) -> None:
    """Both rules of a new entry: the file was open on ``on``, and it is no double entry."""
    check_file_open(file, on)
    existing = find_double_entry(db, file.id, kind, on, amount_fen)
    if existing is not None:
        raise double_entry_error(file.file_no, existing, kind, on, amount_fen)


# --- writing ---------------------------------------------------------------------------------


def _snapshot(aid: Aid, file_no: str) -> dict[str, Any]:
    data = aid.model_dump(exclude={"id", "created_at", "batch_id"})
    data["file_no"] = file_no
    return {k: v for k, v in data.items() if v is not None}


def _locked(db: DB, file: FileInfo) -> FileInfo:
    """The file again, its row locked until the commit (``FOR NO KEY UPDATE`` on PostgreSQL).

    Two clerks entering the same payment at once: the second waits here, then finds the first
    one's entry and is told it is a double entry. A clerk closing the file meanwhile is queued
    the same way, so no entry lands after a closing date it was not checked against.
    """
    db.execute(
        select(col(HardshipFile.id))
        .where(col(HardshipFile.id) == file.id)
        .with_for_update(key_share=True)
    )
    found = _file_where(db, col(HardshipFile.id) == file.id)
    assert found is not None  # files are never deleted
    return found


def add_aid(uow: UnitOfWork, file_ref: str, raw: dict[str, Any]) -> AidRow:
    """Record a payment to a file (file no., ``#id``, or the head's ID number).

    ``raw``: ``aid_date``, ``aid_kind``, ``amount`` (yuan) required; ``fund_source``,
    ``handler``, ``note`` optional. The file must have been open on the date, the date not
    after today, and no identical entry may count already (a double entry: ``Conflict``).
    """
    missing = [k for k in ENTRY_REQUIRED if blank(raw.get(k))]
    if blank(file_ref):
        missing.insert(0, "file")
    if missing:
        raise MissingFields(missing)
    c = Collector()
    fields = _parse_entry(raw, c)
    c.check()
    s = uow.session
    on: date = fields["aid_date"]
    file = _locked(s, find_file(s, file_ref, on))
    check_new_aid(s, file, fields["aid_kind"], on, fields["amount_fen"])
    aid = Aid(
        file_id=file.id,
        aid_date=on,
        kind=fields["aid_kind"],
        amount_fen=fields["amount_fen"],
        fund_source=fields["fund_source"],
        handler=fields["handler"],
        note=fields["note"],
    )
    s.add(aid)
    s.flush()
    assert aid.id is not None
    uow.audit("aid.add", "aid", aid.id, after=_snapshot(aid, file.file_no))
    return _row_of(uow, aid.id)


def _entry_id(ref: str | int) -> int:
    number = record_id(ref)
    if number is None:
        raise NotFound("aid.not_found", ref=str(ref).strip())
    return number


def reverse_aid(
    uow: UnitOfWork, entry: str | int, reason: str | None, on: str | date | None = None
) -> AidRow:
    """Cancel an entry by a reversing one: same file and kind, the negative amount, dated ``on``
    (default today), ``reverses_id`` = the entry, the reason as its note. Returns the reversal.

    Refused (``Conflict``) for an entry already reversed or that is itself a reversal.
    """
    if blank(reason):
        raise UsageError("aid.reason_required")
    note = clean_text(reason, "reason", max_len=200)
    s = uow.session
    original = s.get(Aid, _entry_id(entry))
    if original is None:
        raise NotFound("aid.not_found", ref=f"#{_entry_id(entry)}")
    assert original.id is not None
    uow.lock(original)  # a second clerk reversing it waits, then finds this reversal
    if original.reverses_id is not None:
        raise Conflict("aid.is_reversal", id=original.id, of=original.reverses_id)
    earlier = s.scalars(select(Aid).where(col(Aid.reverses_id) == original.id)).first()
    if earlier is not None:
        raise Conflict("aid.already_reversed", id=original.id, by=earlier.id, date=earlier.aid_date)
    when = today() if on is None else parse_aid_date(on)
    if when < original.aid_date:
        raise InvalidValue("aid_date", on, "aid.reverse_before", date=original.aid_date)
    reversal = Aid(
        file_id=original.file_id,
        aid_date=when,
        kind=original.kind,
        amount_fen=-original.amount_fen,
        fund_source=original.fund_source,
        handler=original.handler,
        note=note,
        reverses_id=original.id,
    )
    s.add(reversal)
    s.flush()  # the unique reverses_id refuses a reversal raced in by another terminal
    assert reversal.id is not None
    file_no = s.execute(
        select(col(HardshipFile.file_no)).where(col(HardshipFile.id) == original.file_id)
    ).scalar_one()
    uow.audit(
        "aid.reverse",
        "aid",
        reversal.id,
        before=_snapshot(original, file_no) | {"id": original.id},
        after=_snapshot(reversal, file_no),
        reason=note,
    )
    return _row_of(uow, reversal.id)


def _row_of(uow: UnitOfWork, aid_id: int) -> AidRow:
    """The entry as ``aid list`` shows it, read back inside this unit of work."""
    with reading(uow.session.connection()) as r:
        return entry(r, aid_id)
