"""``unioncli demo``: build a sample county ledger and print its yearly report (``report year``)."""

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
        "demo.saved": (
            "原演示台账已备份到 {path}，现重新生成",
            "the old demo ledger was saved to {path}; building it again",
        ),
        "demo.counties": (
            "全市共用台账：工会和站点分属 {n} 个区县（{names}）",
            "a city's shared ledger: unions and stations in {n} counties ({names})",
        ),
        "demo.next_city": (
            "各区县：unioncli report by-county {year} · 一个区县：unioncli --county {county} org list",
            "by county: unioncli report by-county {year} · one county: "
            "unioncli --county {county} org list",
        ),
        "demo.next": (
            "试试：unioncli member find zw · unioncli member list --joined-in {year} · unioncli org list"
            " · unioncli hardship due --as-of {year}-12-31 · unioncli aid list --year {year}"
            " · unioncli grant round {year} · unioncli report trend --from 2015 --to {year}",
            "try: unioncli member find zw · unioncli member list --joined-in {year} · unioncli org list"
            " · unioncli hardship due --as-of {year}-12-31 · unioncli aid list --year {year}"
            " · unioncli grant round {year} · unioncli report trend --from 2015 --to {year}",
        ),
    }
)


def demo(
    members: int = typer.Option(3000, "--members", min=1, help="会员人数（基准测试可用 1000000）"),
    year: int = typer.Option(2024, "--year", min=2015, max=2024, help="打印哪一年的数据"),
    seed: int = typer.Option(2024, "--seed", help="随机种子（同一种子生成同一台账）"),
    counties: int = typer.Option(
        0,
        "--counties",
        min=0,
        max=18,
        help="分属几个区县（全市共用台账，用哈尔滨的区县名）；默认 0：一个县的台账",
    ),
) -> None:
    """生成一个示范县的演示台账并打印年度工作数据. Example: unioncli demo --db demo.sqlite3"""
    from unioncli.cli.render import line, note, progress
    from unioncli.cli.report import print_year
    from unioncli.config import operator
    from unioncli.services.demo.builder import build, save_before_rebuild
    from unioncli.services.demo.common import COUNTIES

    target = state.target()
    saved = save_before_rebuild(engine(), target)
    if saved is not None:
        note(i18n.t("demo.saved", path=saved))
    note(i18n.t("demo.building", where=target.describe()))
    with progress(members, i18n.t("demo.progress")) as bar:
        task = bar.add_task(i18n.t("demo.progress"), total=members)
        result = build(
            engine(),
            operator(),
            members=members,
            seed=seed,
            progress=lambda n: bar.advance(task, n),
            counties=counties,
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
    if counties:
        line(i18n.t("demo.counties", n=counties, names=i18n.join(COUNTIES[:counties])))
    line(i18n.t("demo.next", year=year))
    if counties:
        line(i18n.t("demo.next_city", year=year, county=COUNTIES[0]))
    line()
    print_year(year)
