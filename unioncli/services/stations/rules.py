"""The rules of a station, for the commands and the imports alike: parsing its fields and a
ledger row, finding it by code or name, its dated status history, which months and years it
takes records for. Reads here take a ``Session`` or a ``Connection`` and select plain columns.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from unioncli import i18n, ids
from unioncli.dates import parse_date, parse_month, parse_year, today
from unioncli.db.uow import UnitOfWork, serialize
from unioncli.enums import (
    BuildModel,
    Facility,
    StationRating,
    StationStatus,
    parse_bool,
)
from unioncli.errors import Conflict, InvalidValue, MissingFields, NotFound, UsageError
from unioncli.models.base import utcnow
from unioncli.models.station import Station, StationEvent, StationLog
from unioncli.services.common import Collector, blank, clean_text
from unioncli.services.figures import county_name
from unioncli.views.stations import StatusEvent

Db = Session | Connection
S = StationStatus
R = StationRating

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[StationStatus], StationStatus]] = {
    "suspend": (frozenset({S.OPEN}), S.SUSPENDED),
    "close": (frozenset({S.OPEN, S.SUSPENDED}), S.CLOSED),
    "reopen": (frozenset({S.SUSPENDED, S.CLOSED}), S.OPEN),
}


_SEPARATORS = re.compile(r"[、;；,，/／\s]+")

# field key of each stored column, so messages and the audit log name fields as clerks know them
_FIELD_KEY = {
    "code": "station_code",
    "name": "station_name",
    "address": "station_address",
    "host": "station_host",
    "opened_on": "station_opened",
    "phone": "station_phone",
    "status": "station_status",
    "closed_on": "station_closed",
}
_EDITABLE = (
    "code",
    "name",
    "address",
    "township",
    "county",
    "host",
    "build_model",
    "opened_on",
    "hours",
    "staffed",
    "on_maps",
    "has_premises",
    "has_sign",
    "has_rules",
    "manager",
    "phone",
    "facilities",
    "latitude",
    "longitude",
)


# --- parsing ---------------------------------------------------------------------------------


def parse_facilities(raw: str | Iterable[str], field_key: str = "facilities") -> str | None:
    """Facilities separated by 、 ; , / (or a list) → comma-joined codes in the canonical order."""
    parts = _SEPARATORS.split(raw) if isinstance(raw, str) else list(raw)
    found: set[Facility] = set()
    for part in parts:
        if part.strip():
            found.add(Facility.parse(part, field=field_key))
    if not found:
        return None
    return ",".join(f.value for f in Facility if f in found)


def parse_count(raw: Any, field_key: str) -> int:
    """A non-negative whole number: ``12``, ``1,234``, ``１２``, or a spreadsheet's ``12.0``."""
    if isinstance(raw, bool):
        raise InvalidValue(field_key, raw, "station.count_invalid")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, float):
        if not raw.is_integer():
            raise InvalidValue(field_key, raw, "station.count_invalid")
        value = int(raw)
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "").replace(" ", "")
        if re.fullmatch(r"\d+(?:\.0*)?", text) is None:
            raise InvalidValue(field_key, raw, "station.count_invalid")
        value = int(text.split(".")[0])
    if value < 0:
        raise InvalidValue(field_key, raw, "station.count_invalid")
    return value


def _coordinate(raw: Any, field_key: str, low: float, high: float) -> float:
    try:
        value = float(unicodedata.normalize("NFKC", str(raw)).strip())
    except ValueError:
        raise InvalidValue(field_key, raw, "station.coordinate", low=low, high=high) from None
    if math.isnan(value) or not low <= value <= high:
        raise InvalidValue(field_key, raw, "station.coordinate", low=low, high=high)
    return value


def _past(raw: Any, field_key: str) -> date:
    value = parse_date(raw, field=field_key)
    if value > today():
        raise InvalidValue(field_key, raw, "station.future")
    return value


def _flag(raw: Any, field_key: str) -> bool:
    return raw if isinstance(raw, bool) else parse_bool(raw, field=field_key)


def _code(raw: Any) -> str | None:
    text = clean_text(str(raw), "station_code", max_len=30)
    return None if text is None else text.replace(" ", "").upper()


_PARSERS: dict[str, tuple[str, Any]] = {
    # raw key: (stored column, parser)
    "code": ("code", _code),
    "name": ("name", lambda v: clean_text(str(v), "station_name", max_len=100)),
    "address": ("address", lambda v: clean_text(str(v), "station_address", max_len=200)),
    "township": ("township", lambda v: clean_text(str(v), "township", max_len=50)),
    "county": ("county", lambda v: county_name(str(v))),
    "host": ("host", lambda v: clean_text(str(v), "station_host", max_len=100)),
    "build_model": ("build_model", lambda v: BuildModel.parse(str(v), field="build_model").value),
    "opened": ("opened_on", lambda v: _past(v, "station_opened")),
    "hours": ("hours", lambda v: clean_text(str(v), "hours", max_len=50)),
    "facilities": ("facilities", parse_facilities),
    "manager": ("manager", lambda v: clean_text(str(v), "manager", max_len=50)),
    "phone": ("phone", lambda v: _phone(str(v))),
    "staffed": ("staffed", lambda v: _flag(v, "staffed")),
    "on_maps": ("on_maps", lambda v: _flag(v, "on_maps")),
    "has_premises": ("has_premises", lambda v: _flag(v, "has_premises")),
    "has_sign": ("has_sign", lambda v: _flag(v, "has_sign")),
    "has_rules": ("has_rules", lambda v: _flag(v, "has_rules")),
    "latitude": ("latitude", lambda v: _coordinate(v, "latitude", -90, 90)),
    "longitude": ("longitude", lambda v: _coordinate(v, "longitude", -180, 180)),
}


def _parse_given(raw: dict[str, Any], c: Collector) -> dict[str, Any]:
    """Every non-blank editable field of ``raw``, parsed, keyed by stored column."""
    out: dict[str, Any] = {}
    for key, (column, parse) in _PARSERS.items():
        value = raw.get(key)
        if not blank(value):
            out[column] = c.take(parse, value)
    if ("latitude" in out) != ("longitude" in out):
        which = "latitude" if "latitude" in out else "longitude"
        c.errors.append(InvalidValue(which, raw.get(which), "station.coordinates_pair"))
    return out


def _phone(raw: str) -> str | None:
    """A contact number (a landline is fine here); a masked one from an export is refused."""
    if "*" in raw:
        raise InvalidValue("station_phone", raw, ids.MASKED_PHONE, sensitive=True)
    return clean_text(raw, "station_phone", max_len=30)


def parse_station_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Check one station's fields as typed or imported (SPEC §4.2 stations columns).

    ``raw`` keys (blank values count as absent): ``code``, ``name``*, ``address``, ``township``,
    ``county``, ``host``, ``build_model``, ``opened``*, ``hours``, ``facilities`` (separated by
    、 ; , /), ``rating``, ``rating_year``, ``status``, ``closed``, ``manager``, ``phone``; and, from the
    command line, ``staffed``, ``on_maps``, ``has_premises``, ``has_sign``, ``has_rules`` (bool or
    yes/no text), ``latitude``, ``longitude``.

    Returns every stored column: ``code`` (str | None: the caller makes one with
    ``next_station_code``), ``name``, ``address``, ``township``, ``county``, ``host``,
    ``build_model`` (code |
    None), ``opened_on`` (date), ``hours``, ``facilities`` (comma-joined codes | None),
    ``manager``, ``phone``, ``staffed``/``on_maps``/``has_sign``/``has_rules`` (bool, default
    False), ``has_premises`` (default True), ``latitude``/``longitude`` (float | None),
    ``status`` (code, default open), ``closed_on`` (date | None), ``rating`` (code | None),
    ``rating_year`` (int | None). Raises ``MissingFields``, else every bad value at once
    (``InvalidValue(s)``, exit 2). Touches no database.
    """
    missing = [k for k in ("name", "opened") if blank(raw.get(k))]
    if missing:
        raise MissingFields(["station_name" if k == "name" else "station_opened" for k in missing])
    c = Collector()
    out: dict[str, Any] = {
        "code": None,
        "address": None,
        "township": None,
        "county": None,
        "host": None,
        "build_model": None,
        "hours": None,
        "facilities": None,
        "manager": None,
        "phone": None,
        "staffed": False,
        "on_maps": False,
        "has_premises": True,
        "has_sign": False,
        "has_rules": False,
        "latitude": None,
        "longitude": None,
        "status": S.OPEN.value,
        "closed_on": None,
        "rating": None,
        "rating_year": None,
    }
    out.update(_parse_given(raw, c))
    if not blank(raw.get("status")):
        status = c.take(lambda v: S.parse(str(v), field="station_status"), raw["status"])
        if status is not None:
            out["status"] = status.value
    if not blank(raw.get("closed")):
        out["closed_on"] = c.take(_past, raw["closed"], "station_closed")
    if not blank(raw.get("rating")):
        rating = c.take(lambda v: R.parse(str(v), field="rating"), raw["rating"])
        out["rating"] = None if rating is None else rating.value
    if not blank(raw.get("rating_year")):
        out["rating_year"] = c.take(_rating_year, raw["rating_year"])
    c.check()
    opened: date = out["opened_on"]
    if out["status"] == S.CLOSED.value and out["closed_on"] is None:
        c.errors.append(InvalidValue("station_closed", "", "station.closed_needs_date"))
    if out["closed_on"] is not None:
        if out["status"] != S.CLOSED.value:
            # a closing date says the station is closed, whatever a blank status cell says
            if blank(raw.get("status")):
                out["status"] = S.CLOSED.value
            else:
                c.errors.append(
                    InvalidValue("station_status", raw.get("status"), "station.closed_not_closed")
                )
        if out["closed_on"] < opened:
            c.errors.append(
                InvalidValue(
                    "station_closed", raw["closed"], "station.closed_before_opened", opened=opened
                )
            )
    if out["rating"] is not None and out["rating_year"] is None:
        c.errors.append(InvalidValue("rating_year", "", "station.rating_needs_year"))
    if out["rating_year"] is not None and out["rating_year"] < opened.year:
        c.errors.append(
            InvalidValue(
                "rating_year", raw["rating_year"], "station.year_before_opened", year=opened.year
            )
        )
    c.check()
    return out


def rating_year(raw: Any, field_key: str = "rating_year") -> int:
    """A rating's year: not after this year."""
    return _rating_year(raw, field_key)


def past_date(raw: Any, field_key: str) -> date:
    """A date of something that happened: not after today."""
    return _past(raw, field_key)


def parse_code(raw: Any) -> str | None:
    """A station code as stored: upper case, no spaces."""
    return _code(raw)


def as_date(value: Any) -> Any:
    """A date column's value as a date (SQLite drivers may give text)."""
    return _as_date(value)


def _rating_year(raw: Any, field_key: str = "rating_year") -> int:
    year = parse_year(raw if isinstance(raw, int) else str(raw), field=field_key)
    if year > today().year:
        raise InvalidValue(field_key, raw, "station.future_year")
    return year


def parse_log_fields(raw: dict[str, Any]) -> dict[str, Any]:
    """Check one service-ledger row (SPEC §4.2 station-logs columns).

    ``raw`` keys: ``code`` or ``name`` (at least one)*, ``month``*, ``visits``*, ``activities``.
    Returns ``code`` (str | None), ``name`` (str | None), ``month`` (date, the first day; not
    after this month), ``visits`` (int ≥ 0), ``activities`` (int ≥ 0, default 0). The station is
    found with ``resolve_station`` and the month checked against it with ``check_log_month``.
    Raises ``MissingFields``, else every bad value at once. Touches no database.
    """
    missing = [k for k in ("month", "visits") if blank(raw.get(k))]
    if blank(raw.get("code")) and blank(raw.get("name")):
        missing.insert(0, "station")
    if missing:
        raise MissingFields(missing)
    c = Collector()
    out = {
        "code": None if blank(raw.get("code")) else c.take(_code, raw["code"]),
        "name": None
        if blank(raw.get("name"))
        else c.take(clean_text, str(raw["name"]), "station_name", max_len=100),
        "month": c.take(_log_month, raw["month"]),
        "visits": c.take(parse_count, raw["visits"], "visits"),
        "activities": 0
        if blank(raw.get("activities"))
        else c.take(parse_count, raw["activities"], "activities"),
    }
    c.check()
    return out


def _log_month(raw: Any) -> date:
    month = parse_month(raw, field="month")
    if month > today().replace(day=1):
        raise InvalidValue("month", raw, "station.future_month")
    return month


# --- lookups ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StationInfo:
    """What the rules need of a station; what ``resolve_station`` returns."""

    id: int
    code: str
    name: str
    township: str | None
    opened_on: date
    closed_on: date | None
    status: str
    status_since: date


def _as_date(value: Any) -> Any:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _info_query() -> Any:
    return select(
        col(Station.id),
        col(Station.code),
        col(Station.name),
        col(Station.township),
        col(Station.opened_on),
        col(Station.closed_on),
        col(Station.status),
        col(Station.status_since),
    )


def _info(row: Any) -> StationInfo:
    return StationInfo(
        id=int(row[0]),
        code=row[1],
        name=row[2],
        township=row[3],
        opened_on=_as_date(row[4]),
        closed_on=_as_date(row[5]),
        status=row[6],
        status_since=_as_date(row[7]),
    )


def resolve_station(db: Db, code: str | None = None, name: str | None = None) -> StationInfo:
    """A station by code (case-insensitive), else by its exact name (which must be unique).

    Raises ``NotFound`` (exit 3), or ``UsageError`` when a name fits several stations.
    """
    if code:
        key = code.strip().upper()
        row = db.execute(_info_query().where(func.upper(col(Station.code)) == key)).first()
        if row is not None:
            return _info(row)
        if not name:
            raise NotFound("station.not_found", ref=code)
    text = (name or code or "").strip()
    found = db.execute(_info_query().where(col(Station.name) == text)).all()
    if not found:
        raise NotFound("station.not_found", ref=text)
    if len(found) > 1:
        raise UsageError("station.ambiguous", ref=text, codes=i18n.join(r[1] for r in found))
    return _info(found[0])


def find_station(uow: UnitOfWork, ref: str) -> Station:
    info = resolve_station(uow.session, ref, ref)
    station = uow.session.get(Station, info.id)
    assert station is not None
    return station


def next_station_code(db: Db) -> str:
    """The next free code of the form ZD0001, for a station added without one.

    Two clerks adding stations at once would count the same stations and pick the same code:
    the second waits here until the first commits, then counts its station too.
    """
    serialize(db, ("station_code",))
    n = int(db.execute(select(func.count()).select_from(Station)).scalar_one()) + 1
    while True:
        code = f"ZD{n:04d}"
        taken = db.execute(select(col(Station.id)).where(col(Station.code) == code)).first()
        if taken is None:
            return code
        n += 1


def _check_code_free(db: Db, code: str, own_id: int | None) -> None:
    row = db.execute(
        select(col(Station.id), col(Station.name)).where(
            func.upper(col(Station.code)) == code.upper()
        )
    ).first()
    if row is not None and row[0] != own_id:
        raise Conflict("station.code_taken", code=code, name=row[1])


# --- the status history ----------------------------------------------------------------------


def status_history(db: Db, station_id: int) -> list[StatusEvent]:
    """A station's status events, oldest first (by date, then as recorded)."""
    stmt = (
        select(
            col(StationEvent.id),
            col(StationEvent.event_date),
            col(StationEvent.status),
            col(StationEvent.reason),
        )
        .where(col(StationEvent.station_id) == station_id)
        .order_by(col(StationEvent.event_date), col(StationEvent.id))
    )
    return [StatusEvent(i or 0, _as_date(d), st, r) for i, d, st, r in db.execute(stmt)]


def closed_periods(db: Db, station_id: int) -> list[tuple[date, date | None]]:
    """(closed on, reopened on | None) of every closing (撤销) in the station's history."""
    periods: list[tuple[date, date | None]] = []
    closed: date | None = None
    for event in status_history(db, station_id):
        if event.status == S.CLOSED.value:
            closed = closed or event.event_date
        elif closed is not None:
            periods.append((closed, event.event_date))
            closed = None
    if closed is not None:
        periods.append((closed, None))
    return periods


def closed_throughout(
    periods: Sequence[tuple[date, date | None]], first: date, last: date
) -> date | None:
    """The closing date of a closing in force from before ``first`` until after ``last`` (the
    station was closed the whole span), else None. A closing within the span, or a reopening
    within it, leaves the span open to records (the closing month's ledger, a reopening year's
    rating)."""
    for closed, reopened in periods:
        if closed < first and (reopened is None or reopened > last):
            return closed
    return None


def add_event(
    db: Db,
    station_id: int,
    on: date,
    status: str,
    reason: str | None = None,
    *,
    batch_id: int | None = None,
) -> None:
    """Append one status event (the caller keeps ``station.status`` in step)."""
    db.execute(
        insert(StationEvent.__table__),  # type: ignore[attr-defined]
        {
            "station_id": station_id,
            "event_date": on,
            "status": status,
            "reason": reason,
            "created_at": utcnow(),
            "batch_id": batch_id,
        },
    )


def opening_events(
    station_id: int, opened: date, status: str, since: date
) -> list[tuple[int, date, str]]:
    """The events a new station starts with: its opening, and its status when not open."""
    events = [(station_id, opened, S.OPEN.value)]
    if status != S.OPEN.value:
        events.append((station_id, since, status))
    return events


# --- the rules on months ---------------------------------------------------------------------


def check_log_month(
    station: Any, month: date, periods: Sequence[tuple[date, date | None]] | None = None
) -> None:
    """Refuse a ledger month before the station's opening month, or one the station was closed
    throughout: after its closing month and before its reopening month (``periods``, from
    ``closed_periods``; without them, after ``closed_on``, the closing in force now).

    ``station`` is anything with ``name``, ``opened_on`` and ``closed_on`` (a ``StationInfo``, a
    ``Station`` or a result row). Raises ``Conflict`` (exit 4), as ``station log`` does.
    """
    opened = _as_date(station.opened_on)
    closed = _as_date(station.closed_on)
    month = month.replace(day=1)
    if month < opened.replace(day=1):
        raise Conflict(
            "station.month_before_opening",
            name=station.name,
            opened=opened,
            month=f"{month:%Y-%m}",
        )
    if periods is not None:
        last_day = _next_month(month) - timedelta(days=1)
        then = closed_throughout(periods, month, last_day)
        if then is not None:
            key = "station.month_after_closing" if closed == then else "station.closed_then"
            raise Conflict(key, name=station.name, closed=then, month=f"{month:%Y-%m}")
        return
    if closed is not None and month > closed.replace(day=1):
        raise Conflict(
            "station.month_after_closing",
            name=station.name,
            closed=closed,
            month=f"{month:%Y-%m}",
        )


def _next_month(month: date) -> date:
    return date(month.year + (month.month == 12), month.month % 12 + 1, 1)


def _snapshot(st: Station) -> dict[str, Any]:
    data = {k: getattr(st, k) for k in (*_EDITABLE, "status", "status_since", "closed_on")}
    return {_FIELD_KEY.get(k, k): v for k, v in data.items()}


def check_no_logs_after(db: Db, station_id: int, name: str, when: date) -> None:
    """A station closing on ``when`` may not have ledger entries for a later month."""
    last_log = _as_date(
        db.execute(
            select(func.max(col(StationLog.month))).where(col(StationLog.station_id) == station_id)
        ).scalar_one()
    )
    if last_log is not None and last_log > when.replace(day=1):
        raise Conflict("station.logs_after_close", name=name, month=f"{last_log:%Y-%m}")


def check_rating_year(db: Db, station: Any, year: int) -> None:
    """Refuse a rating for a year the station was closed (撤销) throughout. ``station`` has
    ``id``, ``name`` and ``closed_on``; raises ``Conflict`` (exit 4)."""
    then = closed_throughout(closed_periods(db, station.id), date(year, 1, 1), date(year, 12, 31))
    if then is None:
        return
    if then == _as_date(station.closed_on):
        raise Conflict("station.rating_after_closing", name=station.name, closed=then, year=year)
    raise Conflict("station.rating_while_closed", name=station.name, closed=then, year=year)
