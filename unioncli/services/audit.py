"""The audit log's writes beyond ``db.uow``: recording that someone looked at whole ID numbers.

Reading the log and checking its hash chain is ``views.audit``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from unioncli.db.uow import UnitOfWork
from unioncli.errors import UsageError
from unioncli.i18n import register
from unioncli.services.common import blank, clean_text

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from unioncli.views.audit import ChainStatus

register(
    {
        "audit.reason_required": (
            '显示或导出完整身份证号须写明原因：--reason "…"',
            'showing or exporting whole ID numbers needs a reason: --reason "…"',
        ),
    }
)


def record_reveal(uow: UnitOfWork, what: str, record_ids: list[int], reason: str | None) -> None:
    if blank(reason):
        raise UsageError("audit.reason_required")
    uow.audit(
        "reveal",
        what.split(".")[0],
        record_ids[0] if len(record_ids) == 1 else None,
        after={"command": what, "ids": record_ids},
        reason=clean_text(reason, "reason", max_len=500),
    )


def verify_chain_on(conn: Connection) -> ChainStatus:
    """``views.audit.verify_chain`` inside a transaction already open (``db copy`` checks a chain
    it is writing, before the commit)."""
    from unioncli.db.read import reading
    from unioncli.views.audit import verify_chain

    with reading(conn) as r:
        return verify_chain(r)
