"""The grants part of the yearly figures (SPEC §4.3) and the union a grant counts for
(``grant_org``): a grant's hardship file's union, else the parent's as in force at the end of
its round year; ``grants_in_county`` for lists and exports in the clerk's county.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import aliased
from sqlmodel import col

from unioncli.models import (
    Grant,
    HardshipFile,
    Member,
    MemberEvent,
    Org,
)
from unioncli.services.figures import Scope, orgs_in_county
from unioncli.services.grants.rules import Db, E, S, _year_span


@dataclass(frozen=True)
class LevelFigure:
    students: int
    amount_fen: int


@dataclass(frozen=True)
class GrantFigures:
    """The grants part of the yearly figures (SPEC §4.3): grants paid in the year's round."""

    students: int
    amount_fen: int
    by_level: dict[str, LevelFigure]
    hardship_children: int
    migrant_children: int


def parent_org_at(end: Any = None) -> Any:
    """The parent's union as in force at ``end`` (a date; default 31 December of the grant's
    round year): the union of the latest event of the parent's membership dated by then, NULL
    when the membership had none. A correlated scalar subquery on ``student_grant``, served by
    ``member.person_id`` and ``ix_member_event_member_id_event_date``; the report's twin is
    ``report._GRANT_ORG``."""
    from sqlalchemy import extract

    e = aliased(MemberEvent, name="parent_event")
    pm = aliased(Member, name="parent_member")
    until = (
        col(e.event_date) <= end
        if end is not None
        else extract("year", col(e.event_date)) <= col(Grant.year)
    )
    return (
        select(col(e.org_id))
        .join(pm, col(pm.id) == col(e.member_id))
        .where(col(pm.person_id) == col(Grant.parent_id), until)
        .order_by(col(e.event_date).desc(), col(e.id).desc())
        .limit(1)
        .correlate(Grant)
        .scalar_subquery()
    )


def grant_org(end: Any = None) -> Any:
    """The union a grant counts for: its hardship file's union, else the parent's union as in
    force at the end of the round year (``parent_org_at``) — a later transfer of the parent
    never moves a past year's grant. Needs ``student_grant`` outer-joined to ``hardship_file``."""
    return func.coalesce(col(HardshipFile.org_id), parent_org_at(end))


def grants_in_county(county: str) -> Select[Any]:
    """The ids of the grants of a county (区县), for ``id IN (…)``: those whose ``grant_org()`` is
    one of its unions, as the yearly report counts them. A grant whose parent neither holds the
    grant's file nor was a member by the end of its round year belongs to no county."""
    return (
        select(col(Grant.id))
        .select_from(Grant)
        .outerjoin(HardshipFile, col(HardshipFile.id) == col(Grant.hardship_file_id))
        .where(grant_org().in_(orgs_in_county(county)))
        # a subquery of its own: never correlated with the student_grant of the query it filters
        .correlate(None)
    )


def year_figures(db: Db, year: int, scope: Scope | None = None) -> GrantFigures:
    """SPEC §4.3 ``grants.*``: students and amount of the year's round paid by 31 December of
    the year (a payment dated later never changes it), by level, of which children of
    hardship-file households and of migrant workers (by the grant's eligibility).

    With a ``scope``: the grants whose ``grant_org()`` at 31 December is one of its unions (a
    grant whose parent neither holds the grant's file nor was a member by then counts for the
    whole ledger only)."""
    _, end = _year_span(year)
    stmt = select(
        col(Grant.level),
        col(Grant.eligibility),
        func.count(func.distinct(col(Grant.student_id))),
        func.coalesce(func.sum(col(Grant.amount_fen)), 0),
    ).where(col(Grant.year) == year, col(Grant.status) == S.PAID.value, col(Grant.paid_on) <= end)
    if scope is not None and not scope.whole:
        stmt = stmt.select_from(Grant).outerjoin(
            HardshipFile, col(HardshipFile.id) == col(Grant.hardship_file_id)
        )
        union = grant_org(end)
        if scope.org_id is not None:
            stmt = stmt.where(union == scope.org_id)
        if scope.township is not None:
            stmt = stmt.where(
                union.in_(select(col(Org.id)).where(col(Org.township) == scope.township))
            )
        if scope.county is not None:
            stmt = stmt.where(union.in_(orgs_in_county(scope.county)))
    rows = db.execute(stmt.group_by(col(Grant.level), col(Grant.eligibility))).all()
    by_level: dict[str, LevelFigure] = {}
    by_elig: dict[str, int] = {}
    for level, elig, n, fen in rows:
        had = by_level.get(level, LevelFigure(0, 0))
        by_level[level] = LevelFigure(had.students + int(n), had.amount_fen + int(fen))
        by_elig[elig] = by_elig.get(elig, 0) + int(n)
    return GrantFigures(
        students=sum(f.students for f in by_level.values()),
        amount_fen=sum(f.amount_fen for f in by_level.values()),
        by_level=by_level,
        hardship_children=by_elig.get(E.HARDSHIP_FILE.value, 0),
        migrant_children=by_elig.get(E.MIGRANT_MEMBER.value, 0),
    )
