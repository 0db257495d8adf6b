"""``unioncli org``: grassroots unions (基层工会)."""

from __future__ import annotations

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
    help=help_of("org"),
    no_args_is_help=False,
)

i18n.register(
    {
        "org.col.id": ("编号", "no."),
        "org.col.active": ("在册会员", "active members"),
        "org.added": ("已登记工会：{name}（编号 {id}）", "union added: {name} (no. {id})"),
        "org.updated": ("已更新工会：{name}", "union updated: {name}"),
        "org.count": ("共 {n} 个基层工会", "{n} grassroots unions"),
        "org.count_in": ("{county}：共 {n} 个基层工会", "{county}: {n} grassroots unions"),
        "org.dissolved": (
            "已{how}工会：{name}（{date}）{retained}",
            "union {how}: {name} ({date}){retained}",
        ),
        "org.retained_n": ("，{n} 名会员保留会籍", "; {n} members keep their membership"),
        "org.merged": (
            "工会“{name}”已于 {date} 并入“{into}”，转入会员 {n} 名",
            "union “{name}” merged into “{into}” on {date}; {n} members moved",
        ),
    }
)


def _org_type_label(code: str) -> str:
    from unioncli.enums import OrgType

    return OrgType(code).label()


def _columns(with_county: bool = False, with_status: bool = False) -> list[Any]:
    from unioncli.cli.render import Column

    f = i18n.field_label
    county = [Column("county", f("county"))] if with_county else []
    status = [Column("status", f("org_status"), wrap=True)] if with_status else []
    return [
        Column("id", i18n.t("org.col.id"), justify="right"),
        Column("name", f("org_name"), wrap=True),
        Column("type", f("org_type"), show=_org_type_label),
        *county,
        Column("township", f("township")),
        Column("founded", f("founded")),
        Column("uscc", f("org_uscc")),
        Column("active_members", i18n.t("org.col.active"), justify="right"),
        *status,
    ]


def _raw(*values: str | None) -> dict[str, Any]:
    """The options of ``add`` and ``update``, in their order, as the service's field keys."""
    keys = (
        "org_name",
        "founded",
        "org_uscc",
        "employer",
        "employer_uscc",
        "org_type",
        "township",
        "chair",
        "phone",
        "county",
    )
    return {k: v for k, v in zip(keys, values, strict=True) if v is not None}


list_when_bare(app)


@app.command("add")
def add(
    name: str = typer.Argument(..., help="工会名称"),
    founded: str = typer.Option(..., "--founded", help="成立日期，如 2019-05-01"),
    uscc: str | None = typer.Option(None, "--uscc", help="工会统一社会信用代码（81 开头）"),
    employer: str | None = typer.Option(None, "--employer", help="单位名称"),
    employer_uscc: str | None = typer.Option(None, "--employer-uscc", help="单位统一社会信用代码"),
    org_type: str | None = typer.Option(None, "--type", help="工会类型，如 独立基层工会 / joint"),
    township: str | None = typer.Option(None, "--township", help="所属乡镇/街道"),
    chair: str | None = typer.Option(None, "--chair", help="工会主席"),
    phone: str | None = typer.Option(None, "--phone", help="联系电话"),
    county: str | None = typer.Option(
        None, "--county", help="所属区县（默认本人所在区县：全局 --county / UNIONCLI_COUNTY）"
    ),
) -> None:
    """登记基层工会. Example: unioncli org add 城关镇第一小学工会 --founded 2019-05-01 --township 城关镇"""
    from unioncli.cli.render import line
    from unioncli.services.orgs import add_org

    raw = _raw(
        name, founded, uscc, employer, employer_uscc, org_type, township, chair, phone, county
    )
    with uow() as work:
        view = add_org(work, raw, county=state.county)
        work.commit()
    line(i18n.t("org.added", name=view.name, id=view.id))


@app.command("list")
def list_orgs(
    township: str | None = typer.Option(None, "--township", help="只列出该乡镇/街道的工会"),
    status: str | None = typer.Option(
        None, "--status", help="存续 或 已撤销（撤销、注销、合并的）；默认全部"
    ),
    limit: int = LimitOption,
    all_rows: bool = AllOption,
    fmt: Format = FormatOption,
) -> None:
    """列出基层工会及在册会员数. Example: unioncli org list --township 城关镇 --status 存续"""
    from dataclasses import asdict

    from unioncli.cli.render import listing
    from unioncli.db.read import reading
    from unioncli.views.orgs import list_orgs as view
    from unioncli.views.orgs import parse_status_filter

    in_force = parse_status_filter(status)
    with reading(state.target()) as r:
        page = view(
            r,
            township=township,
            county=state.county,
            in_force=in_force,
            limit=limit_of(limit, all_rows),
        )
    count = (
        i18n.t("org.count_in", county=state.county, n=page.total)
        if state.county
        else i18n.t("org.count", n=page.total)
    )
    # the county column only where there are counties: a county's own ledger lists as it did;
    # the status column once some union has ended: a ledger without any lists as it did
    with_status = page.any_ended or in_force is not None
    data = [{**asdict(v), "status": v.status} for v in page.rows]
    listing(
        _columns(page.any_county, with_status),
        data,
        fmt.value,
        # 显示 N 条，共 M 条 only when --limit cut the list
        total=page.total if len(page.rows) < page.total else None,
        notes=[count],
    )


@app.command("show")
def show(ref: str = typer.Argument(..., help="工会编号、名称或统一社会信用代码")) -> None:
    """查看一个基层工会. Example: unioncli org show 城关镇第一小学工会"""
    from unioncli.cli.render import record
    from unioncli.db.read import reading
    from unioncli.views.orgs import show_org

    with reading(state.target()) as r:
        v = show_org(r, ref)
    f = i18n.field_label
    record(
        v.name,
        [
            (i18n.t("org.col.id"), v.id),
            (f("org_name"), v.name),
            (f("org_uscc"), v.uscc),
            (f("org_type"), _org_type_label(v.type)),
            *([(f("county"), v.county)] if v.county else []),
            (f("township"), v.township),
            (f("founded"), v.founded),
            (f("org_employer"), v.employer),
            (f("employer_uscc"), v.employer_uscc),
            (f("chair"), v.chair),
            (f("org_phone"), v.phone),
            (i18n.t("org.col.active"), v.active_members),
            (f("org_status"), v.status),
        ],
    )


@app.command("update")
def update(
    ref: str = typer.Argument(..., help="工会编号、名称或统一社会信用代码"),
    name: str | None = typer.Option(None, "--name", help="新的工会名称"),
    founded: str | None = typer.Option(None, "--founded", help="成立日期"),
    uscc: str | None = typer.Option(None, "--uscc", help="工会统一社会信用代码"),
    employer: str | None = typer.Option(None, "--employer", help="单位名称"),
    employer_uscc: str | None = typer.Option(None, "--employer-uscc", help="单位统一社会信用代码"),
    org_type: str | None = typer.Option(None, "--type", help="工会类型"),
    township: str | None = typer.Option(None, "--township", help="所属乡镇/街道"),
    chair: str | None = typer.Option(None, "--chair", help="工会主席"),
    phone: str | None = typer.Option(None, "--phone", help="联系电话"),
    county: str | None = typer.Option(None, "--county", help="改属区县（转到另一区县）"),
) -> None:
    """修改基层工会信息（空项不改）. Example: unioncli org update 3 --chair 李红"""
    from unioncli.cli.render import line
    from unioncli.services.orgs import update_org

    raw = _raw(
        name, founded, uscc, employer, employer_uscc, org_type, township, chair, phone, county
    )
    with uow() as work:
        view = update_org(work, ref, raw)
        work.commit()
    line(i18n.t("org.updated", name=view.name))


@app.command("dissolve")
def dissolve(
    ref: str = typer.Argument(..., help="工会编号、名称或统一社会信用代码"),
    on: str = typer.Option(..., "--date", help="撤销/注销日期，如 2024-06-30"),
    kind: str = typer.Option(..., "--kind", help="撤销 或 注销（合并请用 org merge）"),
    reason: str | None = typer.Option(None, "--reason", help="原因，如 单位关闭"),
    retain_members: bool = typer.Option(
        False, "--retain-members", help="在册会员一并保留会籍（原因“工会撤销”）"
    ),
) -> None:
    """撤销或注销基层工会（终局）. Example: unioncli org dissolve 3 --date 2024-06-30 --kind 撤销 --retain-members"""
    from unioncli.cli.render import line
    from unioncli.services.orgs import dissolve_org
    from unioncli.views.orgs import dissolution_label

    with uow() as work:
        view, retained = dissolve_org(work, ref, on, kind, reason, retain_members=retain_members)
        work.commit()
    more = i18n.t("org.retained_n", n=retained) if retained else ""
    how = dissolution_label(view.dissolution)
    line(i18n.t("org.dissolved", how=how, name=view.name, date=view.dissolved_on, retained=more))


@app.command("merge")
def merge(
    ref: str = typer.Argument(..., help="并入他会的工会（编号、名称或统一社会信用代码）"),
    into: str = typer.Option(..., "--into", help="接收的工会"),
    on: str = typer.Option(..., "--date", help="合并日期，如 2024-06-30"),
    reason: str | None = typer.Option(None, "--reason", help="原因"),
) -> None:
    """把一个基层工会并入另一个，会员随之转入. Example: unioncli org merge 3 --into 5 --date 2024-06-30"""
    from unioncli.cli.render import line
    from unioncli.services.orgs import merge_org

    with uow() as work:
        view, moved = merge_org(work, ref, into, on, reason)
        work.commit()
    line(
        i18n.t("org.merged", name=view.name, into=view.merged_into, date=view.dissolved_on, n=moved)
    )
