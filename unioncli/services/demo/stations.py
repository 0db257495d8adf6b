"""The demo's outdoor-worker stations (SPEC §2.4) across the townships, with their status
history, yearly ratings and monthly service ledger."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from unioncli.enums import Facility
from unioncli.services.demo.common import (
    GIVEN,
    SURNAMES,
    TOWNSHIPS,
    mobile,
    rand_date,
    workday,
)

STATIONS_FROM = 2016  # the county built its first 户外劳动者服务站点 that year
STATION_MEMBERS = 22  # one station per this many members, loosely: a 3,000-member county has 136
STATION_MIN, STATION_MAX = 20, 3000
# stations opened per year: the 2018–2021 drive, then fewer
STATION_WEIGHTS = {
    2016: 4,
    2017: 7,
    2018: 12,
    2019: 15,
    2020: 15,
    2021: 16,
    2022: 13,
    2023: 10,
    2024: 8,
}
# the county seat and the street offices have most of the outdoor workers
TOWNSHIP_WEIGHTS = (30, 10, 8, 18, 6, 9, 5, 14)
COUNTY_CENTRE = (45.7, 126.6)  # latitude, longitude
ROADS = (
    "人民路",
    "中央大街",
    "建设路",
    "新华路",
    "站前路",
    "和平路",
    "胜利路",
    "光明路",
    "迎宾路",
    "工业路",
    "友谊路",
    "文化街",
)
# 依托单位: (host, weight, share built by the union itself, name patterns)
STATION_HOSTS: tuple[tuple[str, int, float, tuple[str, ...]], ...] = (
    ("党群服务中心", 22, 0.8, ("{t}{r}党群服务中心工会驿站", "{t}{r}社区党群服务中心爱心驿站")),
    (
        "银行网点",
        16,
        0.1,
        ("{t}农商银行{r}支行爱心驿站", "{t}邮储银行{r}网点劳动者港湾", "{t}建设银行{r}劳动者港湾"),
    ),
    ("加油站", 10, 0.1, ("{t}中石油{r}加油站司机之家", "{t}中石化{r}加油站爱心驿站")),
    ("社区", 16, 0.6, ("{t}{r}社区户外劳动者服务站", "{t}{r}社区工会驿站")),
    ("环卫站", 10, 0.9, ("{t}{r}环卫工人休息站", "{t}{r}环卫驿站")),
    ("快递网点", 12, 0.2, ("{t}邮政{r}驿站", "{t}{r}快递员之家", "{t}顺丰{r}网点暖心驿站")),
    (
        "企业",
        14,
        0.3,
        ("{t}{r}{s}氏物流职工驿站", "{t}{r}商贸城工会驿站", "{t}{r}{s}家超市爱心驿站"),
    ),
)
HOURS = ("08:00-20:00", "08:00-20:00", "08:30-17:30", "07:00-21:00", "06:00-22:00")
# extra facilities and how often a station has them
EXTRA_FACILITIES = {
    "microwave": 0.7,
    "fridge": 0.35,
    "climate": 0.8,
    "toilet": 0.6,
    "ev_charging": 0.4,
    "wifi": 0.75,
    "reading": 0.55,
    "umbrella": 0.5,
    "toolbox": 0.45,
    "aed": 0.08,
    "nursing": 0.05,
}
# how busy a station is over the year: the summer heat and the winter cold fill it
SEASON = (1.35, 1.2, 0.85, 0.8, 0.9, 1.15, 1.35, 1.3, 0.95, 0.85, 0.95, 1.3)
# person-times per station-month on average, the season included: a county of 137 stations
# serves about 1.3万人次 a year (SPEC §1, the annual review this ledger feeds)
MEAN_VISITS = 8
# yearly ratings: the chance of the next year's rating given this year's
RATING_NEXT = {
    "none": (("none", 0.55), ("standard", 0.4), ("demonstration", 0.05)),
    "standard": (("standard", 0.8), ("demonstration", 0.1), ("none", 0.1)),
    "demonstration": (
        ("demonstration", 0.72),
        ("most_beautiful", 0.08),
        ("standard", 0.15),
        ("none", 0.05),
    ),
    "most_beautiful": (("most_beautiful", 0.35), ("demonstration", 0.6), ("standard", 0.05)),
}
FIRST_RATING = (("standard", 0.62), ("demonstration", 0.08), ("none", 0.3))


def _pick(rng: random.Random, choices: tuple[tuple[str, float], ...]) -> str:
    r = rng.random()
    for value, p in choices:
        r -= p
        if r < 0:
            return value
    return choices[-1][0]


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _short(township: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if township.endswith(suffix):
            return township[: -len(suffix)]
    return township


def draw_stations(
    rng: random.Random, n: int, end: date, now: Any
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The stations, their yearly ratings, their monthly service ledger and their status events
    (the opening, and the closing or suspension) — rows to insert."""
    years = [y for y in STATION_WEIGHTS if y <= end.year]
    if not years or n <= 0:
        return [], [], [], []
    opened = sorted(
        rand_date(
            rng,
            date(y, 1, 1),
            min(date(y, 12, 31), end),
        )
        for y in rng.choices(years, weights=[STATION_WEIGHTS[y] for y in years], k=n)
    )
    centres = [
        (
            COUNTY_CENTRE[0] + rng.uniform(-0.12, 0.12),
            COUNTY_CENTRE[1] + rng.uniform(-0.12, 0.12),
        )
        for _ in TOWNSHIPS
    ]
    required = ("water", "seating", "first_aid", "phone_charging")
    order = {f.value: i for i, f in enumerate(Facility)}
    host_weights = [h[1] for h in STATION_HOSTS]
    stations: list[dict[str, Any]] = []
    ratings: list[dict[str, Any]] = []
    logs: list[dict[str, Any]] = []
    seq: dict[str, int] = {}
    names: set[str] = set()
    for i, on in enumerate(opened, start=1):
        ti = rng.choices(range(len(TOWNSHIPS)), weights=TOWNSHIP_WEIGHTS)[0]
        township = TOWNSHIPS[ti]
        seq[township] = seq.get(township, 0) + 1
        host, _, self_share, patterns = rng.choices(STATION_HOSTS, weights=host_weights)[0]
        road = rng.choice(ROADS)
        name = rng.choice(patterns).format(t=township, r=road, s=rng.choice(SURNAMES))
        if name in names:  # a second station of the kind on that road
            name = name.replace(road, f"{road}{seq[township]}号", 1)
        names.add(name)
        # most stations have the four required facilities; some lack one
        facilities = set(required)
        if rng.random() < 0.12:
            facilities.discard(rng.choice(required))
        facilities.update(f for f, p in EXTRA_FACILITIES.items() if rng.random() < p)
        staffed = rng.random() < 0.82
        coords = None
        if rng.random() < 0.9:
            lat, lon = centres[ti]
            coords = (
                round(lat + rng.uniform(-0.08, 0.08), 6),
                round(lon + rng.uniform(-0.08, 0.08), 6),
            )
        # a few closed (撤销) after a year or more, a few suspended in the last year
        status, since, closed = "open", on, None
        r = rng.random()
        if r < 0.09 and on + timedelta(days=400) <= end:
            if r < 0.05:
                closed = rand_date(rng, on + timedelta(days=365), end)
                status, since = "closed", closed
            else:
                since = rand_date(
                    rng, max(on + timedelta(days=365), end - timedelta(days=365)), end
                )
                status = "suspended"
        twenty_four = rng.random() < 0.2
        stations.append(
            {
                "id": i,
                "code": f"ZD-{_short(township)}-{seq[township]:03d}",
                "name": name,
                "address": f"{township}{road}{rng.randrange(1, 300)}号",
                "township": township,
                "host": host,
                "build_model": "self_built" if rng.random() < self_share else "co_built",
                "opened_on": on,
                "hours": "24小时" if twenty_four else rng.choice(HOURS),
                "staffed": staffed,
                "on_maps": rng.random() < (0.5 if on.year < 2020 else 0.85),
                "has_premises": rng.random() < 0.98,
                "has_sign": rng.random() < 0.92,
                "has_rules": rng.random() < 0.85,
                "manager": rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN),
                "phone": mobile(rng)
                if rng.random() < 0.8
                else f"0451-5{rng.randrange(10**6, 10**7)}",
                "facilities": ",".join(sorted(facilities, key=order.__getitem__)),
                "latitude": coords[0] if coords else None,
                "longitude": coords[1] if coords else None,
                "status": status,
                "status_since": since,
                "closed_on": closed,
                "created_at": now,
                "updated_at": now,
            }
        )

        # ratings: yearly from the year after opening, decided in December
        # until the year before it closed, or the year it was suspended
        last = closed.year - 1 if closed else since.year if status == "suspended" else end.year
        rating, ever = "none", False
        for year in range(on.year + 1, last + 1):
            rated_on = workday(date(year, 12, rng.randrange(10, 24)))
            if rated_on > end:
                break
            before = rating
            if status == "suspended" and year == since.year:
                rating = "none"  # a suspended station loses its rating
            elif not ever:
                rating = _pick(rng, FIRST_RATING)
            else:
                rating = _pick(rng, RATING_NEXT[before])
            ever = ever or rating != "none"
            if rating != "none" or before != "none":  # not yet rated, or still withdrawn: no entry
                ratings.append(
                    {
                        "station_id": i,
                        "year": year,
                        "rating": rating,
                        "rated_on": rated_on,
                        "created_at": now,
                        "updated_at": now,
                    }
                )

        # the service ledger: every month the station was open
        base = MEAN_VISITS * rng.lognormvariate(0, 0.45) / 1.1
        base *= (1.3 if twenty_four else 1.0) * (1.1 if staffed else 0.8)
        month, stop = _month(on), _month(since if status != "open" else end)
        age = 0
        while month <= stop:
            ramp = 0.6 if age < 3 else 1.0
            lull = 0.5 if (month.year == 2020 and 2 <= month.month <= 4) else 1.0
            visits = round(base * SEASON[month.month - 1] * ramp * lull * rng.uniform(0.8, 1.2))
            logs.append(
                {
                    "station_id": i,
                    "month": month,
                    "visits": visits,
                    "activities": rng.choices((0, 1, 2, 3), weights=(45, 33, 15, 7))[0],
                    "created_at": now,
                    "updated_at": now,
                }
            )
            month, age = _next_month(month), age + 1
    # the status history: drawn from what was built, so the random draws above stay as they were
    events: list[dict[str, Any]] = []
    for station in stations:
        events.append(_station_event(station, station["opened_on"], "open", now))
    for station in stations:
        if station["status"] != "open":
            reason = "站点撤销" if station["status"] == "closed" else "场所装修"
            events.append(
                _station_event(station, station["status_since"], station["status"], now, reason)
            )
    for k, row in enumerate(ratings, start=1):
        row["id"] = k
    for k, row in enumerate(logs, start=1):
        row["id"] = k
    for k, row in enumerate(events, start=1):
        row["id"] = k
    return stations, ratings, logs, events


def _station_event(
    station: dict[str, Any], on: date, status: str, now: Any, reason: str | None = None
) -> dict[str, Any]:
    return {
        "station_id": station["id"],
        "event_date": on,
        "status": status,
        "reason": reason,
        "created_at": now,
    }
