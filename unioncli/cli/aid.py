"""``unioncli aid``: aid payments (帮扶记录) to hardship files."""

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
    limit_of,
    list_when_bare,
    state,
    uow,
)
from unioncli.cli.nouns import help_of

app = typer.Typer(
    help=help_of("aid"),
    no_args_is_help=False,
)

i18n.register(
    {
        "aid.col.no": ("#", "#"),
        "aid.title": ("档案 {file_no}  户主 {head}  {org}", "file {file_no}  head {head}  {org}"),
        "aid.col.head": ("户主", "head"),
        "aid.col.mark": ("冲正", "reversal"),
        "aid.mark.reversed": ("已冲正→#{id}", "reversed by #{id}"),
        "aid.mark.reversal": ("冲正#{id}", "reverses #{id}"),
        "aid.added": (
            "已登记帮扶记录 #{id}：档案 {file_no}（户主 {head}），{date} {kind} {amount} 元",
            "aid entry #{id} recorded: file {file_no} (head {head}), {date} {kind} {amount} yuan",
        ),
        "aid.reversed": (
            "已冲正帮扶记录 #{of}：冲正记录 #{id}，档案 {file_no}，{date} {amount} 元，原因：{reason}",
            "aid entry #{of} reversed by entry #{id}: file {file_no}, {date}, {amount} yuan, "
            "reason: {reason}",
        ),
        "aid.none": ("没有符合条件的帮扶记录", "no matching aid entries"),
        "aid.totals": (
            "合计 {households} 户、{entries} 人次、{amount} 元",
            "total {households} households, {entries} person-times, {amount} yuan",
        ),
        "aid.totals_reversed": (
            "（已冲正的记录与冲正记录相互抵消，不计入合计）",
            " (reversed entries and their reversals cancel out and are not counted)",
        ),
    }
)


def _columns(fmt: Format, one_file: bool) -> list[Any]:
    from unioncli.cli.render import Column
    from unioncli.enums import AidKind
    from unioncli.money import format_money

    f = i18n.field_label
    aid_id = Column("aid_id", i18n.t("aid.col.no"), justify="right")
    on = Column("aid_date", f("aid_date"))
    file_no = Column("file_no", f("file_no"))
    head = Column("head_name", i18n.t("aid.col.head"))
    org = Column("org", f("org"), wrap=True)
    kind = Column("kind", f("aid_kind"), show=lambda c: AidKind(c).label())
    amount = Column("amount_fen", f("amount"), show=format_money, justify="right")
    fund = Column("fund_source", f("fund_source"), wrap=True)
    handler = Column("handler", f("handler"), wrap=True)
    note = Column("note", f("note"), wrap=True)
    every = [aid_id, on, file_no, head, org, kind, amount, fund, handler, note]
    if fmt == Format.json:
        # raw values for scripts: fen, codes, and the links both ways
        return [*every, Column("reverses_id", "reverses_id"), Column("reversed_by", "reversed_by")]
    if fmt == Format.csv:
        return [*every, Column("mark", i18n.t("aid.col.mark"))]
    # On a terminal (100 columns) the reversal mark leads the note, and what is the same on every
    # row goes: one file's list names the file in its title; a longer list leaves out the handler.
    noted = Column("noted", f("note"), wrap=True)
    if one_file:
        return [aid_id, on, kind, amount, fund, handler, noted]
    return [aid_id, on, file_no, head, org, kind, amount, fund, noted]


def _mark(row: Any) -> str | None:
    if row.reverses_id is not None:
        return i18n.t("aid.mark.reversal", id=row.reverses_id)
    if row.reversed_by is not None:
        return i18n.t("aid.mark.reversed", id=row.reversed_by)
    return None


def _noted(mark: str | None, note: str | None) -> str | None:
    if mark is None:
        return note
    return f"[{mark}]" + (f" {note}" if note else "")


def _totals(page: Any) -> str:
    from unioncli.money import format_money

    t = page.totals
    totals = i18n.t(
        "aid.totals",
        households=t.households,
        entries=t.entries,
        amount=format_money(t.amount_fen),
    )
    if page.total > t.entries:
        totals += i18n.t("aid.totals_reversed")
    return totals


list_when_bare(app)


@app.command("add")
def add(
    file: str | None = typer.Argument(None, help="档案编号、#档案号 或户主身份证号"),
    on: str | None = typer.Option(None, "--date", help="帮扶日期，如 2024-01-15"),
    kind: str | None = typer.Option(
        None,
        "--kind",
        help="帮扶类型：生活救助/医疗救助(大病救助)/助学/送温暖(两节慰问)/就业帮扶/其他",
    ),
    amount: str | None = typer.Option(None, "--amount", help="金额（元），如 1000 或 0.2万元"),
    fund_source: str | None = typer.Option(None, "--fund-source", help="资金来源"),
    handler: str | None = typer.Option(None, "--handler", help="经办人"),
    note: str | None = typer.Option(None, "--note", help="备注"),
) -> None:
    """登记一笔帮扶（档案须在帮扶日期在档）. Example: unioncli aid add KN2024-0001 --date 2024-01-15 --kind 送温暖 --amount 1000"""
    from unioncli.cli.render import line
    from unioncli.enums import AidKind
    from unioncli.money import format_money
    from unioncli.services.aid import add_aid

    raw = {
        "aid_date": on,
        "aid_kind": kind,
        "amount": amount,
        "fund_source": fund_source,
        "handler": handler,
        "note": note,
    }
    with uow() as work:
        row = add_aid(work, file or "", raw)
        work.commit()
    line(
        i18n.t(
            "aid.added",
            id=row.aid_id,
            file_no=row.file_no,
            head=row.head_name,
            date=row.aid_date,
            kind=AidKind(row.kind).label(),
            amount=format_money(row.amount_fen),
        )
    )


@app.command("list")
def list_aid(
    file: str | None = typer.Option(
        None, "--file", help="档案编号、#档案号 或户主身份证号（只看该档案）"
    ),
    kind: str | None = typer.Option(None, "--kind", help="帮扶类型，如 送温暖"),
    year: str | None = typer.Option(None, "--year", help="帮扶日期所在年度，如 2024"),
    fund_source: str | None = typer.Option(None, "--fund-source", help="资金来源（含该文字）"),
    org: str | None = typer.Option(None, "--union", "--org", help="档案所属工会"),
    since: str | None = typer.Option(None, "--since", help="帮扶日期从（含），如 2024-01-01"),
    until: str | None = typer.Option(None, "--until", help="帮扶日期到（含），如 2024-01-31"),
    limit: int = LimitOption,
    all_rows: bool = AllOption,
    fmt: Format = FormatOption,
) -> None:
    """列出帮扶记录，表尾合计户数、人次和金额. Example: unioncli aid list --year 2024 --kind 送温暖"""
    from unioncli.cli.render import listing
    from unioncli.db.read import reading
    from unioncli.views.aid import AidFilter
    from unioncli.views.aid import list_aid as view

    flt = AidFilter(
        file=file,
        kind=kind,
        year=year,
        fund_source=fund_source,
        org=org,
        since=since,
        until=until,
        county=state.county,
    )
    with reading(state.target()) as db:
        page = view(db, flt, limit=limit_of(limit, all_rows))
    data = []
    for r in page.rows:
        d = asdict(r)
        d["mark"] = _mark(r)
        d["noted"] = _noted(d["mark"], r.note)
        data.append(d)
    one_file = file is not None and fmt == Format.table
    title = None
    if one_file and page.rows:
        first = page.rows[0]
        title = i18n.t(
            "aid.title", file_no=first.file_no, head=first.head_name, org=first.org or ""
        ).rstrip()
    listing(
        _columns(fmt, one_file),
        data,
        fmt.value,
        total=page.total,
        empty=i18n.t("aid.none"),
        title=title,
        notes=[_totals(page)],
    )


@app.command("reverse")
def reverse(
    entry: str = typer.Argument(..., help="要冲正的帮扶记录号（列表中的 #）"),
    reason: str | None = typer.Option(
        None, "--reason", help="冲正原因（必填，记入备注和审计日志）"
    ),
    on: str | None = typer.Option(None, "--date", help="冲正日期（默认今天）"),
) -> None:
    """冲正一笔帮扶：另记一笔负数金额的冲正记录，原记录不改. Example: unioncli aid reverse 1024 --reason 金额录错"""
    from unioncli.cli.render import line
    from unioncli.money import format_money
    from unioncli.services.aid import reverse_aid

    with uow() as work:
        row = reverse_aid(work, entry, reason, on)
        work.commit()
    line(
        i18n.t(
            "aid.reversed",
            of=row.reverses_id,
            id=row.aid_id,
            file_no=row.file_no,
            date=row.aid_date,
            amount=format_money(row.amount_fen),
            reason=row.note,
        )
    )
