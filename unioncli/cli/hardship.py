"""``unioncli hardship``: hardship files (困难职工帮扶档案)."""

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
    interactive,
    limit_of,
    list_when_bare,
    masker,
    reveal,
    state,
    uow,
)
from unioncli.cli.hardship_family import FileArg, family_app
from unioncli.cli.nouns import help_of

app = typer.Typer(
    help=help_of("hardship"),
    no_args_is_help=False,
)
app.add_typer(family_app, name="family")

i18n.register(
    {
        "hardship.opened": (
            "已建档 {file_no}：{name}（{idn}），{category}，建档日期 {date}",
            "file {file_no} opened: {name} ({idn}), {category}, opened {date}",
        ),
        "hardship.reopened": (
            "已重新建档 {file_no}（原档案 {previous}）：{name}，{category}，建档日期 {date}",
            "file {file_no} opened again (previous file {previous}): {name}, {category}, "
            "opened {date}",
        ),
        "hardship.updated": ("已更新档案 {file_no}：{name}", "file {file_no} updated: {name}"),
        "hardship.reviewed": (
            "已登记档案 {file_no} 的复核（{date}）：{outcome}；困难类别：{category}",
            "review of file {file_no} recorded ({date}): {outcome}; category: {category}",
        ),
        "hardship.visited": (
            "已登记档案 {file_no} 的入户走访（{date}）",
            "home visit to file {file_no} recorded ({date})",
        ),
        "hardship.closed_msg": (
            "档案 {file_no}（{name}）已退档：{reason}，退档日期 {date}",
            "file {file_no} ({name}) closed: {reason}, on {date}",
        ),
        "hardship.line_set": (
            "{year} 年低保线：每人每月 {line} 元",
            "low-income line for {year}: {line} yuan per person per month",
        ),
        "hardship.no_lines": (
            "尚未设置低保线：hardship settings --year 2024 --low-income-line 760",
            "no low-income line set: hardship settings --year 2024 --low-income-line 760",
        ),
        "hardship.none": ("没有符合条件的档案", "no matching files"),
        "hardship.due_none": ("截至 {date} 没有待办事项", "nothing due as of {date}"),
        "hardship.due_footer": (
            "截至 {date}：待复核 {reviews} 户，待走访 {visits} 户；显示 {shown} 项，共 {total} 项",
            "as of {date}: {reviews} reviews and {visits} visits due; showing {shown} of {total}",
        ),
        "hardship.notice_none": ("没有可公示的记录", "nothing to publish"),
        "hardship.notice_title_new": ("{year} 年新建档困难职工公示", "new hardship files, {year}"),
        "hardship.notice_title_aid": (
            "{year} 年困难职工帮扶公示{kind}",
            "hardship aid, {year}{kind}",
        ),
        "hardship.notice_total": (
            "共 {count} 户，合计 {amount} 元",
            "{count} households, {amount} yuan in all",
        ),
        "hardship.notice_count": ("共 {count} 户", "{count} households"),
        "hardship.col.no": ("序号", "no."),
        "hardship.col.head": ("户主", "head"),
        "hardship.col.kind": ("待办", "due"),
        "hardship.col.due": ("应办日期", "due on"),
        "hardship.col.last": ("上次", "last"),
        "hardship.col.overdue": ("逾期天数", "days overdue"),
        "hardship.col.year": ("年度", "year"),
        "hardship.col.count": ("次数", "times"),
        "hardship.col.line": ("低保线（元/人·月）", "line (yuan per person-month)"),
        "hardship.col.double": ("2 倍低保线", "twice the line"),
        "hardship.col.updated": ("设置时间（UTC）", "set at (UTC)"),
        "hardship.col.amount": ("帮扶金额", "aid amount"),
        "hardship.col.income": ("人均月收入", "income/head"),
        "hardship.due.review": ("年度复核", "yearly review"),
        "hardship.due.visit": ("入户走访", "home visit"),
        "hardship.section.family": ("家庭成员", "family"),
        "hardship.section.reviews": ("年度复核", "reviews"),
        "hardship.section.categories": ("困难类别变化", "category history"),
        "hardship.opened_category": ("建档时类别", "category when opened"),
        "hardship.col.since": ("起始日期", "from"),
        "hardship.col.source": ("依据", "by"),
        "hardship.source.opened": ("建档", "opening"),
        "hardship.source.review": ("年度复核", "review"),
        "hardship.section.visits": ("入户走访", "home visits"),
        "hardship.section.aid": ("历年帮扶", "aid by year"),
        "hardship.previous": ("原档案", "previous file"),
        "hardship.next": ("后续档案", "next file"),
        "hardship.prompt": ("请输入{field}", "{field}"),
    }
)

DateOption = typer.Option(None, "--date", help="日期（默认今天）")


def _label(enum_name: str) -> Any:
    def show(code: str) -> str:
        from unioncli import enums

        return getattr(enums, enum_name)(code).label()  # type: ignore[no-any-return]

    return show


def _money(fen: int | None) -> str:
    from unioncli.money import format_money

    return "" if fen is None else format_money(fen)


def _warn(view: Any) -> None:
    from unioncli.cli.render import note

    for warning in view.warnings:
        note(warning)


def _link_text(link: Any) -> str | None:
    if link is None:
        return None
    from unioncli.enums import CloseReason, FileStatus

    span = f"{link.opened_on} – {link.closed_on or ''}".rstrip(" –")
    state = FileStatus(link.status).label()
    if link.close_reason:
        state += f"，{CloseReason(link.close_reason).label()}"
    return f"{link.file_no}（{span}，{state}）"


# --- list --------------------------------------------------------------------------------------


list_when_bare(app)


@app.command("list")
def list_files(
    org: str | None = typer.Option(None, "--org", help="所属工会"),
    category: str | None = typer.Option(
        None, "--category", help="困难类别：深度困难/相对困难/意外致困"
    ),
    status: str | None = typer.Option(None, "--status", help="状态：在档/已退档"),
    opened_in: str | None = typer.Option(None, "--opened-in", help="该年度建档"),
    closed_in: str | None = typer.Option(None, "--closed-in", help="该年度退档"),
    cause: str | None = typer.Option(None, "--cause", help="致困原因（主要或次要）"),
    limit: int = LimitOption,
    all_rows: bool = AllOption,
    fmt: Format = FormatOption,
    show_id: bool = ShowIdOption,
    reason: str | None = ReasonOption,
) -> None:
    """列出困难职工档案. Example: unioncli hardship list --status 在档 --category 深度困难 --format csv"""
    from unioncli.cli.render import Column, line, listing
    from unioncli.db.read import reading
    from unioncli.views.hardship.files import FileFilter
    from unioncli.views.hardship.files import list_files as view

    flt = FileFilter(
        org=org,
        category=category,
        status=status,
        opened_year=opened_in,
        closed_year=closed_in,
        cause=cause,
        county=state.county,
    )
    with reading(state.target()) as db:
        page = view(db, flt, limit=limit_of(limit, all_rows))
    found = page.rows
    if not found and fmt == Format.table:
        line(i18n.t("hardship.none"))
        return
    reveal(show_id, reason, "hardship.list", [r.person_id for r in found])
    mask_id, mask_phone = masker(show_id)
    data = []
    for r in found:
        d = asdict(r)
        d.pop("person_id")
        d["id_number"] = mask_id(r.id_number)
        d["phone"] = mask_phone(r.phone)
        data.append(d)
    f = i18n.field_label
    cols = [
        Column("file_no", f("file_no")),
        Column("name", i18n.t("hardship.col.head")),
        Column("id_number", f("id_number")),
        Column("phone", f("phone")),
        Column("org", f("org"), wrap=True),
        Column("category", f("category"), show=_label("HardshipCategory")),
        Column("cause", f("cause"), show=_label("HardshipCause"), wrap=True),
        Column("household_size", f("household_size"), justify="right"),
        Column("income_fen", f("income_per_capita"), show=_money, justify="right"),
        Column("opened_on", f("opened")),
        Column("status", f("status"), show=_label("FileStatus")),
        Column("closed_on", f("closed")),
        Column("close_reason", f("close_reason"), show=_label("CloseReason")),
    ]
    if fmt == Format.table:
        # a terminal is 100 columns: the rest is in --format csv/json and in hardship show
        narrow = {"phone", "cause", "closed_on", "close_reason"}
        short = Column("income_fen", i18n.t("hardship.col.income"), show=_money, justify="right")
        cols = [short if c.key == "income_fen" else c for c in cols if c.key not in narrow]
    listing(cols, data, fmt.value, total=page.total)


# --- open --------------------------------------------------------------------------------------

OPEN_PROMPTS = ("name", "id_number", "category", "cause", "household_size")


@app.command("open")
def open_file(
    name: str | None = typer.Argument(None, help="户主姓名"),
    id_number: str | None = typer.Option(None, "--id", help="户主身份证号"),
    org: str | None = typer.Option(None, "--org", help="所属工会（编号、名称或信用代码）"),
    category: str | None = typer.Option(
        None, "--category", help="困难类别：深度困难/相对困难/意外致困"
    ),
    cause: str | None = typer.Option(None, "--cause", help="主要致困原因，如 患重特大疾病"),
    secondary: list[str] | None = typer.Option(
        None, "--secondary", help="次要致困原因（可重复，或用 、 分隔；最多 3 项）"
    ),
    size: str | None = typer.Option(None, "--size", "--household-size", help="家庭人口"),
    income: str | None = typer.Option(None, "--income", help="家庭月人均收入（元）"),
    health: str | None = typer.Option(None, "--health", help="健康状况"),
    housing: str | None = typer.Option(None, "--housing", help="住房类型"),
    address: str | None = typer.Option(None, "--address", help="家庭住址"),
    phone: str | None = typer.Option(None, "--phone", help="手机号"),
    opened: str | None = typer.Option(None, "--opened", help="建档日期（默认今天）"),
    family: list[str] | None = typer.Option(
        None,
        "--family",
        help="家庭成员“姓名,身份证号,关系[,月收入[,健康状况[,身份/学校]]]”（可重复）",
    ),
) -> None:
    """建档（一户一档）. Example: unioncli hardship open 张伟 --id 230125199001012350 --org 3 --category 深度困难 --cause 患重特大疾病 --size 3 --income 500"""
    from unioncli.cli.render import line
    from unioncli.enums import HardshipCategory
    from unioncli.services.hardship.lifecycle import open_file as service

    raw: dict[str, Any] = {
        "name": name,
        "id_number": id_number,
        "org": org,
        "category": category,
        "cause": cause,
        "secondary_causes": secondary or None,
        "household_size": size,
        "income_per_capita": income,
        "health": health,
        "housing": housing,
        "address": address,
        "phone": phone,
        "opened": opened,
        "family": family or [],
    }
    if interactive():
        for key in OPEN_PROMPTS:
            if not raw.get(key):
                raw[key] = typer.prompt(i18n.t("hardship.prompt", field=i18n.field_label(key)))
    with uow() as work:
        view = service(work, raw)
        work.commit()
    mask_id, _ = masker(False)
    line(
        i18n.t(
            "hardship.opened",
            file_no=view.file_no,
            name=view.name,
            idn=mask_id(view.id_number),
            category=HardshipCategory(view.category).label(),
            date=view.opened_on,
        )
    )
    _warn(view)


# --- show --------------------------------------------------------------------------------------


@app.command("show")
def show(
    ref: str = FileArg,
    show_id: bool = ShowIdOption,
    reason: str | None = ReasonOption,
    fmt: Format = FormatOption,
) -> None:
    """查看整份档案：户主、家庭成员、复核、走访、历年帮扶、前后档案. Example: unioncli hardship show KN2024-00012"""
    from unioncli.cli.render import Column, dump_json, line, record, rows
    from unioncli.db.read import reading
    from unioncli.enums import (
        CloseReason,
        FileStatus,
        Gender,
        HardshipCategory,
        HardshipCause,
    )
    from unioncli.views.grants import household_grants
    from unioncli.views.hardship.files import show_file

    with reading(state.target()) as db:
        v = show_file(db, ref)
        grants = household_grants(db, v.person_ids)
    reveal(show_id, reason, "hardship.show", v.person_ids)
    mask_id, mask_phone = masker(show_id)
    data = asdict(v)
    data["id_number"] = mask_id(v.id_number)
    data["phone"] = mask_phone(v.phone)
    for m in data["family"]:
        m["id_number"] = mask_id(m["id_number"])
    data["grants"] = [asdict(g) for g in grants]
    _warn(v)
    if fmt == Format.json:
        dump_json(data)
        return
    f = i18n.field_label
    secondary = i18n.join(HardshipCause(c).label() for c in v.secondary_causes)
    record(
        f"{v.file_no} {v.name}",
        [
            (f("file_no"), v.file_no),
            (f("status"), FileStatus(v.status).label()),
            (i18n.t("hardship.col.head"), v.name),
            (f("id_number"), data["id_number"]),
            (f("gender"), Gender(v.gender).label()),
            (f("birth_date"), v.birth_date),
            (f("phone"), data["phone"]),
            (f("org"), v.org),
            (f("category"), HardshipCategory(v.category).label()),
            (i18n.t("hardship.opened_category"), HardshipCategory(v.opened_category).label()),
            (f("cause"), HardshipCause(v.cause).label()),
            (f("secondary_causes"), secondary or None),
            (f("household_size"), v.household_size),
            (f("income_per_capita"), _money(v.income_fen) or None),
            (f("health"), v.health),
            (f("housing"), v.housing),
            (f("address"), v.address),
            (f("opened"), v.opened_on),
            (f("closed"), v.closed_on),
            (f("close_reason"), CloseReason(v.close_reason).label() if v.close_reason else None),
            (i18n.t("hardship.previous"), _link_text(v.previous)),
            (i18n.t("hardship.next"), _link_text(v.next)),
        ],
    )
    if v.family:
        line()
        rows(
            [
                Column("name", f("name")),
                Column("id_number", f("id_number")),
                Column("relation", f("relation")),
                Column("income_fen", f("family_income"), show=_money, justify="right"),
                Column("health", f("health"), wrap=True),
                Column("occupation", f("occupation"), wrap=True),
            ],
            data["family"],
            fmt.value,
            title=i18n.t("hardship.section.family"),
        )
    if v.reviews:
        line()
        # the category in force from each date on: the opening one, then each review's
        rows(
            [
                Column("date", i18n.t("hardship.col.since")),
                Column("category", f("category"), show=_label("HardshipCategory")),
                Column(
                    "source",
                    i18n.t("hardship.col.source"),
                    show=lambda k: i18n.t(f"hardship.source.{k}"),
                ),
            ],
            data["category_history"],
            fmt.value,
            title=i18n.t("hardship.section.categories"),
        )
        line()
        rows(
            [
                Column("date", f("review_date")),
                Column("outcome", f("outcome"), wrap=True),
                Column("category", f("category"), show=_label("HardshipCategory")),
                Column("reviewer", f("reviewer")),
            ],
            data["reviews"],
            fmt.value,
            title=i18n.t("hardship.section.reviews"),
        )
    if v.visits:
        line()
        rows(
            [
                Column("date", f("visit_date")),
                Column("visitor", f("visitor")),
                Column("note", f("note"), wrap=True),
            ],
            data["visits"],
            fmt.value,
            title=i18n.t("hardship.section.visits"),
        )
    if v.aid_by_year:
        line()
        _aid_rows(data["aid_by_year"], fmt)
    if grants:
        from unioncli.cli.grant import print_household_grants

        print_household_grants(data["grants"], fmt)


def _aid_rows(data: list[dict[str, Any]], fmt: Format) -> None:
    from unioncli.cli.render import Column, rows

    rows(
        [
            Column("year", i18n.t("hardship.col.year")),
            Column("count", i18n.t("hardship.col.count"), justify="right"),
            Column("amount_fen", i18n.t("hardship.col.amount"), show=_money, justify="right"),
        ],
        data,
        fmt.value,
        title=i18n.t("hardship.section.aid"),
    )


# --- update ------------------------------------------------------------------------------------


@app.command("update")
def update(
    ref: str = FileArg,
    org: str | None = typer.Option(None, "--org", help="所属工会"),
    cause: str | None = typer.Option(None, "--cause", help="主要致困原因"),
    secondary: list[str] | None = typer.Option(
        None, "--secondary", help="次要致困原因（替换原有的；无 = 清除）"
    ),
    size: str | None = typer.Option(None, "--size", "--household-size", help="家庭人口"),
    income: str | None = typer.Option(None, "--income", help="家庭月人均收入（元）"),
    health: str | None = typer.Option(None, "--health", help="健康状况"),
    housing: str | None = typer.Option(None, "--housing", help="住房类型"),
    address: str | None = typer.Option(None, "--address", help="家庭住址"),
    phone: str | None = typer.Option(None, "--phone", help="手机号"),
    category: str | None = typer.Option(
        None, "--category", help="（困难类别须通过 hardship review 调整）"
    ),
) -> None:
    """更正档案信息（困难类别通过复核调整）. Example: unioncli hardship update KN2024-00012 --income 650 --health 好转"""
    from unioncli.cli.render import line
    from unioncli.services.hardship.lifecycle import update_file

    raw = {
        "org": org,
        "cause": cause,
        "secondary_causes": secondary or None,
        "household_size": size,
        "income_per_capita": income,
        "health": health,
        "housing": housing,
        "address": address,
        "phone": phone,
        "category": category,
    }
    with uow() as work:
        view = update_file(work, ref, raw)
        work.commit()
    line(i18n.t("hardship.updated", file_no=view.file_no, name=view.name))
    _warn(view)


# --- review, visit, close, reopen -------------------------------------------------------------


@app.command("review")
def review(
    ref: str = FileArg,
    on: str | None = DateOption,
    outcome: str | None = typer.Option(None, "--outcome", help="复核结论，如 继续在档"),
    category: str | None = typer.Option(None, "--category", help="复核后的困难类别（如有调整）"),
    reviewer: str | None = typer.Option(None, "--reviewer", help="复核人"),
) -> None:
    """登记年度复核（可调整困难类别）. Example: unioncli hardship review KN2024-00012 --date 2025-03-01 --outcome 继续在档 --category 相对困难"""
    from unioncli.cli.render import line
    from unioncli.enums import HardshipCategory
    from unioncli.services.hardship.lifecycle import review_file

    with uow() as work:
        view = review_file(work, ref, on=on, outcome=outcome, category=category, reviewer=reviewer)
        work.commit()
    last = view.reviews[-1]
    line(
        i18n.t(
            "hardship.reviewed",
            file_no=view.file_no,
            date=last.date,
            outcome=last.outcome,
            category=HardshipCategory(view.category).label(),
        )
    )
    _warn(view)


@app.command("visit")
def visit(
    ref: str = FileArg,
    on: str | None = DateOption,
    visitor: str | None = typer.Option(None, "--visitor", help="走访人"),
    note: str | None = typer.Option(None, "--note", help="走访情况"),
) -> None:
    """登记入户走访. Example: unioncli hardship visit KN2024-00012 --date 2024-06-15 --visitor 王芳 --note 子女已复学"""
    from unioncli.cli.render import line
    from unioncli.services.hardship.lifecycle import visit_file

    with uow() as work:
        view = visit_file(work, ref, on=on, visitor=visitor, note=note)
        work.commit()
    line(i18n.t("hardship.visited", file_no=view.file_no, date=view.visits[-1].date))


@app.command("close")
def close(
    ref: str = FileArg,
    on: str | None = DateOption,
    reason: str | None = typer.Option(
        None, "--reason", help="退档原因：脱困/解困转兜底/退休/调离/死亡/不符合条件"
    ),
    note: str | None = typer.Option(None, "--note", help="说明（记入审计日志）"),
) -> None:
    """退档. Example: unioncli hardship close KN2024-00012 --date 2025-06-30 --reason 脱困"""
    from unioncli.cli.render import line
    from unioncli.enums import CloseReason
    from unioncli.services.hardship.lifecycle import close_file

    with uow() as work:
        view = close_file(work, ref, on=on, reason=reason, note=note)
        work.commit()
    line(
        i18n.t(
            "hardship.closed_msg",
            file_no=view.file_no,
            name=view.name,
            reason=CloseReason(view.close_reason or "").label(),
            date=view.closed_on,
        )
    )


@app.command("reopen")
def reopen(
    ref: str = FileArg,
    on: str | None = typer.Option(None, "--date", "--opened", help="新档案建档日期（默认今天）"),
    category: str | None = typer.Option(None, "--category", help="困难类别（默认沿用）"),
    cause: str | None = typer.Option(None, "--cause", help="主要致困原因（默认沿用）"),
    secondary: list[str] | None = typer.Option(
        None, "--secondary", help="次要致困原因（默认沿用）"
    ),
    size: str | None = typer.Option(None, "--size", "--household-size", help="家庭人口"),
    income: str | None = typer.Option(None, "--income", help="家庭月人均收入（元）"),
    health: str | None = typer.Option(None, "--health", help="健康状况"),
) -> None:
    """返困重新建档：新档案沿用户主、工会、家庭成员，并与原档案关联. Example: unioncli hardship reopen KN2022-00031 --date 2024-05-10 --cause 患重特大疾病"""
    from unioncli.cli.render import line
    from unioncli.enums import HardshipCategory
    from unioncli.services.hardship.lifecycle import reopen_file

    raw = {
        "opened": on,
        "category": category,
        "cause": cause,
        "secondary_causes": secondary or None,
        "household_size": size,
        "income_per_capita": income,
        "health": health,
    }
    with uow() as work:
        view = reopen_file(work, ref, raw)
        work.commit()
    line(
        i18n.t(
            "hardship.reopened",
            file_no=view.file_no,
            previous=view.previous.file_no if view.previous else "",
            name=view.name,
            category=HardshipCategory(view.category).label(),
            date=view.opened_on,
        )
    )
    _warn(view)


# --- due -----------------------------------------------------------------------------------------


@app.command("due")
def due(
    as_of: str | None = typer.Option(None, "--as-of", help="截至日期（默认今天）"),
    kind: str | None = typer.Option(None, "--kind", help="只看 review（复核）或 visit（走访）"),
    org: str | None = typer.Option(None, "--org", help="所属工会"),
    limit: int = LimitOption,
    all_rows: bool = AllOption,
    fmt: Format = FormatOption,
    show_id: bool = ShowIdOption,
    reason: str | None = ReasonOption,
) -> None:
    """待办：今年未复核的档案、6 个月未走访的档案，逾期最久的在前（当年新建档的档案次年起复核）. Example: unioncli hardship due --as-of 2024-12-31"""
    from unioncli.cli.render import Column, line, listing
    from unioncli.db.read import reading
    from unioncli.views.hardship.due import due as view

    with reading(state.target()) as db:
        found = view(
            db, as_of, kind=kind, org=org, county=state.county, limit=limit_of(limit, all_rows)
        )
    if not found.items and fmt == Format.table:
        line(i18n.t("hardship.due_none", date=found.as_of))
        return
    reveal(show_id, reason, "hardship.due", sorted({i.person_id for i in found.items}))
    mask_id, mask_phone = masker(show_id)
    data = []
    for item in found.items:
        d = asdict(item)
        d.pop("person_id")
        d["id_number"] = mask_id(item.id_number)
        d["phone"] = mask_phone(item.phone)
        data.append(d)
    f = i18n.field_label
    cols = [
        Column("due_on", i18n.t("hardship.col.due")),
        Column("days_overdue", i18n.t("hardship.col.overdue"), justify="right"),
        Column("kind", i18n.t("hardship.col.kind"), show=lambda k: i18n.t(f"hardship.due.{k}")),
        Column("file_no", f("file_no")),
        Column("name", i18n.t("hardship.col.head")),
        Column("phone", f("phone")),
        Column("org", f("org"), wrap=True),
        Column("category", f("category"), show=_label("HardshipCategory")),
        Column("last_on", i18n.t("hardship.col.last")),
    ]
    if fmt != Format.table:
        cols.insert(5, Column("id_number", f("id_number")))
    else:
        cols = [c for c in cols if c.key != "category"]  # fits 100 columns
    footer = i18n.t(
        "hardship.due_footer",
        date=found.as_of,
        reviews=found.reviews,
        visits=found.visits,
        shown=len(found.items),
        total=found.total,
    )
    listing(cols, data, fmt.value, notes=[footer])


# --- settings ------------------------------------------------------------------------------------


@app.command("settings")
def settings(
    year: str | None = typer.Option(None, "--year", help="年度"),
    line_amount: str | None = typer.Option(
        None, "--low-income-line", help="该年度低保线（元/人·月）"
    ),
    fmt: Format = FormatOption,
) -> None:
    """各年度低保线：设置或查看（用于核对困难类别与收入是否相符）. Example: unioncli hardship settings --year 2024 --low-income-line 760"""
    from unioncli.cli.render import Column, line, listing
    from unioncli.db.read import reading
    from unioncli.errors import UsageError
    from unioncli.views.hardship.low_income import low_income_lines

    if (year is None) != (line_amount is None):
        raise UsageError("hardship.settings_both")
    if year is not None:
        from unioncli.services.hardship.low_income import set_low_income_line

        with uow() as work:
            view = set_low_income_line(work, year, line_amount)
            work.commit()
        line(i18n.t("hardship.line_set", year=view.year, line=_money(view.amount_fen)))
        return
    with reading(state.target()) as db:
        found = low_income_lines(db)
    data = [asdict(v) | {"double_fen": 2 * v.amount_fen} for v in found]
    listing(
        [
            Column("year", i18n.t("hardship.col.year")),
            Column("amount_fen", i18n.t("hardship.col.line"), show=_money, justify="right"),
            Column("double_fen", i18n.t("hardship.col.double"), show=_money, justify="right"),
            Column("updated_at", i18n.t("hardship.col.updated")),
        ],
        data,
        fmt.value,
        empty=i18n.t("hardship.no_lines"),
    )


# --- notice --------------------------------------------------------------------------------------


@app.command("notice")
def notice(
    opened_in: str | None = typer.Option(None, "--opened-in", help="公示该年度新建档的困难职工"),
    aid_year: str | None = typer.Option(None, "--aid-year", help="公示该年度获帮扶的家庭及金额"),
    kind: str | None = typer.Option(None, "--kind", help="帮扶类型，如 送温暖 / warmth"),
    org: str | None = typer.Option(None, "--org", help="所属工会"),
    fmt: Format = FormatOption,
) -> None:
    """公示名单：姓名、工会、困难类别、金额（不含身份证号、病情、住址）. Example: unioncli hardship notice --aid-year 2024 --kind 送温暖"""
    from unioncli.cli.render import Column, listing
    from unioncli.db.read import reading
    from unioncli.enums import AidKind
    from unioncli.money import format_money
    from unioncli.views.hardship.notice import notice as view

    with reading(state.target()) as db:
        found = view(
            db,
            opened_in=opened_in,
            aid_year=aid_year,
            kind=kind,
            org=org,
            county=state.county,
        )
    f = i18n.field_label
    cols = [
        Column("no", i18n.t("hardship.col.no"), justify="right"),
        Column("name", f("name")),
        Column("org", f("org"), wrap=True),
        Column("category", f("category"), show=_label("HardshipCategory")),
    ]
    if aid_year is not None:
        cols.append(Column("amount_fen", f("amount"), show=_money, justify="right"))
        kind_text = f"（{AidKind.parse(kind, field='aid_kind').label()}）" if kind else ""
        title = i18n.t("hardship.notice_title_aid", year=aid_year, kind=kind_text)
        total = sum(r.amount_fen or 0 for r in found)
        footer = i18n.t("hardship.notice_total", count=len(found), amount=format_money(total))
    else:
        title = i18n.t("hardship.notice_title_new", year=opened_in)
        footer = i18n.t("hardship.notice_count", count=len(found))
    listing(
        cols,
        [asdict(n) for n in found],
        fmt.value,
        empty=i18n.t("hardship.notice_none"),
        title=title,
        notes=[footer],
    )
