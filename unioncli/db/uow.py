"""The unit of work: one transaction, committed explicitly; leaving the block rolls back.

Two clerks on a PostgreSQL ledger write at the same moment (READ COMMITTED), so a rule checked by
reading ("is this person a member yet?", "the highest file number + 1") holds only if the two
writers cannot both read before either writes. The lock order, everywhere, is:

1. ``serialize`` keys (PostgreSQL advisory transaction locks), all in one call, before any write;
2. row locks (``UnitOfWork.lock``: ``SELECT … FOR UPDATE`` of the rows a change starts from);
3. the audit chain's lock, taken when the audit entries are appended, as the last step of
   ``commit``.

A transaction that took a lock of one step never waits for one of an earlier step, so two writers
never wait for each other in a circle. On SQLite every writer holds the whole file's write lock
from its first statement (BEGIN IMMEDIATE): the checks already run one writer at a time, and
``serialize`` and ``lock`` do nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Self

from sqlalchemy import Connection, Engine, event, insert, select, text, update
from sqlalchemy.orm import Session
from sqlmodel import col

from unioncli import config
from unioncli.audit_chain import GENESIS, entry_hash
from unioncli.config import Target
from unioncli.db.engine import engine_for
from unioncli.models import AuditEntry
from unioncli.models.audit import AuditHead
from unioncli.models.base import utcnow

# Any fixed number: the PostgreSQL transaction-scoped lock that queues writers of the audit chain.
_AUDIT_CHAIN_LOCK = 0x756E696F6E  # "union"


Db = Session | Connection


def lock_key(*parts: object) -> int:
    """A stable signed 64-bit key for ``pg_advisory_xact_lock`` from the parts naming a thing.

    The same parts give the same key in every process and every version of Python (``hash()``
    is salted per process); a clash of two keys costs a needless wait, never a wrong answer.
    """
    name = "\x1f".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)


def _dialect(db: Db) -> str:
    bind = db.get_bind() if isinstance(db, Session) else db
    return bind.dialect.name


def serialize(db: Db, *keys: tuple[object, ...]) -> None:
    """Make the writers of the same things queue, one at a time, until their transactions end.

    Each key names a thing by its parts, e.g. ``("person", id_number)`` or
    ``("hardship_file_no", 2026)``. Take every key a transaction needs in one call, before it
    writes anything: the keys are locked in one global order, so two writers that need some of
    the same keys cannot wait for each other in a circle. A writer that waited then reads what
    the other committed (PostgreSQL's READ COMMITTED reads anew at each statement) and its checks
    answer as if the two had come one after the other. Taking a key twice is harmless.

    On SQLite, nothing: every writer already holds the file's write lock (BEGIN IMMEDIATE).
    Not one key per row of an import: a million keys would fill the server's lock table.
    """
    if not keys or _dialect(db) != "postgresql":
        return
    conn = db.connection() if isinstance(db, Session) else db
    for key in sorted({lock_key(*k) for k in keys}):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def person_keys(id_numbers: Iterable[str]) -> list[tuple[object, ...]]:
    """The ``serialize`` keys of the people with these ID numbers: everything that creates a
    person, or checks what a person already is (a member, in an open file, a grant this year),
    takes them."""
    return [("person", n) for n in id_numbers]


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def to_json(data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_json_default)


@dataclass(frozen=True)
class AuditRecord:
    """One entry to append to the audit chain (``before``/``after`` already JSON text)."""

    operator: str
    action: str
    entity: str
    entity_id: int | None
    reason: str | None = None
    before: str | None = None
    after: str | None = None
    at: datetime | None = None  # the time of the append when not given


def lock_audit_chain(conn: Connection) -> None:
    """On PostgreSQL, queue behind every other writer of the audit chain until this transaction
    ends (on SQLite the writer already holds the file's write lock)."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_AUDIT_CHAIN_LOCK})")


def append_audits(conn: Connection, records: Sequence[AuditRecord]) -> list[int]:
    """Append entries to the audit chain inside ``conn``'s (writing) transaction; their ids.

    The only way entries are written. Each id is the last id + 1, chosen here so it can be
    hashed; the writer's lock (SQLite BEGIN IMMEDIATE, PostgreSQL ``lock_audit_chain``) makes
    reading the last entry and appending the next ones a single step. Many records cost one
    lock, one read, one bulk insert and one update of the head.
    """
    if not records:
        return []
    lock_audit_chain(conn)
    last = conn.execute(
        select(col(AuditEntry.id), col(AuditEntry.hash))
        .order_by(col(AuditEntry.id).desc())
        .limit(1)
    ).first()
    entry_id = (last[0] or 0) if last else 0
    prev_hash = (last[1] or GENESIS) if last else GENESIS
    now = utcnow()
    rows: list[dict[str, Any]] = []
    for r in records:
        entry_id += 1
        at = r.at if r.at is not None else now
        digest = entry_hash(
            entry_id,
            at,
            r.operator,
            r.action,
            r.entity,
            r.entity_id,
            r.reason,
            r.before,
            r.after,
            prev_hash,
        )
        rows.append(
            {
                "id": entry_id,
                "at": at,
                "operator": r.operator,
                "action": r.action,
                "entity": r.entity,
                "entity_id": r.entity_id,
                "reason": r.reason,
                "before": r.before,
                "after": r.after,
                "prev_hash": prev_hash,
                "hash": digest,
            }
        )
        prev_hash = digest
    conn.execute(insert(AuditEntry), rows)
    moved = conn.execute(
        update(AuditHead)
        .where(col(AuditHead.id) == 1)
        .values(last_id=entry_id, last_hash=prev_hash)
    )
    if moved.rowcount == 0:
        conn.execute(insert(AuditHead).values(id=1, last_id=entry_id, last_hash=prev_hash))
    return [row["id"] for row in rows]


def append_audit(conn: Connection, **fields: Any) -> int:
    """Append one entry (the fields of ``AuditRecord``); its id."""
    return append_audits(conn, [AuditRecord(**fields)])[0]


class UnitOfWork:
    """``with UnitOfWork(target) as uow: ...; uow.commit()``.

    A dry-run unit of work only flushes on commit, so ``--dry-run`` takes the same code path as the
    real thing and the block's end rolls everything back.

    Audit entries are kept until the commit and appended then, in the order they were recorded:
    the audit chain's lock (which queues every writer of a PostgreSQL ledger) is held only from
    the append to the commit, and is always the last lock a transaction takes.
    """

    session: Session

    def __init__(
        self, target: Target, *, engine: Engine | None = None, dry_run: bool = False
    ) -> None:
        self.target = target
        self.engine = engine if engine is not None else engine_for(target)
        self.dry_run = dry_run
        self.operator = config.operator()
        self._audits: list[AuditRecord] = []

    def __enter__(self) -> Self:
        bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.session = Session(bind, expire_on_commit=False, autoflush=True)
        # a service that commits the session itself still writes its audit entries
        event.listen(self.session, "before_commit", self._append_audits)
        return self

    def __exit__(self, *exc: object) -> None:
        self._audits.clear()
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        if self.dry_run:
            self._append_audits()
            self.session.flush()
        else:
            self.session.commit()

    def serialize(self, *keys: tuple[object, ...]) -> None:
        """``serialize`` on this unit of work's transaction (see there)."""
        serialize(self.session, *keys)

    def lock(self, *rows: Any) -> None:
        """Lock rows already loaded (``SELECT … FOR NO KEY UPDATE``) and read them again.

        For a change decided by a row's current state (a status, a "reopened as"): a second
        writer waits here for the first one's commit, then sees what it wrote. ``NO KEY``: rows
        that merely point at the locked one (a new aid entry of a file) are not held up by it.
        Nothing on SQLite.
        """
        if _dialect(self.session) != "postgresql":
            return
        for row in rows:
            self.session.refresh(row, with_for_update={"key_share": True})

    def _append_audits(self, *_: object) -> None:
        if not self._audits:
            return
        records, self._audits = self._audits, []
        append_audits(self.session.connection(), records)

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
        """Record an entry of the audit chain; it is appended at the commit (see the class)."""
        self._audits.append(
            AuditRecord(
                operator=self.operator,
                action=action,
                entity=entity,
                entity_id=entity_id,
                reason=reason,
                before=to_json(before),
                after=to_json(after),
            )
        )
