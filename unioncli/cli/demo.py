"""``unioncli demo``: build a sample county ledger and print its yearly member figures."""

from __future__ import annotations

import typer

from unioncli import i18n
from unioncli.cli.common import engine, state

i18n.register(
    {
        "demo.building": ("正在生成演示台账：{where}", "building the demo ledger: {where}"),
        "demo.built": (
            "演示台账已生成：{orgs} 个基层工会，{members} 名会员，{events} 条会籍变动，"
            "{files} 户困难职工档案（在档 {open_files} 户），{aid} 笔帮扶记录\n"
            "金秋助学 {rounds} 个年度，{grants} 笔助学申请\n"
            "户外劳动者服务站点 {stations} 个，服务台账 {station_logs} 条",
            "demo ledger built: {orgs} unions, {members} members, {events} membership events, "
            "{files} hardship files ({open_files} open), {aid} aid entries\n"
            "金秋助学 grants: {grants} applications in {rounds} rounds\n"
            "outdoor-worker stations: {stations}, with {station_logs} monthly service entries",
        ),
        "demo.progress": ("生成会员", "members"),
        "demo.next": (
            "试试：unioncli member find zw · unioncli member list --joined-in {year} · unioncli org list"
            " · unioncli hardship due --as-of {year}-12-31 · unioncli aid list --year {year}"
            " · unioncli grant round {year}",
            "try: unioncli member find zw · unioncli member list --joined-in {year} · unioncli org list"
            " · unioncli hardship due --as-of {year}-12-31 · unioncli aid list --year {year}"
            " · unioncli grant round {year}",
        ),
        "fig.title": ("{year} 年会员工作数据", "{year} membership figures"),
        "fig.item": ("项目", "item"),
        "fig.change": ("同比", "change"),
        "fig.new": ("新发展会员", "new members"),
        "fig.new_migrant": ("  其中农民工", "  of which migrant workers"),
        "fig.new_gig": ("  其中新就业形态劳动者", "  of which new forms of employment"),
        "fig.transferred_in": ("转入会员", "transferred in"),
        "fig.between": ("  其中县内工会间转接", "  of which between the county's unions"),
        "fig.transferred_out": ("转出会员", "transferred out"),
        "fig.retained": ("保留会籍", "membership retained"),
        "fig.left": ("退会", "left"),
        "fig.removed": ("除名", "removed"),
        "fig.deceased": ("去世", "deceased"),
        "fig.active_end": ("年末在册会员", "active members at year end"),
        "fig.orgs_new": ("新建基层工会", "new grassroots unions"),
        "fig.orgs_total": ("年末基层工会", "grassroots unions at year end"),
        "unit.person": ("人", ""),
        "unit.org": ("个", ""),
    }
)


def print_member_figures(year: int) -> None:
    from unioncli.cli.render import Column, rows
    from unioncli.enums import GigGroup
    from unioncli.services.figures import member_figures

    eng = engine()
    cur, prev = member_figures(eng, year), member_figures(eng, year - 1)
    person, org = i18n.t("unit.person"), i18n.t("unit.org")
    lines: list[tuple[str, int, int, str]] = [
        ("fig.new", cur.new, prev.new, person),
        ("fig.new_migrant", cur.new_migrant, prev.new_migrant, person),
        ("fig.new_gig", cur.new_gig, prev.new_gig, person),
    ]
    for group in GigGroup:
        now = cur.new_gig_by_group.get(group.value, 0)
        before = prev.new_gig_by_group.get(group.value, 0)
        if now or before:
            lines.append((f"    {group.label()}", now, before, person))
    lines += [
        ("fig.transferred_in", cur.transferred_in, prev.transferred_in, person),
        ("fig.between", cur.transferred_between_unions, prev.transferred_between_unions, person),
        ("fig.transferred_out", cur.transferred_out, prev.transferred_out, person),
        ("fig.retained", cur.retained, prev.retained, person),
        ("fig.left", cur.left, prev.left, person),
        ("fig.removed", cur.removed, prev.removed, person),
        ("fig.deceased", cur.deceased, prev.deceased, person),
        ("fig.active_end", cur.active_end, prev.active_end, person),
        ("fig.orgs_new", cur.orgs_new, prev.orgs_new, org),
        ("fig.orgs_total", cur.orgs_total_end, prev.orgs_total_end, org),
    ]

    def change(now: int, before: int) -> str:
        if before == 0:
            return "—"
        return f"{(now - before) * 100 / before:+.1f}%"

    data = [
        {
            "item": i18n.t(key) if key.startswith("fig.") else key,
            "now": f"{now:,}{unit}",
            "before": f"{before:,}{unit}",
            "change": change(now, before),
        }
        for key, now, before, unit in lines
    ]
    columns = [
        Column("item", i18n.t("fig.item")),
        Column("now", str(year), justify="right"),
        Column("before", str(year - 1), justify="right"),
        Column("change", i18n.t("fig.change"), justify="right"),
    ]
    rows(columns, data, title=i18n.t("fig.title", year=year))


def demo(
    members: int = typer.Option(3000, "--members", min=1, help="会员人数（基准测试可用 1000000）"),
    year: int = typer.Option(2024, "--year", min=2015, max=2024, help="打印哪一年的数据"),
    seed: int = typer.Option(2024, "--seed", help="随机种子（同一种子生成同一台账）"),
) -> None:
    """生成一个示范县的演示台账并打印年度会员数据. Example: unioncli demo --db demo.sqlite3"""
    from unioncli.cli.render import line, note, progress
    from unioncli.config import operator
    from unioncli.services.demo import build

    target = state.target()
    note(i18n.t("demo.building", where=target.describe()))
    with progress(members, i18n.t("demo.progress")) as bar:
        task = bar.add_task(i18n.t("demo.progress"), total=members)
        result = build(
            engine(),
            operator(),
            members=members,
            seed=seed,
            progress=lambda n: bar.advance(task, n),
        )
    line(
        i18n.t(
            "demo.built",
            orgs=result.orgs,
            members=result.members,
            events=result.events,
            files=result.files,
            open_files=result.open_files,
            aid=result.aid,
            grants=result.grants,
            rounds=result.grant_rounds,
            stations=result.stations,
            station_logs=result.station_logs,
        )
    )
    line()
    print_member_figures(year)
    line()
    line(i18n.t("demo.next", year=year))
