"""Yearly ratings: one per station per year, a second replaces it (audited); lowering and
withdrawing (``none``) are ratings too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from unioncli.db.uow import UnitOfWork
from unioncli.errors import InvalidValue
from unioncli.models.base import utcnow
from unioncli.models.station import StationRatingEntry
from unioncli.services.common import Collector, blank
from unioncli.services.stations.rules import (
    R,
    _past,
    _rating_year,
    check_rating_year,
    find_station,
)

# --- ratings ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateResult:
    code: str
    name: str
    year: int
    rating: str
    previous: str | None  # the rating it replaces for that year, if any
    changed: bool


def rate(uow: UnitOfWork, ref: str, year: Any, rating: Any, rated_on: Any = None) -> RateResult:
    """Hold ``rating`` for ``year``: a rating already held for that year is replaced (audited
    with before/after); other years are untouched. ``none`` withdraws."""
    st = find_station(uow, ref)
    assert st.id is not None
    c = Collector()
    y = c.take(_rating_year, year, "year")
    r = c.take(lambda v: R.parse(str(v), field="rating"), rating)
    on = None if blank(rated_on) else c.take(_past, rated_on, "date")
    c.check()
    assert y is not None and r is not None
    if y < st.opened_on.year:
        raise InvalidValue("year", year, "station.year_before_opened", year=st.opened_on.year)
    check_rating_year(uow.session, st, y)
    s = uow.session
    entry = s.scalars(
        select(StationRatingEntry).where(
            col(StationRatingEntry.station_id) == st.id, col(StationRatingEntry.year) == y
        )
    ).first()
    previous = None if entry is None else entry.rating
    if entry is not None and entry.rating == r.value and (on is None or entry.rated_on == on):
        return RateResult(st.code, st.name, y, r.value, previous, False)
    if entry is None:
        entry = StationRatingEntry(station_id=st.id, year=y, rating=r.value, rated_on=on)
        before = None
    else:
        before = {"year": y, "rating": entry.rating, "rated_on": entry.rated_on}
        entry.rating = r.value
        entry.rated_on = on if on is not None else entry.rated_on
        entry.updated_at = utcnow()
    s.add(entry)
    s.flush()
    uow.audit(
        "station.rate",
        "station",
        st.id,
        before=before,
        after={"year": y, "rating": r.value, "rated_on": entry.rated_on},
    )
    return RateResult(st.code, st.name, y, r.value, previous, True)
