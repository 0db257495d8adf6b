"""``unioncli db``: the ledger itself — schema, health, backup, restore, copy to and from a server."""

from __future__ import annotations

from pathlib import Path

import typer

from unioncli import i18n
from unioncli.cli.common import state
from unioncli.cli.nouns import help_of

app = typer.Typer(help=help_of("db"))

i18n.register(
    {
        "db.where": ("台账：{where}", "ledger: {where}"),
        "db.upgraded": ("结构已升级：{old} → {new}", "schema upgraded: {old} → {new}"),
        "db.at_head": ("结构已是最新：{rev}", "schema is at head: {rev}"),
        "db.current": (
            "当前结构版本：{rev}（最新：{head}）",
            "schema revision: {rev} (head: {head})",
        ),
        "db.empty": ("（空台账，尚未建表）", "(empty ledger, no tables yet)"),
        "db.check.integrity": ("完整性检查：{result}", "integrity check: {result}"),
        "db.check.fk": ("外键问题：{n} 处", "foreign key problems: {n}"),
        "db.check.drift": ("结构与程序不一致：{n} 处", "schema drift from models: {n}"),
        "db.check.ok": ("检查通过", "all checks passed"),
        "db.check.bad": ("检查未通过", "checks failed"),
        "db.backup.done": ("已备份到 {path}", "backed up to {path}"),
        "db.restore.confirm": (
            "用 {src} 覆盖当前台账 {dest}？当前台账会先另存一份",
            "replace the ledger {dest} with {src}? The current ledger is saved first",
        ),
        "db.restore.safety": ("原台账已另存为 {path}", "the previous ledger was saved as {path}"),
        "db.restore.done": ("已从 {src} 恢复（结构 {rev}）", "restored from {src} (schema {rev})"),
        "db.copy.one_way": (
            "请给出 --to URL 或 --from URL 之一（只能一个）",
            "give one of --to URL or --from URL (exactly one)",
        ),
        "db.copy.progress": ("复制", "copying"),
        "db.copy.copied": (
            "已复制：{src} → {dest}（目标原为空库，编号不变）",
            "copied: {src} → {dest} (the destination was empty; ids kept)",
        ),
        "db.copy.merged": (
            "已合并：{src} → {dest}（目标已有台账：新编号，同一身份证号的人员沿用）",
            "merged: {src} → {dest} (the destination held a ledger: new ids, people with the "
            "same ID number reused)",
        ),
        "db.copy.dry_run": (
            "试运行：{src} → {dest}，全部复制并核对后已撤销，未写入任何数据",
            "dry run: {src} → {dest}, everything copied and checked, then rolled back; "
            "nothing was written",
        ),
        "db.copy.county": ("区县：{county}", "county: {county}"),
        "db.copy.county_part": (
            "区县：{county}（只复制该区县的部分）",
            "county: {county} (only that county's part)",
        ),
        "db.copy.col.table": ("数据表", "table"),
        "db.copy.col.selected": ("源库选出", "chosen"),
        "db.copy.col.written": ("新写入", "added"),
        "db.copy.col.reused": ("沿用已有", "reused"),
        "db.copy.audit_kept": (
            "审计日志：{n} 条原样复制，链完整",
            "audit log: {n} entries copied as they are; the chain verifies",
        ),
        "db.copy.audit_appended": (
            "审计日志：{n} 条接续到目标的审计链，链完整",
            "audit log: {n} entries appended to the destination's chain; the chain verifies",
        ),
        "db.copy.years": (
            "年度数据核对一致：{first}–{last} 共 {n} 年",
            "yearly figures agree: {first}–{last}, {n} years",
        ),
        "db.copy.no_years": ("无年度数据可核对", "no yearly figures to compare"),
        "db.copy.speed": (
            "用时 {seconds:.1f} 秒，{rows:,} 行，约 {rate:,} 行/秒",
            "{seconds:.1f} s, {rows:,} rows, about {rate:,} rows/s",
        ),
    }
)


@app.command("upgrade")
def upgrade() -> None:
    """把台账结构升级到最新. Example: unioncli db upgrade"""
    from unioncli.cli.render import line
    from unioncli.db import migrate
    from unioncli.db.engine import make_engine
    from unioncli.db.schema import stored_revision

    target = state.target()
    engine = make_engine(target)
    old = stored_revision(engine)
    engine.dispose()
    migrate.upgrade(target)
    line(i18n.t("db.where", where=target.describe()))
    head = migrate.script_head()
    if old == head:
        line(i18n.t("db.at_head", rev=head))
    else:
        line(i18n.t("db.upgraded", old=old or "-", new=head))


@app.command("current")
def current() -> None:
    """显示台账位置和结构版本. Example: unioncli db current"""
    from unioncli.cli.render import line
    from unioncli.db.engine import make_engine
    from unioncli.db.schema import HEAD, stored_revision

    target = state.target()
    engine = make_engine(target)
    rev = stored_revision(engine)
    engine.dispose()
    line(i18n.t("db.where", where=target.describe()))
    line(i18n.t("db.current", rev=rev or "-", head=HEAD) if rev else i18n.t("db.empty"))


@app.command("check")
def check() -> None:
    """检查完整性、外键和结构是否最新（有问题时退出码 1）. Example: unioncli db check"""
    from unioncli.cli.render import line
    from unioncli.db.maintenance import check as service

    target = state.target()
    health = service(target)
    line(i18n.t("db.where", where=target.describe()))
    line(i18n.t("db.current", rev=health.revision or "-", head=health.head))
    line(i18n.t("db.check.integrity", result="; ".join(health.integrity)))
    line(i18n.t("db.check.fk", n=health.foreign_keys))
    line(i18n.t("db.check.drift", n=len(health.drift)))
    for d in health.drift:
        line(f"  {d}")
    line(i18n.t("db.check.ok" if health.ok else "db.check.bad"))
    if not health.ok:
        raise typer.Exit(1)


@app.command("backup")
def backup(
    dest: Path | None = typer.Argument(None, help="备份文件路径（默认在台账旁的 backups/ 下）"),
) -> None:
    """备份台账（可在他人使用时进行）. Example: unioncli db backup ~/ledger-2024.sqlite3"""
    from unioncli.cli.render import line
    from unioncli.db.maintenance import backup as service

    path = service(state.target(), dest)
    line(i18n.t("db.backup.done", path=path))


@app.command("restore")
def restore(
    source: Path = typer.Argument(..., help="备份文件"),
    yes: bool = typer.Option(False, "--yes", "-y", help="不再确认"),
) -> None:
    """从备份恢复台账（原台账先另存）. Example: unioncli db restore backups/ledger-20241201.sqlite3 --yes"""
    from unioncli.cli.render import line
    from unioncli.db.maintenance import restore as service

    target = state.target()
    if not yes:
        typer.confirm(i18n.t("db.restore.confirm", src=source, dest=target.describe()), abort=True)
    safety, rev = service(target, source)
    if safety is not None:
        line(i18n.t("db.restore.safety", path=safety))
    line(i18n.t("db.restore.done", src=source, rev=rev))


@app.command("copy")
def copy(
    to: str | None = typer.Option(
        None, "--to", metavar="URL", help="复制到：postgresql+psycopg://… 或 SQLite 文件路径"
    ),
    from_: str | None = typer.Option(
        None, "--from", metavar="URL", help="从这里复制到当前台账：数据库地址或 SQLite 文件路径"
    ),
    county: str | None = typer.Option(
        None,
        "--county",
        metavar="NAME",
        help="区县：给没有区县的工会、站点填上；源台账含多个区县时只复制该区县的部分"
        "（默认为全局 --county / UNIONCLI_COUNTY）",
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="全部复制并核对，然后撤销"),
) -> None:
    """把台账复制或合并到服务器（或从服务器复制回来），按行数和历年年报核对. Example: unioncli db copy --to postgresql+psycopg://clerk@db.example/city --county 道里区"""
    from unioncli.cli.render import Column, line, note, progress, rows
    from unioncli.errors import UsageError
    from unioncli.services.copy.run import copy_ledger
    from unioncli.services.copy.where import locate

    if (to is None) == (from_ is None):
        raise UsageError("db.copy.one_way")
    here = state.target()
    if to is not None:
        source, dest = here, locate(to)
    else:
        assert from_ is not None
        source, dest = locate(from_), here
    with progress(0, i18n.t("db.copy.progress")) as bar:
        task = bar.add_task(i18n.t("db.copy.progress"), total=None)
        result = copy_ledger(
            source,
            dest,
            county=county or state.county,
            dry_run=dry_run,
            progress=lambda done, total: bar.update(task, completed=done, total=total),
        )
    key = (
        "db.copy.dry_run"
        if result.dry_run
        else "db.copy.merged"
        if result.merged
        else "db.copy.copied"
    )
    line(i18n.t(key, src=result.source, dest=result.destination))
    if result.county:
        line(
            i18n.t("db.copy.county_part" if result.part else "db.copy.county", county=result.county)
        )
    rows(
        [
            Column("table", i18n.t("db.copy.col.table")),
            Column("selected", i18n.t("db.copy.col.selected"), justify="right"),
            Column("written", i18n.t("db.copy.col.written"), justify="right"),
            Column("reused", i18n.t("db.copy.col.reused"), justify="right"),
        ],
        [
            {"table": t.table, "selected": t.selected, "written": t.written, "reused": t.reused}
            for t in result.tables
        ],
    )
    audit = "db.copy.audit_kept" if result.chain_kept else "db.copy.audit_appended"
    line(i18n.t(audit, n=result.audit_entries))
    if result.years is None:
        line(i18n.t("db.copy.no_years"))
    else:
        first, last = result.years
        line(i18n.t("db.copy.years", first=first, last=last, n=last - first + 1))
    rate = int(result.rows / result.seconds) if result.seconds > 0 else result.rows
    note(i18n.t("db.copy.speed", seconds=result.seconds, rows=result.rows, rate=rate))
