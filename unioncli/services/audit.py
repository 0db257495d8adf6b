"""The audit log: reading it, and recording that someone looked at whole ID numbers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlmodel import col

from unioncli.db.uow import UnitOfWork
from unioncli.errors import UsageError
from unioncli.i18n import register
from unioncli.models import AuditEntry
from unioncli.services.common import blank, clean_text

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


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    operator: str
    action: str
    entity: str
    entity_id: int | None
    reason: str | None
    before: str | None
    after: str | None


def list_entries(
    uow: UnitOfWork,
    *,
    operator: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = 50,
) -> tuple[list[AuditRow], int]:
    conds = []
    if operator:
        conds.append(col(AuditEntry.operator) == operator)
    if action:
        # "member" matches member.add, member.leave, ...
        conds.append(
            (col(AuditEntry.action) == action) | col(AuditEntry.action).startswith(action + ".")
        )
    if entity:
        conds.append(col(AuditEntry.entity) == entity)
    if entity_id is not None:
        conds.append(col(AuditEntry.entity_id) == entity_id)
    if since:
        conds.append(col(AuditEntry.at) >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        conds.append(
            col(AuditEntry.at) < datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
        )
    s = uow.session
    total = int(s.execute(select(func.count()).select_from(AuditEntry).where(*conds)).scalar_one())
    stmt = select(AuditEntry).where(*conds).order_by(col(AuditEntry.id).desc())
    if limit is not None:
        stmt = stmt.limit(limit)
    found = [
        AuditRow(
            id=e.id or 0,
            at=e.at,
            operator=e.operator,
            action=e.action,
            entity=e.entity,
            entity_id=e.entity_id,
            reason=e.reason,
            before=e.before,
            after=e.after,
        )
        for e in s.scalars(stmt)
    ]
    return found, total
