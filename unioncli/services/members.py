"""People and members: enrol, update, status changes (showing and listing them is
``views.members``).

Every status change is a dated ``MemberEvent`` with a reason; which change is allowed from which
status is decided in ``TRANSITIONS`` and nowhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from unioncli import i18n
from unioncli.dates import parse_date, today
from unioncli.db.read import reading
from unioncli.db.uow import UnitOfWork, person_keys
from unioncli.enums import (
    Education,
    Gender,
    GigGroup,
    Hukou,
    MemberEventKind,
    MemberStatus,
    PoliticalStatus,
    parse_bool,
    parse_ethnicity,
    parse_gig_group,
)
from unioncli.errors import Conflict, InvalidValue, NotFound, UsageError
from unioncli.i18n import register
from unioncli.ids import ResidentId, check_gender, mask_id, parse_id_number, parse_mobile
from unioncli.models import Member, MemberEvent, Org, Person
from unioncli.models.base import utcnow
from unioncli.pinyin import name_keys
from unioncli.services.common import (
    Collector,
    blank,
    clean_text,
    parse_name,
    require,
    years_after,
)
from unioncli.services.orgs import find_org, refuse_if_dissolved
from unioncli.services.people import person_fields
from unioncli.views.members import MemberView, find_member_id, member_by_id

K = MemberEventKind
S = MemberStatus

# event kind -> (statuses it may start from, status it leads to). ``None`` as a start means
# "not a member yet" (a first join, or a first arrival from another county).
TRANSITIONS: dict[MemberEventKind, tuple[frozenset[MemberStatus | None], MemberStatus]] = {
    K.JOIN: (frozenset({None, S.LEFT, S.REMOVED, S.TRANSFERRED_OUT}), S.ACTIVE),
    K.TRANSFER_IN: (frozenset({None, S.ACTIVE, S.TRANSFERRED_OUT}), S.ACTIVE),
    K.TRANSFER_OUT: (frozenset({S.ACTIVE, S.RETAINED}), S.TRANSFERRED_OUT),
    K.RETAIN: (frozenset({S.ACTIVE}), S.RETAINED),
    K.RESTORE: (frozenset({S.RETAINED}), S.ACTIVE),
    K.LEAVE: (frozenset({S.ACTIVE, S.RETAINED}), S.LEFT),
    K.REMOVE: (frozenset({S.ACTIVE, S.RETAINED}), S.REMOVED),
    K.DEATH: (frozenset({S.ACTIVE, S.RETAINED}), S.DECEASED),
}

MIN_JOIN_AGE = 16

# the events that bring a member into a union (a dissolved union takes none on or after its end)
ENTRIES = frozenset({K.JOIN, K.TRANSFER_IN})

register(
    {
        "member.person_not_found": (
            "身份证号 {id} 没有登记",
            "no person with ID number {id}",
        ),
        "member.already_member": (
            "{name}（{id}）已是会员，状态：{status}。转入请用 member transfer，重新入会请用 member rejoin",
            "{name} ({id}) is already a member, status: {status}. Use member transfer or member rejoin",
        ),
        "member.not_allowed": (
            "{name} 当前状态为“{status}”，不能办理“{action}”（可办理的状态：{allowed}）",
            "{name} is “{status}”: “{action}” is not allowed (allowed from: {allowed})",
        ),
        "member.before_last_event": (
            "日期 {date} 早于该会员最近一次变动（{last_kind} {last_date}）",
            "date {date} is before the member's latest change ({last_kind} {last_date})",
        ),
        "member.future": ("日期在今天之后", "the date is after today"),
        "member.too_young": (
            "入会时未满 {age} 周岁（出生于 {birth}）",
            "younger than {age} when joining (born {birth})",
        ),
        "member.card_taken": ("会员卡号 {card} 已被使用", "card number {card} is already in use"),
        "member.same_org": ("已在“{org}”，无需转入", "already in “{org}”"),
        "member.transfer_target": (
            "请用 --to 指定转入的工会，或用 --out 表示转出本县",
            "give --to UNION for a transfer in, or --out for a transfer out of the county",
        ),
        "member.name_mismatch": (
            "该身份证号已登记为“{stored}”，与填写的“{given}”不一致",
            "this ID number is registered as “{stored}”, not “{given}”",
        ),
        "member.nothing_to_update": ("没有要修改的内容", "nothing to update"),
        "member.reason_required": ("请写明原因（--reason）", "give a reason (--reason)"),
    }
)

PERSON_FIELDS = ("name", "gender", "ethnicity", "phone", "education", "political_status", "hukou")
ENROL_REQUIRED = ("name", "id_number", "org", "joined")


# --- parsing ---------------------------------------------------------------------------------


def _optional(raw: dict[str, Any], key: str) -> Any:
    value = raw.get(key)
    return None if blank(value) else value


# Every field's parser, shared by the commands and by imports (which cache them per value).
FIELD_PARSERS: dict[str, Callable[[Any], Any]] = {
    "name": parse_name,
    "gender": lambda v: Gender.parse(v, field="gender").value,
    "ethnicity": parse_ethnicity,
    "phone": parse_mobile,
    "education": lambda v: Education.parse(v, field="education").value,
    "political_status": lambda v: PoliticalStatus.parse(v, field="political_status").value,
    "hukou": lambda v: Hukou.parse(v, field="hukou").value,
    "employer": lambda v: clean_text(v, "employer"),
    "card_no": lambda v: clean_text(v, "card_no", max_len=30),
    "migrant": lambda v: v if isinstance(v, bool) else parse_bool(v, field="migrant"),
    "gig_group": lambda v: _gig_code(parse_gig_group(v)),
}


def _parse_fields(raw: dict[str, Any], c: Collector) -> dict[str, Any]:
    """Parse every non-blank field present in ``raw``; collect the bad ones in ``c``."""
    out: dict[str, Any] = {}
    for key, parse in FIELD_PARSERS.items():
        value = _optional(raw, key)
        if value is not None:
            out[key] = c.take(parse, value)
    return out


def check_join_age(rid: ResidentId, joined: date, raw: object) -> None:
    if joined < years_after(rid.birth_date, MIN_JOIN_AGE):
        raise InvalidValue(
            "joined", raw, "member.too_young", age=MIN_JOIN_AGE, birth=rid.birth_date
        )


def _gig_code(group: GigGroup | None) -> str | None:
    return None if group is None else group.value


def event_date(raw: Any, field_key: str) -> date:
    value = raw if isinstance(raw, date) else parse_date(raw, field=field_key)
    if value > today():
        raise InvalidValue(field_key, raw, "member.future")
    return value


# --- lookups ---------------------------------------------------------------------------------


def find_member(uow: UnitOfWork, ref: str) -> tuple[Member, Person]:
    """A member by ID number, card number, or member number (the # shown in lists): the rules of
    ``views.members.find_member_id``, read inside the writing transaction."""
    uow.session.flush()
    with reading(uow.session.connection()) as r:
        member_id = find_member_id(r, ref)
    member = uow.session.get(Member, member_id)
    assert member is not None
    person = uow.session.get(Person, member.person_id)
    assert person is not None
    return member, person


def _last_event(uow: UnitOfWork, member_id: int) -> MemberEvent | None:
    return uow.session.scalars(
        select(MemberEvent)
        .where(col(MemberEvent.member_id) == member_id)
        .order_by(col(MemberEvent.event_date).desc(), col(MemberEvent.id).desc())
        .limit(1)
    ).first()


def _snapshot(member: Member, person: Person) -> dict[str, Any]:
    data = person.model_dump(
        exclude={"id", "id_rev", "name_pinyin", "name_initials", "created_at", "updated_at"}
    )
    data.update(
        member.model_dump(exclude={"id", "person_id", "created_at", "updated_at", "status_since"})
    )
    return data


# --- enrol -----------------------------------------------------------------------------------


def enrol(uow: UnitOfWork, raw: dict[str, Any], *, from_outside: bool = False) -> MemberView:
    """Enrol a person as a member: a join event, or a transfer in from outside the county.

    A person already in the ledger (say, a hardship-file head) is reused, never stored twice.
    """
    require(raw, ENROL_REQUIRED)
    c = Collector()
    rid = c.take(parse_id_number, raw["id_number"])
    fields = _parse_fields(raw, c)
    joined = c.take(event_date, raw["joined"], "joined")
    org = None
    try:
        org = find_org(uow, str(raw["org"]))
    except NotFound as missing:
        if not c.errors:
            raise
        # reported with the other bad values, so the clerk fixes everything in one go
        c.errors.append(InvalidValue("org", raw["org"], missing.key, **missing.params))
    if rid is not None and fields.get("gender") is not None:
        c.take(check_gender, rid, raw["gender"])  # the message quotes what the clerk typed
    c.check()
    assert rid is not None and joined is not None and org is not None and org.id is not None

    check_join_age(rid, joined, raw["joined"])
    card = fields.get("card_no")
    # two clerks enrolling the same person (or giving the same card) at the same moment: the
    # second waits here, then finds the first one's member and gets the usual conflict
    uow.serialize(*person_keys([rid.number]), *([("member_card", card)] if card else []))
    s = uow.session
    person = s.scalars(select(Person).where(col(Person.id_number) == rid.number)).first()
    if person is not None:
        if person.name != fields["name"]:
            raise Conflict("member.name_mismatch", stored=person.name, given=fields["name"])
        existing = s.scalars(select(Member).where(col(Member.person_id) == person.id)).first()
        if existing is not None:
            raise Conflict(
                "member.already_member",
                name=person.name,
                id=mask_id(person.id_number),
                status=S(existing.status).label(),
            )
    _check_card(uow, fields.get("card_no"), None)
    if person is None:
        person = Person(
            **person_fields(rid, fields["name"]),
            ethnicity=fields.get("ethnicity"),
            phone=fields.get("phone"),
            education=fields.get("education"),
            political_status=fields.get("political_status"),
            hukou=fields.get("hukou"),
        )
        s.add(person)
        s.flush()
    else:
        for key in PERSON_FIELDS:
            if fields.get(key) is not None and key not in ("name", "gender"):
                setattr(person, key, fields[key])
    assert person.id is not None
    member = Member(
        person_id=person.id,
        org_id=org.id,
        status=S.ACTIVE.value,
        status_since=joined,
        joined_on=joined,
        card_no=fields.get("card_no"),
        employer=fields.get("employer"),
        migrant=bool(fields.get("migrant") or False),
        gig_group=fields.get("gig_group"),
    )
    s.add(member)
    s.flush()
    assert member.id is not None
    kind = K.TRANSFER_IN if from_outside else K.JOIN
    _add_event(uow, member, kind, joined, org.id, None, _optional(raw, "reason"))
    snapshot = _snapshot(member, person)
    uow.audit(
        "member.add",
        "member",
        member.id,
        after={k: v for k, v in snapshot.items() if v is not None},
    )
    return member_view(uow, member, person)


def _check_card(uow: UnitOfWork, card: str | None, own_id: int | None) -> None:
    if not card:
        return
    other = uow.session.scalars(select(Member).where(col(Member.card_no) == card)).first()
    if other is not None and other.id != own_id:
        raise Conflict("member.card_taken", card=card)


def _add_event(
    uow: UnitOfWork,
    member: Member,
    kind: MemberEventKind,
    on: date,
    org_id: int,
    from_org_id: int | None,
    reason: str | None,
) -> MemberEvent:
    assert member.id is not None
    if kind in ENTRIES:  # the one place every entry into a union passes
        org = uow.session.get(Org, org_id)
        assert org is not None
        refuse_if_dissolved(org.name, org.dissolved_on, org.dissolution, on)
    event = MemberEvent(
        member_id=member.id,
        kind=kind.value,
        event_date=on,
        org_id=org_id,
        from_org_id=from_org_id,
        reason=clean_text(reason, "reason", max_len=200) if reason else None,
        migrant=member.migrant,
        gig_group=member.gig_group,
    )
    uow.session.add(event)
    uow.session.flush()
    return event


# --- status changes --------------------------------------------------------------------------


def change_status(
    uow: UnitOfWork,
    ref: str,
    kind: MemberEventKind,
    on: str | date | None,
    reason: str | None,
    *,
    to_org: str | None = None,
) -> MemberView:
    """Record a dated status change (transfer, retain, restore, leave, remove, death, rejoin).

    Without a date the change is recorded as of today.
    """
    if kind in (K.LEAVE, K.REMOVE, K.TRANSFER_OUT) and blank(reason):
        raise UsageError("member.reason_required")
    member, person = find_member(uow, ref)
    assert member.id is not None
    uow.lock(member)  # a second clerk's change waits, then is checked against this one's result
    when = date.today() if on is None else event_date(on, "date")
    current = S(member.status)
    allowed, _ = TRANSITIONS[kind]
    if current not in allowed:
        raise Conflict(
            "member.not_allowed",
            name=person.name,
            status=current.label(),
            action=kind.label(),
            allowed=i18n.join(s.label() for s in S if s in allowed),
        )
    last = _last_event(uow, member.id)
    if last is not None and when < last.event_date:
        raise Conflict(
            "member.before_last_event",
            date=when,
            last_kind=K(last.kind).label(),
            last_date=last.event_date,
        )
    org_id, from_org_id = member.org_id, None
    if to_org is not None:
        target = find_org(uow, to_org)
        assert target.id is not None
        if kind == K.TRANSFER_IN and current == S.ACTIVE and target.id == member.org_id:
            raise Conflict("member.same_org", org=target.name)
        org_id = target.id
    if kind == K.TRANSFER_IN and current == S.ACTIVE:
        from_org_id = member.org_id  # a move between two of the county's unions
    record_change(uow, member, person, kind, when, reason, org_id, from_org_id)
    return member_view(uow, member, person)


def record_change(
    uow: UnitOfWork,
    member: Member,
    person: Person,
    kind: MemberEventKind,
    when: date,
    reason: str | None,
    org_id: int,
    from_org_id: int | None,
    *,
    result: MemberStatus | None = None,
) -> None:
    """Write one checked change: the member's new state, its dated event and the audit entry.

    ``result`` is the status it leads to (``TRANSITIONS`` unless given: a merger keeps a
    retained member retained)."""
    before = _snapshot(member, person)
    member.org_id = org_id
    member.status = (result or TRANSITIONS[kind][1]).value
    member.status_since = when
    if kind == K.JOIN:
        member.joined_on = when
    member.updated_at = utcnow()
    uow.session.add(member)
    _add_event(uow, member, kind, when, org_id, from_org_id, reason)
    after = _snapshot(member, person)
    changed = [k for k in after if after[k] != before.get(k)]
    uow.audit(
        f"member.{kind.value}",
        "member",
        member.id,
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
        reason=reason,
    )


def transfer(
    uow: UnitOfWork,
    ref: str,
    on: str | date | None,
    reason: str | None,
    *,
    to_org: str | None,
    out: bool,
) -> MemberView:
    if out == (to_org is not None):
        raise UsageError("member.transfer_target")
    if out:
        return change_status(uow, ref, K.TRANSFER_OUT, on, reason)
    return change_status(uow, ref, K.TRANSFER_IN, on, reason, to_org=to_org)


# --- update ----------------------------------------------------------------------------------


def update(uow: UnitOfWork, ref: str, raw: dict[str, Any]) -> MemberView:
    """Correct a member's data. Status changes go through ``change_status``, never here."""
    member, person = find_member(uow, ref)
    c = Collector()
    fields = _parse_fields(raw, c)
    if fields.get("gender") is not None:
        rid = parse_id_number(person.id_number)
        c.take(check_gender, rid, raw["gender"])
    c.check()
    if not fields:
        raise UsageError("member.nothing_to_update")
    if "org" in raw and not blank(raw.get("org")):
        raise UsageError("member.transfer_target")
    if fields.get("card_no"):
        uow.serialize(("member_card", fields["card_no"]))
    uow.lock(member, person)
    _check_card(uow, fields.get("card_no"), member.id)
    before = _snapshot(member, person)
    for key, value in fields.items():
        if key in PERSON_FIELDS:
            setattr(person, key, value)
        else:
            setattr(member, key, value)
    if "name" in fields:
        person.name_pinyin, person.name_initials = name_keys(fields["name"])
    after = _snapshot(member, person)
    changed = {k: after[k] for k in after if after[k] != before.get(k)}
    if changed:
        person.updated_at = member.updated_at = utcnow()
        uow.session.add_all([person, member])
        uow.session.flush()
        uow.audit(
            "member.update",
            "member",
            member.id,
            before={k: before.get(k) for k in changed},
            after=changed,
        )
    return member_view(uow, member, person)


# --- read back -------------------------------------------------------------------------------


def member_view(uow: UnitOfWork, member: Member, person: Person) -> MemberView:
    """The member as ``member show`` shows them, read back inside the writing transaction."""
    assert member.id is not None
    uow.session.flush()
    with reading(uow.session.connection()) as r:
        return member_by_id(r, member.id)
