"""Outdoor-workers' stations (户外劳动者服务站点 / 工会驿站): the registry, status changes, the
standard check, yearly ratings and the monthly service ledger (SPEC §2.4).

Rules kept here and nowhere else:

- which status change is allowed from which status is decided in ``TRANSITIONS``; a change is
  dated, not before the station opened nor before its last status change, and not in the future;
  every status is a dated ``station_event`` (the opening, each suspension, closing, reopening),
  and ``station.status``/``status_since``/``closed_on`` are the latest one's, kept for lists;
- the past reads the history: a ledger month or a rating year is refused only while the station
  was closed throughout it (a reopened station logs again from its reopening month);
- one rating per station per year: a second one for the same year replaces it (the audit log keeps
  what it was); lowering and withdrawing (``none``) are ratings too;
- one ledger entry per station per month; a second one is refused unless replacing, which is
  audited; no entry for a month before the opening month or after the closing month;
- yearly figures sum the monthly entries in SQL, never anything else.

Reads that imports need (``resolve_station``, ``check_log_month``, ``year_figures``) take a
Session or a Connection and select plain columns.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as with_values
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, case, func, insert, select
from sqlalchemy.orm import Session
from sqlmodel import col

from unioncli import i18n, ids
from unioncli.dates import parse_date, parse_month, parse_year, today
from unioncli.db.uow import UnitOfWork, serialize
from unioncli.enums import (
    REQUIRED_FACILITIES,
    BuildModel,
    Facility,
    StationRating,
    StationStatus,
    parse_bool,
)
from unioncli.errors import Conflict, InvalidValue, MissingFields, NotFound, UsageError
from unioncli.models.base import utcnow
from unioncli.models.station import Station, StationEvent, StationLog, StationRatingEntry
from unioncli.services.common import Collector, blank, clean_text
from unioncli.services.figures import county_name

Db = Session | Connection
S = StationStatus
R = StationRating

i18n.register(
    {
        "station.not_found": ("找不到站点“{ref}”", "no station “{ref}”"),
        "station.ambiguous": (
            "名称“{ref}”对应多个站点：{codes}，请写站点编号",
            "“{ref}” names several stations: {codes}; give the station code",
        ),
        "station.code_taken": (
            "站点编号 {code} 已被“{name}”使用",
            "station code {code} is already used by “{name}”",
        ),
        "station.future": ("日期在今天之后", "the date is after today"),
        "station.future_month": ("月份在本月之后", "the month is after this month"),
        "station.future_year": ("年度在今年之后", "the year is after this year"),
        "station.count_invalid": (
            "须为不小于 0 的整数",
            "must be a whole number, 0 or more",
        ),
        "station.coordinate": (
            "须为 {low} 到 {high} 之间的数",
            "must be a number between {low} and {high}",
        ),
        "station.coordinates_pair": (
            "经度和纬度须同时填写",
            "give both latitude and longitude",
        ),
        "station.closed_needs_date": (
            "状态为撤销时须填撤销日期",
            "a closed station needs its closing date",
        ),
        "station.closed_not_closed": (
            "填了撤销日期，状态却不是撤销",
            "a closing date is given but the status is not closed",
        ),
        "station.closed_before_opened": (
            "撤销日期早于建成日期 {opened}",
            "the closing date is before the opening date {opened}",
        ),
        "station.rating_needs_year": (
            "填了评级，须同时填评级年度",
            "a rating needs its year",
        ),
        "station.year_before_opened": (
            "早于站点建成年份 {year}",
            "is before the year the station opened ({year})",
        ),
        "station.not_allowed": (
            "站点“{name}”当前状态为“{status}”，不能{action}（可办理的状态：{allowed}）",
            "station “{name}” is “{status}”: cannot {action} (allowed from: {allowed})",
        ),
        "station.before_opened": (
            "日期 {date} 早于站点“{name}”的建成日期 {opened}",
            "date {date} is before station “{name}” opened ({opened})",
        ),
        "station.before_last_change": (
            "日期 {date} 早于站点“{name}”最近一次状态变动（{status} {since}）",
            "date {date} is before station “{name}”'s latest status change ({status} {since})",
        ),
        "station.logs_after_close": (
            "站点“{name}”已有 {month} 的服务台账，撤销日期不能早于该月",
            "station “{name}” has a ledger entry for {month}; it cannot close before that month",
        ),
        "station.month_before_opening": (
            "站点“{name}”{opened} 建成，不能登记 {month} 的服务台账",
            "station “{name}” opened on {opened}: no ledger entry for {month}",
        ),
        "station.month_after_closing": (
            "站点“{name}”已于 {closed} 撤销，不能登记 {month} 的服务台账",
            "station “{name}” closed on {closed}: no ledger entry for {month}",
        ),
        "station.log_exists": (
            "站点“{name}”{month} 已登记服务台账（服务 {visits} 人次，活动 {activities} 场）；"
            "如需更正请加 --replace",
            "station “{name}” already has a ledger entry for {month} ({visits} served, "
            "{activities} activities); add --replace to correct it",
        ),
        "station.closed_then": (
            "站点“{name}”于 {closed} 撤销，{month} 时仍未恢复开放，不能登记该月的服务台账",
            "station “{name}” closed on {closed} and was not reopened by {month}: no ledger "
            "entry for that month",
        ),
        "station.rating_while_closed": (
            "站点“{name}”于 {closed} 撤销，{year} 年度内未恢复开放，不能评定该年度的评级",
            "station “{name}” closed on {closed} and was not reopened in {year}: no rating for it",
        ),
        "station.rating_after_closing": (
            "站点“{name}”已于 {closed} 撤销，不能评定 {year} 年度的评级",
            "station “{name}” closed on {closed}: no rating for {year}",
        ),
        "station.opened_after_records": (
            "建成日期 {opened} 晚于该站点已有的记录（{what}）",
            "opening date {opened} is after the station's records ({what})",
        ),
        "station.nothing_to_update": ("没有要修改的内容", "nothing to update"),
        "station.ledger_by": (
            "--by 须为 station、township 或 month",
            "--by must be station, township or month",
        ),
        "station.action.suspend": ("暂停", "suspend"),
        "station.action.close": ("撤销", "close"),
        "station.action.reopen": ("恢复开放", "reopen"),
        "station.item.premises": ("有场所", "premises"),
        "station.item.sign": ("有标识", "sign"),
        "station.item.facilities": ("有设施", "facilities"),
        "station.item.rules": ("有制度", "rules"),
        "station.item.staff": ("有人员", "staff"),
    }
)

i18n.register_fields(
    {
        "station": ("站点", "station"),
        "station_code": ("站点编号", "station code"),
        "station_name": ("站点名称", "station name"),
        "station_address": ("地址", "address"),
        "station_host": ("依托单位", "host organisation"),
        "build_model": ("建设模式", "build model"),
        "station_opened": ("建成日期", "opened"),
        "hours": ("开放时间", "opening hours"),
        "facilities": ("设施", "facilities"),
        "rating": ("评级", "rating"),
        "rating_year": ("评级年度", "rating year"),
        "station_status": ("状态", "status"),
        "station_closed": ("撤销日期", "closed"),
        "manager": ("管理员", "manager"),
        "station_phone": ("联系电话", "phone"),
        "staffed": ("有人员值守", "staffed"),
        "on_maps": ("上线地图", "on online maps"),
        "has_premises": ("有场所", "premises"),
        "has_sign": ("有标识", "sign"),
        "has_rules": ("有制度", "rules"),
        "latitude": ("纬度", "latitude"),
        "longitude": ("经度", "longitude"),
        "visits": ("服务人次", "person-times served"),
        "activities": ("活动场次", "activities"),
        "rated_on": ("评定日期", "rated on"),
    }
)

# action -> (statuses it may start from, status it leads to)
TRANSITIONS: dict[str, tuple[frozenset[StationStatus], StationStatus]] = {
    "suspend": (frozenset({S.OPEN}), S.SUSPENDED),
    "close": (frozenset({S.OPEN, S.SUSPENDED}), S.CLOSED),
    "reopen": (frozenset({S.SUSPENDED, S.CLOSED}), S.OPEN),
}

CHECK_ITEMS = ("premises", "sign", "facilities", "rules", "staff")
RATED = frozenset({R.STANDARD, R.DEMONSTRATION, R.MOST_BEAUTIFUL})  # 达标 or above
LEDGER_BY = ("station", "township", "month")
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


def facility_codes(stored: str | None) -> list[str]:
    return [c for c in (stored or "").split(",") if c]


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


@dataclass(frozen=True)
class StatusEvent:
    """One dated status of a station (``station_event``)."""

    id: int
    event_date: date
    status: str
    reason: str | None


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


# --- views -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RatingView:
    year: int
    rating: str
    rated_on: date | None


@dataclass(frozen=True)
class LogView:
    month: date
    visits: int
    activities: int


@dataclass(frozen=True)
class CheckResult:
    code: str
    name: str
    township: str | None
    status: str
    missing: list[str]  # CHECK_ITEMS codes
    missing_facilities: list[str]  # Facility codes of the required minimum
    rating: str | None  # the latest rating held
    rating_year: int | None
    warn: bool  # rated 达标 or above and lacking items


@dataclass(frozen=True)
class StationView:
    id: int
    code: str
    name: str
    address: str | None
    township: str | None
    host: str | None
    build_model: str | None
    opened_on: date
    hours: str | None
    staffed: bool
    on_maps: bool
    has_premises: bool
    has_sign: bool
    has_rules: bool
    manager: str | None
    phone: str | None
    facilities: list[str]
    latitude: float | None
    longitude: float | None
    status: str
    status_since: date
    closed_on: date | None
    rating: str | None = None  # latest rating held
    rating_year: int | None = None
    ratings: list[RatingView] = field(default_factory=list)
    logs: list[LogView] = field(default_factory=list)  # the latest 12 months, newest first
    check: CheckResult | None = None
    county: str | None = None
    history: list[StatusEvent] = field(default_factory=list)  # status events, oldest first


def _snapshot(st: Station) -> dict[str, Any]:
    data = {k: getattr(st, k) for k in (*_EDITABLE, "status", "status_since", "closed_on")}
    return {_FIELD_KEY.get(k, k): v for k, v in data.items()}


def _latest_ratings(db: Db, station_ids: Sequence[int] | None = None) -> dict[int, tuple[int, str]]:
    stmt = select(
        col(StationRatingEntry.station_id),
        col(StationRatingEntry.year),
        col(StationRatingEntry.rating),
    ).order_by(col(StationRatingEntry.year))
    if station_ids is not None:
        stmt = stmt.where(col(StationRatingEntry.station_id).in_(list(station_ids)))
    latest: dict[int, tuple[int, str]] = {}
    for sid, year, rating in db.execute(stmt):
        latest[int(sid)] = (int(year), rating)
    return latest


def _ratings_in(db: Db, year: int) -> dict[int, str]:
    stmt = select(col(StationRatingEntry.station_id), col(StationRatingEntry.rating)).where(
        col(StationRatingEntry.year) == year
    )
    return {int(sid): rating for sid, rating in db.execute(stmt)}


def _check(st: Station, latest: tuple[int, str] | None) -> CheckResult:
    have = set(facility_codes(st.facilities))
    lacking_facilities = [f.value for f in REQUIRED_FACILITIES if f.value not in have]
    present = {
        "premises": st.has_premises,
        "sign": st.has_sign,
        "facilities": not lacking_facilities,
        "rules": st.has_rules,
        "staff": st.staffed,
    }
    missing = [item for item in CHECK_ITEMS if not present[item]]
    rating = latest[1] if latest else None
    return CheckResult(
        code=st.code,
        name=st.name,
        township=st.township,
        status=st.status,
        missing=missing,
        missing_facilities=lacking_facilities,
        rating=rating,
        rating_year=latest[0] if latest else None,
        warn=bool(missing) and rating is not None and R(rating) in RATED,
    )


def station_view(uow: UnitOfWork, st: Station) -> StationView:
    s = uow.session
    assert st.id is not None
    ratings = [
        RatingView(r.year, r.rating, r.rated_on)
        for r in s.scalars(
            select(StationRatingEntry)
            .where(col(StationRatingEntry.station_id) == st.id)
            .order_by(col(StationRatingEntry.year))
        )
    ]
    logs = [
        LogView(_as_date(m), int(v), int(a))
        for m, v, a in s.execute(
            select(col(StationLog.month), col(StationLog.visits), col(StationLog.activities))
            .where(col(StationLog.station_id) == st.id)
            .order_by(col(StationLog.month).desc())
            .limit(12)
        )
    ]
    latest = (ratings[-1].year, ratings[-1].rating) if ratings else None
    return StationView(
        id=st.id,
        code=st.code,
        name=st.name,
        address=st.address,
        township=st.township,
        host=st.host,
        build_model=st.build_model,
        opened_on=st.opened_on,
        hours=st.hours,
        staffed=st.staffed,
        on_maps=st.on_maps,
        has_premises=st.has_premises,
        has_sign=st.has_sign,
        has_rules=st.has_rules,
        manager=st.manager,
        phone=st.phone,
        facilities=facility_codes(st.facilities),
        latitude=st.latitude,
        longitude=st.longitude,
        status=st.status,
        status_since=st.status_since,
        closed_on=st.closed_on,
        rating=latest[1] if latest else None,
        rating_year=latest[0] if latest else None,
        ratings=ratings,
        logs=logs,
        check=_check(st, latest),
        county=st.county,
        history=status_history(s, st.id),
    )


def show(uow: UnitOfWork, ref: str) -> StationView:
    return station_view(uow, find_station(uow, ref))


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


def check_no_logs_after(db: Db, station_id: int, name: str, when: date) -> None:
    """A station closing on ``when`` may not have ledger entries for a later month."""
    last_log = _as_date(
        db.execute(
            select(func.max(col(StationLog.month))).where(col(StationLog.station_id) == station_id)
        ).scalar_one()
    )
    if last_log is not None and last_log > when.replace(day=1):
        raise Conflict("station.logs_after_close", name=name, month=f"{last_log:%Y-%m}")


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


def check_rating_year(db: Db, station: Any, year: int) -> None:
    """Refuse a rating for a year the station was closed (撤销) throughout. ``station`` has
    ``id``, ``name`` and ``closed_on``; raises ``Conflict`` (exit 4)."""
    then = closed_throughout(closed_periods(db, station.id), date(year, 1, 1), date(year, 12, 31))
    if then is None:
        return
    if then == _as_date(station.closed_on):
        raise Conflict("station.rating_after_closing", name=station.name, closed=then, year=year)
    raise Conflict("station.rating_while_closed", name=station.name, closed=then, year=year)


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


@dataclass(frozen=True)
class LedgerRow:
    code: str | None = None
    name: str | None = None
    township: str | None = None
    month: date | None = None
    stations: int = 0
    entries: int = 0
    visits: int = 0
    activities: int = 0


@dataclass(frozen=True)
class Ledger:
    by: str
    year: int | None
    rows: list[LedgerRow]
    visits: int
    activities: int
    entries: int


def ledger(
    db: Db,
    *,
    year: Any = None,
    township: str | None = None,
    station: str | None = None,
    by: str = "station",
    county: str | None = None,
) -> Ledger:
    """Totals of the monthly entries grouped by station, township or month, and their sum;
    ``county`` (the clerk's) keeps that county's stations."""
    if by not in LEDGER_BY:
        raise UsageError("station.ledger_by")
    conds: list[Any] = []
    y = None
    if not blank(year):
        y = parse_year(year, field="year")
        conds += [col(StationLog.month) >= date(y, 1, 1), col(StationLog.month) <= date(y, 12, 1)]
    if township:
        conds.append(col(Station.township) == township.strip())
    if county_name(county) is not None:
        conds.append(col(Station.county) == county_name(county))
    if station:
        conds.append(col(Station.id) == resolve_station(db, station).id)
    sums = (
        func.count(func.distinct(col(StationLog.station_id))),
        func.count(col(StationLog.id)),
        func.coalesce(func.sum(col(StationLog.visits)), 0),
        func.coalesce(func.sum(col(StationLog.activities)), 0),
    )
    base = (
        select(*sums)
        .select_from(StationLog)
        .join(Station, col(Station.id) == col(StationLog.station_id))
    )
    group: tuple[Any, ...]
    if by == "station":
        group = (col(Station.code), col(Station.name), col(Station.township))
    elif by == "township":
        group = (col(Station.township),)
    else:
        group = (col(StationLog.month),)
    stmt = base.add_columns(*group).where(*conds).group_by(*group).order_by(*group)
    rows: list[LedgerRow] = []
    for n_st, n_e, v, a, *keys in db.execute(stmt):
        row = LedgerRow(stations=int(n_st), entries=int(n_e), visits=int(v), activities=int(a))
        if by == "station":
            row = with_values(row, code=keys[0], name=keys[1], township=keys[2])
        elif by == "township":
            row = with_values(row, township=keys[0])
        else:
            row = with_values(row, month=_as_date(keys[0]))
        rows.append(row)
    _, entries, visits, activities = db.execute(base.where(*conds)).one()
    return Ledger(by, y, rows, int(visits), int(activities), int(entries))


# --- list and check --------------------------------------------------------------------------


@dataclass(frozen=True)
class StationRow:
    id: int
    code: str
    name: str
    township: str | None
    host: str | None
    build_model: str | None
    opened_on: date
    hours: str | None
    staffed: bool
    on_maps: bool
    facilities: list[str]
    latitude: float | None
    longitude: float | None
    status: str
    status_since: date
    closed_on: date | None
    rating: str | None
    rating_year: int | None
    missing: list[str]
    county: str | None = None


@dataclass(frozen=True)
class StationFilter:
    township: str | None = None
    status: str | None = None
    rating: str | None = None
    rating_year: Any = None
    county: str | None = None  # the clerk's county: only its stations


def list_stations(uow: UnitOfWork, flt: StationFilter) -> list[StationRow]:
    """Stations by county, township, then code. The rating shown is the one held in
    ``rating_year`` when given, else the latest; ``rating`` filters on it (``none`` matches
    unrated stations); ``county`` keeps the clerk's county's stations."""
    s = uow.session
    c = Collector()
    status = None if blank(flt.status) else c.take(S.parse, str(flt.status), "station_status")
    want = None if blank(flt.rating) else c.take(R.parse, str(flt.rating), "rating")
    year = None if blank(flt.rating_year) else c.take(parse_year, flt.rating_year, "rating_year")
    c.check()
    stmt = select(Station).order_by(
        col(Station.county).is_(None),
        col(Station.county),
        col(Station.township).is_(None),
        col(Station.township),
        col(Station.code),
    )
    if flt.township:
        stmt = stmt.where(col(Station.township) == flt.township.strip())
    if county_name(flt.county) is not None:
        stmt = stmt.where(col(Station.county) == county_name(flt.county))
    if status is not None:
        stmt = stmt.where(col(Station.status) == status.value)
    stations = list(s.scalars(stmt))
    if year is not None:
        held = {sid: (year, r) for sid, r in _ratings_in(s, year).items()}
    else:
        held = _latest_ratings(s)
    out = []
    for st in stations:
        assert st.id is not None
        got = held.get(st.id)
        if want is not None and (got[1] if got else R.NONE.value) != want.value:
            continue
        check = _check(st, got)
        out.append(
            StationRow(
                id=st.id,
                code=st.code,
                name=st.name,
                township=st.township,
                host=st.host,
                build_model=st.build_model,
                opened_on=st.opened_on,
                hours=st.hours,
                staffed=st.staffed,
                on_maps=st.on_maps,
                facilities=facility_codes(st.facilities),
                latitude=st.latitude,
                longitude=st.longitude,
                status=st.status,
                status_since=st.status_since,
                closed_on=st.closed_on,
                rating=got[1] if got else None,
                rating_year=got[0] if got else None,
                missing=check.missing,
                county=st.county,
            )
        )
    return out


def check(uow: UnitOfWork, ref: str | None = None, county: str | None = None) -> list[CheckResult]:
    """The standard check of one station, or of every station not closed (撤销) — of ``county``
    (the clerk's) when given."""
    s = uow.session
    if ref is not None:
        stations = [find_station(uow, ref)]
    else:
        here = [] if county_name(county) is None else [col(Station.county) == county_name(county)]
        stations = list(
            s.scalars(
                select(Station)
                .where(col(Station.status) != S.CLOSED.value, *here)
                .order_by(col(Station.township).is_(None), col(Station.township), col(Station.code))
            )
        )
    latest = _latest_ratings(s, [st.id for st in stations if st.id is not None])
    return [_check(st, latest.get(st.id or 0)) for st in stations]


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
