"""A new grant, checked by every rule and written (core inserts): ``plan_grant`` and
``write_grant``, shared by ``grant apply`` and the ``grants`` import (``import_grant``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlmodel import col

from unioncli import i18n
from unioncli.dates import today
from unioncli.enums import (
    Eligibility,
    GrantStatus,
)
from unioncli.errors import Conflict, InvalidValue, MissingFields
from unioncli.ids import mask_id, parse_id_number
from unioncli.models import (
    HardshipFile,
    metadata,
)
from unioncli.models.base import utcnow
from unioncli.money import format_money
from unioncli.services.common import blank
from unioncli.services.grants.rules import (
    _IMPORT_DATES,
    AmountDecision,
    Db,
    E,
    PersonRef,
    S,
    _resolve_person,
    check_budget,
    check_one_per_year,
    decide_amount,
    eligibility_of,
    standard_amount,
)
from unioncli.services.people import person_fields
from unioncli.views.grants import (
    STANDING,
)


@dataclass
class GrantPlan:
    """A new grant, checked: what ``write_grant`` inserts. People are created when new."""

    student: PersonRef | None
    student_new: dict[str, Any] | None  # the person row to create
    parent: PersonRef | None
    parent_new: dict[str, Any] | None
    values: dict[str, Any]  # student_grant columns but the two person ids
    warnings: list[str] = field(default_factory=list)


def _basis_text(eligibility: Eligibility, file_no: str | None) -> str:
    label = eligibility.label()
    return f"{label} {file_no}" if file_no else label


def plan_grant(
    db: Db,
    fields: dict[str, Any],
    *,
    applied_on: date,
    override: str | None = None,
    amount_reason: str | None = None,
    exclusion: str | None = None,
    reason_in_note: bool = False,
    from_import: bool = False,
) -> GrantPlan:
    """Check a new grant by every rule of ``grant apply`` and return what to write.

    ``fields`` as ``parse_grant_fields`` returns them (``status``/``paid_on`` optional: an
    approved or paid grant is checked against the budget too). ``override``: the reason for an
    ineligible parent (a parent not in the ledger then needs ``parent_name``). ``exclusion``:
    the student is funded elsewhere, the application is recorded as rejected. A past
    rejected or withdrawn grant (an import's) is recorded whatever the parent's eligibility and
    without the one-per-year rule (it does not stand); ``approved_on``, ``decided_on`` and
    ``status_reason`` in ``fields`` date and explain it. ``from_import``: messages name the
    import's columns, not the command's options. Raises the rule's error; writes nothing.
    """
    year: int = fields["year"]
    status = GrantStatus(fields.get("status") or S.APPLIED.value)
    rid_student, rid_parent = fields["student_id_number"], fields["parent_id_number"]
    if rid_student == rid_parent:
        raise InvalidValue("parent_id_number", rid_parent, "grant.same_person", sensitive=True)
    student = _resolve_person(db, rid_student, fields["student_name"], "student")
    parent = _resolve_person(db, rid_parent, fields.get("parent_name"), "parent")
    warnings: list[str] = []

    standing = status.value in STANDING
    eligible = None if parent is None else eligibility_of(db, parent.id, year)
    if eligible is None and blank(override) and standing:
        via = "grant.import_" if from_import else "grant."
        if parent is None:
            raise Conflict(via + "parent_unknown", id=mask_id(rid_parent))
        raise Conflict(via + "not_eligible", name=parent.name, id=mask_id(rid_parent), year=year)
    if parent is None and blank(fields.get("parent_name")):
        raise MissingFields(["parent_name"])
    if eligible is None:
        eligibility, file_id, override_reason = E.OVERRIDE, None, override
        if not blank(override) and from_import:
            warnings.append(i18n.t("grant.warn_override_used", reason=override))
    else:
        eligibility, file_id = eligible
        override_reason = None
        if not blank(override):
            file_no = _file_no(db, file_id)
            warnings.append(
                i18n.t("grant.warn_override_unused", basis=_basis_text(eligibility, file_no))
            )
    on_file = eligibility == E.HARDSHIP_FILE

    if student is not None and exclusion is None and standing:
        check_one_per_year(db, student, year)

    level: str = fields["level"]
    if exclusion is not None:
        # funded elsewhere: recorded and not granted, whatever the amount would have been
        standard = standard_amount(db, year, level, on_file)
        given = fields.get("amount_fen")
        decision = AmountDecision(
            given if given is not None else (standard or 0), standard, amount_reason, None
        )
        status = S.REJECTED
    else:
        decision = decide_amount(
            db,
            year,
            level,
            on_file,
            fields.get("amount_fen"),
            amount_reason,
            reason_in_note=reason_in_note,
        )
        if decision.warning:
            warnings.append(decision.warning)
        elif from_import and decision.amount_fen != decision.standard_fen:
            warnings.append(
                i18n.t(
                    "grant.warn_amount_reason",
                    amount=format_money(decision.amount_fen),
                    standard=format_money(decision.standard_fen or 0),
                    reason=decision.reason,
                )
            )
    if status in (S.APPROVED, S.PAID):
        check_budget(db, year, decision.amount_fen)
    paid_on = fields.get("paid_on") if status == S.PAID else None
    approved_on = fields.get("approved_on")
    if approved_on is None and status in (S.APPROVED, S.PAID):
        approved_on = paid_on or applied_on
    decided_on = None
    if status in (S.REJECTED, S.WITHDRAWN):
        # funded elsewhere: refused on the day it was applied for
        decided_on = fields.get("decided_on") or approved_on or applied_on
    values: dict[str, Any] = {
        "year": year,
        "level": level,
        "school": fields.get("school"),
        "enrolled_year": fields.get("enrolled_year"),
        "amount_fen": decision.amount_fen,
        "standard_fen": decision.standard_fen,
        "amount_reason": decision.reason if decision.amount_fen != decision.standard_fen else None,
        "eligibility": eligibility.value,
        "override_reason": override_reason,
        "hardship_file_id": file_id,
        "status": status.value,
        "status_reason": exclusion if exclusion is not None else fields.get("status_reason"),
        "exclusion": exclusion,
        "applied_on": applied_on,
        "approved_on": approved_on,
        "paid_on": paid_on,
        "decided_on": decided_on,
        "note": fields.get("note"),
    }
    return GrantPlan(
        student=student,
        student_new=None
        if student is not None
        else person_fields(parse_id_number(rid_student), fields["student_name"]),
        parent=parent,
        parent_new=None
        if parent is not None
        else person_fields(parse_id_number(rid_parent), fields["parent_name"]),
        values=values,
        warnings=warnings,
    )


def _file_no(db: Db, file_id: int | None) -> str | None:
    if file_id is None:
        return None
    found = db.execute(
        select(col(HardshipFile.file_no)).where(col(HardshipFile.id) == file_id)
    ).scalar()
    return None if found is None else str(found)


def write_grant(
    db: Db, plan: GrantPlan, *, timestamp: datetime | None = None, batch_id: int | None = None
) -> int:
    """Insert a checked grant (and its new people); returns the grant's id."""
    at = timestamp or utcnow()
    people = metadata.tables["person"]
    stamps = {"created_at": at, "updated_at": at, "batch_id": batch_id}

    def person_id(known: PersonRef | None, new: dict[str, Any] | None) -> int:
        if known is not None:
            return known.id
        assert new is not None
        return int(
            db.execute(insert(people).returning(people.c.id), {**new, **stamps}).scalar_one()
        )

    student_id = person_id(plan.student, plan.student_new)
    parent_id = person_id(plan.parent, plan.parent_new)
    table = metadata.tables["student_grant"]
    return int(
        db.execute(
            insert(table).returning(table.c.id),
            {**plan.values, "student_id": student_id, "parent_id": parent_id, **stamps},
        ).scalar_one()
    )


def import_grant(
    db: Db, parsed: dict[str, Any], *, timestamp: datetime, batch_id: int | None
) -> tuple[int, list[str]]:
    """One import row (as ``parse_grant_fields`` returns it) into the ledger, by the rules of
    ``grant apply`` (+ approval and payment for an approved or paid row: the budget holds).

    An ineligible parent needs the row's 资格说明 (override reason); an amount that differs from
    the standard its 金额说明 (else 备注, where older exports wrote it). A rejected or withdrawn
    row is a past decision: recorded beside the student's standing grant, if any, and never
    counted in the budget. Dates the row leaves blank: applied on the earliest date it gives
    (else today); approved on the payment date, else the application; decided on the approval,
    else the application. Returns the grant id and the row's warnings (a year without
    standards, a non-standard amount with its reason, an override used). Raises the rule's
    error and writes nothing then.
    """
    given = [parsed.get(k) for k in _IMPORT_DATES]
    applied_on = parsed.get("applied_on") or next((d for d in given if d is not None), today())
    plan = plan_grant(
        db,
        parsed,
        applied_on=applied_on,
        override=parsed.get("override_reason"),
        amount_reason=parsed.get("amount_reason") or parsed.get("note"),
        reason_in_note=True,
        from_import=True,
    )
    return write_grant(db, plan, timestamp=timestamp, batch_id=batch_id), plan.warnings
