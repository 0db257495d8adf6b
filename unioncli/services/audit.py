"""The audit log: reading it, and recording that someone looked at whole ID numbers."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, func, select, text
from sqlmodel import col

from unioncli.db.uow import UnitOfWork
from unioncli.errors import DomainError, UsageError
from unioncli.i18n import register
from unioncli.models import AuditEntry
from unioncli.models.audit import GENESIS, canonical_at, entry_hash
from unioncli.services.common import blank, clean_text

register(
    {
        "audit.reason_required": (
            '显示或导出完整身份证号须写明原因：--reason "…"',
            'showing or exporting whole ID numbers needs a reason: --reason "…"',
        ),
        "audit.chain.changed": (
            "审计日志被篡改：条目 #{id}（{at}，{action}）的内容与其哈希不符，已被修改",
            "audit log tampered: entry #{id} ({at}, {action}) does not match its hash: it was "
            "changed",
        ),
        "audit.chain.removed": (
            "审计日志被篡改：条目 #{id}（{at}，{action}）之前的条目 {missing} 被删除",
            "audit log tampered: entries {missing} before entry #{id} ({at}, {action}) were "
            "removed",
        ),
        "audit.chain.removed_first": (
            "审计日志被篡改：条目 #{id}（{at}，{action}）之前的最早条目被删除",
            "audit log tampered: the earliest entries before entry #{id} ({at}, {action}) were "
            "removed",
        ),
        "audit.chain.inserted": (
            "审计日志被篡改：条目 #{id}（{at}，{action}）接不上前一条 #{prev}，是插入的"
            "（或前一条被改写后重算了哈希）",
            "audit log tampered: entry #{id} ({at}, {action}) does not link to entry #{prev}: "
            "it was inserted (or #{prev} was rewritten and rehashed)",
        ),
        "audit.chain.inserted_between": (
            "审计日志被篡改：条目 #{id}（{at}，{action}）是插入在 #{prev} 与 #{next} 之间的",
            "audit log tampered: entry #{id} ({at}, {action}) was inserted between #{prev} and "
            "#{next}",
        ),
        "audit.chain.inserted_first": (
            "审计日志被篡改：条目 #{id}（{at}，{action}）是插入在最前面的",
            "audit log tampered: entry #{id} ({at}, {action}) was inserted before the first entry",
        ),
        "audit.chain.appended": (
            "审计日志被篡改：条目 #{id}（{at}，{action}）不是经本程序写入的（末条记录停在 #{head}），"
            "是插入的",
            "audit log tampered: entry #{id} ({at}, {action}) was not written by unioncli (the "
            "recorded last entry is #{head}): it was inserted",
        ),
        "audit.chain.truncated": (
            "审计日志被篡改：末尾的条目被删除（最后一条应为 #{head}，现只到 {last}）",
            "audit log tampered: entries at the end were removed (the last entry should be "
            "#{head}, the log ends at {last})",
        ),
        "audit.chain.head_changed": (
            "审计日志被篡改：最后一条 #{id}（{at}，{action}）被改写并重算了哈希",
            "audit log tampered: the last entry #{id} ({at}, {action}) was rewritten and rehashed",
        ),
        "audit.chain.head_missing": (
            "审计日志被篡改：台账中记录最后一条审计条目的标记（audit_head）不见了",
            "audit log tampered: the ledger's record of its last audit entry (audit_head) "
            "is missing",
        ),
        "audit.chain.nothing": ("（无）", "(none)"),
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


@dataclass(frozen=True)
class ChainStatus:
    """An intact audit chain: how many entries, and the newest one's id and hash (to note down)."""

    count: int
    last_id: int | None
    last_hash: str | None


_CHAIN_SQL = (
    "SELECT id, at, operator, action, entity, entity_id, reason, before, after, prev_hash, hash "
    "FROM audit_log ORDER BY id"
)


def _chain_rows(conn: Connection) -> Iterator[tuple[Any, ...]]:
    """Every entry in id order, streamed: a plain sqlite3 cursor on SQLite, server-side otherwise."""
    if conn.dialect.name == "sqlite":
        cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cur.arraysize = 10_000
            cur.execute(_CHAIN_SQL)
            while batch := cur.fetchmany():
                yield from batch
        finally:
            cur.close()
        return
    result = conn.execution_options(stream_results=True, yield_per=10_000).execute(text(_CHAIN_SQL))
    for row in result:
        yield tuple(row)


def _shown_at(at: Any) -> str:
    stamp = canonical_at(at)
    return f"{stamp[:10]} {stamp[11:19]}"


def verify_chain(uow: UnitOfWork) -> ChainStatus:
    """Walk the audit chain in id order; raise DomainError naming the first entry that was changed,
    removed or inserted.

    Removing entries at the very end shows only through the ledger's record of the newest entry
    (table ``audit_head``); someone who can rewrite the whole file can rebuild the chain and
    that record too, so keep ``last_hash`` somewhere else to prove the log up to that point.
    """
    # A read transaction of its own (not the writer's BEGIN IMMEDIATE): one consistent snapshot
    # that doesn't hold up the clerks writing meanwhile.
    with uow.engine.connect() as conn:
        return verify_chain_on(conn)


def verify_chain_on(conn: Connection) -> ChainStatus:
    """``verify_chain`` inside a transaction already open (``db copy`` checks a chain it is
    writing, before the commit)."""
    head = conn.execute(text("SELECT last_id, last_hash FROM audit_head WHERE id = 1")).first()
    head_id, head_hash = (head[0], head[1]) if head is not None else (None, None)
    count = 0
    prev: tuple[Any, ...] | None = None  # the entry before; and the one before that
    prev_prev_id: int | None = None
    prev_prev_hash = GENESIS
    first_unrecorded: tuple[Any, ...] | None = None  # the first entry after the recorded head
    expected = GENESIS
    for row in _chain_rows(conn):
        (entry_id, at, operator, action, entity, entity_id, reason, before, after) = row[:9]
        prev_hash, digest = row[9], row[10]
        named = {"id": entry_id, "at": _shown_at(at), "action": action}
        if prev_hash != expected:
            if prev is not None and prev_hash == prev_prev_hash:
                # this entry links past the one before: that one was slipped in
                if prev_prev_id is None:
                    raise DomainError(
                        "audit.chain.inserted_first",
                        id=prev[0],
                        at=_shown_at(prev[1]),
                        action=prev[3],
                    )
                raise DomainError(
                    "audit.chain.inserted_between",
                    id=prev[0],
                    at=_shown_at(prev[1]),
                    action=prev[3],
                    prev=prev_prev_id,
                    next=entry_id,
                )
            if prev is None and entry_id > 1:
                raise DomainError("audit.chain.removed_first", **named)
            if prev is not None and entry_id > prev[0] + 1:
                missing = (
                    f"#{prev[0] + 1}"
                    if entry_id == prev[0] + 2
                    else f"#{prev[0] + 1}–#{entry_id - 1}"
                )
                raise DomainError("audit.chain.removed", missing=missing, **named)
            raise DomainError(
                "audit.chain.inserted", prev=prev[0] if prev is not None else 0, **named
            )
        recomputed = entry_hash(
            entry_id, at, operator, action, entity, entity_id, reason, before, after, prev_hash
        )
        if recomputed != digest:
            raise DomainError("audit.chain.changed", **named)
        if first_unrecorded is None and head_id is not None and entry_id > head_id:
            first_unrecorded = row
        prev_prev_id = prev[0] if prev is not None else None
        prev_prev_hash = expected
        prev = row
        expected = digest
        count += 1
    _check_head(head, head_id, head_hash, prev, first_unrecorded)
    return ChainStatus(
        count=count,
        last_id=prev[0] if prev is not None else None,
        last_hash=prev[10] if prev is not None else None,
    )


def _check_head(
    head: Any,
    head_id: int | None,
    head_hash: str | None,
    last: tuple[Any, ...] | None,
    first_unrecorded: tuple[Any, ...] | None,
) -> None:
    """The chain's end against the ledger's record of the newest entry written."""
    if head is None and last is None:
        return  # a ledger with no audit entries yet
    if head_id is None:
        raise DomainError("audit.chain.head_missing")
    if last is None:
        raise DomainError("audit.chain.truncated", head=head_id, last=_nothing())
    if last[0] < head_id:
        raise DomainError("audit.chain.truncated", head=head_id, last=f"#{last[0]}")
    if first_unrecorded is not None:
        raise DomainError(
            "audit.chain.appended",
            id=first_unrecorded[0],
            at=_shown_at(first_unrecorded[1]),
            action=first_unrecorded[3],
            head=head_id,
        )
    if last[10] != head_hash:
        raise DomainError(
            "audit.chain.head_changed", id=last[0], at=_shown_at(last[1]), action=last[3]
        )


def _nothing() -> str:
    from unioncli.i18n import t

    return t("audit.chain.nothing")
