"""The read side of the audit log: ``audit list``, and ``audit verify``, the hash chain's check,
computed from the plain rows with ``audit_chain.entry_hash`` (the writer's own function).

Writing entries is ``db.uow`` (``append_audits``); recording that someone looked at whole ID
numbers is ``services.audit.record_reveal``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from unioncli.audit_chain import GENESIS, canonical_at, entry_hash
from unioncli.db.read import Reader, moment
from unioncli.errors import DomainError
from unioncli.i18n import register, t
from unioncli.views import Page, limit_clause

register(
    {
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


# --- audit list --------------------------------------------------------------------------------


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
    r: Reader,
    *,
    operator: str | None = None,
    action: str | None = None,
    entity: str | None = None,
    entity_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
    limit: int | None = 50,
) -> Page[AuditRow]:
    """Entries newest first, cut at ``limit``, and how many match in all."""
    conds: list[str] = []
    params: dict[str, Any] = {"limit": limit}
    if operator:
        conds.append("operator = :operator")
        params["operator"] = operator
    if action:
        # "member" matches member.add, member.leave, ...
        conds.append("(action = :action OR action LIKE :action_dot || '%')")
        params.update(action=action, action_dot=action + ".")
    if entity:
        conds.append("entity = :entity")
        params["entity"] = entity
    if entity_id is not None:
        conds.append("entity_id = :entity_id")
        params["entity_id"] = entity_id
    if since:
        conds.append("at >= :since")
        params["since"] = datetime.combine(since, time.min, tzinfo=UTC)
    if until:
        conds.append("at < :until")
        params["until"] = datetime.combine(until + timedelta(days=1), time.min, tzinfo=UTC)
    where = f" WHERE {' AND '.join(conds)}" if conds else ""
    total = r.count("SELECT COUNT(*) FROM audit_log" + where, params)
    found = r.all(
        "SELECT id, at, operator, action, entity, entity_id, reason, before, after FROM audit_log"
        + where
        + " ORDER BY id DESC"
        + limit_clause(limit),
        params,
    )
    rows = [
        AuditRow(
            id=int(e[0]),
            at=moment(e[1]),  # type: ignore[arg-type]
            operator=e[2],
            action=e[3],
            entity=e[4],
            entity_id=e[5],
            reason=e[6],
            before=e[7],
            after=e[8],
        )
        for e in found
    ]
    return Page(rows, total)


# --- audit verify ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChainStatus:
    """An intact audit chain: how many entries, and the newest one's id and hash (to note down)."""

    count: int
    last_id: int | None
    last_hash: str | None


_PAGE = 10_000

_CHAIN = (
    "SELECT id, at, operator, action, entity, entity_id, reason, before, after, prev_hash, hash "
    "FROM audit_log WHERE {after}id <= :top ORDER BY id LIMIT :page"
)


def _chain_rows(r: Reader, top: int) -> Iterator[tuple[Any, ...]]:
    """Every entry up to id ``top`` in id order, a page at a time (a long log is never held whole).

    ``top`` is the newest id when the walk began, read with the head: an entry a clerk appends
    meanwhile is after both, so a walk in several statements sees the log as it stood then."""
    last: int | None = None
    while True:
        after = "" if last is None else "id > :last AND "
        page = r.all(_CHAIN.format(after=after), {"last": last, "top": top, "page": _PAGE})
        yield from page
        if len(page) < _PAGE:
            return
        last = page[-1][0]


def _shown_at(at: Any) -> str:
    stamp = canonical_at(at)
    return f"{stamp[:10]} {stamp[11:19]}"


def verify_chain(r: Reader) -> ChainStatus:
    """Walk the audit chain in id order; raise DomainError naming the first entry that was changed,
    removed or inserted.

    Removing entries at the very end shows only through the ledger's record of the newest entry
    (table ``audit_head``); someone who can rewrite the whole file can rebuild the chain and
    that record too, so keep ``last_hash`` somewhere else to prove the log up to that point.
    """
    # the head and the newest id in one statement: one snapshot of the log's end
    found = r.one(
        "SELECT (SELECT COUNT(*) FROM audit_head WHERE id = 1), "
        "(SELECT last_id FROM audit_head WHERE id = 1), "
        "(SELECT last_hash FROM audit_head WHERE id = 1), "
        "(SELECT MAX(id) FROM audit_log)"
    )
    assert found is not None
    has_head, head_id, head_hash, top = found
    count = 0
    prev: tuple[Any, ...] | None = None  # the entry before; and the one before that
    prev_prev_id: int | None = None
    prev_prev_hash = GENESIS
    first_unrecorded: tuple[Any, ...] | None = None  # the first entry after the recorded head
    expected = GENESIS
    for row in _chain_rows(r, top) if top is not None else ():
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
    _check_head(bool(has_head), head_id, head_hash, prev, first_unrecorded)
    return ChainStatus(
        count=count,
        last_id=prev[0] if prev is not None else None,
        last_hash=prev[10] if prev is not None else None,
    )


def _check_head(
    has_head: bool,
    head_id: int | None,
    head_hash: str | None,
    last: tuple[Any, ...] | None,
    first_unrecorded: tuple[Any, ...] | None,
) -> None:
    """The chain's end against the ledger's record of the newest entry written."""
    if not has_head and last is None:
        return  # a ledger with no audit entries yet
    if head_id is None:
        raise DomainError("audit.chain.head_missing")
    if last is None:
        raise DomainError("audit.chain.truncated", head=head_id, last=t("audit.chain.nothing"))
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
