"""The ``unioncli`` command line: ``unioncli <noun> <verb>``.

Start-up imports typer only. The nouns are loaded when named: ``unioncli member list`` imports
``cli/member.py`` and no other noun's module (``NOUNS``; the root ``--help`` lists them from the
table without loading them), and each command imports the views or services it needs when it
runs.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from typer.core import TyperGroup

from unioncli import i18n
from unioncli.cli.common import state
from unioncli.cli.nouns import NOUNS
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
        "help.commands": ("Commands", "Commands"),
        "no": ("否", "no"),
    }
)


def _is_click_exception(exc: BaseException) -> bool:
    return type(exc).__module__.startswith(("click", "typer"))


def load_noun(name: str) -> Any:
    """The click command of one noun, built from its module (imported now)."""
    import importlib

    import typer.main
    from typer.models import CommandInfo, TyperInfo

    module, attr, _ = NOUNS[name]
    obj = getattr(importlib.import_module(f"unioncli.cli.{module}"), attr)
    if isinstance(obj, typer.Typer):
        return typer.main.get_group_from_info(
            TyperInfo(obj, name=name),
            pretty_exceptions_short=app.pretty_exceptions_short,
            rich_markup_mode=None,
            suggest_commands=app.suggest_commands,
        )
    return typer.main.get_command_from_info(
        CommandInfo(name=name, callback=obj),
        pretty_exceptions_short=app.pretty_exceptions_short,
        rich_markup_mode=None,
    )


def _short_help(name: str) -> str:
    """A command function's help is its docstring; a noun's is in ``NOUNS``."""
    help_text = NOUNS[name][2]
    if help_text:
        return help_text
    module, attr, _ = NOUNS[name]
    import importlib

    return getattr(importlib.import_module(f"unioncli.cli.{module}"), attr).__doc__ or ""


class ErrorBoundary(TyperGroup):
    """The root group: loads a noun's module when it is named, and turns every known error into
    one line on stderr and its exit code; never a traceback."""

    def list_commands(self, ctx: Any) -> list[str]:
        return list(NOUNS)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name not in self.commands and cmd_name in NOUNS:
            self.add_command(load_noun(cmd_name), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        # the list of nouns without importing them: a stand-in command carries each one's help,
        # so the lines read exactly as click would write them from the loaded commands
        from typer.core import TyperCommand

        limit = formatter.width - 6 - max(len(n) for n in NOUNS)
        rows = [(n, TyperCommand(n, help=_short_help(n)).get_short_help_str(limit)) for n in NOUNS]
        with formatter.section(i18n.t("help.commands")):
            formatter.write_dl(rows)

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


def main() -> None:
    app()
