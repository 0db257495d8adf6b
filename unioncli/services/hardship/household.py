"""A file's household: its people (found or created by ID number, never twice, in one open file
at most) and adding or taking off family members.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from sqlmodel import col

from unioncli import i18n
from unioncli.db.uow import UnitOfWork, person_keys
from unioncli.errors import Conflict, NotFound
from unioncli.ids import ResidentId, mask_id, parse_id_number
from unioncli.models import FamilyMember, HardshipFile, Person
from unioncli.services.hardship.fields import FamilyInput, parse_family
from unioncli.services.hardship.files import (
    _find_to_change,
    check_not_in_open_file,
    file_view,
    find_file,
)
from unioncli.services.hardship.rules import require_open
from unioncli.services.people import person_fields
from unioncli.views.hardship.files import FileView

i18n.register(
    {
        "hardship.name_mismatch": (
            "身份证号 {id} 已登记为“{stored}”，与填写的“{given}”不一致",
            "ID number {id} is registered as “{stored}”, not “{given}”",
        ),
        "hardship.twice_in_file": (
            "{name}（{id}）在本档案中出现了两次",
            "{name} ({id}) appears twice in this file",
        ),
        "hardship.family_too_many": (
            "家庭人口为 {size} 人，已登记户主和 {count} 名家庭成员；请先用 hardship update "
            "--size 修改家庭人口",
            "the household size is {size} and the head and {count} family members are recorded; "
            "raise it first with hardship update --size",
        ),
        "hardship.family_not_in_file": (
            "{name}（{id}）不是档案 {file_no} 的家庭成员",
            "{name} ({id}) is not a family member of file {file_no}",
        ),
    }
)


# --- people ----------------------------------------------------------------------------------


def _person(uow: UnitOfWork, rid: ResidentId, name: str, phone: str | None = None) -> Person:
    """The person with this ID number, created if new (never stored twice); the name must match."""
    s = uow.session
    person = s.scalars(select(Person).where(col(Person.id_number) == rid.number)).first()
    if person is not None:
        if person.name != name:
            raise Conflict(
                "hardship.name_mismatch", id=mask_id(rid.number), stored=person.name, given=name
            )
        return person
    person = Person(**person_fields(rid, name), phone=phone)
    s.add(person)
    s.flush()
    return person


def _existing_person(s: Session, number: str) -> Person | None:
    return s.scalars(select(Person).where(col(Person.id_number) == number)).first()


def _check_not_in_open_file(
    uow: UnitOfWork, person: Person, *, exclude_file_id: int | None = None
) -> None:
    assert person.id is not None
    check_not_in_open_file(
        uow.session, person.id, person.name, person.id_number, exclude_file_id=exclude_file_id
    )


def _check_people(
    uow: UnitOfWork,
    head: tuple[ResidentId, str],
    family: Sequence[FamilyInput],
    *,
    exclude_file_id: int | None = None,
) -> None:
    """No one twice in the household; no one (already stored) in another open file."""
    seen: set[str] = set()
    for rid, name in [head, *((m.rid, m.name) for m in family)]:
        if rid.number in seen:
            raise Conflict("hardship.twice_in_file", name=name, id=mask_id(rid.number))
        seen.add(rid.number)
        person = _existing_person(uow.session, rid.number)
        if person is not None:
            if person.name != name:
                raise Conflict(
                    "hardship.name_mismatch",
                    id=mask_id(rid.number),
                    stored=person.name,
                    given=name,
                )
            _check_not_in_open_file(uow, person, exclude_file_id=exclude_file_id)


def _add_family(uow: UnitOfWork, f: HardshipFile, m: FamilyInput) -> FamilyMember:
    assert f.id is not None
    person = _person(uow, m.rid, m.name)
    assert person.id is not None
    row = FamilyMember(
        file_id=f.id,
        person_id=person.id,
        relation=m.relation,
        income_fen=m.income_fen,
        health=m.health,
        occupation=m.occupation,
    )
    uow.session.add(row)
    uow.session.flush()
    uow.audit(
        "hardship.family_add",
        "hardship_file",
        f.id,
        after={
            "file_no": f.file_no,
            "name": m.name,
            "id_number": m.rid.number,
            "relation": m.relation,
            "family_income_fen": m.income_fen,
            "health": m.health,
            "occupation": m.occupation,
        },
    )
    return row


def _family_count(s: Session, file_id: int) -> int:
    return int(
        s.execute(select(func.count()).where(col(FamilyMember.file_id) == file_id)).scalar_one()
    )


# --- family ----------------------------------------------------------------------------------


def add_family_member(uow: UnitOfWork, ref: str, spec: str | dict[str, Any]) -> FileView:
    """Add someone to an open file's household (not in another open file; size permitting)."""
    f = find_file(uow, ref)
    assert f.id is not None
    require_open(f, "family")
    m = parse_family(spec)
    uow.serialize(*person_keys([m.rid.number]))
    uow.lock(f)
    require_open(f, "family")
    head = uow.session.get(Person, f.head_id)
    assert head is not None
    if head.id_number == m.rid.number:
        raise Conflict("hardship.twice_in_file", name=head.name, id=mask_id(head.id_number))
    person = _existing_person(uow.session, m.rid.number)
    if person is not None:
        if person.name != m.name:
            raise Conflict(
                "hardship.name_mismatch",
                id=mask_id(m.rid.number),
                stored=person.name,
                given=m.name,
            )
        in_this = uow.session.execute(
            select(col(FamilyMember.id)).where(
                col(FamilyMember.file_id) == f.id, col(FamilyMember.person_id) == person.id
            )
        ).first()
        if in_this is not None:
            raise Conflict("hardship.twice_in_file", name=person.name, id=mask_id(m.rid.number))
        _check_not_in_open_file(uow, person)
    count = _family_count(uow.session, f.id)
    if 1 + count + 1 > f.household_size:
        raise Conflict("hardship.family_too_many", size=f.household_size, count=count)
    _add_family(uow, f, m)
    return file_view(uow, f, warn_year=None)


def remove_family_member(uow: UnitOfWork, ref: str, id_number: str) -> FileView:
    """Take someone off an open file's household (moved out, married, deceased); audited."""
    f = _find_to_change(uow, ref)
    assert f.id is not None
    require_open(f, "family")
    rid = parse_id_number(id_number)
    s = uow.session
    row = s.execute(
        select(FamilyMember, Person)
        .join(Person, col(Person.id) == col(FamilyMember.person_id))
        .where(col(FamilyMember.file_id) == f.id, col(Person.id_number) == rid.number)
    ).first()
    if row is None:
        person = _existing_person(s, rid.number)
        raise NotFound(
            "hardship.family_not_in_file",
            name=person.name if person else "?",
            id=mask_id(rid.number),
            file_no=f.file_no,
        )
    member, person = row[0], row[1]
    uow.audit(
        "hardship.family_remove",
        "hardship_file",
        f.id,
        before={
            "file_no": f.file_no,
            "name": person.name,
            "id_number": person.id_number,
            "relation": member.relation,
        },
    )
    s.delete(member)
    s.flush()
    return file_view(uow, f, warn_year=None)
