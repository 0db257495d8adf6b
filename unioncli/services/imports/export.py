"""Clean files out: every register as rows whose headers the import reads back.

ID numbers and mobiles are masked unless the clerk asks for them whole; that export is audited.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, select

from unioncli import i18n
from unioncli.config import Target
from unioncli.db.engine import engine_for
from unioncli.db.uow import UnitOfWork
from unioncli.enums import Education, GigGroup, Hukou, MemberStatus, OrgType, PoliticalStatus
from unioncli.errors import UsageError
from unioncli.i18n import register
from unioncli.ids import mask_id, mask_phone
from unioncli.models import Member, Org, Person
from unioncli.services.audit import record_reveal
from unioncli.services.imports.engine import Column
from unioncli.services.imports.members import COLUMNS as MEMBER_COLUMNS
from unioncli.services.imports.orgs import COLUMNS as ORG_COLUMNS

FETCH = 2000
KINDS = ("orgs", "members")

register(
    {
        "export.kind": (
            "不能导出“{kind}”（可导出：{kinds}）",
            "cannot export “{kind}” (kinds: {kinds})",
        )
    }
)


@dataclass
class Export:
    header: list[str]
    rows: Iterator[list[Any]]


def _header(columns: tuple[Column, ...]) -> list[str]:
    en = i18n.get_lang() == "en"
    return [c.en if en else c.zh for c in columns]


def _label(choice: Any, code: str | None) -> str | None:
    return None if code is None else choice(code).label()


def _yes_no(value: bool) -> str:
    return ("yes" if value else "no") if i18n.get_lang() == "en" else ("是" if value else "否")


def export(target: Target, kind: str, *, unmasked: bool, reason: str | None) -> Export:
    """The rows of one register, streamed from a read-only connection (writers are not held up)."""
    if kind not in KINDS:
        raise UsageError("export.kind", kind=kind, kinds=i18n.join(KINDS))
    if unmasked:
        # recorded before a single row leaves the ledger
        with UnitOfWork(target) as uow:
            record_reveal(uow, f"{kind}.export", [], reason)
            uow.commit()
    engine = engine_for(target)
    if kind == "orgs":
        return Export(_header(ORG_COLUMNS), _orgs(engine))
    return Export(_header(MEMBER_COLUMNS), _members(engine, unmasked))


def _stream(engine: Engine, stmt: Any) -> Iterator[Any]:
    with engine.connect() as conn:
        yield from conn.execution_options(yield_per=FETCH).execute(stmt)


def _orgs(engine: Engine) -> Iterator[list[Any]]:
    o = Org.__table__  # type: ignore[attr-defined]
    for r in _stream(engine, select(o).order_by(o.c.id)):
        r = r._mapping
        yield [
            r["name"],
            r["uscc"],
            r["employer"],
            r["employer_uscc"],
            _label(OrgType, r["type"]),
            r["township"],
            r["founded"],
            r["chair"],
            r["phone"],
        ]


def _members(engine: Engine, unmasked: bool) -> Iterator[list[Any]]:
    p = Person.__table__  # type: ignore[attr-defined]
    m = Member.__table__  # type: ignore[attr-defined]
    o = Org.__table__  # type: ignore[attr-defined]
    stmt = (
        select(
            p.c.name,
            p.c.id_number,
            p.c.gender,
            p.c.ethnicity,
            p.c.phone,
            p.c.education,
            m.c.employer,
            o.c.name.label("org"),
            m.c.joined_on,
            m.c.card_no,
            m.c.migrant,
            m.c.gig_group,
            p.c.political_status,
            p.c.hukou,
            m.c.status,
            m.c.status_since,
        )
        .join(p, p.c.id == m.c.person_id)
        .join(o, o.c.id == m.c.org_id)
        .order_by(m.c.id)
    )
    gender = {"male": "男", "female": "女"} if i18n.get_lang() != "en" else {}
    for r in _stream(engine, stmt):
        active = r.status == MemberStatus.ACTIVE.value
        yield [
            r.name,
            r.id_number if unmasked else mask_id(r.id_number),
            gender.get(r.gender, r.gender),
            r.ethnicity,
            r.phone if unmasked or not r.phone else mask_phone(r.phone),
            _label(Education, r.education),
            r.employer,
            r.org,
            r.joined_on,
            r.card_no,
            _yes_no(r.migrant),
            _label(GigGroup, r.gig_group),
            _label(PoliticalStatus, r.political_status),
            _label(Hukou, r.hukou),
            MemberStatus(r.status).label(),
            None if active else r.status_since,
        ]
