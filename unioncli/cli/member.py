"""``unioncli member``: people and their membership (会员, 会籍)."""

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
from unioncli.cli.nouns import help_of

app = typer.Typer(help=help_of("member"))

i18n.register(
    {
        "member.col.no": ("会员号", "no."),
        "member.col.migrant": ("农民工", "migrant"),
        "member.col.gig": ("新就业形态", "gig group"),
        "member.added": (
            "已登记会员 #{id}：{name}（{idn}），{org}，入会日期 {date}",
            "member #{id} enrolled: {name} ({idn}), {org}, joined {date}",
        ),
        "member.changed": (
            "{name}：{action}（{date}），当前状态：{status}，所属工会：{org}",
            "{name}: {action} ({date}); status now {status}, union {org}",
        ),
        "member.updated": ("已更新会员 #{id}：{name}", "member #{id} updated: {name}"),
        "member.none": ("没有符合条件的会员", "no matching members"),
        "member.history": ("会籍变动", "membership history"),
        "member.col.event": ("事项", "event"),
        "member.col.from": ("原工会", "from union"),
        "member.prompt": ("请输入{field}", "{field}"),
        "member.col.since": ("状态日期", "status since"),
        "member.col.age": ("年龄", "age"),
        "member.hardship_files": ("困难职工帮扶档案（户主）", "hardship files headed"),
        "member.col.aid": ("历年帮扶", "aid by year"),
        "member.aid_year": ("{year} 年 {count} 次 {amount} 元", "{year}: {count}×, {amount} yuan"),
    }
)


def _label(enum_name: str) -> Any:
    def show(code: str) -> str:
        from unioncli import enums

        return getattr(enums, enum_name)(code).label()  # type: ignore[no-any-return]

    return show


def _columns() -> list[Any]:
    from unioncli.cli.render import Column

    f = i18n.field_label
    return [
        Column("member_id", i18n.t("member.col.no"), justify="right"),
        Column("name", f("name")),
        Column("id_number", f("id_number")),
        Column("phone", f("phone")),
        Column("org", f("org"), wrap=True),
        Column("status", f("status"), show=_label("MemberStatus")),
        Column("joined_on", f("joined")),
        Column("migrant", i18n.t("member.col.migrant")),
        Column("gig_group", i18n.t("member.col.gig"), show=_label("GigGroup"), wrap=True),
    ]


def _print_rows(page: Any, fmt: Format, show_id: bool, reason: str | None, what: str) -> None:
    from unioncli.cli.render import line, listing

    if not page.rows and fmt == Format.table:
        line(i18n.t("member.none"))
        return
    reveal(show_id, reason, what, [r.member_id for r in page.rows])
    mask_id, mask_phone = masker(show_id)
    data = []
    for r in page.rows:
        d = asdict(r)
        d["id_number"] = mask_id(d["id_number"])
        d["phone"] = mask_phone(d["phone"])
        data.append(d)
    listing(_columns(), data, fmt.value, total=page.total)


list_when_bare(app)


@app.command("add")
def add(
    name: str | None = typer.Argument(None, help="姓名"),
    id_number: str | None = typer.Option(None, "--id", help="身份证号（18 位；15 位旧号自动升位）"),
    org: str | None = typer.Option(None, "--org", help="所属工会（编号、名称或信用代码）"),
    joined: str | None = typer.Option(None, "--joined", help="入会日期，如 2024-03-05"),
    gender: str | None = typer.Option(None, "--gender", help="性别（须与身份证号一致）"),
    ethnicity: str | None = typer.Option(None, "--ethnicity", help="民族，如 汉族"),
    phone: str | None = typer.Option(None, "--phone", help="手机号"),
    education: str | None = typer.Option(None, "--education", help="学历，如 大专"),
    employer: str | None = typer.Option(None, "--employer", help="工作单位"),
    card_no: str | None = typer.Option(None, "--card", help="会员卡号"),
    migrant: bool = typer.Option(False, "--migrant", help="是农民工"),
    gig: str | None = typer.Option(None, "--gig", help="新就业形态群体，如 快递员 / courier"),
    political: str | None = typer.Option(None, "--political", help="政治面貌，如 群众"),
    hukou: str | None = typer.Option(None, "--hukou", help="户籍类型：非农业/农业/农转居"),
    from_outside: bool = typer.Option(
        False, "--from-outside", help="从县外转入（记为“转入”而非“入会”）"
    ),
    reason: str | None = typer.Option(None, "--reason", help="备注/原因（如转入前的工会）"),
) -> None:
    """登记会员（缺项在终端中会逐项询问）. Example: unioncli member add 张伟 --id 230125199001012350 --org 3 --joined 2024-03-05"""
    from unioncli.cli.render import line
    from unioncli.services.members import ENROL_REQUIRED, enrol

    raw: dict[str, Any] = {
        "name": name,
        "id_number": id_number,
        "org": org,
        "joined": joined,
        "gender": gender,
        "ethnicity": ethnicity,
        "phone": phone,
        "education": education,
        "employer": employer,
        "card_no": card_no,
        "migrant": migrant,
        "gig_group": gig,
        "political_status": political,
        "hukou": hukou,
        "reason": reason,
    }
    if interactive():
        for key in ENROL_REQUIRED:
            if not raw.get(key):
                label = i18n.t("member.prompt", field=i18n.field_label(key))
                raw[key] = typer.prompt(label)
    with uow() as work:
        view = enrol(work, raw, from_outside=from_outside)
        work.commit()
    mask_id, _ = masker(False)
    line(
        i18n.t(
            "member.added",
            id=view.member_id,
            name=view.name,
            idn=mask_id(view.id_number),
            org=view.org,
            date=view.joined_on,
        )
    )


@app.command("show")
def show(
    ref: str = typer.Argument(..., help="身份证号、会员卡号或会员号"),
    show_id: bool = ShowIdOption,
    reason: str | None = ReasonOption,
    fmt: Format = FormatOption,
) -> None:
    """查看会员及其会籍变动. Example: unioncli member show 1024"""
    from unioncli.cli.render import Column, dump_json, line, record, rows
    from unioncli.db.read import reading
    from unioncli.enums import (
        Education,
        Gender,
        GigGroup,
        Hukou,
        MemberEventKind,
        MemberStatus,
        PoliticalStatus,
    )
    from unioncli.views import members as view
    from unioncli.views.grants import household_grants
    from unioncli.views.hardship import files as hardship_files

    with reading(state.target()) as r:
        v = view.show_member(r, ref)
        files = hardship_files.files_headed_by(r, v.person_id)
        grants = household_grants(r, [v.person_id])
    reveal(show_id, reason, "member.show", [v.member_id])
    mask_id, mask_phone = masker(show_id)
    data = asdict(v)
    data["id_number"] = mask_id(v.id_number)
    data["phone"] = mask_phone(v.phone)
    data["hardship_files"] = [asdict(hf) for hf in files]
    data["grants"] = [asdict(g) for g in grants]
    if fmt == Format.json:
        dump_json(data)
        return
    f = i18n.field_label

    def lab(cls: Any, code: str | None) -> str | None:
        return cls(code).label() if code else None

    record(
        f"{v.name} #{v.member_id}",
        [
            (f("name"), v.name),
            (f("id_number"), data["id_number"]),
            (f("gender"), lab(Gender, v.gender)),
            (f("birth_date"), v.birth_date),
            (f("ethnicity"), v.ethnicity),
            (f("phone"), data["phone"]),
            (f("education"), lab(Education, v.education)),
            (f("political_status"), lab(PoliticalStatus, v.political_status)),
            (f("hukou"), lab(Hukou, v.hukou)),
            (f("employer"), v.employer),
            (f("org"), v.org),
            (f("status"), lab(MemberStatus, v.status)),
            (i18n.t("member.col.since"), v.status_since),
            (f("joined"), v.joined_on),
            (f("card_no"), v.card_no),
            (f("migrant"), v.migrant),
            (f("gig_group"), lab(GigGroup, v.gig_group)),
        ],
    )
    line()
    cols = [
        Column("date", f("date")),
        Column("kind", i18n.t("member.col.event"), show=lambda c: MemberEventKind(c).label()),
        Column("org", f("org"), wrap=True),
        Column("from_org", i18n.t("member.col.from"), wrap=True),
        Column("reason", f("reason"), wrap=True),
    ]
    rows(cols, [asdict(e) for e in v.events], fmt.value, title=i18n.t("member.history"))
    if files:
        _hardship_files(data["hardship_files"], fmt)
    if grants:
        from unioncli.cli.grant import print_household_grants

        print_household_grants(data["grants"], fmt)


def _hardship_files(files: list[dict[str, Any]], fmt: Format) -> None:
    """The hardship files the member heads, with the aid each received per year."""
    from unioncli.cli.render import Column, line, rows
    from unioncli.money import format_money

    def aid_text(years: list[dict[str, Any]]) -> str:
        sep = "; " if i18n.get_lang() == "en" else "；"
        return sep.join(
            i18n.t(
                "member.aid_year",
                year=y["year"],
                count=y["count"],
                amount=format_money(y["amount_fen"]),
            )
            for y in years
        )

    f = i18n.field_label
    line()
    rows(
        [
            Column("file_no", f("file_no")),
            Column("category", f("category"), show=_label("HardshipCategory")),
            Column("status", f("status"), show=_label("FileStatus")),
            Column("opened_on", f("opened")),
            Column("closed_on", f("closed")),
            Column("aid", i18n.t("member.col.aid"), wrap=True),
        ],
        [hf | {"aid": aid_text(hf["aid_by_year"])} for hf in files],
        fmt.value,
        title=i18n.t("member.hardship_files"),
    )


@app.command("list")
def list_members(
    org: str | None = typer.Option(None, "--org", help="所属工会"),
    status: str | None = typer.Option(
        None, "--status", help="状态：在册/保留会籍/转出/退会/除名/死亡"
    ),
    migrant: bool | None = typer.Option(
        None, "--migrant/--not-migrant", help="只看农民工/非农民工"
    ),
    gig: str | None = typer.Option(None, "--gig", help="新就业形态群体（any = 任一群体）"),
    joined_in: int | None = typer.Option(None, "--joined-in", help="该年度入会的会员"),
    limit: int = LimitOption,
    all_rows: bool = AllOption,
    fmt: Format = FormatOption,
    show_id: bool = ShowIdOption,
    reason: str | None = ReasonOption,
) -> None:
    """列出会员. Example: unioncli member list --org 3 --status 在册 --format csv"""
    from unioncli.db.read import reading
    from unioncli.views.members import MemberFilter
    from unioncli.views.members import list_members as view

    flt = MemberFilter(
        org=org,
        status=status,
        migrant=migrant,
        gig_group=gig,
        joined_year=joined_in,
        county=state.county,
    )
    with reading(state.target()) as r:
        page = view(r, flt, limit=limit_of(limit, all_rows))
    _print_rows(page, fmt, show_id, reason, "member.list")


@app.command("find")
def find(
    query: str = typer.Argument(
        ..., help="姓名、拼音或首字母（zhangwei / zw）、身份证号后几位、手机号"
    ),
    limit: int = typer.Option(20, "--limit", min=1, help="最多显示条数"),
    fmt: Format = FormatOption,
    show_id: bool = ShowIdOption,
    reason: str | None = ReasonOption,
) -> None:
    """查找会员. Example: unioncli member find zw"""
    from unioncli.db.read import reading
    from unioncli.views.members import find_members

    with reading(state.target()) as r:
        page = find_members(r, query, limit=limit)
    _print_rows(page, fmt, show_id, reason, "member.find")


@app.command("update")
def update(
    ref: str = typer.Argument(..., help="身份证号、会员卡号或会员号"),
    name: str | None = typer.Option(None, "--name", help="姓名"),
    gender: str | None = typer.Option(None, "--gender", help="性别"),
    ethnicity: str | None = typer.Option(None, "--ethnicity", help="民族"),
    phone: str | None = typer.Option(None, "--phone", help="手机号"),
    education: str | None = typer.Option(None, "--education", help="学历"),
    employer: str | None = typer.Option(None, "--employer", help="工作单位"),
    card_no: str | None = typer.Option(None, "--card", help="会员卡号"),
    migrant: bool | None = typer.Option(None, "--migrant/--not-migrant", help="是否农民工"),
    gig: str | None = typer.Option(None, "--gig", help="新就业形态群体（无 = 清除）"),
    political: str | None = typer.Option(None, "--political", help="政治面貌"),
    hukou: str | None = typer.Option(None, "--hukou", help="户籍类型"),
) -> None:
    """更正会员信息（调动工会请用 transfer）. Example: unioncli member update 1024 --phone 13800138000"""
    from unioncli.cli.render import line
    from unioncli.services.members import update as service

    raw = {
        "name": name,
        "gender": gender,
        "ethnicity": ethnicity,
        "phone": phone,
        "education": education,
        "employer": employer,
        "card_no": card_no,
        "migrant": migrant,
        "gig_group": gig,
        "political_status": political,
        "hukou": hukou,
    }
    with uow() as work:
        view = service(work, ref, raw)
        work.commit()
    line(i18n.t("member.updated", id=view.member_id, name=view.name))


DateOption = typer.Option(None, "--date", help="日期（默认今天）")


def _report(view: Any) -> None:
    """One line for a status change: what was done (the newest event), and where that leaves them."""
    from unioncli.cli.render import line
    from unioncli.enums import MemberEventKind, MemberStatus

    line(
        i18n.t(
            "member.changed",
            name=view.name,
            action=MemberEventKind(view.events[-1].kind).label(),
            date=view.status_since,
            status=MemberStatus(view.status).label(),
            org=view.org,
        )
    )


def _change(
    ref: str, kind_code: str, on: str | None, reason: str | None, to_org: str | None = None
) -> None:
    from unioncli.enums import MemberEventKind
    from unioncli.services.members import change_status

    with uow() as work:
        view = change_status(work, ref, MemberEventKind(kind_code), on, reason, to_org=to_org)
        work.commit()
    _report(view)


RefArg = typer.Argument(..., help="身份证号、会员卡号或会员号")


@app.command("transfer")
def transfer(
    ref: str = RefArg,
    to: str | None = typer.Option(None, "--to", help="转入本县的哪个工会"),
    out: bool = typer.Option(False, "--out", help="转出本县"),
    on: str | None = DateOption,
    reason: str | None = typer.Option(None, "--reason", help="原因（转出时必填，如 调往外县）"),
) -> None:
    """会籍接转：转到本县另一工会（--to），或转出本县（--out）. Example: unioncli member transfer 1024 --to 5"""
    from unioncli.services.members import transfer as service

    with uow() as work:
        view = service(work, ref, on, reason, to_org=to, out=out)
        work.commit()
    _report(view)


@app.command("retain")
def retain(
    ref: str = RefArg, on: str | None = DateOption, reason: str | None = ReasonOption
) -> None:
    """保留会籍（退休、失业、单位关闭）. Example: unioncli member retain 1024 --reason 退休"""
    _change(ref, "retain", on, reason)


@app.command("restore")
def restore(
    ref: str = RefArg, on: str | None = DateOption, reason: str | None = ReasonOption
) -> None:
    """恢复会籍（保留会籍后重新就业）. Example: unioncli member restore 1024 --reason 再就业"""
    _change(ref, "restore", on, reason)


@app.command("leave")
def leave(
    ref: str = RefArg, on: str | None = DateOption, reason: str | None = ReasonOption
) -> None:
    """退会（须写原因）. Example: unioncli member leave 1024 --reason 本人申请"""
    _change(ref, "leave", on, reason)


@app.command("remove")
def remove(
    ref: str = RefArg, on: str | None = DateOption, reason: str | None = ReasonOption
) -> None:
    """除名（须写原因）. Example: unioncli member remove 1024 --reason 连续六个月不缴会费"""
    _change(ref, "remove", on, reason)


@app.command("death")
def death(
    ref: str = RefArg, on: str | None = DateOption, reason: str | None = ReasonOption
) -> None:
    """登记会员死亡. Example: unioncli member death 1024 --date 2024-06-01"""
    _change(ref, "death", on, reason)


@app.command("rejoin")
def rejoin(
    ref: str = RefArg,
    org: str | None = typer.Option(None, "--org", help="重新入会的工会（默认原工会）"),
    on: str | None = DateOption,
    reason: str | None = ReasonOption,
) -> None:
    """重新入会（退会、除名或转出后）. Example: unioncli member rejoin 1024 --org 5"""
    _change(ref, "join", on, reason, to_org=org)
