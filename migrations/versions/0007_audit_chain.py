"""Audit chain: each audit entry carries the hash of the one before it; existing entries are chained.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 18:31:19.966137
"""

import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen copies of unioncli.models.audit (GENESIS, canonical_at, entry_hash) as of
# this revision: the chain written here must verify with them for as long as the ledger lives.
_GENESIS = "0" * 64
_CHUNK = 5000


def _canonical_at(value: datetime | str) -> str:
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    if at.utcoffset() is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hash(row: Any, prev_hash: str) -> str:
    content = [
        row.id,
        _canonical_at(row.at),
        row.operator,
        row.action,
        row.entity,
        row.entity_id,
        row.reason,
        row.before,
        row.after,
        prev_hash,
    ]
    text = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def upgrade() -> None:
    op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("last_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch_op.add_column(
            sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )

    # Chain the entries already there, in id order, a chunk at a time.
    conn = op.get_bind()
    read = sa.text(
        "SELECT id, at, operator, action, entity, entity_id, reason, before, after "
        "FROM audit_log WHERE id > :last ORDER BY id LIMIT :n"
    )
    write = sa.text("UPDATE audit_log SET prev_hash = :prev_hash, hash = :hash WHERE id = :id")
    prev_hash, last_id = _GENESIS, None
    while True:
        rows = conn.execute(
            read, {"last": last_id if last_id is not None else -(2**62), "n": _CHUNK}
        ).all()
        if not rows:
            break
        updates = []
        for row in rows:
            digest = _hash(row, prev_hash)
            updates.append({"id": row.id, "prev_hash": prev_hash, "hash": digest})
            prev_hash, last_id = digest, row.id
        conn.execute(write, updates)
    if last_id is not None:
        conn.execute(
            sa.text("INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, :id, :hash)"),
            {"id": last_id, "hash": prev_hash},
        )


def downgrade() -> None:
    op.drop_table("audit_head")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
