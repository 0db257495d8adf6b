"""Stations and their monthly service ledger from spreadsheets, by the rules of ``station``.

A station is matched by its code (by its exact name when the row has no code). A station's status
and closing change through ``station suspend|close|reopen``, never by an import. A ledger row for
a month already recorded is the same entry: unchanged when equal; ``update`` replaces it (kept in
the batch's change log, so ``import undo`` puts the old figures back).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select

from unioncli.errors import NotFound, UnionCliError
from unioncli.i18n import register
from unioncli.models import metadata
from unioncli.services import stations as rules
from unioncli.services.figures import county_name
from unioncli.services.imports.engine import (
    Column,
    Context,
    Item,
    Kind,
    describe_fields,
    exists_error,
)

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
            elif not diff:
                item.outcome = "unchanged"
            elif ctx.on_duplicate == "skip":
                item.outcome = "skipped"
            elif ctx.on_duplicate == "error":
                item.reject(exists_error(diff))
            else:
                ctx.update_row(
                    logs,
                    "station_log",
                    row["id"],
                    {k: row[k] for k in diff},
                    {k: given[k] for k in diff},
                )
                item.outcome = "updated"
