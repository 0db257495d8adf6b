from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from unioncli.models.base import one_of, utcnow

BATCH_STATUSES = ("done", "undone")


class ImportBatch(SQLModel, table=True):
    """One run of ``unioncli import``: what file, who, and what it did.

    Rows the batch created carry its id in their ``batch_id`` column; rows it changed are listed in
    ``ImportChange`` with their values before and after, so ``import undo`` can put them back.
    """

    __tablename__ = "import_batch"
    __table_args__ = (one_of("status", BATCH_STATUSES, "status"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=20)
    file_name: str = Field(max_length=255)
    encoding: str = Field(max_length=20)
    on_duplicate: str = Field(max_length=10)
    operator: str = Field(max_length=64)
    started_at: datetime = Field(default_factory=utcnow)
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    skipped: int = 0
    rejected: int = 0
    status: str = Field(default="done", max_length=10)
    undone_at: datetime | None = None


class ImportChange(SQLModel, table=True):
    """A row an import changed: the changed fields' values before and after (JSON)."""

    __tablename__ = "import_change"

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", index=True)
    entity: str = Field(max_length=20)
    entity_id: int
    before: str
    after: str
