"""The ``unioncli`` command line: ``unioncli <noun> <verb>``.

Start-up imports typer only; each command imports the services it needs when it runs.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from unioncli import i18n
from unioncli.cli import aid as aid_cmd
from unioncli.cli import audit as audit_cmd
from unioncli.cli import db as db_cmd
from unioncli.cli import demo as demo_cmd
from unioncli.cli import grant as grant_cmd
from unioncli.cli import hardship as hardship_cmd
from unioncli.cli import imports as imports_cmd
from unioncli.cli import member as member_cmd
from unioncli.cli import org as org_cmd
from unioncli.cli import privacy as privacy_cmd
from unioncli.cli import report as report_cmd
from unioncli.cli import station as station_cmd
from unioncli.cli.common import state
from unioncli.errors import ExitCode, UnionCliError

i18n.register(
    {
        "error.prefix": ("错误：", "error: "),
        "error.locked": (
            "台账正被另一个终端占用，请稍后再试",
            "the ledger is busy in another terminal; try again shortly",
        ),
        "error.db_unreachable": (
            "无法打开台账（{where}）：{kind}",
            "cannot open the ledger ({where}): {kind}",
        ),
        "error.integrity": (
            "与台账中已有记录冲突（可能另一终端刚写入了同样的数据），未写入任何数据",
            "conflicts with a record already in the ledger (perhaps just written from another "
            "terminal); nothing was written",
        ),
        "yes": ("是", "yes"),
        "no": ("否", "no"),
    }
)


def _is_click_exception(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("click", "typer"))


class ErrorBoundary(TyperGroup):
    """Turns every known error into one line on stderr and its exit code; never a traceback."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except UnionCliError as exc:
            _fail(exc.message(), exc.exit_code)
        except BrokenPipeError:
            # the reader went away (``unioncli member list --format csv | head``): nothing to tell
            # it; stdout is pointed at /dev/null so the flush at exit does not fail again
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            raise typer.Exit(1) from None
        except Exception as exc:
            if _is_click_exception(exc):
                raise
            if os.environ.get("UNIONCLI_DEBUG"):
                raise
            _fail(*_describe_unexpected(exc))


def _describe_unexpected(exc: Exception) -> tuple[str, ExitCode]:
    # The text of a database exception can quote a row (names, ID numbers): show its kind only.
    name = type(exc).__name__
    text = str(exc).lower()
    # PostgreSQL: lock timeout (55P03), deadlock (40P01), serialization failure (40001): another
    # clerk's transaction held what this one needed; nothing of this one was written
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    if sqlstate in ("55P03", "40P01", "40001"):
        return i18n.t("error.locked"), ExitCode.CONFLICT
    if name == "OperationalError" and ("locked" in text or "busy" in text):
        return i18n.t("error.locked"), ExitCode.CONFLICT
    if name == "OperationalError" and ("connect" in text or "unable to open" in text):
        where = state.target().describe()
        return i18n.t("error.db_unreachable", where=where, kind=name), ExitCode.DOMAIN
    if name == "IntegrityError":
        # two terminals raced for the same unique value; the loser's transaction was rolled back
        return i18n.t("error.integrity"), ExitCode.CONFLICT
    return i18n.t("error.internal", kind=name), ExitCode.DOMAIN


def _fail(message: str, code: int) -> None:
    sys.stderr.write(i18n.t("error.prefix") + message + "\n")
    raise typer.Exit(int(code))


app = typer.Typer(
    name="unioncli",
    cls=ErrorBoundary,
    help="工会台账 unioncli — 县总工会的终端台账：基层工会与会员、困难职工帮扶、金秋助学、户外劳动者服务站点、表格导入导出、审计日志、台账维护。"
    "\n\nExample: unioncli demo",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


@app.callback()
def root(
    db: str | None = typer.Option(
        None,
        "--db",
        envvar="UNIONCLI_DB",
        metavar="PATH",
        help="台账 SQLite 文件路径（默认在用户数据目录；服务器数据库用 UNIONCLI_DATABASE_URL）",
    ),
    lang: str | None = typer.Option(
        None, "--lang", envvar="UNIONCLI_LANG", help="界面语言 zh|en", metavar="zh|en"
    ),
    county: str | None = typer.Option(
        None,
        "--county",
        envvar="UNIONCLI_COUNTY",
        metavar="NAME",
        help="本人所在区县（全市共用台账）：新登记的工会、站点归入该区县，列表和报表只看该区县",
    ),
    city: bool = typer.Option(
        False, "--city", help="全市：不按区县筛选（忽略 --county 和 UNIONCLI_COUNTY）"
    ),
) -> None:
    """工会台账 unioncli. Example: unioncli demo"""
    state.db = db
    i18n.set_lang(lang)
    # spaces collapsed as every stored text is; blank means unset (UNIONCLI_COUNTY= clears it)
    named = " ".join(county.split()) if county else None
    state.county = None if city else (named or None)


app.add_typer(org_cmd.app, name="org")
app.add_typer(member_cmd.app, name="member")
app.add_typer(db_cmd.app, name="db")
app.add_typer(hardship_cmd.app, name="hardship")
app.add_typer(aid_cmd.app, name="aid")
app.add_typer(grant_cmd.app, name="grant")
app.add_typer(station_cmd.app, name="station")
app.add_typer(imports_cmd.import_app, name="import")
app.add_typer(imports_cmd.export_app, name="export")
app.add_typer(audit_cmd.app, name="audit")
app.add_typer(report_cmd.app, name="report")
app.add_typer(privacy_cmd.app, name="privacy")
app.command("demo")(demo_cmd.demo)
app.command("template")(imports_cmd.template)


def main() -> None:
    app()
