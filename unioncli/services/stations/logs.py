"""The monthly service ledger (服务台账): one entry per station per month, a second only when
replacing (audited); no month the station was closed throughout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from unioncli.db.uow import UnitOfWork
from unioncli.errors import Conflict, MissingFields
from unioncli.models.base import utcnow
from unioncli.models.station import StationLog
from unioncli.services.common import Collector, blank
from unioncli.services.stations.rules import (
    _log_month,
    check_log_month,
    closed_periods,
    find_station,
    parse_count,
)
from unioncli.views.stations import LogView

# --- the service ledger ----------------------------------------------------------------------


@dataclass(frozen=True)
class LogResult:
    code: str
    name: str
    month: date
    visits: int
    activities: int
    replaced: LogView | None  # what a --replace overwrote


def log_month(
    uow: UnitOfWork,
    ref: str,
    month: Any,
    visits: Any,
    activities: Any = None,
    *,
    replace: bool = False,
) -> LogResult:
    """Record a month's 服务人次 and 活动场次; a second entry for the month needs ``replace``
    (audited with before/after; activities not given keep their recorded number)."""
    st = find_station(uow, ref)
    assert st.id is not None
    c = Collector()
    m = c.take(_log_month, month)
    v = None if blank(visits) else c.take(parse_count, visits, "visits")
    a = None if blank(activities) else c.take(parse_count, activities, "activities")
    if blank(visits):
        raise MissingFields(["visits"])
    c.check()
    assert m is not None and v is not None
    s = uow.session
    check_log_month(st, m, closed_periods(s, st.id))
    entry = s.scalars(
        select(StationLog).where(col(StationLog.station_id) == st.id, col(StationLog.month) == m)
    ).first()
    month_text = f"{m:%Y-%m}"
    if entry is not None and not replace:
        raise Conflict(
            "station.log_exists",
            name=st.name,
            month=month_text,
            visits=entry.visits,
            activities=entry.activities,
        )
    replaced = None
    if a is None:  # not given: none on a new entry, the recorded number on a replacement
        a = 0 if entry is None else entry.activities
    if entry is None:
        entry = StationLog(station_id=st.id, month=m, visits=v, activities=a)
        action, before = "station.log", None
    else:
        replaced = LogView(entry.month, entry.visits, entry.activities)
        action = "station.log_replace"
        before = {"month": month_text, "visits": entry.visits, "activities": entry.activities}
        entry.visits, entry.activities, entry.updated_at = v, a, utcnow()
    s.add(entry)
    s.flush()
    uow.audit(
        action,
        "station",
        st.id,
        before=before,
        after={"month": month_text, "visits": v, "activities": a},
    )
    return LogResult(st.code, st.name, m, v, a, replaced)
