"""The unit of work: one transaction, committed explicitly; leaving the block rolls back."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Self

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.orm import Session
from sqlmodel import col

from unioncli import config
from unioncli.config import Target
from unioncli.db.engine import engine_for
from unioncli.models import AuditEntry
from unioncli.models.audit import GENESIS, AuditHead, entry_hash
from unioncli.models.base import utcnow

# Any fixed number: the PostgreSQL transaction-scoped lock that queues writers of the audit chain.
_AUDIT_CHAIN_LOCK = 0x756E696F6E  # "union"


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def to_json(data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_json_default)


def append_audit(
    conn: Connection,
    *,
    operator: str,
    action: str,
    entity: str,
    entity_id: int | None,
    reason: str | None = None,
    before: str | None = None,
    after: str | None = None,
    at: datetime | None = None,
) -> int:
    """Append one entry to the audit chain inside ``conn``'s (writing) transaction; its id.

    The only way entries are written. The id is the last id + 1, chosen here so it can be hashed;
    the writer's lock (SQLite BEGIN IMMEDIATE, PostgreSQL an advisory transaction lock) makes
    reading the last entry and appending the next one a single step.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_AUDIT_CHAIN_LOCK})")
    last = conn.execute(
        select(col(AuditEntry.id), col(AuditEntry.hash))
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    ).first()
    entry_id = (last[0] or 0) + 1 if last else 1
    prev_hash = (last[1] or GENESIS) if last else GENESIS
    at = at if at is not None else utcnow()
    digest = entry_hash(
        entry_id, at, operator, action, entity, entity_id, reason, before, after, prev_hash
    )
    conn.execute(
        insert(AuditEntry).values(
            id=entry_id,
            at=at,
            operator=operator,
            action=action,
            entity=entity,
            entity_id=entity_id,
            reason=reason,
            before=before,
            after=after,
            prev_hash=prev_hash,
            hash=digest,
        )
    )
    moved = conn.execute(
        update(AuditHead).where(col(AuditHead.id) == 1).values(last_id=entry_id, last_hash=digest)
    )
    if moved.rowcount == 0:
        conn.execute(insert(AuditHead).values(id=1, last_id=entry_id, last_hash=digest))
    return entry_id


class UnitOfWork:
    """``with UnitOfWork(target) as uow: ...; uow.commit()``.

    A dry-run unit of work only flushes on commit, so ``--dry-run`` takes the same code path as the
    real thing and the block's end rolls everything back.
    """

    session: Session

    def __init__(
        self, target: Target, *, engine: Engine | None = None, dry_run: bool = False
    ) -> None:
        self.target = target
        self.engine = engine if engine is not None else engine_for(target)
        self.dry_run = dry_run
        self.operator = config.operator()

    def __enter__(self) -> Self:
        bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.session = Session(bind, expire_on_commit=False, autoflush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        if self.dry_run:
            self.session.flush()
        else:
            self.session.commit()

    def audit(
        self,
        action: str,
        entity: str,
        entity_id: int | None,
        *,
        before: dict[str, Any] | None = None,
        after: dict[str, Any] | None = None,
        reason: str | None = None,
    ) -> None:
        append_audit(
            self.session.connection(),
            operator=self.operator,
            action=action,
            entity=entity,
            entity_id=entity_id,
            reason=reason,
            before=to_json(before),
            after=to_json(after),
        )
