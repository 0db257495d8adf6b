from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from unioncli.models.base import utcnow

# How entries are chained and hashed: ``unioncli.audit_chain``.


class AuditEntry(SQLModel, table=True):
    """Who did what, when (UTC), to which record, with the record before and after (JSON).

    Entries form a hash chain (``prev_hash`` → ``hash``); write them only through
    ``unioncli.db.uow.append_audit`` (or ``UnitOfWork.audit``), never with a bare insert.
    """

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_entity_entity_id", "entity", "entity_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utcnow, index=True)
    operator: str = Field(max_length=64, index=True)
    action: str = Field(max_length=40, index=True)
    entity: str = Field(max_length=20)
    entity_id: int | None = None
    reason: str | None = Field(default=None, max_length=500)
    before: str | None = None
    after: str | None = None
    prev_hash: str | None = Field(default=None, max_length=64)
    hash: str | None = Field(default=None, max_length=64)


class AuditHead(SQLModel, table=True):
    """The newest audit entry written (one row, id 1), so removing entries at the end shows."""

    __tablename__ = "audit_head"

    id: int = Field(default=1, primary_key=True)
    last_id: int
    last_hash: str = Field(max_length=64)


class LedgerMeta(SQLModel, table=True):
    """Facts about the ledger itself (e.g. that it holds only demo data)."""

    __tablename__ = "ledger_meta"

    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
