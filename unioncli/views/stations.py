"""The read side of outdoor-workers' stations (户外劳动者服务站点): one station with its history,
ratings, latest ledger and standard check; the list; the standard check; the service ledger's
totals.

Plain SQL through ``db.read`` (no ORM): what ``station show/list/check/ledger`` print. The field
labels and messages of the register and the standard check's items live here, so that a read
registers them without loading the services; ``services/stations`` imports them from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from unioncli import i18n
from unioncli.dates import parse_year
from unioncli.db.read import Reader, day, flag, placeholders
from unioncli.enums import REQUIRED_FACILITIES, StationRating, StationStatus
from unioncli.errors import NotFound, UsageError
from unioncli.services.common import Collector, blank
from unioncli.services.figures import county_name
from unioncli.views import Page

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

CHECK_ITEMS = ("premises", "sign", "facilities", "rules", "staff")
RATED = frozenset({R.STANDARD, R.DEMONSTRATION, R.MOST_BEAUTIFUL})  # 达标 or above
LEDGER_BY = ("station", "township", "month")


def facility_codes(stored: str | None) -> list[str]:
    return [c for c in (stored or "").split(",") if c]


# --- dataclasses ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatusEvent:
    """One dated status of a station (``station_event``)."""

    id: int
    event_date: date
    status: str
    reason: str | None


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


# --- lookups -------------------------------------------------------------------------------------

_COLUMNS = """s.id, s.code, s.name, s.address, s.township, s.county, s.host, s.build_model,
    s.opened_on, s.hours, s.staffed, s.on_maps, s.has_premises, s.has_sign, s.has_rules,
    s.manager, s.phone, s.facilities, s.latitude, s.longitude, s.status, s.status_since,
    s.closed_on"""


@dataclass(frozen=True)
class _Station:
    """A ``station`` row as read."""

    id: int
    code: str
    name: str
    address: str | None
    township: str | None
    county: str | None
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
    facilities: str | None
    latitude: float | None
    longitude: float | None
    status: str
    status_since: date
    closed_on: date | None


def _station(row: Sequence[Any]) -> _Station:
    return _Station(
        id=int(row[0]),
        code=row[1],
        name=row[2],
        address=row[3],
        township=row[4],
        county=row[5],
        host=row[6],
        build_model=row[7],
        opened_on=day(row[8]),  # type: ignore[arg-type]
        hours=row[9],
        staffed=flag(row[10]),
        on_maps=flag(row[11]),
        has_premises=flag(row[12]),
        has_sign=flag(row[13]),
        has_rules=flag(row[14]),
        manager=row[15],
        phone=row[16],
        facilities=row[17],
        latitude=None if row[18] is None else float(row[18]),
        longitude=None if row[19] is None else float(row[19]),
        status=row[20],
        status_since=day(row[21]),  # type: ignore[arg-type]
        closed_on=day(row[22]),
    )


def find_station(r: Reader, code: str | None, name: str | None = None) -> _Station:
    """A station by code (case-insensitive), else by its exact name (which must be unique): the
    rules and messages of ``services/stations/rules.resolve_station``."""
    if code:
        found = r.one(
            f"SELECT {_COLUMNS} FROM station s WHERE UPPER(s.code) = :code",
            {"code": code.strip().upper()},
        )
        if found is not None:
            return _station(found)
        if not name:
            raise NotFound("station.not_found", ref=code)
    text = (name or code or "").strip()
    hits = r.all(f"SELECT {_COLUMNS} FROM station s WHERE s.name = :name", {"name": text})
    if not hits:
        raise NotFound("station.not_found", ref=text)
    if len(hits) > 1:
        raise UsageError("station.ambiguous", ref=text, codes=i18n.join(h[1] for h in hits))
    return _station(hits[0])


def _latest_ratings(
    r: Reader, station_ids: Sequence[int] | None = None
) -> dict[int, tuple[int, str]]:
    where, params = "", dict[str, Any]()
    if station_ids is not None:
        ids, params = placeholders("station", list(station_ids))
        where = f" WHERE station_id IN {ids}"
    latest: dict[int, tuple[int, str]] = {}
    for sid, year, rating in r.all(
        f"SELECT station_id, year, rating FROM station_rating{where} ORDER BY year", params
    ):
        latest[int(sid)] = (int(year), rating)
    return latest


def _ratings_in(r: Reader, year: int) -> dict[int, str]:
    return {
        int(sid): rating
        for sid, rating in r.all(
            "SELECT station_id, rating FROM station_rating WHERE year = :year", {"year": year}
        )
    }


def _check(st: _Station, latest: tuple[int, str] | None) -> CheckResult:
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


# --- one station ---------------------------------------------------------------------------------


def status_history(r: Reader, station_id: int) -> list[StatusEvent]:
    """A station's status events, oldest first (by date, then as recorded)."""
    return [
        StatusEvent(int(i), day(d), st, reason)  # type: ignore[arg-type]
        for i, d, st, reason in r.all(
            """SELECT id, event_date, status, reason FROM station_event
               WHERE station_id = :id ORDER BY event_date, id""",
            {"id": station_id},
        )
    ]


def _view(r: Reader, st: _Station) -> StationView:
    ratings = [
        RatingView(int(y), rating, day(on))
        for y, rating, on in r.all(
            "SELECT year, rating, rated_on FROM station_rating WHERE station_id = :id ORDER BY year",
            {"id": st.id},
        )
    ]
    logs = [
        LogView(day(m), int(v), int(a))  # type: ignore[arg-type]
        for m, v, a in r.all(
            """SELECT month, visits, activities FROM station_log WHERE station_id = :id
               ORDER BY month DESC LIMIT 12""",
            {"id": st.id},
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
        history=status_history(r, st.id),
    )


def show(r: Reader, ref: str) -> StationView:
    """A station by code or name, as ``station show`` prints it."""
    return _view(r, find_station(r, ref, ref))


def show_id(r: Reader, station_id: int) -> StationView:
    """A station by its row id (a write reads back what it wrote)."""
    found = r.one(f"SELECT {_COLUMNS} FROM station s WHERE s.id = :id", {"id": station_id})
    if found is None:
        raise NotFound("station.not_found", ref=str(station_id))
    return _view(r, _station(found))


# --- list and check ------------------------------------------------------------------------------


def list_stations(r: Reader, flt: StationFilter, *, limit: int | None = None) -> Page[StationRow]:
    """Stations by county, township, then code. The rating shown is the one held in
    ``rating_year`` when given, else the latest; ``rating`` filters on it (``none`` matches
    unrated stations); ``county`` keeps the clerk's county's stations."""
    c = Collector()
    status = None if blank(flt.status) else c.take(S.parse, str(flt.status), "station_status")
    want = None if blank(flt.rating) else c.take(R.parse, str(flt.rating), "rating")
    year = None if blank(flt.rating_year) else c.take(parse_year, flt.rating_year, "rating_year")
    c.check()
    conds: list[str] = []
    params: dict[str, Any] = {}
    if flt.township:
        conds.append("s.township = :township")
        params["township"] = flt.township.strip()
    county = county_name(flt.county)
    if county is not None:
        conds.append("s.county = :county")
        params["county"] = county
    if status is not None:
        conds.append("s.status = :status")
        params["status"] = status.value
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    stations = [
        _station(row)
        for row in r.all(
            f"""SELECT {_COLUMNS} FROM station s{where}
                ORDER BY s.county IS NULL, s.county, s.township IS NULL, s.township, s.code""",
            params,
        )
    ]
    if year is not None:
        held = {sid: (year, rating) for sid, rating in _ratings_in(r, year).items()}
    else:
        held = _latest_ratings(r)
    out = []
    for st in stations:
        got = held.get(st.id)
        if want is not None and (got[1] if got else R.NONE.value) != want.value:
            continue
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
                missing=_check(st, got).missing,
                county=st.county,
            )
        )
    return Page(out if limit is None else out[:limit], len(out))


def check(r: Reader, ref: str | None = None, county: str | None = None) -> list[CheckResult]:
    """The standard check of one station, or of every station not closed (撤销) — of ``county``
    (the clerk's) when given."""
    if ref is not None:
        stations = [find_station(r, ref, ref)]
    else:
        name = county_name(county)
        here = "" if name is None else " AND s.county = :county"
        stations = [
            _station(row)
            for row in r.all(
                f"""SELECT {_COLUMNS} FROM station s WHERE s.status <> :closed{here}
                    ORDER BY s.township IS NULL, s.township, s.code""",
                {"closed": S.CLOSED.value, "county": name},
            )
        ]
    latest = _latest_ratings(r, [st.id for st in stations])
    return [_check(st, latest.get(st.id)) for st in stations]


# --- the service ledger --------------------------------------------------------------------------


def ledger(
    r: Reader,
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
    conds: list[str] = []
    params: dict[str, Any] = {}
    y = None
    if not blank(year):
        y = parse_year(year, field="year")
        conds.append("l.month >= :first AND l.month <= :last")
        params |= {"first": date(y, 1, 1), "last": date(y, 12, 1)}
    if township:
        conds.append("s.township = :township")
        params["township"] = township.strip()
    name = county_name(county)
    if name is not None:
        conds.append("s.county = :county")
        params["county"] = name
    if station:
        conds.append("s.id = :station_id")
        params["station_id"] = find_station(r, station).id
    where = (" WHERE " + " AND ".join(conds)) if conds else ""
    sums = """COUNT(DISTINCT l.station_id), COUNT(l.id), COALESCE(SUM(l.visits), 0),
        COALESCE(SUM(l.activities), 0)"""
    base = f"FROM station_log l JOIN station s ON s.id = l.station_id{where}"
    group = {"station": "s.code, s.name, s.township", "township": "s.township", "month": "l.month"}[
        by
    ]
    rows: list[LedgerRow] = []
    for n_st, n_e, v, a, *keys in r.all(
        f"SELECT {sums}, {group} {base} GROUP BY {group} ORDER BY {group}", params
    ):
        row = LedgerRow(stations=int(n_st), entries=int(n_e), visits=int(v), activities=int(a))
        if by == "station":
            row = replace(row, code=keys[0], name=keys[1], township=keys[2])
        elif by == "township":
            row = replace(row, township=keys[0])
        else:
            row = replace(row, month=day(keys[0]))
        rows.append(row)
    totals = r.one(f"SELECT {sums} {base}", params)
    assert totals is not None
    _, entries, visits, activities = totals
    return Ledger(by, y, rows, int(visits), int(activities), int(entries))
