"""What every command shares: the ledger it works on, output formats, masking, prompting.

Imports only typer and light modules; services are imported inside the commands that use them.
"""

from __future__ import annotations

import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import typer

from unioncli import i18n
from unioncli.config import Target, resolve_target

if TYPE_CHECKING:
    from unioncli.db.uow import UnitOfWork


class Format(StrEnum):
    table = "table"
    csv = "csv"
    json = "json"


class _State:
    db: str | None = None
    # the clerk's county (区县): ``--county`` / UNIONCLI_COUNTY, or None (``--city``, or unset):
    # the whole ledger, which is what a county's own ledger wants. New unions and stations are
    # stamped with it; lists and reports show only it.
    county: str | None = None

    def target(self) -> Target:
        return resolve_target(self.db)


state = _State()

FormatOption = typer.Option(Format.table, "--format", "-f", help="输出格式 table|csv|json")
ShowIdOption = typer.Option(
    False, "--show-id", help="显示完整身份证号和手机号（须写 --reason，记入审计日志）"
)
ReasonOption = typer.Option(None, "--reason", help="原因（show the reason in the audit log）")
i18n.register({"list.showing": ("显示 {shown} 条，共 {total} 条", "showing {shown} of {total}")})

LimitOption = typer.Option(50, "--limit", min=1, help="最多显示条数")
AllOption = typer.Option(False, "--all", help="显示全部")


def showing(shown: int, total: int) -> str:
    """The footer of a list cut at ``--limit``: 显示 50 条，共 3000 条."""
    return i18n.t("list.showing", shown=shown, total=total)


def limit_of(limit: int, all_rows: bool) -> int | None:
    """The row limit a list asks its view for: None with ``--all``."""
    return None if all_rows else limit


def uow(*, dry_run: bool = False) -> UnitOfWork:
    from unioncli.db.uow import UnitOfWork

    return UnitOfWork(state.target(), dry_run=dry_run)


def engine() -> Any:
    from unioncli.db.engine import engine_for

    return engine_for(state.target())


def interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def masker(show_id: bool) -> tuple[Any, Any]:
    """Functions that mask an ID number and a phone, or show them whole when asked."""
    from unioncli.ids import mask_id, mask_phone

    if show_id:
        return (lambda v: v), (lambda v: v)
    return (lambda v: mask_id(v) if v else v), (lambda v: mask_phone(v) if v else v)


def reveal(show_id: bool, reason: str | None, what: str, person_ids: list[int]) -> None:
    """Showing whole ID numbers needs a reason and is written to the audit log before display."""
    if not show_id:
        return
    from unioncli.services.audit import record_reveal

    with uow() as work:
        record_reveal(work, what, person_ids, reason)
        work.commit()


def list_when_bare(app: typer.Typer, command: str = "list") -> None:
    """A bare noun (``unioncli member``) runs its ``list`` command with every default."""

    @app.callback(invoke_without_command=True)
    def _default(ctx: typer.Context) -> None:
        if ctx.invoked_subcommand is None:
            listing = ctx.command.get_command(ctx, command)  # type: ignore[attr-defined]
            # parsed from no arguments: each option takes its default, as if the clerk had
            # typed the command itself
            with listing.make_context(command, [], parent=ctx) as sub:
                listing.invoke(sub)
