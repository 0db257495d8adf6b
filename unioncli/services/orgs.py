"""Grassroots unions (基层工会): add, update, the writers' lookup; dissolve (撤销/注销) and merge
(合并). Showing and listing them is ``views.orgs``."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlmodel import col

from unioncli import i18n
from unioncli.dates import parse_date
from unioncli.db.read import reading
from unioncli.db.uow import UnitOfWork
from unioncli.enums import MemberStatus, OrgDissolution, OrgType
from unioncli.errors import Conflict, InvalidValue, NotFound, UsageError
from unioncli.i18n import register
from unioncli.ids import mask_id, parse_uscc
from unioncli.models import Member, MemberEvent, Org, Person
from unioncli.models.base import utcnow
from unioncli.services.common import Collector, blank, clean_text, require
from unioncli.services.figures import county_name
from unioncli.views.orgs import OrgView, dissolution_label, find_org_id, org_by_id

register(
    {
        "org.name_taken": ("工会“{name}”已存在", "a union named “{name}” already exists"),
        "org.uscc_taken": (
            "统一社会信用代码 {uscc} 已属于工会“{name}”",
            "USCC {uscc} already belongs to “{name}”",
        ),
        "org.uscc_prefix": (
            "工会的统一社会信用代码以 81 开头（这看起来是单位的代码）",
            "a union's USCC starts with 81 (this looks like the employer's)",
        ),
        "org.future": ("日期在今天之后", "the date is after today"),
        "org.nothing_to_update": ("没有要修改的内容", "nothing to update"),
        "org.other_county": (
            "工会“{name}”属于{found}，不在{county}（全市：--city）",
            "union “{name}” belongs to {found}, not {county} (the whole ledger: --city)",
        ),
        "org.no_county": ("未分区县", "no county"),
        "org.dissolved_enrol": (
            "工会“{name}”已于 {date} {how}，{on} 不能再入会或转入",
            "union “{name}” was {how} on {date}: no one joins or moves into it on {on}",
        ),
        "org.already_dissolved": (
            "工会“{name}”已于 {date} {how}（撤销、注销、合并都是终局；重新成立请登记新工会）",
            "union “{name}” was already {how} on {date} (final; a re-founded union is a new one)",
        ),
        "org.before_founded": (
            "日期 {date} 早于工会“{name}”的成立日期 {founded}",
            "date {date} is before “{name}” was founded ({founded})",
        ),
        "org.later_events": (
            "工会“{name}”有 {n} 名会员在 {date} 之后还有会籍变动（如 {example}），"
            "请先核对这些记录或改用更晚的日期",
            "{n} members of “{name}” have membership changes after {date} (e.g. {example}); "
            "check them or give a later date",
        ),
        "org.active_members": (
            "工会“{name}”在 {date} 还有 {n} 名在册会员（如 {example}）：先用 member transfer 转入"
            "其他工会或 member retain 保留会籍，或加 --retain-members 一并保留会籍",
            "“{name}” still has {n} active members on {date} (e.g. {example}): move them with "
            "member transfer or keep them with member retain, or add --retain-members",
        ),
        "org.merge_self": ("不能把工会“{name}”并入它自己", "cannot merge “{name}” into itself"),
        "org.merge_kind": (
            "合并请用 org merge ORG --into OTHER",
            "for a merger use org merge ORG --into OTHER",
        ),
        "org.into_dissolved": (
            "接收的工会“{name}”已于 {date} {how}",
            "the receiving union “{name}” was {how} on {date}",
        ),
        "org.retain_reason": ("工会撤销", "union dissolved"),
        "org.merge_reason": ("工会合并", "unions merged"),
    }
)

# the reason of the retain events a dissolution with ``--retain-members`` records (SPEC:
# 保留会籍 when the employer closed), and of the moves a merger records; stored in Chinese
RETAIN_REASON = "工会撤销"
MERGE_REASON = "工会合并"


def refuse_if_dissolved(name: str, dissolved_on: date | None, how: str | None, on: date) -> None:
    """The one rule of entries into a union: none on or after the day it was dissolved (exit 4).

    Called wherever a member enters a union (``members._add_event``, ``import members``)."""
    if dissolved_on is not None and on >= dissolved_on:
        raise Conflict(
            "org.dissolved_enrol",
            name=name,
            date=dissolved_on,
            how=dissolution_label(how),
            on=on,
        )


def _union_uscc(raw: str) -> str:
    code = parse_uscc(raw, field="org_uscc")
    if not code.startswith("81"):
        raise InvalidValue("org_uscc", code, "org.uscc_prefix")
    return code


def past_date(raw: str, field: str) -> date:
    value = parse_date(raw, field=field)
    if value > date.today():
        raise InvalidValue(field, raw, "org.future")
    return value


def parse_org_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Validate the given (non-blank) fields of an org; every bad value is reported at once."""
    c = Collector()
    out: dict[str, Any] = {}
    parsers: dict[str, Any] = {
        "org_name": lambda v: clean_text(v, "org_name"),
        "org_uscc": _union_uscc,
        "employer": lambda v: clean_text(v, "org_employer"),
        "employer_uscc": lambda v: parse_uscc(v, field="employer_uscc"),
        "org_type": lambda v: OrgType.parse(v, field="org_type").value,
        "township": lambda v: clean_text(v, "township", max_len=50),
        "founded": lambda v: past_date(v, "founded"),
        "chair": lambda v: clean_text(v, "chair", max_len=50),
        "phone": lambda v: clean_text(v, "org_phone", max_len=30),
        "county": county_name,
    }
    column = {"org_name": "name", "org_uscc": "uscc", "org_type": "type"}
    for key, parse in parsers.items():
        if not blank(raw.get(key)):
            value = c.take(parse, raw[key])
            out[column.get(key, key)] = value
    c.check()
    return out


_FIELD_OF_COLUMN = {
    "name": "org_name",
    "uscc": "org_uscc",
    "type": "org_type",
    "employer": "org_employer",
    "phone": "org_phone",
}


def _audit_keys(data: dict[str, Any]) -> dict[str, Any]:
    """Audit entries use field keys, so the log labels an org's name 工会名称, not 姓名."""
    return {_FIELD_OF_COLUMN.get(k, k): v for k, v in data.items()}


def _check_unique(uow: UnitOfWork, fields: dict[str, Any], own_id: int | None) -> None:
    # two clerks registering the same union at once: the second waits, then sees the first's
    uow.serialize(*[("org_" + k, fields[k]) for k in ("name", "uscc") if fields.get(k)])
    s = uow.session
    if "name" in fields:
        other = s.scalars(select(Org).where(col(Org.name) == fields["name"])).first()
        if other is not None and other.id != own_id:
            raise Conflict("org.name_taken", name=fields["name"])
    if fields.get("uscc"):
        other = s.scalars(select(Org).where(col(Org.uscc) == fields["uscc"])).first()
        if other is not None and other.id != own_id:
            raise Conflict("org.uscc_taken", uscc=fields["uscc"], name=other.name)


def add_org(uow: UnitOfWork, raw: dict[str, Any], *, county: str | None = None) -> OrgView:
    """Register a union; ``county`` (the clerk's) is its county unless ``raw`` names one."""
    require(raw, ("org_name", "founded"))
    fields = parse_org_fields(raw)
    if "county" not in fields and county_name(county) is not None:
        fields["county"] = county_name(county)
    _check_unique(uow, fields, None)
    org = Org(**fields)
    uow.session.add(org)
    uow.session.flush()
    uow.audit("org.add", "org", org.id, after=_audit_keys(fields))
    return _view(uow, org)


def find_org(uow: UnitOfWork, ref: str) -> Org:
    """A union by id, USCC, exact name, or a part of its name that names only one union (the
    rules are ``views.orgs.find_org_id``'s, read inside the writing transaction)."""
    uow.session.flush()
    with reading(uow.session.connection()) as r:
        org_id = find_org_id(r, ref)
    org = uow.session.get(Org, org_id)
    assert org is not None
    return org


def _view(uow: UnitOfWork, org: Org) -> OrgView:
    """The union as ``org show`` shows it, read back inside the writing transaction."""
    assert org.id is not None
    uow.session.flush()
    with reading(uow.session.connection()) as r:
        return org_by_id(r, org.id)


def update_org(uow: UnitOfWork, ref: str, raw: dict[str, Any]) -> OrgView:
    org = find_org(uow, ref)
    fields = parse_org_fields(raw)
    if not fields:
        raise UsageError("org.nothing_to_update")
    _check_unique(uow, fields, org.id)
    before = {k: getattr(org, k) for k in fields}
    changed = {k: v for k, v in fields.items() if getattr(org, k) != v}
    for key, value in changed.items():
        setattr(org, key, value)
    if changed:
        org.updated_at = utcnow()
        uow.session.add(org)
        uow.session.flush()
        uow.audit(
            "org.update",
            "org",
            org.id,
            before=_audit_keys({k: before[k] for k in changed}),
            after=_audit_keys(changed),
        )
    return _view(uow, org)


def in_county(org: Org, county: str | None) -> None:
    """Refuse a union outside the clerk's ``county`` (None: every union is in)."""
    wanted = county_name(county)
    if wanted is not None and org.county != wanted:
        found = org.county or i18n.t("org.no_county")
        raise NotFound("org.other_county", name=org.name, found=found, county=wanted)


# --- dissolution and merger ------------------------------------------------------------------


def _check_end(uow: UnitOfWork, org: Org, on: date) -> None:
    """What every end of a union needs: in force, founded by then, nothing of it recorded later."""
    if org.dissolved_on is not None:
        raise Conflict(
            "org.already_dissolved",
            name=org.name,
            date=org.dissolved_on,
            how=dissolution_label(org.dissolution),
        )
    if on < org.founded:
        raise Conflict("org.before_founded", date=on, name=org.name, founded=org.founded)
    later = ((col(MemberEvent.org_id) == org.id) | (col(MemberEvent.from_org_id) == org.id)) & (
        col(MemberEvent.event_date) > on
    )
    n = int(
        uow.session.execute(
            select(func.count(func.distinct(col(MemberEvent.member_id)))).where(later)
        ).scalar_one()
    )
    if n:
        name, number = uow.session.execute(
            select(col(Person.name), col(Person.id_number))
            .join(Member, col(Member.person_id) == col(Person.id))
            .join(MemberEvent, col(MemberEvent.member_id) == col(Member.id))
            .where(later)
            .order_by(col(MemberEvent.event_date), col(MemberEvent.id))
            .limit(1)
        ).one()
        example = f"{name} {mask_id(number)}"
        raise Conflict("org.later_events", name=org.name, n=n, date=on, example=example)


def _in_force_members(uow: UnitOfWork, org: Org, *statuses: MemberStatus) -> list[Member]:
    """The union's members in ``statuses``: with no event after the day (``_check_end``), their
    state now is their state on that day."""
    return list(
        uow.session.scalars(
            select(Member)
            .where(
                col(Member.org_id) == org.id,
                col(Member.status).in_([st.value for st in statuses]),
            )
            .order_by(col(Member.id))
        )
    )


def _example(uow: UnitOfWork, member: Member) -> str:
    person = uow.session.get(Person, member.person_id)
    assert person is not None
    return f"{person.name} {mask_id(person.id_number)}"


def _end_date(raw: str | date) -> date:
    return raw if isinstance(raw, date) and raw <= date.today() else past_date(str(raw), "date")


def _end(
    uow: UnitOfWork,
    org: Org,
    on: date,
    kind: OrgDissolution,
    into: Org | None,
    reason: str | None,
    moved: int,
    retained: int,
) -> None:
    before = {"dissolved_on": None, "dissolution": None, "merged_into_id": None}
    org.dissolved_on = on
    org.dissolution = kind.value
    org.merged_into_id = into.id if into is not None else None
    org.updated_at = utcnow()
    uow.session.add(org)
    uow.session.flush()
    after: dict[str, Any] = {"dissolved_on": on, "dissolution": kind.value}
    if into is not None:
        after["merged_into_id"] = into.id
        after["merged_into"] = into.name
        after["members_moved"] = moved
    if retained:
        after["members_retained"] = retained
    action = "org.merge" if into is not None else "org.dissolve"
    uow.audit(action, "org", org.id, before=before, after=after, reason=reason)


def dissolve_org(
    uow: UnitOfWork,
    ref: str,
    on: str | date,
    kind: str | OrgDissolution,
    reason: str | None,
    *,
    retain_members: bool = False,
) -> tuple[OrgView, int]:
    """撤销/注销 a union on a day (terminal). Its 在册 members must be gone by then, unless
    ``retain_members``: each is then kept as 保留会籍 (a ``retain`` event, reason 工会撤销)."""
    from unioncli.services.members import record_change

    how = (
        kind
        if isinstance(kind, OrgDissolution)
        else OrgDissolution.parse(kind, field="dissolution")
    )
    if how == OrgDissolution.MERGED:
        raise UsageError("org.merge_kind")
    when = _end_date(on)
    reason = clean_text(reason, "reason", max_len=200) if reason else None
    org = find_org(uow, ref)
    uow.lock(org)
    _check_end(uow, org, when)
    active = _in_force_members(uow, org, MemberStatus.ACTIVE)
    if active and not retain_members:
        raise Conflict(
            "org.active_members",
            name=org.name,
            date=when,
            n=len(active),
            example=_example(uow, active[0]),
        )
    from unioncli.enums import MemberEventKind

    for member in active:
        person = uow.session.get(Person, member.person_id)
        assert person is not None
        record_change(
            uow, member, person, MemberEventKind.RETAIN, when, RETAIN_REASON, member.org_id, None
        )
    _end(uow, org, when, how, None, reason, 0, len(active))
    return _view(uow, org), len(active)


def merge_org(
    uow: UnitOfWork, ref: str, into_ref: str, on: str | date, reason: str | None
) -> tuple[OrgView, int]:
    """合并: the union ends on a day and every member in force in it (在册 or 保留会籍) moves to
    ``into_ref`` by a ``transfer_in`` dated that day from it (as ``member transfer --to``
    records); a retained member stays retained there (a ``retain`` event marked by the same
    ``from_org_id``, which ``members.retained`` does not count again)."""
    from unioncli.enums import MemberEventKind as K
    from unioncli.services.members import record_change

    when = _end_date(on)
    reason = clean_text(reason, "reason", max_len=200) if reason else None
    org = find_org(uow, ref)
    into = find_org(uow, into_ref)
    if into.id == org.id:
        raise Conflict("org.merge_self", name=org.name)
    uow.lock(org, into)
    _check_end(uow, org, when)
    if into.dissolved_on is not None:
        raise Conflict(
            "org.into_dissolved",
            name=into.name,
            date=into.dissolved_on,
            how=dissolution_label(into.dissolution),
        )
    if when < into.founded:
        raise Conflict("org.before_founded", date=when, name=into.name, founded=into.founded)
    assert org.id is not None and into.id is not None
    moving = _in_force_members(uow, org, MemberStatus.ACTIVE, MemberStatus.RETAINED)
    why = reason or MERGE_REASON
    for member in moving:
        person = uow.session.get(Person, member.person_id)
        assert person is not None
        retained = member.status == MemberStatus.RETAINED.value
        record_change(
            uow,
            member,
            person,
            K.TRANSFER_IN,
            when,
            why,
            into.id,
            org.id,
            result=MemberStatus.ACTIVE,
        )
        if retained:
            record_change(uow, member, person, K.RETAIN, when, why, into.id, org.id)
    _end(uow, org, when, OrgDissolution.MERGED, into, reason, len(moving), 0)
    return _view(uow, org), len(moving)


class OrgIndex:
    """Every union by exact name and by USCC, held in memory while a file is imported.

    An import names unions exactly: a part of a name that happens to be unique today could name
    another union tomorrow, so partial names are not accepted here.
    """

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_name: dict[str, dict[str, Any]] = {}
        self.by_uscc: dict[str, dict[str, Any]] = {}
        self.by_id: dict[int, dict[str, Any]] = {}
        for row in rows:
            self.add(row)

    @classmethod
    def load(cls, conn: Connection) -> OrgIndex:
        table = Org.__table__  # type: ignore[attr-defined]
        return cls([dict(r._mapping) for r in conn.execute(select(table))])

    def add(self, row: dict[str, Any]) -> None:
        self.by_name[row["name"]] = row
        self.by_id[int(row["id"])] = row
        if row.get("uscc"):
            self.by_uscc[row["uscc"]] = row

    def get(self, ref: str) -> dict[str, Any] | None:
        text = clean_text(ref, "org") or ""
        return self.by_uscc.get(text.upper()) or self.by_name.get(text)

    def find(self, ref: str) -> int:
        row = self.get(ref)
        if row is None:
            raise NotFound("org.not_found", ref=ref.strip())
        return int(row["id"])
