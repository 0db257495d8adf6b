"""The audit log's hash chain: how an entry is hashed. The one definition, which the writer
(``db.uow.append_audits``) and the verifier (``views.audit.verify_chain``) both use; a light module
(stdlib only), so ``audit verify`` runs without the ORM.

Each entry stores the hash of the entry before it (``GENESIS`` for the first) and its own hash,
sha256 over ``entry_hash()`` of its content and that prev_hash. Changing the format breaks every
existing chain: migration 0007 holds a frozen copy of these two functions.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

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
