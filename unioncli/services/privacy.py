"""Retention (SPEC §5, issue 8): ``privacy purge`` anonymises what the federation no longer needs.

Hardship files closed before a date, and finished grants (paid, rejected, withdrawn) of round
years before that date's year, lose the personal details no yearly figure reads:

- the file's health, housing, address and phone; its family members' health, income and
  occupation; its aid entries' note and handler (fund source kept); its visits' visitor and note;
- the grant's school, note and free-text reasons (amount, override, status, exclusion);
- the people referenced by nothing but purged records: name "已匿名", ID number
  ``ANON`` + the person's id (18 characters, never a valid ID), no phone, no pinyin, no
  ethnicity/education/political status/hukou, birth date cut to 1 January of its year.
  A person who is a member, or appears in any record that is kept (another file, a newer or
  unfinished grant), is not touched.

Everything the figures count stays: dates, status, category, causes, close reason, household
size, the file's per-capita income (household level, no longer identifying once the people are
anonymised), aid date/kind/amount/fund source/reversal, grant year/level/amount/status/
eligibility/dates/file. Each change is an UPDATE restricted to rows that still hold something to
clear, so a second purge changes nothing. One audit entry per purge, with the counts and the
reason and no personal data.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, or_, select, update
from sqlmodel import col

from unioncli.dates import parse_date, today
from unioncli.db.uow import UnitOfWork
from unioncli.errors import InvalidValue, UsageError
from unioncli.i18n import register, register_fields
from unioncli.models import Aid, FamilyMember, Grant, HardshipFile, HardshipVisit, Member, Person
from unioncli.models.base import utcnow
from unioncli.services.common import blank, clean_text

register(
    {
        "privacy.reason_required": (
            '匿名化须写明原因：--reason "…"',
            'anonymising needs a reason: --reason "…"',
        ),
        "privacy.future": ("不能晚于今天", "cannot be after today"),
    }
)
register_fields({"before": ("截止日期", "before")})

ANONYMOUS_NAME = "已匿名"
ANON_PREFIX = "ANON"
# grants that are over: nothing more will happen to them
FINISHED_GRANTS = ("paid", "rejected", "withdrawn")


def anonymous_id(person_id: int) -> str:
    """The placeholder ID number of an anonymised person: unique, 18 characters, never valid."""
    return f"{ANON_PREFIX}{person_id:014d}"


@dataclass(frozen=True)
class PurgeResult:
    before: date
    files: int  # hardship files whose details were cleared
    family: int  # family members whose details were cleared
    aid: int  # aid entries whose note/handler were cleared
    visits: int  # visits whose visitor/note were cleared
    grants: int  # grants whose school/note/reasons were cleared
    people: int  # people anonymised
    dry_run: bool

    @property
    def total(self) -> int:
        return self.files + self.family + self.aid + self.visits + self.grants + self.people

    def counts(self) -> dict[str, int]:
        d = asdict(self)
        return {k: v for k, v in d.items() if isinstance(v, int) and not isinstance(v, bool)}


def _any_set(*columns: Any) -> ColumnElement[bool]:
    return or_(*(col(c).is_not(None) for c in columns))


def _purged_files(before: date) -> Select[Any]:
    return select(col(HardshipFile.id)).where(
        col(HardshipFile.status) == "closed", col(HardshipFile.closed_on) < before
    )


def _purged_grants(before: date) -> Select[Any]:
    return select(col(Grant.id)).where(
        col(Grant.year) < before.year, col(Grant.status).in_(FINISHED_GRANTS)
    )


def _people_to_anonymise(uow: UnitOfWork, before: date) -> list[int]:
    files, grants = _purged_files(before), _purged_grants(before)
    candidates = (
        select(col(HardshipFile.head_id))
        .where(col(HardshipFile.id).in_(files))
        .union(
            select(col(FamilyMember.person_id)).where(col(FamilyMember.file_id).in_(files)),
            select(col(Grant.student_id)).where(col(Grant.id).in_(grants)),
            select(col(Grant.parent_id)).where(col(Grant.id).in_(grants)),
        )
    )
    kept = (
        select(col(Member.person_id))
        .union(
            select(col(HardshipFile.head_id)).where(col(HardshipFile.id).not_in(files)),
            select(col(FamilyMember.person_id)).where(col(FamilyMember.file_id).not_in(files)),
            select(col(Grant.student_id)).where(col(Grant.id).not_in(grants)),
            select(col(Grant.parent_id)).where(col(Grant.id).not_in(grants)),
        )
        .subquery()
    )
    found = uow.session.execute(
        select(col(Person.id))
        .where(col(Person.id).in_(candidates))
        .where(col(Person.id).not_in(select(kept.c[0])))
        .where(~col(Person.id_number).startswith(ANON_PREFIX))
        .order_by(col(Person.id))
    )
    return [int(pid) for pid in found.scalars() if pid is not None]


def _rowcount(result: Any) -> int:
    return int(result.rowcount or 0)


def purge(uow: UnitOfWork, before_raw: str | date, reason: str | None) -> PurgeResult:
    """Anonymise hardship files closed before ``before`` and finished grants of round years
    before its year, and the people only they reference (see the module). Audited once, with the
    counts; nothing is audited when there was nothing left to anonymise. The caller commits (a
    dry-run unit of work rolls it all back)."""
    if blank(reason):
        raise UsageError("privacy.reason_required")
    why = clean_text(reason, "reason", max_len=500)
    before = parse_date(before_raw, "before")
    if before > today():
        raise InvalidValue("before", before.isoformat(), "privacy.future")
    session = uow.session
    now = utcnow()
    files = _purged_files(before)

    people = _people_to_anonymise(uow, before)

    n_files = _rowcount(
        session.execute(
            update(HardshipFile)
            .where(col(HardshipFile.id).in_(files))
            .where(
                _any_set(
                    HardshipFile.health,
                    HardshipFile.housing,
                    HardshipFile.address,
                    HardshipFile.phone,
                )
            )
            .values(health=None, housing=None, address=None, phone=None, updated_at=now)
        )
    )
    n_family = _rowcount(
        session.execute(
            update(FamilyMember)
            .where(col(FamilyMember.file_id).in_(files))
            .where(_any_set(FamilyMember.health, FamilyMember.income_fen, FamilyMember.occupation))
            .values(health=None, income_fen=None, occupation=None)
        )
    )
    n_aid = _rowcount(
        session.execute(
            update(Aid)
            .where(col(Aid.file_id).in_(files))
            .where(_any_set(Aid.note, Aid.handler))
            .values(note=None, handler=None)
        )
    )
    n_visits = _rowcount(
        session.execute(
            update(HardshipVisit)
            .where(col(HardshipVisit.file_id).in_(files))
            .where(_any_set(HardshipVisit.visitor, HardshipVisit.note))
            .values(visitor=None, note=None)
        )
    )
    n_grants = _rowcount(
        session.execute(
            update(Grant)
            .where(col(Grant.id).in_(_purged_grants(before)))
            .where(
                _any_set(
                    Grant.school,
                    Grant.note,
                    Grant.amount_reason,
                    Grant.override_reason,
                    Grant.status_reason,
                    Grant.exclusion,
                )
            )
            .values(
                school=None,
                note=None,
                amount_reason=None,
                override_reason=None,
                status_reason=None,
                exclusion=None,
                updated_at=now,
            )
        )
    )
    for pid in people:
        person = session.get(Person, pid)
        assert person is not None
        placeholder = anonymous_id(pid)
        person.name = ANONYMOUS_NAME
        person.id_number = placeholder
        person.id_rev = placeholder[::-1]
        person.name_pinyin = ""
        person.name_initials = ""
        person.phone = None
        person.ethnicity = None
        person.education = None
        person.political_status = None
        person.hukou = None
        person.birth_date = date(person.birth_date.year, 1, 1)
        person.updated_at = now
    session.flush()

    result = PurgeResult(
        before=before,
        files=n_files,
        family=n_family,
        aid=n_aid,
        visits=n_visits,
        grants=n_grants,
        people=len(people),
        dry_run=uow.dry_run,
    )
    if result.total:
        uow.audit(
            "purge",
            "privacy",
            None,
            after={"before": before.isoformat(), **result.counts()},
            reason=why,
        )
    return result
