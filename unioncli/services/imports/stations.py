"""Stations and their monthly service ledger from spreadsheets, by the rules of ``station``.

A station is matched by its code (by its exact name when the row has no code). A station's status
and closing change through ``station suspend|close|reopen`` or a ``station-status`` file (dated
events, by the same rules), never by a ``stations`` file; ``station-ratings`` files carry the
yearly ratings by the rules of ``station rate``. A ledger row for
a month already recorded is the same entry: unchanged when equal; ``update`` replaces it (kept in
the batch's change log, so ``import undo`` puts the old figures back).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import insert, select

from unioncli import i18n
from unioncli.enums import StationRating as R
from unioncli.enums import StationStatus as S
from unioncli.errors import Conflict, InvalidValue, MissingFields, NotFound, UnionCliError
from unioncli.i18n import register
from unioncli.models import metadata
from unioncli.services.common import Collector, blank, clean_text
from unioncli.services.figures import county_name
from unioncli.services.imports.engine import (
    Column,
    Context,
    Item,
    Kind,
    describe_fields,
    exists_error,
)
from unioncli.services.stations import rules

register(
    {
        "import.station_lifecycle": (
            "{fields}与台账不同：站点暂停、撤销、恢复请用 station suspend / close / reopen 办理",
            "{fields} differ from the ledger: suspend, close or reopen a station with station "
            "suspend / close / reopen",
        ),
    }
)

STATION_COLUMNS = (
    Column("code", "站点编号", "code", ("编号", "站点代码")),
    Column("name", "站点名称", "name", ("站点", "驿站名称", "名称"), required=True),
    Column("address", "地址", "address", ("站点地址", "详细地址")),
    Column("township", "所属乡镇", "township", ("乡镇", "乡镇街道", "街道")),
    Column("county", "区县", "county", ("所属区县", "县区")),
    Column("host", "依托单位", "host", ("依托", "承建单位")),
    Column("build_model", "建设模式", "build_model", ("建设方式",)),
    Column("opened", "建成日期", "opened", ("建成时间", "启用日期", "开放日期"), required=True),
    Column("hours", "开放时间", "hours", ("开放时段",)),
    Column("facilities", "设施", "facilities", ("配套设施", "服务设施")),
    Column("rating", "评级", "rating", ("星级", "评定等级")),
    Column("rating_year", "评级年度", "rating_year", ("评定年度",)),
    Column("status", "状态", "status", ("站点状态",)),
    Column("closed", "撤销日期", "closed", ("撤销时间",)),
    Column("manager", "管理员", "manager", ("负责人", "联系人")),
    Column("phone", "联系电话", "phone", ("电话", "手机", "手机号")),
)
LOG_COLUMNS = (
    Column("code", "站点编号", "code", ("编号", "站点代码")),
    Column("name", "站点名称", "name", ("站点", "驿站名称")),
    Column("month", "月份", "month", ("统计月份", "年月"), required=True),
    Column("visits", "服务人次", "visits", ("服务人数", "人次"), required=True),
    Column("activities", "活动场次", "activities", ("活动次数", "场次")),
)

# the columns a station row carries that an import may correct; status and closing are lifecycle
DATA = ("name", "address", "township", "county", "host", "build_model", "opened_on", "hours",
        "facilities", "manager", "phone")  # fmt: skip
LIFECYCLE = ("status", "closed_on")
FIELD_OF = {"name": "station_name", "opened_on": "station_opened", "closed_on": "closed"}


def _label(keys: list[str]) -> str:
    return describe_fields(FIELD_OF.get(k, k) for k in keys)


class StationImport(Kind):
    name = "stations"
    columns = STATION_COLUMNS
    key_field = "code"

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        fields = rules.parse_station_fields(raw)
        if not raw.get("status") and not raw.get("closed"):
            fields["status"] = None  # not given: a new station is open, a known one stays as is
        return fields

    def apply(self, ctx: Context, items: list[Item]) -> None:
        stations = metadata.tables["station"]
        for item in items:
            p: dict[str, Any] = item.parsed
            key = (
                stations.c.code == p["code"].upper() if p["code"] else stations.c.name == p["name"]
            )
            row = ctx.conn.execute(select(stations).where(key)).mappings().first()
            if row is None:
                self._create(ctx, p)
                item.outcome = "created"
                continue
            diff = [k for k in (*DATA, *LIFECYCLE) if p[k] is not None and row[k] != p[k]]
            rating_diff = self._rating_differs(ctx, row["id"], p)
            if row["batch_id"] == ctx.batch_id:  # an earlier row of this file
                if diff or rating_diff:
                    item.reject(UnionCliError("import.dup_in_file", what=_label(["code"])))
                else:
                    item.outcome = "duplicate"
                continue
            if not diff and not rating_diff:
                item.outcome = "unchanged"
            elif ctx.on_duplicate == "skip":
                item.outcome = "skipped"
            elif ctx.on_duplicate == "error":
                item.reject(exists_error(FIELD_OF.get(k, k) for k in diff or ["rating"]))
            elif any(k in LIFECYCLE for k in diff):
                lifecycle = [k for k in diff if k in LIFECYCLE]
                item.reject(UnionCliError("import.station_lifecycle", fields=_label(lifecycle)))
            else:
                if diff:
                    ctx.update_row(
                        stations, "station", row["id"], {k: row[k] for k in diff},
                        {k: p[k] for k in diff},
                    )  # fmt: skip
                if rating_diff:
                    self._rate(ctx, row["id"], p)
                item.outcome = "updated"

    def _create(self, ctx: Context, p: dict[str, Any]) -> None:
        stations = metadata.tables["station"]
        code = (p["code"] or rules.next_station_code(ctx.conn)).upper()
        values = {k: v for k, v in p.items() if k in stations.c and k != "code"}
        if values.get("county") is None:
            values["county"] = county_name(self.county)
        values.update(
            code=code,
            status=p["status"] or "open",
            status_since=p["closed_on"] or p["opened_on"],
            created_at=ctx.timestamp,
            updated_at=ctx.timestamp,
            batch_id=ctx.batch_id,
        )
        station_id = ctx.conn.execute(
            insert(stations).returning(stations.c.id), values
        ).scalar_one()
        events = rules.opening_events(
            station_id, p["opened_on"], values["status"], values["status_since"]
        )
        ctx.conn.execute(
            insert(metadata.tables["station_event"]),
            [
                {
                    "station_id": sid,
                    "event_date": on,
                    "status": status,
                    "created_at": ctx.timestamp,
                    "batch_id": ctx.batch_id,
                }
                for sid, on, status in events
            ],
        )
        if p["rating"] is not None:
            self._rate(ctx, station_id, p)

    def _rating_differs(self, ctx: Context, station_id: int, p: dict[str, Any]) -> bool:
        if p["rating"] is None:
            return False
        ratings = metadata.tables["station_rating"]
        held = ctx.conn.execute(
            select(ratings.c.rating).where(
                ratings.c.station_id == station_id, ratings.c.year == p["rating_year"]
            )
        ).scalar()
        return bool(held != p["rating"])

    def _rate(self, ctx: Context, station_id: int, p: dict[str, Any]) -> None:
        ratings = metadata.tables["station_rating"]
        held = ctx.conn.execute(
            select(ratings.c.id, ratings.c.rating).where(
                ratings.c.station_id == station_id, ratings.c.year == p["rating_year"]
            )
        ).first()
        if held is None:
            ctx.conn.execute(
                insert(ratings),
                {
                    "station_id": station_id,
                    "year": p["rating_year"],
                    "rating": p["rating"],
                    "created_at": ctx.timestamp,
                    "updated_at": ctx.timestamp,
                    "batch_id": ctx.batch_id,
                },
            )
        else:
            ctx.update_row(
                ratings, "station_rating", held.id, {"rating": held.rating}, {"rating": p["rating"]}
            )


class StationLogImport(Kind):
    name = "station-logs"
    columns = LOG_COLUMNS
    key_field = "code"

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        return rules.parse_log_fields(raw)

    def apply(self, ctx: Context, items: list[Item]) -> None:
        logs = metadata.tables["station_log"]
        for item in items:
            p: dict[str, Any] = item.parsed
            try:
                station = rules.resolve_station(ctx.conn, p["code"], p["name"])
                rules.check_log_month(station, p["month"])
            except (NotFound, UnionCliError) as exc:
                item.reject(exc)
                continue
            row = (
                ctx.conn.execute(
                    select(logs).where(logs.c.station_id == station.id, logs.c.month == p["month"])
                )
                .mappings()
                .first()
            )
            given = {"visits": p["visits"], "activities": p["activities"]}
            if row is None:
                ctx.conn.execute(
                    insert(logs),
                    {
                        "station_id": station.id,
                        "month": p["month"],
                        **given,
                        "created_at": ctx.timestamp,
                        "updated_at": ctx.timestamp,
                        "batch_id": ctx.batch_id,
                    },
                )
                item.outcome = "created"
                continue
            diff = [k for k, v in given.items() if row[k] != v]
            if row["batch_id"] == ctx.batch_id:
                if diff:
                    item.reject(UnionCliError("import.dup_in_file", what=_label(["code", "month"])))
                else:
                    item.outcome = "duplicate"
            else:
                ctx.settle(item, diff, logs, "station_log", row["id"], dict(row), given)


# --- status changes and ratings ----------------------------------------------------------------

STATUS_COLUMNS = (
    Column("code", "站点编号", "code", ("编号", "站点代码")),
    Column("name", "站点名称", "name", ("站点", "驿站名称")),
    Column("status", "状态", "status", ("站点状态", "变动", "状态变动"), required=True),
    Column("date", "日期", "date", ("变动日期", "状态日期", "办理日期"), required=True),
    Column("reason", "原因", "reason", ("变动原因", "备注")),
)
RATING_COLUMNS = (
    Column("code", "站点编号", "code", ("编号", "站点代码")),
    Column("name", "站点名称", "name", ("站点", "驿站名称")),
    Column("year", "评级年度", "year", ("评定年度", "年度"), required=True),
    Column("rating", "评级", "rating", ("星级", "评定等级"), required=True),
    Column("rated_on", "评定日期", "rated_on", ("评定时间", "评级日期")),
)
# 恢复开放 (reopen) is a status change to open
_REOPEN = frozenset({"恢复开放", "恢复", "重新开放", "reopen", "reopened"})
# the action that leads to each status, for the rules of ``station suspend|close|reopen``
_ACTION_TO = {"open": "reopen", "suspended": "suspend", "closed": "close"}


def _station_ref(raw: dict[str, str], c: Any) -> tuple[str | None, str | None]:
    code = None if blank(raw.get("code")) else c.take(rules.parse_code, raw["code"])
    name = (
        None
        if blank(raw.get("name"))
        else c.take(clean_text, str(raw["name"]), "station_name", max_len=100)
    )
    return code, name


class StationStatusImport(Kind):
    """Dated status changes (暂停, 撤销, 恢复开放), by the rules of ``station suspend|close|reopen``.

    Within a chunk the rows of one station apply in date order; a row dated before the station's
    opening or its latest status change is refused; a row equal to a stored event (date and
    status) is unchanged. Each station's current status follows its latest event, once per file
    (in the change log, so ``import undo`` puts it back with the events removed).
    """

    name = "station-status"
    columns = STATUS_COLUMNS
    key_field = "code"

    def begin(self, ctx: Context) -> None:
        self.touched: set[int] = set()

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        missing = [k for k in ("status", "date") if blank(raw.get(k))]
        if blank(raw.get("code")) and blank(raw.get("name")):
            missing.insert(0, "station")
        if missing:
            raise MissingFields(["station_status" if k == "status" else k for k in missing])
        c = Collector()
        code, name = _station_ref(raw, c)
        text = raw["status"].strip()
        if text.lower() in _REOPEN:
            status: str | None = S.OPEN.value
        else:
            found = c.take(lambda v: S.parse(v, field="station_status"), text)
            status = None if found is None else found.value
        out = {
            "code": code,
            "name": name,
            "status": status,
            "date": c.take(rules.past_date, raw["date"], "date"),
            "reason": None
            if blank(raw.get("reason"))
            else c.take(clean_text, str(raw["reason"]), "reason", max_len=200),
        }
        c.check()
        return out

    def apply(self, ctx: Context, items: list[Item]) -> None:
        events = metadata.tables["station_event"]
        resolved: list[tuple[Item, rules.StationInfo]] = []
        for item in items:
            try:
                resolved.append(
                    (
                        item,
                        rules.resolve_station(ctx.conn, item.parsed["code"], item.parsed["name"]),
                    )
                )
            except UnionCliError as exc:
                item.reject(exc)
        resolved.sort(key=lambda pair: (pair[1].id, pair[0].parsed["date"], pair[0].line))
        for item, station in resolved:
            p: dict[str, Any] = item.parsed
            history = rules.status_history(ctx.conn, station.id)
            same = [e for e in history if e.event_date == p["date"] and e.status == p["status"]]
            if same:
                self._same(ctx, item, same[0], events)
                continue
            try:
                self._check(ctx, station, history, p)
            except UnionCliError as exc:
                item.reject(exc)
                continue
            rules.add_event(
                ctx.conn, station.id, p["date"], p["status"], p["reason"], batch_id=ctx.batch_id
            )
            self.touched.add(station.id)
            item.outcome = "created"

    def _same(self, ctx: Context, item: Item, event: Any, events: Any) -> None:
        """A row equal to a stored event in date and status: unchanged, or its reason differs."""
        given = item.parsed["reason"]
        batch = ctx.conn.execute(
            select(events.c.batch_id).where(events.c.id == event.id)
        ).scalar_one()
        if given is None or given == event.reason:
            item.outcome = "duplicate" if batch == ctx.batch_id else "unchanged"
        elif batch == ctx.batch_id:
            item.reject(UnionCliError("import.dup_in_file", what=_label(["code", "date"])))
        else:
            ctx.settle(
                item,
                ["reason"],
                events,
                "station_event",
                event.id,
                {"reason": event.reason},
                {"reason": given},
            )

    def _check(
        self, ctx: Context, station: rules.StationInfo, history: list[Any], p: dict[str, Any]
    ) -> None:
        """The rules of ``station.change_status`` on the station's history."""
        when: date = p["date"]
        if history:
            current, since = history[-1].status, history[-1].event_date
        else:
            current, since = station.status, station.status_since
        action = _ACTION_TO[p["status"]]
        allowed, _ = rules.TRANSITIONS[action]
        if S(current) not in allowed:
            raise Conflict(
                "station.not_allowed",
                name=station.name,
                status=S(current).label(),
                action=i18n.t(f"station.action.{action}"),
                allowed=i18n.join(s.label() for s in S if s in allowed),
            )
        if when < station.opened_on:
            raise Conflict(
                "station.before_opened", date=when, name=station.name, opened=station.opened_on
            )
        if when < since:
            raise Conflict(
                "station.before_last_change",
                date=when,
                name=station.name,
                status=S(current).label(),
                since=since,
            )
        if p["status"] == S.CLOSED.value:
            rules.check_no_logs_after(ctx.conn, station.id, station.name, when)

    def finish(self, ctx: Context) -> None:
        """Each station changed: its current status becomes its latest event's."""
        stations = metadata.tables["station"]
        for station_id in sorted(self.touched):
            latest = rules.status_history(ctx.conn, station_id)[-1]
            row = (
                ctx.conn.execute(
                    select(stations.c.status, stations.c.status_since, stations.c.closed_on).where(
                        stations.c.id == station_id
                    )
                )
                .mappings()
                .one()
            )
            closed = latest.event_date if latest.status == S.CLOSED.value else None
            after = {
                "status": latest.status,
                "status_since": latest.event_date,
                "closed_on": closed,
            }
            before = {k: rules.as_date(row[k]) if k != "status" else row[k] for k in after}
            changed = [k for k in after if before[k] != after[k]]
            if changed:
                ctx.update_row(
                    stations,
                    "station",
                    station_id,
                    {k: before[k] for k in changed},
                    {k: after[k] for k in changed},
                )


class StationRatingImport(Kind):
    """Yearly ratings, by the rules of ``station rate``: a row for a year already rated is the
    same rating (unchanged when equal; ``update`` replaces it, in the change log); no rating for
    a year before the opening or one the station was closed throughout."""

    name = "station-ratings"
    columns = RATING_COLUMNS
    key_field = "code"

    def parse(self, raw: dict[str, str]) -> dict[str, Any]:
        missing = [k for k in ("year", "rating") if blank(raw.get(k))]
        if blank(raw.get("code")) and blank(raw.get("name")):
            missing.insert(0, "station")
        if missing:
            raise MissingFields(["rating_year" if k == "year" else k for k in missing])
        c = Collector()
        code, name = _station_ref(raw, c)
        rating = c.take(lambda v: R.parse(str(v), field="rating"), raw["rating"])
        out = {
            "code": code,
            "name": name,
            "year": c.take(rules.rating_year, raw["year"]),
            "rating": None if rating is None else rating.value,
            "rated_on": None
            if blank(raw.get("rated_on"))
            else c.take(rules.past_date, raw["rated_on"], "rated_on"),
        }
        c.check()
        return out

    def apply(self, ctx: Context, items: list[Item]) -> None:
        ratings = metadata.tables["station_rating"]
        for item in items:
            p: dict[str, Any] = item.parsed
            try:
                station = rules.resolve_station(ctx.conn, p["code"], p["name"])
                if p["year"] < station.opened_on.year:
                    raise InvalidValue(
                        "rating_year",
                        p["year"],
                        "station.year_before_opened",
                        year=station.opened_on.year,
                    )
                rules.check_rating_year(ctx.conn, station, p["year"])
            except UnionCliError as exc:
                item.reject(exc)
                continue
            row = (
                ctx.conn.execute(
                    select(ratings).where(
                        ratings.c.station_id == station.id, ratings.c.year == p["year"]
                    )
                )
                .mappings()
                .first()
            )
            if row is None:
                ctx.conn.execute(
                    insert(ratings),
                    {
                        "station_id": station.id,
                        "year": p["year"],
                        "rating": p["rating"],
                        "rated_on": p["rated_on"],
                        "created_at": ctx.timestamp,
                        "updated_at": ctx.timestamp,
                        "batch_id": ctx.batch_id,
                    },
                )
                item.outcome = "created"
                continue
            given = {"rating": p["rating"], "rated_on": p["rated_on"]}
            stored = {"rating": row["rating"], "rated_on": rules.as_date(row["rated_on"])}
            diff = [k for k, v in given.items() if v is not None and stored[k] != v]
            if row["batch_id"] == ctx.batch_id:
                if diff:
                    item.reject(UnionCliError("import.dup_in_file", what=_label(["code", "year"])))
                else:
                    item.outcome = "duplicate"
            else:
                ctx.settle(item, diff, ratings, "station_rating", row["id"], stored, given)
