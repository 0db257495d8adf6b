"""Grassroots unions (基层工会): add, update, look up, list."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, select
from sqlmodel import col

from unioncli import i18n
from unioncli.dates import parse_date
from unioncli.db.uow import UnitOfWork
from unioncli.enums import MemberStatus, OrgType
from unioncli.errors import Conflict, InvalidValue, NotFound, UsageError
from unioncli.i18n import register
from unioncli.ids import parse_uscc, record_id
from unioncli.models import Member, Org
from unioncli.models.base import utcnow
from unioncli.services.common import Collector, blank, clean_text, require
from unioncli.services.figures import county_name, orgs_in_county

register(
    {
        "org.not_found": ("找不到工会“{ref}”", "no union “{ref}”"),
        "org.ambiguous": (
            "“{ref}”对应多个工会：{names}，请写全称",
            "“{ref}” matches several unions: {names}; give the full name",
        ),
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
    }
)


@dataclass(frozen=True)
class OrgView:
    id: int
    name: str
    uscc: str | None
    employer: str | None
    employer_uscc: str | None
    type: str
    township: str | None
    founded: date
    chair: str | None
    phone: str | None
    active_members: int = 0
    county: str | None = None

    @classmethod
    def of(cls, org: Org, active_members: int = 0) -> OrgView:
        assert org.id is not None
        return cls(
            id=org.id,
            name=org.name,
            uscc=org.uscc,
            employer=org.employer,
            employer_uscc=org.employer_uscc,
            type=org.type,
            township=org.township,
            founded=org.founded,
            chair=org.chair,
            phone=org.phone,
            active_members=active_members,
            county=org.county,
        )


def _union_uscc(raw: str) -> str:
    code = parse_uscc(raw, field="org_uscc")
    if not code.startswith("81"):
        raise InvalidValue("org_uscc", code, "org.uscc_prefix")
    return code


def _past_date(raw: str, field: str) -> date:
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
        "founded": lambda v: _past_date(v, "founded"),
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
    return OrgView.of(org)


def find_org(uow: UnitOfWork, ref: str) -> Org:
    """A union by id, USCC, exact name, or a part of its name that names only one union."""
    s = uow.session
    ref = ref.strip()
    org: Org | None = None
    number = record_id(ref) if ref.isdigit() else None
    if number is not None:
        org = s.get(Org, number)
    if org is None and len(ref) == 18:
        org = s.scalars(select(Org).where(col(Org.uscc) == ref.upper())).first()
    if org is None:
        org = s.scalars(select(Org).where(col(Org.name) == ref)).first()
    if org is None and ref:
        hits = list(s.scalars(select(Org).where(col(Org.name).contains(ref)).limit(6)))
        if len(hits) == 1:
            org = hits[0]
        elif hits:
            raise UsageError("org.ambiguous", ref=ref, names=i18n.join(h.name for h in hits[:5]))
    if org is None:
        raise NotFound("org.not_found", ref=ref)
    return org


def _active_count(uow: UnitOfWork, org_id: int) -> int:
    stmt = select(func.count()).where(
        col(Member.org_id) == org_id, col(Member.status) == MemberStatus.ACTIVE.value
    )
    return int(uow.session.execute(stmt).scalar_one())


def show_org(uow: UnitOfWork, ref: str) -> OrgView:
    org = find_org(uow, ref)
    assert org.id is not None
    return OrgView.of(org, _active_count(uow, org.id))


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
    assert org.id is not None
    return OrgView.of(org, _active_count(uow, org.id))


def in_county(org: Org, county: str | None) -> None:
    """Refuse a union outside the clerk's ``county`` (None: every union is in)."""
    wanted = county_name(county)
    if wanted is not None and org.county != wanted:
        found = org.county or i18n.t("org.no_county")
        raise NotFound("org.other_county", name=org.name, found=found, county=wanted)


def list_orgs(
    uow: UnitOfWork, *, township: str | None = None, county: str | None = None
) -> list[OrgView]:
    """Unions by county, township and name, with their active members; ``township`` and
    ``county`` (the clerk's) keep the unions there."""
    s = uow.session
    county = county_name(county)
    active = [col(Member.status) == MemberStatus.ACTIVE.value]
    if county is not None:  # count the county's members only, not the whole city's
        active.append(col(Member.org_id).in_(orgs_in_county(county)))
    counts = (
        select(col(Member.org_id), func.count().label("n"))
        .where(*active)
        .group_by(col(Member.org_id))
        .subquery()
    )
    stmt = select(Org, func.coalesce(counts.c.n, 0)).outerjoin(
        counts, counts.c.org_id == col(Org.id)
    )
    if township:
        stmt = stmt.where(col(Org.township) == township)
    if county is not None:
        stmt = stmt.where(col(Org.county) == county)
    # a city's unions by county first (none last); a county's own ledger has none to sort by
    stmt = stmt.order_by(
        col(Org.county).is_(None), col(Org.county), col(Org.township), col(Org.name)
    )
    return [OrgView.of(org, int(n)) for org, n in s.execute(stmt).all()]


class OrgIndex:
    """Every union by exact name and by USCC, held in memory while a file is imported.

    An import names unions exactly: a part of a name that happens to be unique today could name
    another union tomorrow, so partial names are not accepted here.
    """

    def __init__(self, rows: list[dict[str, Any]]) -> None:
        self.by_name: dict[str, dict[str, Any]] = {}
        self.by_uscc: dict[str, dict[str, Any]] = {}
        for row in rows:
            self.add(row)

    @classmethod
    def load(cls, conn: Connection) -> OrgIndex:
        table = Org.__table__  # type: ignore[attr-defined]
        return cls([dict(r._mapping) for r in conn.execute(select(table))])

    def add(self, row: dict[str, Any]) -> None:
        self.by_name[row["name"]] = row
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
