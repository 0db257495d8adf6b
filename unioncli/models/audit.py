from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from unioncli.models.base import utcnow


class AuditEntry(SQLModel, table=True):
    """Who did what, when (UTC), to which record, with the record before and after (JSON)."""

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


class LedgerMeta(SQLModel, table=True):
    """Facts about the ledger itself (e.g. that it holds only demo data)."""

    __tablename__ = "ledger_meta"

    key: str = Field(primary_key=True, max_length=40)
    value: str = Field(max_length=200)
