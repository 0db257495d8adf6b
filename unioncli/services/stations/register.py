"""Registering a station and correcting its data (``station add``, ``station update``), audited;
what they return is read back through ``views/stations``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlmodel import col

from unioncli import i18n
from unioncli.db.read import reading
from unioncli.db.uow import UnitOfWork, serialize
from unioncli.errors import Conflict, UsageError
from unioncli.models.base import utcnow
from unioncli.models.station import Station, StationEvent, StationLog, StationRatingEntry
from unioncli.services.common import Collector
from unioncli.services.figures import county_name
from unioncli.services.stations.rules import (
    S,
    _as_date,
    _check_code_free,
    _parse_given,
    _snapshot,
    add_event,
    find_station,
    next_station_code,
    opening_events,
    parse_station_fields,
    status_history,
)
from unioncli.views import stations as views
from unioncli.views.stations import StationView

# --- add, update -----------------------------------------------------------------------------


def add_station(uow: UnitOfWork, raw: dict[str, Any], *, county: str | None = None) -> StationView:
    """Register a station (``parse_station_fields`` keys); a rating given is held for its year.
    ``county`` (the clerk's) is its county unless ``raw`` names one."""
    fields = parse_station_fields(raw)
    if fields["county"] is None:
        fields["county"] = county_name(county)
    s = uow.session
    serialize(s, ("station_code",))  # a code given or drawn: the second clerk sees the first's
    if fields["code"] is None:
        fields["code"] = next_station_code(s)
    _check_code_free(s, fields["code"], None)
    rating, rating_year = fields.pop("rating"), fields.pop("rating_year")
    closed_on = fields["closed_on"]
    if closed_on is not None and rating_year is not None and rating_year > closed_on.year:
        raise Conflict(
            "station.rating_after_closing", name=fields["name"], closed=closed_on, year=rating_year
        )
    st = Station(**fields, status_since=closed_on or fields["opened_on"])
    s.add(st)
    s.flush()
    assert st.id is not None
    for sid, on, status in opening_events(st.id, st.opened_on, st.status, st.status_since):
        add_event(s, sid, on, status)
    uow.audit(
        "station.add",
        "station",
        st.id,
        after={k: v for k, v in _snapshot(st).items() if v is not None},
    )
    if rating is not None and rating_year is not None:
        s.add(StationRatingEntry(station_id=st.id, year=rating_year, rating=rating))
        s.flush()
        uow.audit("station.rate", "station", st.id, after={"year": rating_year, "rating": rating})
    return station_view(uow, st)


def update_station(uow: UnitOfWork, ref: str, raw: dict[str, Any]) -> StationView:
    """Correct a station's data. Status changes go through ``change_status``, never here."""
    st = find_station(uow, ref)
    assert st.id is not None
    c = Collector()
    fields = _parse_given(raw, c)
    c.check()
    if not fields:
        raise UsageError("station.nothing_to_update")
    s = uow.session
    if "code" in fields:
        _check_code_free(s, fields["code"], st.id)
    if "opened_on" in fields and fields["opened_on"] != st.opened_on:
        _check_new_opening(uow, st, fields["opened_on"])
    before = _snapshot(st)
    for key, value in fields.items():
        setattr(st, key, value)
    after = _snapshot(st)
    changed = {k: after[k] for k in after if after[k] != before.get(k)}
    if changed:
        st.updated_at = utcnow()
        s.add(st)
        s.flush()
        uow.audit(
            "station.update",
            "station",
            st.id,
            before={k: before.get(k) for k in changed},
            after=changed,
        )
    return station_view(uow, st)


def _check_new_opening(uow: UnitOfWork, st: Station, opened: date) -> None:
    """A new opening date may not fall after the station's ledger, ratings or status changes."""
    s = uow.session
    first_log = _as_date(
        s.execute(
            select(func.min(col(StationLog.month))).where(col(StationLog.station_id) == st.id)
        ).scalar_one()
    )
    first_rating = s.execute(
        select(func.min(col(StationRatingEntry.year))).where(
            col(StationRatingEntry.station_id) == st.id
        )
    ).scalar_one()
    problems = []
    if first_log is not None and opened.replace(day=1) > first_log:
        problems.append(f"{i18n.field_label('month')} {first_log:%Y-%m}")
    if first_rating is not None and opened.year > int(first_rating):
        problems.append(f"{i18n.field_label('rating_year')} {first_rating}")
    history = status_history(s, st.id) if st.id is not None else []
    later = history[1:] if history and history[0].status == S.OPEN.value else history
    moved = bool(later) or st.status != S.OPEN.value or st.status_since != st.opened_on
    first_change = later[0].event_date if later else st.status_since
    if moved and opened > first_change:
        problems.append(f"{i18n.field_label('status_since')} {first_change}")
    if problems:
        raise Conflict("station.opened_after_records", opened=opened, what=i18n.join(problems))
    if not moved:
        st.status_since = opened
    if history and history[0].status == S.OPEN.value:  # the opening event moves with it
        event = s.get(StationEvent, history[0].id)
        assert event is not None
        event.event_date = opened
        s.add(event)


def station_view(uow: UnitOfWork, st: Station) -> StationView:
    """The station as ``station show`` reads it (through the view, inside the unit of work)."""
    assert st.id is not None
    uow.session.flush()
    with reading(uow.session.connection()) as r:
        return views.show_id(r, st.id)
