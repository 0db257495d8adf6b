"""A file's life: open, correct (update), review, visit, close, reopen. Each checks the state
rules (``rules``), writes, audits and returns the file as the read side shows it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlmodel import col

from unioncli import i18n
from unioncli.dates import today
from unioncli.db.uow import UnitOfWork, person_keys
from unioncli.enums import CloseReason, FileStatus, HardshipCategory, HardshipCause
from unioncli.errors import Conflict, InvalidValue, NotFound, UsageError
from unioncli.ids import ResidentId, parse_mobile
from unioncli.models import (
    Aid,
    FamilyMember,
    HardshipFile,
    HardshipReview,
    HardshipVisit,
    Org,
    Person,
)
from unioncli.models.base import utcnow
from unioncli.money import format_money, parse_money
from unioncli.services.common import Collector, blank
from unioncli.services.hardship.fields import (
    not_before,
    optional,
    parse_family,
    parse_file,
    parse_household_size,
    parse_secondary_causes,
    text_of,
)
from unioncli.services.hardship.files import (
    _find_to_change,
    category_on,
    current_category,
    file_no_key,
    file_view,
    find_file,
    next_file_no,
)
from unioncli.services.hardship.household import (
    _add_family,
    _check_not_in_open_file,
    _check_people,
    _family_count,
    _person,
)
from unioncli.services.hardship.rules import event_date, latest, require_open, snapshot
from unioncli.services.orgs import find_org
from unioncli.views.hardship.common import causes_list
from unioncli.views.hardship.files import FileView

i18n.register(
    {
        "hardship.still_open": (
            "档案 {file_no} 仍在档：只有已退档的档案才能重新建档",
            "file {file_no} is still open: only a closed file can be reopened",
        ),
        "hardship.already_reopened": (
            "档案 {file_no} 已重新建档为 {next_no}，请对 {next_no} 办理",
            "file {file_no} was already reopened as {next_no}; use {next_no}",
        ),
        "hardship.before_last": (
            "早于该档案最近一次{what}（{last}）",
            "is before the file's latest {what} ({last})",
        ),
        "hardship.what.review": ("复核", "review"),
        "hardship.what.visit": ("走访", "visit"),
        "hardship.what.aid": ("帮扶", "aid payment"),
        "hardship.what.closing": ("退档", "closing"),
        "hardship.category_via_review": (
            "困难类别只能通过年度复核调整：hardship review FILE --date … --outcome … --category …",
            "the category changes only through a review: hardship review FILE --date … "
            "--outcome … --category …",
        ),
        "hardship.nothing_to_update": ("没有要修改的内容", "nothing to update"),
    }
)
i18n.register(
    {"hardship.file_no_taken": ("档案编号 {file_no} 已被使用", "file no. {file_no} is taken")}
)


# --- open ------------------------------------------------------------------------------------


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
    fields = parse_file(raw, c)
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
        | {k: v for k, v in snapshot(f).items() if v is not None},
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
    require_open(f, "update")
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
    elif "cause" in new and new["cause"] in causes_list(f.secondary_causes):
        c.errors.append(
            InvalidValue(
                "cause",
                raw["cause"],
                "hardship.secondary_is_main",
                cause=HardshipCause(new["cause"]).label(),
            )
        )
    if not blank(raw.get("household_size")):
        size = c.take(parse_household_size, raw["household_size"])
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
            new[key] = c.take(text_of, raw[key], key, max_len)
    if not blank(raw.get("phone")):
        new["phone"] = c.take(parse_mobile, str(raw["phone"]))
    org = _resolve_org(uow, optional(raw, "org"), c)
    c.check()
    if org is not None:
        new["org_id"] = org.id
    if not new:
        raise UsageError("hardship.nothing_to_update")
    before = snapshot(f)
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
    require_open(f, "review")
    c = Collector()
    when = c.take(event_date, f, on, "review_date")
    if blank(outcome):
        c.errors.append(InvalidValue("outcome", "", "common.name_empty"))
        text = None
    else:
        text = c.take(text_of, outcome, "outcome", 200)
    new_category = None
    if not blank(category):
        found = c.take(HardshipCategory.parse, str(category), "category")
        new_category = found.value if found else None
    who = c.take(text_of, reviewer, "reviewer", 50) if not blank(reviewer) else None
    c.check()
    assert when is not None and text is not None
    s = uow.session
    last = latest(s, col(HardshipReview.review_date), col(HardshipReview.file_id), f.id)
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
    require_open(f, "visit")
    c = Collector()
    when = c.take(event_date, f, on, "visit_date")
    who = c.take(text_of, visitor, "visitor", 50) if not blank(visitor) else None
    text = c.take(text_of, note, "note", 500) if not blank(note) else None
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
    require_open(f, "close")
    c = Collector()
    when = c.take(event_date, f, on, "closed")
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
    text = c.take(text_of, note, "note", 200) if not blank(note) else None
    c.check()
    assert when is not None and code is not None
    s = uow.session
    for what, column, file_column in (
        ("review", col(HardshipReview.review_date), col(HardshipReview.file_id)),
        ("visit", col(HardshipVisit.visit_date), col(HardshipVisit.file_id)),
        ("aid", col(Aid.aid_date), col(Aid.file_id)),
    ):
        last = latest(s, column, file_column, f.id)
        if last is not None and when < last:
            raise InvalidValue(
                "closed",
                when.isoformat(),
                "hardship.before_last",
                what=i18n.t(f"hardship.what.{what}"),
                last=last,
            )
    before = snapshot(f)
    f.status = FileStatus.CLOSED.value
    f.closed_on = when
    f.close_reason = code
    f.updated_at = utcnow()
    s.add(f)
    s.flush()
    after = snapshot(f)
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
        "secondary_causes": ",".join(causes_list(old.secondary_causes)) or None,
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
            ",".join(x for x in causes_list(old.secondary_causes) if x != main) or None
        )
    merged.update(given)
    c = Collector()
    fields = parse_file(merged, c)
    c.check()
    opened: date = fields["opened_on"]
    assert old.closed_on is not None
    not_before(
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
        | {k: v for k, v in snapshot(f).items() if v is not None}
        | {"family": len(family_rows)},
    )
    return file_view(uow, f, warn_year=opened.year)
