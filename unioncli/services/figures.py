"""The yearly figures (SPEC §4.3), counted from dated events — never from today's snapshot.

Read side only: plain SQL aggregates over integers, returned as plain dataclasses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine, text

_EVENT_COUNTS = """
SELECT kind,
       COUNT(*),
       SUM(CASE WHEN migrant THEN 1 ELSE 0 END),
       SUM(CASE WHEN gig_group IS NOT NULL THEN 1 ELSE 0 END),
       SUM(CASE WHEN from_org_id IS NOT NULL THEN 1 ELSE 0 END)
FROM member_event
WHERE event_date BETWEEN :start AND :end
GROUP BY kind
"""

_NEW_BY_GIG = """
SELECT gig_group, COUNT(*) FROM member_event
WHERE kind = 'join' AND gig_group IS NOT NULL AND event_date BETWEEN :start AND :end
GROUP BY gig_group
"""

# Each member's state at year end is the kind of their last event on or before 31 December.
_STATUS_AT_END = """
SELECT kind, COUNT(*) FROM (
    SELECT kind, ROW_NUMBER() OVER (
        PARTITION BY member_id ORDER BY event_date DESC, id DESC) AS rn
    FROM member_event WHERE event_date <= :end
) last_event
WHERE rn = 1
GROUP BY kind
"""

_ORGS = """
SELECT SUM(CASE WHEN founded BETWEEN :start AND :end THEN 1 ELSE 0 END),
       SUM(CASE WHEN founded <= :end THEN 1 ELSE 0 END)
FROM org
"""

_ACTIVE_KINDS = ("join", "transfer_in", "restore")


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
        }


def member_figures(engine: Engine, year: int) -> MemberFigures:
    bounds = {"start": date(year, 1, 1), "end": date(year, 12, 31)}
    fig = MemberFigures(year=year)
    with engine.connect() as conn:
        for kind, n, migrant, gig, internal in conn.execute(text(_EVENT_COUNTS), bounds):
            n = int(n)
            if kind == "join":
                fig.new, fig.new_migrant, fig.new_gig = n, int(migrant), int(gig)
            elif kind == "transfer_in":
                fig.transferred_in = n
                fig.transferred_between_unions = int(internal)
            else:
                attr = {
                    "transfer_out": "transferred_out",
                    "retain": "retained",
                    "restore": "restored",
                    "leave": "left",
                    "remove": "removed",
                    "death": "deceased",
                }[kind]
                setattr(fig, attr, n)
        fig.new_gig_by_group = {g: int(n) for g, n in conn.execute(text(_NEW_BY_GIG), bounds)}
        for kind, n in conn.execute(text(_STATUS_AT_END), bounds):
            if kind in _ACTIVE_KINDS:
                fig.active_end += int(n)
            elif kind == "retain":
                fig.retained_end = int(n)
        new_orgs, total_orgs = conn.execute(text(_ORGS), bounds).one()
        fig.orgs_new, fig.orgs_total_end = int(new_orgs or 0), int(total_orgs or 0)
    return fig
