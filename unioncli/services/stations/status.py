"""A station's status changes: suspend, close (撤销), reopen, as of a date; each one a dated
``station_event``, audited.
"""

from __future__ import annotations

from typing import Any

from unioncli import i18n
from unioncli.db.uow import UnitOfWork
from unioncli.errors import Conflict, MissingFields
from unioncli.models.base import utcnow
from unioncli.services.common import blank, clean_text
from unioncli.services.stations.register import station_view
from unioncli.services.stations.rules import (
    TRANSITIONS,
    S,
    _past,
    _snapshot,
    add_event,
    check_no_logs_after,
    find_station,
    status_history,
)
from unioncli.views.stations import StationView

# --- status changes --------------------------------------------------------------------------


def change_status(
    uow: UnitOfWork, ref: str, action: str, on: Any, reason: str | None = None
) -> StationView:
    """``suspend``, ``close`` (撤销) or ``reopen`` a station as of a date."""
    allowed, result = TRANSITIONS[action]
    st = find_station(uow, ref)
    assert st.id is not None
    if blank(on):
        raise MissingFields(["date"])
    when = _past(on, "date")
    current = S(st.status)
    if current not in allowed:
        raise Conflict(
            "station.not_allowed",
            name=st.name,
            status=current.label(),
            action=i18n.t(f"station.action.{action}"),
            allowed=i18n.join(s.label() for s in S if s in allowed),
        )
    if when < st.opened_on:
        raise Conflict("station.before_opened", date=when, name=st.name, opened=st.opened_on)
    s = uow.session
    history = status_history(s, st.id)
    last = max([st.status_since, *(e.event_date for e in history)])
    if when < last:
        raise Conflict(
            "station.before_last_change",
            date=when,
            name=st.name,
            status=current.label(),
            since=last,
        )
    if result == S.CLOSED:
        check_no_logs_after(s, st.id, st.name, when)
    before = _snapshot(st)
    st.status = result.value
    st.status_since = when
    st.closed_on = when if result == S.CLOSED else None
    st.updated_at = utcnow()
    s.add(st)
    s.flush()
    text = clean_text(reason, "reason", max_len=200) if reason else None
    add_event(s, st.id, when, result.value, text)
    after = _snapshot(st)
    changed = [k for k in after if after[k] != before.get(k)]
    uow.audit(
        f"station.{action}",
        "station",
        st.id,
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
        reason=text,
    )
    return station_view(uow, st)
