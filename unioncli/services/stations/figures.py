"""The stations part of the yearly figures (SPEC §4.3): opened, open and suspended at the end
of the year, ratings held, and the SQL sums of the year's monthly entries.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import case, func, select
from sqlmodel import col

from unioncli.models.station import Station, StationEvent, StationLog, StationRatingEntry
from unioncli.services.stations.rules import Db, R, S

# --- yearly figures (SPEC §4.3) --------------------------------------------------------------


def year_figures(
    db: Db, year: int, township: str | None = None, county: str | None = None
) -> dict[str, Any]:
    """``stations.opened`` (opened in the year), ``stations.open_end`` (opened by 31 December and
    whose status in force then — its latest event dated by 31 December — is not closed (撤销): a
    suspension is a pause, not a closing, so a suspended station counts),
    ``stations.suspended_end`` (of which suspended then), ``stations.rated`` ({rating code: count} of the ratings held for the year, ``none``
    left out), ``stations.visits`` and ``stations.activities`` (SQL sums of the year's monthly
    entries, nothing else). With ``township`` or ``county``: the stations there only."""
    start, end = date(year, 1, 1), date(year, 12, 31)
    here = [] if township is None else [col(Station.township) == township]
    if county is not None:
        here.append(col(Station.county) == county)
    of_here = [] if not here else [select(col(Station.id)).where(*here)]
    opened = db.execute(
        select(func.count())
        .select_from(Station)
        .where(col(Station.opened_on) >= start, col(Station.opened_on) <= end, *here)
    ).scalar_one()
    state = (
        select(
            func.coalesce(
                status_in_force(end),
                case((col(Station.closed_on) <= end, S.CLOSED.value), else_=S.OPEN.value),
            ).label("state")
        )
        .where(col(Station.opened_on) <= end, *here)
        .subquery()
    )
    open_end, suspended_end = db.execute(
        select(
            func.coalesce(func.sum(case((state.c.state != S.CLOSED.value, 1), else_=0)), 0),
            func.coalesce(func.sum(case((state.c.state == S.SUSPENDED.value, 1), else_=0)), 0),
        ).select_from(state)
    ).one()
    rated = {
        rating: int(n)
        for rating, n in db.execute(
            select(col(StationRatingEntry.rating), func.count())
            .where(
                col(StationRatingEntry.year) == year,
                col(StationRatingEntry.rating) != R.NONE.value,
                *(col(StationRatingEntry.station_id).in_(q) for q in of_here),
            )
            .group_by(col(StationRatingEntry.rating))
            .order_by(col(StationRatingEntry.rating))
        )
    }
    visits, activities = db.execute(
        select(
            func.coalesce(func.sum(col(StationLog.visits)), 0),
            func.coalesce(func.sum(col(StationLog.activities)), 0),
        ).where(
            col(StationLog.month) >= start,
            col(StationLog.month) <= date(year, 12, 1),
            *(col(StationLog.station_id).in_(q) for q in of_here),
        )
    ).one()
    return {
        "stations.opened": int(opened),
        "stations.open_end": int(open_end),
        "stations.rated": rated,
        "stations.visits": int(visits),
        "stations.activities": int(activities),
        "stations.suspended_end": int(suspended_end),
    }


def status_in_force(on: date) -> Any:
    """The status of the station of the enclosing query in force on ``on`` (its latest event
    dated by then), as a correlated scalar subquery: one probe of the event index a station."""
    ev = StationEvent
    return (
        select(col(ev.status))
        .where(col(ev.station_id) == col(Station.id), col(ev.event_date) <= on)
        .order_by(col(ev.event_date).desc(), col(ev.id).desc())
        .limit(1)
        .correlate(Station)
        .scalar_subquery()
    )


def format_person_times(n: int) -> str:
    """人次 as an annual review writes them: 1.3万人次 from 10,000 up, else 9,876人次."""
    if n >= 10_000:
        return f"{n / 10_000:.1f}万人次".replace(".0万", "万")
    return f"{n:,}人次"
