"""``unioncli station``: outdoor-workers' stations (户外劳动者服务站点 / 工会驿站)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import typer

from unioncli import i18n
from unioncli.cli.common import (
    AllOption,
    Format,
    FormatOption,
    LimitOption,
    ReasonOption,
    ShowIdOption,
    limit_of,
    list_when_bare,
    masker,
    reveal,
    state,
    uow,
)
from unioncli.cli.nouns import help_of

app = typer.Typer(
    help=help_of("station"),
    no_args_is_help=False,
)

i18n.register(
    {
        "station.added": (
            "已登记站点 {code}：{name}（{township}），建成日期 {opened}",
            "station {code} added: {name} ({township}), opened {opened}",
        ),
        "station.updated": ("已更新站点 {code}：{name}", "station {code} updated: {name}"),
        "station.changed": (
            "站点 {code} {name}：{action}（{date}），当前状态：{status}",
            "station {code} {name}: {action} ({date}); status now {status}",
        ),
        "station.rated": (
            "站点 {code} {name}：{year} 年度评级为“{rating}”",
            "station {code} {name}: rated “{rating}” for {year}",
        ),
        "station.rerated": (
            "站点 {code} {name}：{year} 年度评级由“{previous}”改为“{rating}”（原评级记入审计日志）",
            "station {code} {name}: {year} rating changed from “{previous}” to “{rating}” "
            "(the old one is kept in the audit log)",
        ),
        "station.rating_same": (
            "站点 {code} {name}：{year} 年度评级已是“{rating}”，未作改动",
            "station {code} {name}: already rated “{rating}” for {year}; nothing changed",
        ),
        "station.logged": (
            "站点 {code} {name}：{month} 服务 {visits} 人次，活动 {activities} 场",
            "station {code} {name}: {month}, {visits} served, {activities} activities",
        ),
        "station.log_replaced": (
            "（已替换原登记：服务 {visits} 人次，活动 {activities} 场）",
            "(replaced: {visits} served, {activities} activities)",
        ),
        "station.none": ("没有符合条件的站点", "no matching stations"),
        "station.count": ("共 {n} 个站点", "{n} stations"),
        "station.count_in": ("{county}：共 {n} 个站点", "{county}: {n} stations"),
        "station.legend": ("设施：{legend}", "facilities: {legend}"),
        "station.col.marks": ("设施", "facilities"),
        "station.col.check": ("达标检查", "standard check"),
        "station.col.missing": ("缺少", "lacking"),
        "station.col.warn": ("提示", "warning"),
        "station.col.stations": ("站点数", "stations"),
        "station.col.entries": ("月数", "months"),
        "station.check_ok": ("齐全", "complete"),
        "station.check_lacks": ("缺 {n} 项", "lacks {n}"),
        "station.check_all_ok": ("{n} 个站点均达到建设标准", "all {n} stations meet the standard"),
        "station.check_summary": (
            "{n} 个站点中 {lacking} 个缺项，其中 {warned} 个已评为达标及以上",
            "{lacking} of {n} stations lack items; {warned} of them are rated standard or above",
        ),
        "station.check_warning": (
            "注意：站点 {code} {name} 评为“{rating}”（{year} 年度），但缺少：{missing}",
            "warning: station {code} {name} is rated “{rating}” ({year}) but lacks: {missing}",
        ),
        "station.check_advice": (
            "达标检查仅供参考；评级以县总工会评定为准",
            "the check is advice; the rating is what the federation awarded",
        ),
        "station.ratings": ("历年评级", "ratings by year"),
        "station.history": ("状态变动", "status history"),
        "station.logs": ("服务台账（最近 12 个月）", "service ledger (latest 12 months)"),
        "station.no_logs": ("尚无服务台账", "no ledger entries yet"),
        "station.total": (
            "合计：服务 {visits} 人次，活动 {activities} 场（{entries} 条月度台账）",
            "total: {visits} served, {activities} activities ({entries} monthly entries)",
        ),
        "station.rated_on": ("评定日期", "rated on"),
        "station.coordinates": ("坐标", "coordinates"),
        "station.no_township": ("（未填乡镇）", "(no township)"),
    }
)

# One mark per facility, so a clerk scans a column of 水椅药充 at a glance.
MARKS = {
    "water": "水",
    "microwave": "微",
    "fridge": "冰",
    "climate": "空",
    "seating": "椅",
    "toilet": "厕",
    "first_aid": "药",
    "phone_charging": "充",
    "ev_charging": "电",
    "wifi": "网",
    "reading": "书",
    "umbrella": "伞",
    "toolbox": "工",
    "aed": "A",
    "nursing": "婴",
}


def _label(enum_name: str) -> Any:
    def show(code: str) -> str:
        from unioncli import enums

        return getattr(enums, enum_name)(code).label()  # type: ignore[no-any-return]

    return show


def _marks(codes: list[str]) -> str:
    return "".join(MARKS.get(c, "?") for c in codes)


def _legend(codes: set[str]) -> str:
    from unioncli.enums import Facility

    return " ".join(f"{MARKS[f.value]}={f.label()}" for f in Facility if f.value in codes)


def _items(codes: list[str], facilities: list[str]) -> str:
    from unioncli.enums import Facility

    parts = []
    for item in codes:
        text = i18n.t(f"station.item.{item}")
        if item == "facilities" and facilities:
            text += "（" + i18n.join(Facility(f).label() for f in facilities) + "）"
        parts.append(text)
    return i18n.join(parts)


def _raw(**values: Any) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


list_when_bare(app)


@app.command("add")
def add(
    code: str = typer.Argument(..., help="站点编号"),
    name: str = typer.Argument(..., help="站点名称"),
    opened: str = typer.Option(..., "--opened", help="建成日期，如 2018-06-01"),
    address: str | None = typer.Option(None, "--address", help="地址"),
    township: str | None = typer.Option(None, "--township", help="所属乡镇/街道"),
    host: str | None = typer.Option(None, "--host", help="依托单位，如 党群服务中心、银行网点"),
    build_model: str | None = typer.Option(
        None, "--build-model", help="建设模式：工会自建|社会共建"
    ),
    hours: str | None = typer.Option(None, "--hours", help="开放时间，如 24小时 或 08:00-20:00"),
    staffed: bool = typer.Option(False, "--staffed/--no-staffed", help="有人员值守"),
    on_maps: bool = typer.Option(False, "--on-maps", help="已上线电子地图"),
    sign: bool = typer.Option(False, "--sign", help="有统一标识"),
    rules: bool = typer.Option(False, "--rules", help="有管理制度"),
    no_premises: bool = typer.Option(False, "--no-premises", help="没有固定场所"),
    manager: str | None = typer.Option(None, "--manager", help="管理员"),
    phone: str | None = typer.Option(None, "--phone", help="联系电话"),
    facilities: str | None = typer.Option(
        None, "--facilities", help="设施，用 、 ; , / 分隔，如 饮水、桌椅、应急药箱、手机充电"
    ),
    lat: float | None = typer.Option(None, "--lat", help="纬度"),
    lon: float | None = typer.Option(None, "--lon", help="经度"),
    county: str | None = typer.Option(
        None, "--county", help="所属区县（默认本人所在区县：全局 --county / UNIONCLI_COUNTY）"
    ),
) -> None:
    """登记服务站点. Example: unioncli station add ZD0001 城关镇爱心驿站 --opened 2018-06-01 --township 城关镇 --facilities 饮水、桌椅、应急药箱、手机充电"""
    from unioncli.cli.render import line
    from unioncli.services.stations.register import add_station

    raw = _raw(
        code=code,
        name=name,
        opened=opened,
        address=address,
        township=township,
        host=host,
        build_model=build_model,
        hours=hours,
        staffed=staffed,
        on_maps=on_maps,
        has_sign=sign,
        has_rules=rules,
        has_premises=not no_premises,
        manager=manager,
        phone=phone,
        facilities=facilities,
        latitude=lat,
        longitude=lon,
        county=county,
    )
    with uow() as work:
        view = add_station(work, raw, county=state.county)
        work.commit()
    line(
        i18n.t(
            "station.added",
            code=view.code,
            name=view.name,
            township=view.township or "-",
            opened=view.opened_on,
        )
    )


@app.command("update")
def update(
    ref: str = typer.Argument(..., help="站点编号或名称"),
    code: str | None = typer.Option(None, "--code", help="新的站点编号"),
    name: str | None = typer.Option(None, "--name", help="站点名称"),
    opened: str | None = typer.Option(None, "--opened", help="建成日期"),
    address: str | None = typer.Option(None, "--address", help="地址"),
    township: str | None = typer.Option(None, "--township", help="所属乡镇/街道"),
    host: str | None = typer.Option(None, "--host", help="依托单位"),
    build_model: str | None = typer.Option(
        None, "--build-model", help="建设模式：工会自建|社会共建"
    ),
    hours: str | None = typer.Option(None, "--hours", help="开放时间"),
    staffed: bool | None = typer.Option(None, "--staffed/--no-staffed", help="有人员值守"),
    on_maps: bool | None = typer.Option(None, "--on-maps/--not-on-maps", help="已上线电子地图"),
    sign: bool | None = typer.Option(None, "--sign/--no-sign", help="有统一标识"),
    rules: bool | None = typer.Option(None, "--rules/--no-rules", help="有管理制度"),
    premises: bool | None = typer.Option(None, "--premises/--no-premises", help="有固定场所"),
    manager: str | None = typer.Option(None, "--manager", help="管理员"),
    phone: str | None = typer.Option(None, "--phone", help="联系电话"),
    facilities: str | None = typer.Option(None, "--facilities", help="设施（整体替换）"),
    lat: float | None = typer.Option(None, "--lat", help="纬度"),
    lon: float | None = typer.Option(None, "--lon", help="经度"),
    county: str | None = typer.Option(None, "--county", help="改属区县（转到另一区县）"),
) -> None:
    """修改站点信息（空项不改；状态用 suspend/close/reopen）. Example: unioncli station update ZD0001 --sign --rules --facilities 饮水、桌椅、应急药箱、手机充电、无线网络"""
    from unioncli.cli.render import line
    from unioncli.services.stations.register import update_station

    raw = _raw(
        code=code,
        name=name,
        opened=opened,
        address=address,
        township=township,
        host=host,
        build_model=build_model,
        hours=hours,
        staffed=staffed,
        on_maps=on_maps,
        has_sign=sign,
        has_rules=rules,
        has_premises=premises,
        manager=manager,
        phone=phone,
        facilities=facilities,
        latitude=lat,
        longitude=lon,
        county=county,
    )
    with uow() as work:
        view = update_station(work, ref, raw)
        work.commit()
    line(i18n.t("station.updated", code=view.code, name=view.name))


@app.command("show")
def show(
    ref: str = typer.Argument(..., help="站点编号或名称"),
    show_id: bool = ShowIdOption,
    reason: str | None = ReasonOption,
    fmt: Format = FormatOption,
) -> None:
    """查看站点、状态变动、历年评级、最近 12 个月服务台账和达标检查. Example: unioncli station show ZD0001"""
    from unioncli.cli.render import Column, dump_json, line, record, rows
    from unioncli.db.read import reading
    from unioncli.enums import BuildModel, Facility, StationRating, StationStatus
    from unioncli.views.stations import show as view

    with reading(state.target()) as reader:
        v = view(reader, ref)
    reveal(show_id, reason, "station.show", [v.id])
    _, mask_phone = masker(show_id)
    phone = mask_phone(v.phone) if v.phone and v.phone.isdigit() and len(v.phone) == 11 else v.phone
    if fmt == Format.json:
        data = asdict(v)
        data["phone"] = phone
        dump_json(data)
        return
    f = i18n.field_label
    yes = i18n.t
    coords = f"{v.latitude}, {v.longitude}" if v.latitude is not None else None
    record(
        f"{v.code} {v.name}",
        [
            (f("station_code"), v.code),
            (f("station_name"), v.name),
            (f("station_address"), v.address),
            *([(f("county"), v.county)] if v.county else []),
            (f("township"), v.township),
            (f("station_host"), v.host),
            (f("build_model"), BuildModel(v.build_model).label() if v.build_model else None),
            (f("station_opened"), v.opened_on),
            (f("hours"), v.hours),
            (f("station_status"), f"{StationStatus(v.status).label()}（{v.status_since}）"),
            (f("station_closed"), v.closed_on),
            (f("staffed"), v.staffed),
            (f("on_maps"), v.on_maps),
            (f("has_premises"), v.has_premises),
            (f("has_sign"), v.has_sign),
            (f("has_rules"), v.has_rules),
            (f("facilities"), i18n.join(Facility(c).label() for c in v.facilities) or None),
            (f("manager"), v.manager),
            (f("station_phone"), phone),
            (yes("station.coordinates"), coords),
        ],
    )
    if v.check is not None:
        c = v.check
        status = (
            yes("station.check_ok")
            if not c.missing
            else yes("station.col.missing") + "：" + _items(c.missing, c.missing_facilities)
        )
        line(f"{yes('station.col.check')}：{status}")
        if c.warn and c.rating is not None:
            line(
                yes(
                    "station.check_warning",
                    code=c.code,
                    name=c.name,
                    rating=StationRating(c.rating).label(),
                    year=c.rating_year,
                    missing=_items(c.missing, c.missing_facilities),
                )
            )
    if v.history:
        line()
        rows(
            [
                Column("event_date", f("date")),
                Column("status", f("station_status"), show=_label("StationStatus")),
                Column("reason", f("reason")),
            ],
            [asdict(e) for e in v.history],
            title=yes("station.history"),
        )
    if v.ratings:
        line()
        rows(
            [
                Column("year", f("rating_year"), justify="right"),
                Column("rating", f("rating"), show=_label("StationRating")),
                Column("rated_on", yes("station.rated_on")),
            ],
            [asdict(r) for r in reversed(v.ratings)],
            title=yes("station.ratings"),
        )
    line()
    if not v.logs:
        line(yes("station.no_logs"))
        return
    rows(
        [
            Column("month", f("month"), show=lambda d: f"{d:%Y-%m}"),
            Column("visits", f("visits"), show=lambda n: f"{n:,}", justify="right"),
            Column("activities", f("activities"), justify="right"),
        ],
        [asdict(r) for r in v.logs],
        title=yes("station.logs"),
    )


@app.command("list")
def list_cmd(
    township: str | None = typer.Option(None, "--township", help="只列出该乡镇/街道的站点"),
    status: str | None = typer.Option(None, "--status", help="状态：开放|暂停|撤销"),
    rating: str | None = typer.Option(None, "--rating", help="评级：无|达标|示范|最美驿站"),
    rating_year: str | None = typer.Option(
        None, "--rating-year", help="按该年度的评级显示和筛选（默认最近一次评级）"
    ),
    limit: int = LimitOption,
    all_rows: bool = AllOption,
    fmt: Format = FormatOption,
) -> None:
    """按乡镇列出站点及设施标记. Example: unioncli station list --township 城关镇 --format json"""
    from unioncli.cli.render import Column, dump_json, listing
    from unioncli.db.read import reading
    from unioncli.enums import StationRating
    from unioncli.views.stations import StationFilter, list_stations

    flt = StationFilter(
        township=township,
        status=status,
        rating=rating,
        rating_year=rating_year,
        county=state.county,
    )
    with reading(state.target()) as reader:
        page = list_stations(reader, flt, limit=limit_of(limit, all_rows))
    found = page.rows
    # the county only where there are counties: a county's own ledger lists as it did
    with_county = any(r.county for r in found)
    if fmt == Format.json:
        dump_json(
            [
                {
                    "code": r.code,
                    "name": r.name,
                    **({"county": r.county} if with_county else {}),
                    "township": r.township,
                    "host": r.host,
                    "build_model": r.build_model,
                    "opened_on": r.opened_on,
                    "hours": r.hours,
                    "staffed": r.staffed,
                    "on_maps": r.on_maps,
                    "status": r.status,
                    "status_since": r.status_since,
                    "closed_on": r.closed_on,
                    "rating": r.rating,
                    "rating_year": r.rating_year,
                    "facilities": r.facilities,
                    "missing": r.missing,
                    "latitude": r.latitude,
                    "longitude": r.longitude,
                }
                for r in found
            ]
        )
        return

    def rating_text(r: Any) -> str:
        if r.rating is None:
            return ""
        return f"{StationRating(r.rating).label()}（{r.rating_year}）"

    f = i18n.field_label
    data = []
    for r in found:
        d = asdict(r)
        d["township"] = r.township or i18n.t("station.no_township")
        d["marks"] = _marks(r.facilities)
        d["rating"] = rating_text(r)
        d["check"] = (
            i18n.t("station.check_ok")
            if not r.missing
            else i18n.t("station.check_lacks", n=len(r.missing))
        )
        data.append(d)
    columns = [
        *([Column("county", f("county"))] if with_county else []),
        Column("township", f("township")),
        Column("code", f("station_code")),
        Column("name", f("station_name"), wrap=True),
        Column("status", f("station_status"), show=_label("StationStatus")),
        Column("opened_on", f("station_opened")),
        Column("marks", i18n.t("station.col.marks")),
        Column("check", i18n.t("station.col.check")),
        Column("rating", f("rating")),
    ]
    used = {c for r in found for c in r.facilities}
    count = (
        i18n.t("station.count_in", county=state.county, n=page.total)
        if state.county
        else i18n.t("station.count", n=page.total)
    )
    legend = i18n.t("station.legend", legend=_legend(used)) if used else ""
    listing(
        columns,
        data,
        fmt.value,
        total=page.total if len(found) < page.total else None,
        empty=i18n.t("station.none"),
        notes=[count, legend],
    )


def _change(action: str, ref: str, on: str, reason: str | None) -> None:
    from unioncli.cli.render import line
    from unioncli.enums import StationStatus
    from unioncli.services.stations.status import change_status

    with uow() as work:
        view = change_status(work, ref, action, on, reason)
        work.commit()
    line(
        i18n.t(
            "station.changed",
            code=view.code,
            name=view.name,
            action=i18n.t(f"station.action.{action}"),
            date=view.status_since,
            status=StationStatus(view.status).label(),
        )
    )


@app.command("suspend")
def suspend(
    ref: str = typer.Argument(..., help="站点编号或名称"),
    on: str = typer.Option(..., "--date", help="暂停日期"),
    reason: str | None = ReasonOption,
) -> None:
    """暂停开放站点. Example: unioncli station suspend ZD0001 --date 2024-07-01 --reason 装修"""
    _change("suspend", ref, on, reason)


@app.command("close")
def close(
    ref: str = typer.Argument(..., help="站点编号或名称"),
    on: str = typer.Option(..., "--date", help="撤销日期"),
    reason: str | None = ReasonOption,
) -> None:
    """撤销站点. Example: unioncli station close ZD0001 --date 2024-12-31 --reason 依托单位搬迁"""
    _change("close", ref, on, reason)


@app.command("reopen")
def reopen(
    ref: str = typer.Argument(..., help="站点编号或名称"),
    on: str = typer.Option(..., "--date", help="恢复开放日期"),
    reason: str | None = ReasonOption,
) -> None:
    """恢复开放暂停或撤销的站点. Example: unioncli station reopen ZD0001 --date 2024-09-01"""
    _change("reopen", ref, on, reason)


@app.command("check")
def check_cmd(
    ref: str | None = typer.Argument(None, help="站点编号或名称（不填则检查所有未撤销的站点）"),
    fmt: Format = FormatOption,
) -> None:
    """达标检查：各站点缺少哪些建设标准项. Example: unioncli station check ZD0001"""
    from unioncli.cli.render import Column, line, note, rows
    from unioncli.db.read import reading
    from unioncli.enums import StationRating
    from unioncli.views.stations import check

    with reading(state.target()) as reader:
        results = check(reader, ref, county=state.county)
    data = []
    for c in results:
        d = asdict(c)
        d["missing_text"] = _items(c.missing, c.missing_facilities) or i18n.t("station.check_ok")
        d["rating_text"] = (
            f"{StationRating(c.rating).label()}（{c.rating_year}）" if c.rating else ""
        )
        d["warn_text"] = "⚠" if c.warn else ""
        data.append(d)
    if fmt == Format.json:
        from unioncli.cli.render import dump_json

        dump_json([asdict(c) for c in results])
        return
    f = i18n.field_label
    lacking = [c for c in results if c.missing]
    warned = [c for c in lacking if c.warn]
    if fmt == Format.table and len(results) > 1 and not lacking:
        line(i18n.t("station.check_all_ok", n=len(results)))
    else:
        shown = data if ref is not None else [d for d in data if d["missing"]]
        rows(
            [
                Column("code", f("station_code")),
                Column("name", f("station_name"), wrap=True),
                Column("township", f("township")),
                Column("missing_text", i18n.t("station.col.missing"), wrap=True),
                Column("rating_text", f("rating")),
                Column("warn_text", i18n.t("station.col.warn")),
            ],
            shown,
            fmt.value,
            footer=i18n.t(
                "station.check_summary", n=len(results), lacking=len(lacking), warned=len(warned)
            )
            if fmt == Format.table
            else None,
        )
    for c in warned:
        assert c.rating is not None
        note(
            i18n.t(
                "station.check_warning",
                code=c.code,
                name=c.name,
                rating=StationRating(c.rating).label(),
                year=c.rating_year,
                missing=_items(c.missing, c.missing_facilities),
            )
        )
    if fmt == Format.table:
        note(i18n.t("station.check_advice"))


@app.command("rate")
def rate(
    ref: str = typer.Argument(..., help="站点编号或名称"),
    year: str = typer.Option(..., "--year", help="评级年度"),
    rating: str = typer.Option(
        ...,
        "--rating",
        help="评级：standard 达标|demonstration 示范|most_beautiful 最美驿站|none 无",
    ),
    on: str | None = typer.Option(None, "--date", help="评定日期"),
) -> None:
    """评定站点某年度的评级（同一年度再评即替换，降级和取消也是评级）. Example: unioncli station rate ZD0001 --year 2023 --rating 示范"""
    from unioncli.cli.render import line
    from unioncli.enums import StationRating
    from unioncli.services.stations.ratings import rate as service

    with uow() as work:
        r = service(work, ref, year, rating, on)
        work.commit()
    label = StationRating(r.rating).label()
    if not r.changed:
        key = "station.rating_same"
    elif r.previous is None:
        key = "station.rated"
    else:
        key = "station.rerated"
    previous = StationRating(r.previous).label() if r.previous else ""
    line(i18n.t(key, code=r.code, name=r.name, year=r.year, rating=label, previous=previous))


@app.command("log")
def log(
    ref: str = typer.Argument(..., help="站点编号或名称"),
    month: str = typer.Option(..., "--month", help="月份，如 2018-06"),
    visits: str = typer.Option(..., "--visits", help="服务人次"),
    activities: str | None = typer.Option(None, "--activities", help="活动场次"),
    replace: bool = typer.Option(False, "--replace", help="更正该月已有的登记（记入审计日志）"),
) -> None:
    """登记站点某月的服务台账. Example: unioncli station log ZD0001 --month 2018-06 --visits 320 --activities 2"""
    from unioncli.cli.render import line
    from unioncli.services.stations.logs import log_month

    with uow() as work:
        r = log_month(work, ref, month, visits, activities, replace=replace)
        work.commit()
    text = i18n.t(
        "station.logged",
        code=r.code,
        name=r.name,
        month=f"{r.month:%Y-%m}",
        visits=f"{r.visits:,}",
        activities=r.activities,
    )
    if r.replaced is not None:
        text += i18n.t(
            "station.log_replaced",
            visits=f"{r.replaced.visits:,}",
            activities=r.replaced.activities,
        )
    line(text)


@app.command("ledger")
def ledger_cmd(
    year: str | None = typer.Option(None, "--year", help="年度"),
    township: str | None = typer.Option(None, "--township", help="乡镇/街道"),
    station: str | None = typer.Option(None, "--station", help="站点编号或名称"),
    by: str = typer.Option("station", "--by", help="分组：station|township|month"),
    fmt: Format = FormatOption,
) -> None:
    """服务台账汇总（按站点、乡镇或月份），含合计. Example: unioncli station ledger --year 2023 --by township"""
    from unioncli.cli.render import Column, dump_json, rows
    from unioncli.db.read import reading
    from unioncli.views.stations import ledger

    with reading(state.target()) as reader:
        result = ledger(
            reader,
            year=year,
            township=township,
            station=station,
            by=by,
            county=state.county,
        )
    f = i18n.field_label
    count = {"show": lambda n: f"{n:,}", "justify": "right"}
    tail = [
        Column("entries", i18n.t("station.col.entries"), justify="right"),
        Column("visits", f("visits"), **count),  # type: ignore[arg-type]
        Column("activities", f("activities"), **count),  # type: ignore[arg-type]
    ]
    if result.by == "station":
        head = [
            Column("code", f("station_code")),
            Column("name", f("station_name"), wrap=True),
            Column("township", f("township")),
        ]
    elif result.by == "township":
        head = [
            Column("township", f("township")),
            Column("stations", i18n.t("station.col.stations"), justify="right"),
        ]
    else:
        head = [
            Column("month", f("month"), show=lambda d: f"{d:%Y-%m}"),
            Column("stations", i18n.t("station.col.stations"), justify="right"),
        ]
    keys = [c.key for c in head + tail]
    data = []
    for r in result.rows:
        d = {k: v for k, v in asdict(r).items() if k in keys}
        if result.by == "township" and d["township"] is None and fmt == Format.table:
            d["township"] = i18n.t("station.no_township")
        data.append(d)
    footer = i18n.t(
        "station.total",
        visits=f"{result.visits:,}",
        activities=f"{result.activities:,}",
        entries=result.entries,
    )
    if fmt == Format.json:
        dump_json(
            {
                "by": result.by,
                "year": result.year,
                "rows": data,
                "total": {
                    "entries": result.entries,
                    "visits": result.visits,
                    "activities": result.activities,
                },
            }
        )
        return
    rows(head + tail, data, fmt.value, footer=footer if fmt == Format.table else None)
