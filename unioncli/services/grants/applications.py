"""An application's life: apply, approve (eligibility again, the budget), reject, withdraw,
pay. Which change is allowed from which status is ``rules.TRANSITIONS``; each is audited.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from unioncli import i18n
from unioncli.dates import today
from unioncli.db.read import reading
from unioncli.db.uow import UnitOfWork, person_keys
from unioncli.enums import (
    Eligibility,
    GrantStatus,
)
from unioncli.errors import Conflict, InvalidValue, MissingFields, NotFound, UsageError
from unioncli.ids import record_id
from unioncli.models import (
    Grant,
    Person,
)
from unioncli.models.base import utcnow
from unioncli.services.common import Collector, blank
from unioncli.services.grants.plan import plan_grant, write_grant
from unioncli.services.grants.rules import (
    TRANSITIONS,
    A,
    E,
    GrantAction,
    _date,
    _parse_common,
    _past,
    _text,
    _year,
    check_budget,
    check_paid_on,
    eligibility_of,
)
from unioncli.services.grants.settings import _round_key
from unioncli.views import grants as views
from unioncli.views.grants import (
    GrantView,
)

# --- apply -------------------------------------------------------------------------------------

APPLY_REQUIRED = ("student_name", "student_id_number", "parent_id_number", "level")


def apply(uow: UnitOfWork, raw: dict[str, Any]) -> GrantView:
    """Record an application (SPEC §2.3), checked by every rule; audited.

    ``raw``: ``student_name``*, ``student_id_number``*, ``parent_id_number``*, ``parent_name``
    (needed for a parent not in the ledger; checked against the stored name otherwise),
    ``level``*, ``school``, ``enrolled_year``, ``year`` (default: this year), ``amount`` (default:
    the standard), ``amount_reason``, ``exclusion`` (funded elsewhere: recorded as rejected),
    ``override`` (reason, for an ineligible parent), ``applied_on`` (default: today), ``note``.
    """
    missing = [k for k in APPLY_REQUIRED if blank(raw.get(k))]
    if missing:
        raise MissingFields(missing)
    c = Collector()
    year = today().year if blank(raw.get("year")) else c.take(_year, raw["year"])
    fields = _parse_common(raw, c, year)
    fields["year"] = year
    applied_on = (
        today() if blank(raw.get("applied_on")) else c.take(_past, raw["applied_on"], "applied_on")
    )
    override = c.take(_text, raw.get("override"), "override", 200)
    amount_reason = c.take(_text, raw.get("amount_reason"), "amount_reason", 200)
    exclusion = c.take(_text, raw.get("exclusion"), "exclusion", 100)
    c.check()
    assert applied_on is not None
    # the student and the parent: a second clerk entering the same student's application at
    # the same moment waits here, then is told the student already has this year's grant
    uow.serialize(*person_keys([fields["student_id_number"], fields["parent_id_number"]]))
    s = uow.session
    plan = plan_grant(
        s,
        fields,
        applied_on=applied_on,
        override=override,
        amount_reason=amount_reason,
        exclusion=exclusion,
    )
    grant_id = write_grant(s, plan)
    grant = s.get(Grant, grant_id)
    assert grant is not None
    uow.audit(
        "grant.apply",
        "grant",
        grant_id,
        after={k: v for k, v in _snapshot(grant).items() if v is not None},
        reason=grant.override_reason,
    )
    return _view(uow, grant, plan.warnings)


# --- status changes ------------------------------------------------------------------------------


def _grant_id(ref: str | int) -> int:
    number = record_id(ref)
    if number is None:
        raise NotFound("grant.not_found", ref=str(ref).strip())
    return number


def find_grant(uow: UnitOfWork, ref: str | int) -> Grant:
    """A grant by its number (the # shown in lists), with or without the #."""
    found = uow.session.get(Grant, _grant_id(ref))
    if found is None:
        raise NotFound("grant.not_found", ref=str(ref).strip())
    return found


def _find_to_change(uow: UnitOfWork, ref: str | int) -> Grant:
    """``find_grant``, row-locked: a second clerk approving (or paying…) the same grant waits
    for this one's commit, then is told the grant's new status does not allow it."""
    g = find_grant(uow, ref)
    uow.lock(g)
    return g


def _snapshot(g: Grant) -> dict[str, Any]:
    return g.model_dump(exclude={"id", "created_at", "updated_at"})


def _check_transition(uow: UnitOfWork, g: Grant, action: GrantAction) -> GrantStatus:
    allowed, result = TRANSITIONS[action]
    current = GrantStatus(g.status)
    if current not in allowed:
        student = uow.session.get(Person, g.student_id)
        raise Conflict(
            "grant.not_allowed",
            id=g.id,
            name=student.name if student else "?",
            status=current.label(),
            action=action.label(),
            allowed=i18n.join(st.label() for st in GrantStatus if st in allowed),
        )
    return result


def _record(
    uow: UnitOfWork, g: Grant, action: GrantAction, before: dict[str, Any], reason: str | None
) -> None:
    g.updated_at = utcnow()
    uow.session.add(g)
    uow.session.flush()
    after = _snapshot(g)
    changed = [k for k in after if after[k] != before.get(k)]
    uow.audit(
        f"grant.{action.value}",
        "grant",
        g.id,
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
        reason=reason,
    )


def approve(
    uow: UnitOfWork, ref: str | int, on: Any = None, *, override: str | None = None
) -> GrantView:
    """Approve an application: eligibility is checked again (an override grant keeps its
    reason; ``override`` lets in a parent no longer eligible), and the budget must hold. Audited."""
    g = find_grant(uow, ref)
    uow.serialize(_round_key(g.year))  # the budget: one approval of the year at a time
    uow.lock(g)
    result = _check_transition(uow, g, A.APPROVE)
    when = today() if blank(on) else _past(on, "approved_on")
    if when < g.applied_on:
        raise InvalidValue("approved_on", on, "grant.before_applied", date=g.applied_on)
    reason = _text(override, "override", 200)
    s = uow.session
    before = _snapshot(g)
    warnings: list[str] = []
    if g.eligibility != E.OVERRIDE.value:
        found = eligibility_of(s, g.parent_id, g.year)
        if found is None:
            if reason is None:
                parent = s.get(Person, g.parent_id)
                raise Conflict(
                    "grant.no_longer_eligible",
                    id=g.id,
                    name=parent.name if parent else "?",
                    year=g.year,
                )
            found = (E.OVERRIDE, None)
            g.override_reason = reason
        if found[0].value != g.eligibility:
            warnings.append(
                i18n.t(
                    "grant.warn_basis_changed",
                    old=Eligibility(g.eligibility).label(),
                    new=found[0].label(),
                )
            )
        g.eligibility, g.hardship_file_id = found[0].value, found[1]
    left = check_budget(s, g.year, g.amount_fen)
    g.status = result.value
    g.approved_on = when
    _record(uow, g, A.APPROVE, before, g.override_reason if reason else None)
    return _view(uow, g, warnings, budget_left_fen=left)


def _decided_on(g: Grant, on: Any) -> date:
    """The day of a rejection or withdrawal (default today): not in the future, not before the
    application or the approval."""
    when = today() if blank(on) else _past(on, "decided_on")
    if when < g.applied_on:
        raise InvalidValue("decided_on", on or when, "grant.before_applied", date=g.applied_on)
    if g.approved_on is not None and when < g.approved_on:
        raise InvalidValue("decided_on", on or when, "grant.before_approved", date=g.approved_on)
    return when


def reject(uow: UnitOfWork, ref: str | int, reason: str | None, on: Any = None) -> GrantView:
    """不予资助: an applied or approved (not yet paid) grant, with a reason, on a date (default
    today; not before the application or approval, not in the future). Audited."""
    text = _text(reason, "reason", 200)
    if text is None:
        raise UsageError("grant.reason_required")
    g = _find_to_change(uow, ref)
    result = _check_transition(uow, g, A.REJECT)
    when = _decided_on(g, on)
    before = _snapshot(g)
    g.status, g.status_reason, g.decided_on = result.value, text, when
    _record(uow, g, A.REJECT, before, text)
    return _view(uow, g)


def withdraw(
    uow: UnitOfWork, ref: str | int, reason: str | None = None, on: Any = None
) -> GrantView:
    """撤回: the family withdraws an applied or approved (not yet paid) grant, on a date (default
    today; not before the application or approval, not in the future). Audited."""
    text = _text(reason, "reason", 200)
    g = _find_to_change(uow, ref)
    result = _check_transition(uow, g, A.WITHDRAW)
    when = _decided_on(g, on)
    before = _snapshot(g)
    g.status, g.status_reason, g.decided_on = result.value, text, when
    _record(uow, g, A.WITHDRAW, before, text)
    return _view(uow, g)


def pay(uow: UnitOfWork, ref: str | int, on: Any = None) -> GrantView:
    """Pay an approved grant on a date (default today): in the round year or later, not before
    the approval, not in the future. Audited."""
    g = _find_to_change(uow, ref)
    result = _check_transition(uow, g, A.PAY)
    when = _date(on, "paid_on")
    check_paid_on(when, g.year, on)
    if g.approved_on is not None and when < g.approved_on:
        raise InvalidValue("paid_on", on, "grant.before_approved", date=g.approved_on)
    before = _snapshot(g)
    g.status, g.paid_on = result.value, when
    _record(uow, g, A.PAY, before, None)
    return _view(uow, g)


# --- the grant as written, read back -------------------------------------------------------------


def _view(
    uow: UnitOfWork,
    g: Grant,
    warnings: list[str] | None = None,
    *,
    budget_left_fen: int | None = None,
) -> GrantView:
    """The grant as ``grant show`` reads it (through the view, inside the unit of work), with the
    warnings of the change and, after an approval, the budget left."""
    assert g.id is not None
    uow.session.flush()
    with reading(uow.session.connection()) as r:
        v = views.show(r, g.id)
    return replace(v, warnings=list(warnings or []), budget_left_fen=budget_left_fen)
