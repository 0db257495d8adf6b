"""The yearly figures (SPEC §4.3), counted from dated events — never from today's snapshot.

Read side only: plain SQL aggregates over integers, returned as plain dataclasses. A ``Scope``
restricts them to one union, or the unions of one township, of one county (区县), or both
(``services/report.py`` says how each register is scoped).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from unioncli.enums import MemberEventKind
from unioncli.i18n import register_fields
from unioncli.services.common import clean_text

if TYPE_CHECKING:
    from sqlalchemy import Connection, Engine, Select


# Runs one SQL text with ``:name`` parameters and returns the rows as tuples: a ``db.read.Reader``
# (so that a report on a SQLite ledger needs no SQLAlchemy at all).
Query = Callable[[str, dict[str, Any]], list[tuple[Any, ...]]]


register_fields({"county": ("区县", "county")})

COUNTY_MAX = 50


def county_name(raw: str | None) -> str | None:
    """A county (区县) as stored: spaces collapsed, full-width folded; None when blank."""
    return clean_text(raw, "county", max_len=COUNTY_MAX)


def orgs_in_county(county: str) -> Select[Any]:
    """The ids of the county's unions, for ``org_id IN (…)``: the lists' twin of ``in_scope``'s
    county condition. A row with no union (org_id NULL) is in no county."""
    # imported here: the yearly report on a SQLite ledger runs without SQLAlchemy or the models
    from sqlalchemy import false, select
    from sqlmodel import col

    from unioncli.models import Org

    name = county_name(county)
    # a blank county keeps nothing rather than becoming "county IS NULL"
    return select(col(Org.id)).where(col(Org.county) == name if name is not None else false())


@dataclass(frozen=True)
class Scope:
    """One part of the ledger: one union (``org_id``), the unions of one township, of one county
    (``county``, the 区县 of a city's shared ledger), or of a township in a county."""

    org_id: int | None = None
    township: str | None = None
    county: str | None = None

    @property
    def whole(self) -> bool:
        return self.org_id is None and self.township is None and self.county is None


def in_scope(scope: Scope | None, column: str) -> str:
    """SQL condition: the org id in ``column`` is one of the scope's unions ("1 = 1" for none)."""
    parts = []
    if scope is not None and scope.org_id is not None:
        parts.append(f"{column} = :scope_org_id")
    if scope is not None and scope.township is not None:
        parts.append(f"{column} IN (SELECT id FROM org WHERE township = :scope_township)")
    if scope is not None and scope.county is not None:
        parts.append(f"{column} IN (SELECT id FROM org WHERE county = :scope_county)")
    return " AND ".join(parts) if parts else "1 = 1"


def scope_params(scope: Scope | None) -> dict[str, Any]:
    if scope is None:
        return {}
    out: dict[str, Any] = {}
    if scope.org_id is not None:
        out["scope_org_id"] = scope.org_id
    if scope.township is not None:
        out["scope_township"] = scope.township
    if scope.county is not None:
        out["scope_county"] = scope.county
    return out


def year_bounds(year: int) -> dict[str, date]:
    return {"start": date(year, 1, 1), "end": date(year, 12, 31)}


def one(q: Query, statement: str, params: dict[str, Any]) -> int:
    """The single number a statement returns (0 for NULL)."""
    return int(q(statement, params)[0][0] or 0)


# the year's events by kind (every kind named, so the index on (kind, event_date) serves the range)
_EVENT_COUNTS = """
SELECT kind,
       COUNT(*),
       SUM(CASE WHEN migrant THEN 1 ELSE 0 END),
       SUM(CASE WHEN gig_group IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN from_org_id IS NOT NULL THEN 1 ELSE 0 END)
FROM member_event
WHERE kind IN ({kinds}) AND event_date BETWEEN :start AND :end AND {scope}
GROUP BY kind
""".replace("{kinds}", ", ".join(f"'{k}'" for k in MemberEventKind.codes()))

_NEW_BY_GIG = """
SELECT gig_group, COUNT(*) FROM member_event
WHERE kind = 'join' AND event_date BETWEEN :start AND :end AND gig_group IS NOT NULL AND {scope}
GROUP BY gig_group
"""

# with a scope: moves from one of its unions to a union outside it (transfers out of the scope)
_MOVED_OUT = """
SELECT COUNT(*) FROM member_event
WHERE kind = 'transfer_in' AND event_date {when} AND from_org_id IS NOT NULL
  AND {from_scope} AND NOT ({to_scope})
"""

# Members in the union (active or retained) at year end: every entry (join, transfer in from
# outside the scope) less every exit (transfer out, leave, removal, death, a move out of the
# scope) up to 31 December. Retaining and restoring keep a member in. Sound because each kind
# has one outcome (members.TRANSITIONS): a join or a transfer in from outside always starts from
# outside, an exit always from active or retained, and a move between unions (transfer_in with
# from_org_id) from active — or, in a merger (orgs.merge_org), from retained, followed on the
# same day by a retain in the receiving union: in or out of a union, the count is the same.
# Counting kinds over the (kind, event_date) index needs no sort.
_IN_UNION_DELTA = """
SELECT SUM(CASE WHEN kind = 'join' THEN 1
                WHEN kind <> 'transfer_in' THEN -1
                WHEN from_org_id IS NULL OR NOT ({from_scope}) THEN 1
                ELSE 0 END)
FROM member_event
WHERE kind IN ('join', 'transfer_in', 'transfer_out', 'leave', 'remove', 'death')
  AND event_date <= :end AND {scope}
"""
_IN_UNION_DELTA_COUNTY = """
SELECT kind, COUNT(*) FROM member_event
WHERE kind IN ('join', 'transfer_out', 'leave', 'remove', 'death') AND event_date <= :end
GROUP BY kind
"""
_MOVES_UNTIL = """
SELECT COUNT(*) FROM member_event
WHERE kind = 'transfer_in' AND event_date <= :end AND from_org_id IS NULL
"""

# Retained at year end, two ways; the cheaper is taken (the counts of _RETAINED_WORK decide).
# Forward: retain events with no later event of the same member by 31 December.
_RETAINED_FORWARD = """
SELECT COUNT(*) FROM member_event r
WHERE r.kind = 'retain' AND r.event_date <= :end AND {scope}
  AND NOT EXISTS (
    SELECT 1 FROM member_event n
    WHERE n.member_id = r.member_id AND n.event_date >= r.event_date AND n.event_date <= :end
      AND (n.event_date > r.event_date OR n.id > r.id))
"""
# Backward: members retained now since a day by 31 December (their last event), plus those
# whose first event after 31 December (a restore, an exit, or a merger's move) follows a retain
# by then. A retained member moves between unions only in a merger, which records the move and
# a retain in the new union on one day, so the retain's union is theirs either way.
_RETAINED_NOW = """
SELECT COUNT(*) FROM member
WHERE status = 'retained' AND status_since <= :end AND {scope}
"""
_RETAINED_LEFT_LATER = """
SELECT COUNT(*) FROM member_event e
WHERE e.kind IN ('restore', 'transfer_in', 'transfer_out', 'leave', 'remove', 'death')
  AND e.event_date > :end
  AND EXISTS (
    SELECT 1 FROM member_event p
    WHERE p.id = (
        SELECT q.id FROM member_event q
        WHERE q.member_id = e.member_id AND q.event_date <= e.event_date
          AND (q.event_date < e.event_date OR q.id < e.id)
        ORDER BY q.event_date DESC, q.id DESC LIMIT 1)
      AND p.kind = 'retain' AND p.event_date <= :end AND {scope})
"""
_RETAINED_WORK = """
SELECT (SELECT COUNT(*) FROM member_event WHERE kind = 'retain' AND event_date <= :end),
       (SELECT COUNT(*) FROM member_event
        WHERE kind IN ('restore', 'transfer_in', 'transfer_out', 'leave', 'remove', 'death')
          AND event_date > :end)
"""


def _retained_end(q: Query, params: dict[str, Any], scope: Scope | None) -> int:
    before, after = q(_RETAINED_WORK, params)[0]
    if int(after or 0) < int(before or 0):
        now = one(q, _RETAINED_NOW.format(scope=in_scope(scope, "org_id")), params)
        later = one(q, _RETAINED_LEFT_LATER.format(scope=in_scope(scope, "p.org_id")), params)
        return now + later
    return one(q, _RETAINED_FORWARD.format(scope=in_scope(scope, "r.org_id")), params)


# in force on 31 December: founded by then and not dissolved (撤销/注销/合并) by then
ORG_IN_FORCE = "founded <= :end AND (dissolved_on IS NULL OR dissolved_on > :end)"
_ORGS = f"""
SELECT SUM(CASE WHEN founded BETWEEN :start AND :end THEN 1 ELSE 0 END),
       SUM(CASE WHEN {ORG_IN_FORCE} THEN 1 ELSE 0 END),
       SUM(CASE WHEN dissolved_on BETWEEN :start AND :end THEN 1 ELSE 0 END)
FROM org WHERE {{scope}}
"""


@dataclass
class MemberFigures:
    year: int
    new: int = 0
    new_migrant: int = 0
    new_gig: int = 0
    new_gig_by_group: dict[str, int] = field(default_factory=dict)
    transferred_in: int = 0
    transferred_between_unions: int = 0
    transferred_out: int = 0
    retained: int = 0
    restored: int = 0
    left: int = 0
    removed: int = 0
    deceased: int = 0
    active_end: int = 0
    retained_end: int = 0
    orgs_new: int = 0
    orgs_total_end: int = 0
    orgs_dissolved: int = 0

    def as_json(self) -> dict[str, Any]:
        """The stable keys of SPEC §4.3 (members.*, orgs.*)."""
        return {
            "year": self.year,
            "members.new": self.new,
            "members.new_migrant": self.new_migrant,
            "members.new_gig": self.new_gig,
            "members.new_gig_by_group": dict(sorted(self.new_gig_by_group.items())),
            "members.transferred_in": self.transferred_in,
            "members.transferred_between_unions": self.transferred_between_unions,
            "members.transferred_out": self.transferred_out,
            "members.retained": self.retained,
            "members.restored": self.restored,
            "members.left": self.left,
            "members.removed": self.removed,
            "members.deceased": self.deceased,
            "members.active_end": self.active_end,
            "members.retained_end": self.retained_end,
            "orgs.new": self.orgs_new,
            "orgs.total_end": self.orgs_total_end,
            "orgs.dissolved": self.orgs_dissolved,
        }


_OTHER_KINDS = {
    "transfer_out": "transferred_out",
    "retain": "retained",
    "restore": "restored",
    "leave": "left",
    "remove": "removed",
    "death": "deceased",
}


def member_figures(
    engine: Engine | Connection, year: int, scope: Scope | None = None
) -> MemberFigures:
    """The members.* and orgs.* figures of ``year``, for the county or a ``scope``.

    Each event counts for the union it names (``member_event.org_id``: the union the member was
    in, or moved to). ``transferred_in`` counts every transfer in, moves between two of the
    county's unions included (``transferred_between_unions`` says how many were moves);
    ``transferred_out`` counts transfers out of the county, and with a scope also the moves from
    one of its unions to a union outside it. ``active_end``/``retained_end``: the state after
    each member's last event by 31 December (see ``_IN_UNION_DELTA``).
    """
    from unioncli.db.read import reading

    with reading(engine) as q:
        return member_figures_q(q, year, scope)


def member_figures_q(q: Query, year: int, scope: Scope | None) -> MemberFigures:
    """``member_figures`` through a ``Query``."""
    params: dict[str, Any] = {**year_bounds(year), **scope_params(scope)}
    scoped = scope is not None and not scope.whole
    where = in_scope(scope, "org_id")
    fig = MemberFigures(year=year)
    by_gig: dict[str, int] = {}
    for kind, n, migrant, gig, internal in q(_EVENT_COUNTS.format(scope=where), params):
        n = int(n)
        if kind == "join":
            fig.new, fig.new_migrant, fig.new_gig = n, int(migrant), int(gig)
            if fig.new_gig:
                by_gig = {g: int(k) for g, k in q(_NEW_BY_GIG.format(scope=where), params)}
        elif kind == "transfer_in":
            fig.transferred_in += n
            fig.transferred_between_unions += int(internal)
        elif kind == "retain":
            # a retain naming a from_org_id keeps a retained member retained as a merger moves
            # them (orgs.merge_org): their move is counted, not a second retention
            fig.retained += n - int(internal)
        else:
            attr = _OTHER_KINDS[kind]
            setattr(fig, attr, getattr(fig, attr) + n)
    fig.new_gig_by_group = dict(sorted(by_gig.items()))
    from_scope = in_scope(scope, "from_org_id")
    if scoped:
        fig.transferred_out += one(
            q,
            _MOVED_OUT.format(
                when="BETWEEN :start AND :end", from_scope=from_scope, to_scope=where
            ),
            params,
        )
        in_union = one(q, _IN_UNION_DELTA.format(scope=where, from_scope=from_scope), params)
        in_union -= one(
            q, _MOVED_OUT.format(when="<= :end", from_scope=from_scope, to_scope=where), params
        )
    else:
        in_union = 0
        for kind, n in q(_IN_UNION_DELTA_COUNTY, params):
            in_union += int(n) if kind == "join" else -int(n)
        in_union += one(q, _MOVES_UNTIL, params)
    fig.retained_end = _retained_end(q, params, scope)
    fig.active_end = in_union - fig.retained_end
    new_orgs, total_orgs, ended = q(_ORGS.format(scope=in_scope(scope, "id")), params)[0]
    fig.orgs_new, fig.orgs_total_end = int(new_orgs or 0), int(total_orgs or 0)
    fig.orgs_dissolved = int(ended or 0)
    return fig
