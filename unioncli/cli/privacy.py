"""``unioncli privacy``: retention — anonymise old closed files and finished grants."""

from __future__ import annotations

import typer

from unioncli import i18n
from unioncli.cli.common import ReasonOption, uow
from unioncli.cli.nouns import help_of

app = typer.Typer(
    help=help_of("privacy"),
    no_args_is_help=True,
)

i18n.register(
    {
        "privacy.done": (
            "已匿名化 {before} 之前的记录：档案 {files} 户，家庭成员 {family} 人，帮扶 {aid} 条，"
            "走访 {visits} 条，助学 {grants} 条，人员 {people} 人；年度统计数字不变",
            "anonymised the records before {before}: {files} files, {family} family members, "
            "{aid} aid entries, {visits} visits, {grants} grants, {people} people; yearly figures "
            "unchanged",
        ),
        "privacy.would": (
            "（试运行，未写入）将匿名化 {before} 之前的记录：档案 {files} 户，家庭成员 {family} 人，"
            "帮扶 {aid} 条，走访 {visits} 条，助学 {grants} 条，人员 {people} 人",
            "(dry run, nothing written) would anonymise the records before {before}: {files} "
            "files, {family} family members, {aid} aid entries, {visits} visits, {grants} grants, "
            "{people} people",
        ),
        "privacy.nothing": (
            "{before} 之前没有需要匿名化的记录",
            "nothing left to anonymise before {before}",
        ),
    }
)


@app.command("purge")
def purge(
    before: str = typer.Option(
        ..., "--before", help="截止日期：此前退档的档案、此前年度已结束的助学记录"
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="只显示将匿名化多少条，不写入"),
    reason: str | None = ReasonOption,
) -> None:
    """匿名化截止日期前退档的帮扶档案和往年已结束的助学记录（保留年度统计所需字段，记入审计日志）. Example: unioncli privacy purge --before 2020-01-01 --reason 保存期满"""
    from unioncli.cli.render import line
    from unioncli.services.privacy import purge as service

    with uow(dry_run=dry_run) as work:
        result = service(work, before, reason)
        work.commit()
    when = result.before.isoformat()
    if not result.total:
        line(i18n.t("privacy.nothing", before=when))
        return
    key = "privacy.would" if dry_run else "privacy.done"
    counts: dict[str, object] = dict(result.counts())
    line(i18n.t(key, None, before=when, **counts))
