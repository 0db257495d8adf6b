from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from unioncli.models.base import utcnow

# The chain: each entry stores the hash of the entry before it (``GENESIS`` for the first) and its
# own hash, sha256 over ``entry_hash()`` of its content and that prev_hash. Changing the format
# breaks every existing chain: migration 0007 holds a frozen copy of these two functions.
GENESIS = "0" * 64


def canonical_at(value: datetime | str) -> str:
    """The entry's time as the chain hashes it: UTC, microseconds, whatever the database returned."""
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " ":  # SQLite's "YYYY-MM-DD HH:MM:SS.ffffff" (UTC)
            return f"{value[:10]}T{value[11:]}Z"
        value = datetime.fromisoformat(value)
    at = value
    if at.utcoffset() is None:
        at = at.replace(tzinfo=UTC)  # SQLite stores UTC without an offset
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash(
    entry_id: int,
    at: datetime | str,
    operator: str,
    action: str,
    entity: str,
    entity_id: int | None,
    reason: str | None,
    before: str | None,
    after: str | None,
    prev_hash: str,
) -> str:
    content: list[Any] = [
        entry_id,
        canonical_at(at),
        operator,
        action,
        entity,
        entity_id,
        reason,
        before,
        after,
        prev_hash,
    ]
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


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
