"""``unioncli db``: the ledger file itself — schema, health, backup, restore."""

from __future__ import annotations

from pathlib import Path

import typer

from unioncli import i18n
from unioncli.cli.common import state

app = typer.Typer(
    help="台账数据库：upgrade / current / check / backup / restore. Example: unioncli db check"
)

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
