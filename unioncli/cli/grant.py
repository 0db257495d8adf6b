"""``unioncli grant``: 金秋助学, the yearly scholarship round."""

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
    help=help_of("grant"),
    no_args_is_help=False,
)

i18n.register(
    {
        "grant.cli.applied": (
            "已登记助学申请 #{id}：{name}（{idn}），{year} 年{level}，{amount} 元，{basis}；状态：{status}",
            "grant #{id} recorded: {name} ({idn}), {year}, {level}, {amount} yuan, {basis}; "
            "status: {status}",
        ),
        "grant.cli.approved": (
            "已批准助学申请 #{id}：{name}，{level}，{amount} 元（{date}）",
            "grant #{id} approved: {name}, {level}, {amount} yuan ({date})",
        ),
        "grant.cli.left": (
            "；{year} 年预算剩余 {left} 元",
            "; {left} yuan of the {year} budget left",
        ),
        "grant.cli.rejected": (
            "助学申请 #{id}（{name}）不予资助：{reason}",
            "grant #{id} ({name}) rejected: {reason}",
        ),
        "grant.cli.withdrawn": ("助学申请 #{id}（{name}）已撤回", "grant #{id} ({name}) withdrawn"),
        "grant.cli.history": ("状态历史", "status history"),
        "grant.cli.paid": (
            "助学申请 #{id}（{name}）已发放 {amount} 元（{date}）",
            "grant #{id} ({name}) paid: {amount} yuan ({date})",
        ),
        "grant.cli.excluded": ("（已获其他资助：{reason}）", " (funded elsewhere: {reason})"),
        "grant.cli.none": ("没有符合条件的助学申请", "no matching grants"),
        "grant.cli.totals": (
            "共 {count} 条，金额合计 {amount} 元；其中已批准和已发放 {granted} 条，{granted_amount} 元",
            "{count} grants, {amount} yuan in all; approved and paid: {granted}, "
            "{granted_amount} yuan",
        ),
        "grant.cli.standards_title": (
            "{year} 年金秋助学资助标准（元）",
            "{year} grant standards (yuan)",
        ),
        "grant.cli.no_standards": (
            "{year} 年尚未设置资助标准：申请时须填写金额",
            "{year} has no standards set: applications give their amount",
        ),
        "grant.cli.budget": (
            "{year} 年预算 {budget} 元；已批准和已发放 {used} 元，剩余 {left} 元",
            "{year} budget {budget} yuan; approved and paid {used}, left {left}",
        ),
        "grant.cli.no_budget": (
            "{year} 年未设预算（不设上限）；已批准和已发放 {used} 元",
            "{year} has no budget (no cap); approved and paid {used} yuan",
        ),
        "grant.cli.round_title": (
            "{year} 年金秋助学（人数 · 金额）",
            "{year} grants (count · yuan)",
        ),
        "grant.cli.round_none": ("{year} 年没有助学申请", "no grants in {year}"),
        "grant.cli.total": ("合计", "total"),
        "grant.cli.all": ("合计", "all"),
        "grant.cli.notice_title": ("{year} 年金秋助学资助名单公示", "{year} scholarship grants"),
        "grant.cli.notice_total": (
            "共 {count} 人，合计 {amount} 元",
            "{count} students, {amount} yuan in all",
        ),
        "grant.cli.notice_none": ("{year} 年没有可公示的资助", "nothing to publish for {year}"),
        "grant.cli.no": ("#", "#"),
        "grant.cli.student": ("学生", "student"),
        "grant.cli.parent": ("家长", "parent"),
        "grant.cli.parent_org": ("家长所属工会", "parent's union"),
        "grant.cli.basis": ("资助依据", "basis"),
        "grant.cli.col.id": ("学生身份证号", "student ID"),
        "grant.cli.col.level": ("学段", "level"),
        "grant.cli.col.paid": ("发放日期", "paid"),
        "grant.cli.seq": ("序号", "no."),
        "grant.cli.household": ("子女金秋助学", "grants to the household's children"),
        "grant.short.hardship_file": ("建档", "file"),
        "grant.short.migrant_member": ("农民工", "migrant"),
        "grant.short.override": ("特批", "override"),
    }
)

YearArg = typer.Argument(..., help="资助年度，如 2024")
GrantArg = typer.Argument(..., help="助学申请号（列表中的 #）")


def _money(fen: int | None) -> str:
    from unioncli.money import format_money

    return "" if fen is None else format_money(fen)


def _level(code: str) -> str:
    from unioncli.enums import SchoolLevel

    return SchoolLevel(code).label()


def _status(code: str) -> str:
    from unioncli.enums import GrantStatus

    return GrantStatus(code).label()


def _eligibility(code: str) -> str:
    from unioncli.enums import Eligibility

    return Eligibility(code).label()


def _short_eligibility(code: str) -> str:
    return i18n.t(f"grant.short.{code}")


def _warn(view: Any) -> None:
    from unioncli.cli.render import note

    for warning in view.warnings:
        note(warning)


def _basis(v: Any) -> str:
    text = _eligibility(v.eligibility)
    if v.file_no:
        text += f" {v.file_no}"
    if v.override_reason:
        text += f"：{v.override_reason}" if i18n.get_lang() == "zh" else f": {v.override_reason}"
    return text


# --- round settings ------------------------------------------------------------------------------


def _budget_line(settings: Any) -> str:
    if settings.budget_fen is None:
        return i18n.t("grant.cli.no_budget", year=settings.year, used=_money(settings.used_fen))
    return i18n.t(
        "grant.cli.budget",
        year=settings.year,
        budget=_money(settings.budget_fen),
        used=_money(settings.used_fen),
        left=_money(settings.budget_fen - settings.used_fen),
    )


def _print_settings(settings: Any, fmt: Format) -> None:
    from unioncli.cli.render import Column, dump_json, line, rows

    if fmt == Format.json:
        dump_json(asdict(settings))
        return
    f = i18n.field_label
    cols = [
        Column("level", f("level"), show=_level),
        Column("on_file_fen", f("on_file"), show=_money, justify="right"),
        Column("off_file_fen", f("off_file"), show=_money, justify="right"),
    ]
    data = [asdict(r) for r in settings.standards]
    if fmt == Format.csv:
        rows(cols, data, fmt.value)
        return
    if not data:
        line(i18n.t("grant.cli.no_standards", year=settings.year))
        line(_budget_line(settings))
        return
    title = i18n.t("grant.cli.standards_title", year=settings.year)
    rows(cols, data, fmt.value, title=title, footer=_budget_line(settings))


@app.command("standards")
def standards(
    year: str = YearArg,
    level: str | None = typer.Option(None, "--level", help="学段，如 本科 / bachelor"),
    on_file: str | None = typer.Option(
        None, "--on-file", help="家长在档（建档困难职工）子女的标准金额（元）"
    ),
    off_file: str | None = typer.Option(
        None, "--off-file", help="家长不在档（农民工会员等）子女的标准金额（元）"
    ),
    clear: bool = typer.Option(False, "--clear", help="删除该学段（不给 --level 则全年）的标准"),
    fmt: Format = FormatOption,
) -> None:
    """资助标准：查看，或按学段设置（家长在档 / 不在档）. Example: unioncli grant standards 2024 --level 本科 --on-file 5000 --off-file 3000"""
    from unioncli.errors import UsageError

    if clear or level is not None or on_file is not None or off_file is not None:
        from unioncli.services.grants import settings as service

        with uow() as work:
            if clear:
                if on_file is not None or off_file is not None:
                    raise UsageError("grant.standards_both")
                settings = service.clear_standards(work, year, level)
            else:
                settings = service.set_standards(
                    work, year, level, on_file=on_file, off_file=off_file
                )
            work.commit()
    else:
        settings = _read_settings(year)
    _print_settings(settings, fmt)


def _read_settings(year: str) -> Any:
    from unioncli.db.read import reading
    from unioncli.views.grants import round_settings

    with reading(state.target()) as reader:
        return round_settings(reader, year)


@app.command("budget")
def budget(
    year: str = YearArg,
    amount: str | None = typer.Argument(None, help="预算金额（元），如 1230000 或 123万元"),
    none: bool = typer.Option(False, "--none", help="取消预算（不设上限）"),
) -> None:
    """年度预算：查看、设置或取消（批准总额不得超过预算）. Example: unioncli grant budget 2024 123万元"""
    from unioncli.cli.render import line
    from unioncli.errors import UsageError

    if none and amount is not None:
        raise UsageError("grant.budget_what")
    if none or amount is not None:
        from unioncli.services.grants.settings import set_budget

        with uow() as work:
            settings = set_budget(work, year, amount)
            work.commit()
    else:
        settings = _read_settings(year)
    line(_budget_line(settings))


# --- apply and the status changes ----------------------------------------------------------------


@app.command("apply")
def apply(
    student_name: str = typer.Argument(..., help="学生姓名"),
    student_id: str | None = typer.Option(None, "--id", help="学生身份证号"),
    parent_id: str | None = typer.Option(None, "--parent-id", help="家长身份证号"),
    parent_name: str | None = typer.Option(
        None, "--parent-name", help="家长姓名（家长不在台账中时必填；在台账中则须一致）"
    ),
    level: str | None = typer.Option(
        None, "--level", help="学段：学前/小学/初中/高中/中职/高职(专科)/本科/研究生"
    ),
    school: str | None = typer.Option(None, "--school", help="学校"),
    enrolled: str | None = typer.Option(None, "--enrolled", help="入学年份"),
    year: str | None = typer.Option(None, "--year", help="资助年度（默认今年）"),
    amount: str | None = typer.Option(None, "--amount", help="金额（元；默认按标准）"),
    amount_reason: str | None = typer.Option(None, "--amount-reason", help="金额与标准不同的原因"),
    excluded: str | None = typer.Option(
        None,
        "--excluded",
        help="已获其他资助（军校、免费师范生、定向生）：记为不予资助并写明原因",
    ),
    override: str | None = typer.Option(
        None, "--override", help="家长不符合条件时的特批原因（记入审计日志）"
    ),
    on: str | None = typer.Option(None, "--date", help="申请日期（默认今天）"),
    note: str | None = typer.Option(None, "--note", help="备注"),
) -> None:
    """登记助学申请（核对资格、每人每年一次、标准金额）. Example: unioncli grant apply 张小明 --id 230125199201010114 --parent-id 230125199001012350 --level 本科 --school 东北林业大学 --year 2024"""
    from unioncli.cli.render import line
    from unioncli.services.grants.applications import apply as service

    raw = {
        "student_name": student_name,
        "student_id_number": student_id,
        "parent_id_number": parent_id,
        "parent_name": parent_name,
        "level": level,
        "school": school,
        "enrolled_year": enrolled,
        "year": year,
        "amount": amount,
        "amount_reason": amount_reason,
        "exclusion": excluded,
        "override": override,
        "applied_on": on,
        "note": note,
    }
    with uow() as work:
        v = service(work, raw)
        work.commit()
    _warn(v)
    mask_id, _ = masker(False)
    line(
        i18n.t(
            "grant.cli.applied",
            id=v.id,
            name=v.student_name,
            idn=mask_id(v.student_id_number),
            year=v.year,
            level=_level(v.level),
            amount=_money(v.amount_fen),
            basis=_basis(v),
            status=_status(v.status),
        )
        + (i18n.t("grant.cli.excluded", reason=v.exclusion) if v.exclusion else "")
    )


DateOption = typer.Option(None, "--date", help="日期（默认今天）")


@app.command("approve")
def approve(
    grants: list[str] = typer.Argument(..., help="助学申请号（可多个）"),
    on: str | None = DateOption,
    override: str | None = typer.Option(None, "--override", help="家长已不符合条件时的特批原因"),
) -> None:
    """批准助学申请（再次核对资格；不得超出年度预算）. Example: unioncli grant approve 12 13 --date 2024-08-10"""
    from unioncli.cli.render import line
    from unioncli.services.grants.applications import approve as service

    with uow() as work:
        views = [service(work, ref, on, override=override) for ref in grants]
        work.commit()
    for v in views:
        _warn(v)
        text = i18n.t(
            "grant.cli.approved",
            id=v.id,
            name=v.student_name,
            level=_level(v.level),
            amount=_money(v.amount_fen),
            date=v.approved_on,
        )
        if v.budget_left_fen is not None:
            text += i18n.t("grant.cli.left", year=v.year, left=_money(v.budget_left_fen))
        line(text)


@app.command("reject")
def reject(
    grant: str = GrantArg,
    reason: str | None = typer.Option(None, "--reason", help="不予资助的原因（必填）"),
    on: str | None = typer.Option(None, "--date", help="不予资助的日期（默认今天）"),
) -> None:
    """不予资助（须写原因；已发放的不能）. Example: unioncli grant reject 12 --reason 已获军校资助"""
    from unioncli.cli.render import line
    from unioncli.services.grants.applications import reject as service

    with uow() as work:
        v = service(work, grant, reason, on)
        work.commit()
    line(i18n.t("grant.cli.rejected", id=v.id, name=v.student_name, reason=v.status_reason))


@app.command("withdraw")
def withdraw(
    grant: str = GrantArg,
    reason: str | None = typer.Option(None, "--reason", help="撤回原因"),
    on: str | None = typer.Option(None, "--date", help="撤回日期（默认今天）"),
) -> None:
    """撤回助学申请（已发放的不能）. Example: unioncli grant withdraw 12 --reason 家长申请撤回"""
    from unioncli.cli.render import line
    from unioncli.services.grants.applications import withdraw as service

    with uow() as work:
        v = service(work, grant, reason, on)
        work.commit()
    line(i18n.t("grant.cli.withdrawn", id=v.id, name=v.student_name))


@app.command("pay")
def pay(
    grants: list[str] = typer.Argument(..., help="助学申请号（可多个）"),
    on: str | None = typer.Option(None, "--date", help="发放日期（默认今天）"),
) -> None:
    """发放已批准的助学金（发放日期在资助年度内或之后）. Example: unioncli grant pay 12 13 --date 2024-09-01"""
    from unioncli.cli.render import line
    from unioncli.services.grants.applications import pay as service

    with uow() as work:
        views = [service(work, ref, on) for ref in grants]
        work.commit()
    for v in views:
        line(
            i18n.t(
                "grant.cli.paid",
                id=v.id,
                name=v.student_name,
                amount=_money(v.amount_fen),
                date=v.paid_on,
            )
        )


# --- list and show -------------------------------------------------------------------------------


def _list_columns(fmt: Format) -> list[Any]:
    from unioncli.cli.render import Column

    f = i18n.field_label
    if fmt == Format.table:
        return [
            Column("id", i18n.t("grant.cli.no"), justify="right"),
            Column("year", f("year")),
            Column("student_name", i18n.t("grant.cli.student")),
            Column("student_id_number", i18n.t("grant.cli.col.id")),
            Column("level", i18n.t("grant.cli.col.level"), show=_level, wrap=True),
            Column("parent_name", i18n.t("grant.cli.parent")),
            Column("eligibility", i18n.t("grant.cli.basis"), show=_short_eligibility),
            Column("amount_fen", f("amount"), show=_money, justify="right"),
            Column("status", f("status"), show=_status),
            Column("paid_on", i18n.t("grant.cli.col.paid")),
        ]
    money = _money if fmt == Format.csv else None
    return [
        Column("id", i18n.t("grant.cli.no")),
        Column("year", f("year")),
        Column("student_name", f("student_name")),
        Column("student_id_number", f("student_id_number")),
        Column("level", f("level"), show=_level),
        Column("school", f("school")),
        Column("parent_name", f("parent_name")),
        Column("parent_id_number", f("parent_id_number")),
        Column("eligibility", f("eligibility"), show=_eligibility),
        Column("amount_fen", f("amount"), show=money),
        Column("standard_fen", f("standard"), show=money),
        Column("status", f("status"), show=_status),
        Column("applied_on", f("applied_on")),
        Column("approved_on", f("approved_on")),
        Column("paid_on", f("paid_on")),
    ]


list_when_bare(app)


@app.command("list")
def list_grants(
    year: str | None = typer.Option(None, "--year", help="资助年度"),
    status: str | None = typer.Option(
        None, "--status", help="状态：申请/已批准/已发放/不予资助/撤回"
    ),
    level: str | None = typer.Option(None, "--level", help="学段"),
    eligibility: str | None = typer.Option(
        None, "--eligibility", help="资助依据：hardship_file / migrant_member / override"
    ),
    org: str | None = typer.Option(
        None, "--union", "--org", help="家长所属工会（档案或会籍所在工会）"
    ),
    limit: int = LimitOption,
    all_rows: bool = AllOption,
    fmt: Format = FormatOption,
    show_id: bool = ShowIdOption,
    reason: str | None = ReasonOption,
) -> None:
    """列出助学申请，表尾合计人数和金额. Example: unioncli grant list --year 2024 --status 已发放"""
    from unioncli.cli.render import listing
    from unioncli.db.read import reading
    from unioncli.views.grants import GrantFilter
    from unioncli.views.grants import list_grants as view

    flt = GrantFilter(
        year=year,
        status=status,
        level=level,
        eligibility=eligibility,
        org=org,
        county=state.county,
    )
    with reading(state.target()) as reader:
        page = view(reader, flt, limit=limit_of(limit, all_rows))
    if page.rows or fmt != Format.table:
        reveal(show_id, reason, "grant.list", [r.id for r in page.rows])
    mask_id, _ = masker(show_id)
    data = []
    for r in page.rows:
        d = asdict(r)
        d["student_id_number"] = mask_id(r.student_id_number)
        d["parent_id_number"] = mask_id(r.parent_id_number)
        data.append(d)
    t = page.totals
    totals = i18n.t(
        "grant.cli.totals",
        count=t.count,
        amount=_money(t.amount_fen),
        granted=t.granted_count,
        granted_amount=_money(t.granted_fen),
    )
    listing(
        _list_columns(fmt),
        data,
        fmt.value,
        total=page.total if len(page.rows) < page.total else None,
        empty=i18n.t("grant.cli.none"),
        notes=[totals],
    )


def _history(v: Any) -> str:
    """The dated status changes, oldest first: 2024-07-10 申请 → 2024-08-05 已批准 → …"""
    return " → ".join(f"{day} {_status(status)}" for day, status in v.history)


@app.command("show")
def show(
    grant: str = GrantArg,
    show_id: bool = ShowIdOption,
    reason: str | None = ReasonOption,
    fmt: Format = FormatOption,
) -> None:
    """查看一份助学申请：学生、家长、资助依据、金额、日期. Example: unioncli grant show 12"""
    from unioncli.cli.render import dump_json, record
    from unioncli.db.read import reading
    from unioncli.views.grants import show as view

    with reading(state.target()) as reader:
        v = view(reader, grant)
    reveal(show_id, reason, "grant.show", [v.id])
    mask_id, _ = masker(show_id)
    data = asdict(v)
    data.pop("warnings")
    data.pop("budget_left_fen")
    data["student_id_number"] = mask_id(v.student_id_number)
    data["parent_id_number"] = mask_id(v.parent_id_number)
    data["history"] = [{"date": day, "status": status} for day, status in v.history]
    if fmt != Format.table:
        dump_json(data)
        return
    f = i18n.field_label
    pairs: list[tuple[str, Any]] = [
        (f("year"), v.year),
        (f("status"), _status(v.status)),
        (f("student_name"), v.student_name),
        (f("student_id_number"), data["student_id_number"]),
        (f("level"), _level(v.level)),
        (f("school"), v.school),
        (f("enrolled_year"), v.enrolled_year),
        (f("parent_name"), v.parent_name),
        (f("parent_id_number"), data["parent_id_number"]),
        (i18n.t("grant.cli.parent_org"), v.parent_org),
        (f("eligibility"), _basis(v)),
        (f("amount"), _money(v.amount_fen)),
        (f("standard"), _money(v.standard_fen) or None),
        (f("amount_reason"), v.amount_reason),
        (f("exclusion"), v.exclusion),
        (f("reason"), v.status_reason if v.status_reason != v.exclusion else None),
        (f("applied_on"), v.applied_on),
        (f("approved_on"), v.approved_on),
        (f("paid_on"), v.paid_on),
        (f("decided_on"), v.decided_on),
        (i18n.t("grant.cli.history"), _history(v)),
        (f("note"), v.note),
    ]
    # the optional fields show only when filled; the rest always
    optional = {
        f(k)
        for k in (
            "school",
            "enrolled_year",
            "standard",
            "amount_reason",
            "exclusion",
            "reason",
            "approved_on",
            "paid_on",
            "decided_on",
            "note",
        )
    }
    record(
        f"#{v.id} {v.student_name}",
        [(label, value) for label, value in pairs if value is not None or label not in optional],
    )


# --- round summary and notice --------------------------------------------------------------------

_STATUSES = ("applied", "approved", "paid", "rejected", "withdrawn")


def _cell(cell: dict[str, int]) -> str:
    if not cell["count"]:
        return "–"
    return f"{cell['count']} · {_money(cell['amount_fen'])}"


@app.command("round")
def round_(year: str = YearArg, fmt: Format = FormatOption) -> None:
    """一年的助学：按学段的申请、批准、发放、不予资助、撤回人数和金额，预算已用与剩余. Example: unioncli grant round 2024"""
    from unioncli.cli.render import Column, dump_json, line, rows
    from unioncli.db.read import reading
    from unioncli.views.grants import round_summary

    with reading(state.target()) as reader:
        summary = round_summary(reader, year)
    data = asdict(summary)
    if fmt == Format.json:
        dump_json(data)
        return
    lines = [*data["levels"], data["totals"]]
    if fmt == Format.csv:
        cols = [Column("level", i18n.field_label("level"))]
        flat = []
        for ln in lines:
            row: dict[str, Any] = {"level": ln["level"]}
            for st in (*_STATUSES, "all"):
                row[f"{st}_count"] = ln[st]["count"]
                row[f"{st}_fen"] = ln[st]["amount_fen"]
            flat.append(row)
        for st in (*_STATUSES, "all"):
            label = _status(st) if st != "all" else i18n.t("grant.cli.all")
            cols.append(Column(f"{st}_count", f"{label}（人）" if _zh() else f"{label} (count)"))
            cols.append(
                Column(
                    f"{st}_fen",
                    f"{label}（元）" if _zh() else f"{label} (yuan)",
                    show=_money,
                )
            )
        rows(cols, [r | {"level": _level_or_total(r["level"])} for r in flat], fmt.value)
        return
    settings_line = (
        i18n.t("grant.cli.no_budget", year=summary.year, used=_money(summary.used_fen))
        if summary.budget_fen is None
        else i18n.t(
            "grant.cli.budget",
            year=summary.year,
            budget=_money(summary.budget_fen),
            used=_money(summary.used_fen),
            left=_money(summary.left_fen or 0),
        )
    )
    if not summary.levels:
        line(i18n.t("grant.cli.round_none", year=summary.year))
        line(settings_line)
        return
    cols = [Column("level", i18n.field_label("level"))]
    for st in (*_STATUSES, "all"):
        label = _status(st) if st != "all" else i18n.t("grant.cli.all")
        cols.append(Column(st, label, justify="right"))
    table = [
        {"level": _level_or_total(ln["level"])} | {st: _cell(ln[st]) for st in (*_STATUSES, "all")}
        for ln in lines
    ]
    footer = settings_line
    if not summary.has_standards:
        footer += "\n" + i18n.t("grant.cli.no_standards", year=summary.year)
    rows(
        cols,
        table,
        fmt.value,
        title=i18n.t("grant.cli.round_title", year=summary.year),
        footer=footer,
    )


def _zh() -> bool:
    return i18n.get_lang() == "zh"


def _level_or_total(code: str) -> str:
    return i18n.t("grant.cli.total") if code == "total" else _level(code)


@app.command("notice")
def notice(year: str = YearArg, fmt: Format = FormatOption) -> None:
    """公示名单：学生姓名、学段、金额（不含身份证号等其他信息）. Example: unioncli grant notice 2024"""
    from unioncli.cli.render import Column, line, rows
    from unioncli.db.read import reading
    from unioncli.views.grants import notice as view

    with reading(state.target()) as reader:
        found = view(reader, year, county=state.county)
    f = i18n.field_label
    cols = [
        Column("no", i18n.t("grant.cli.seq"), justify="right"),
        Column("name", f("name")),
        Column("level", f("level"), show=_level),
        Column("amount_fen", f("amount"), show=_money, justify="right"),
    ]
    data = [asdict(r) for r in found.rows]
    if fmt != Format.table:
        rows(cols, data, fmt.value)
        return
    if not data:
        line(i18n.t("grant.cli.notice_none", year=found.year))
        return
    rows(
        cols,
        data,
        fmt.value,
        title=i18n.t("grant.cli.notice_title", year=found.year),
        footer=i18n.t("grant.cli.notice_total", count=len(data), amount=_money(found.amount_fen)),
    )


# --- for member show and hardship show -----------------------------------------------------------


def print_household_grants(grants: list[dict[str, Any]], fmt: Format) -> None:
    """The grants to a household's children (``HouseholdGrant`` rows as dicts), as a section of
    ``member show`` / ``hardship show``."""
    from unioncli.cli.render import Column, line, rows

    f = i18n.field_label
    line()
    rows(
        [
            Column("id", i18n.t("grant.cli.no"), justify="right"),
            Column("year", f("year")),
            Column("student_name", i18n.t("grant.cli.student")),
            Column("parent_name", i18n.t("grant.cli.parent")),
            Column("level", i18n.t("grant.cli.col.level"), show=_level, wrap=True),
            Column("amount_fen", f("amount"), show=_money, justify="right"),
            Column("status", f("status"), show=_status),
            Column("paid_on", i18n.t("grant.cli.col.paid")),
        ],
        grants,
        fmt.value,
        title=i18n.t("grant.cli.household"),
    )
