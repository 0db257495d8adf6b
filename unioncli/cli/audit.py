"""``unioncli audit``: who did what, when."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Any

import typer

from unioncli import i18n
from unioncli.cli.common import (
    AllOption,
    Format,
    FormatOption,
    LimitOption,
    limit_of,
    list_when_bare,
    state,
)
from unioncli.cli.nouns import help_of

app = typer.Typer(help=help_of("audit"))

i18n.register(
    {
        "audit.col.at": ("时间（UTC）", "time (UTC)"),
        "audit.col.operator": ("操作人", "operator"),
        "audit.col.action": ("操作", "action"),
        "audit.col.record": ("记录", "record"),
        "audit.col.change": ("变更", "change"),
        "audit.intact": ("审计日志完整：{count} 条", "audit log intact: {count} entries"),
        "audit.fingerprint": (
            "最后一条 #{id} 的哈希：{hash}（记在台账之外，日后可证明到此为止的日志未被改动）",
            "hash of the last entry #{id}: {hash} (keep it outside the ledger to prove later that "
            "the log up to it is unchanged)",
        ),
    }
)

# Coded fields shown by their label, as everywhere else on screen.
_CODED = {
    "status": "MemberStatus",
    "gender": "Gender",
    "education": "Education",
    "political_status": "PoliticalStatus",
    "hukou": "Hukou",
    "gig_group": "GigGroup",
    "org_type": "OrgType",
    "category": "HardshipCategory",
    "opened_category": "HardshipCategory",
    "cause": "HardshipCause",
    "close_reason": "CloseReason",
    "kind": "AidKind",
}


def _shown(key: str, value: Any) -> Any:
    """A stored value as the audit list prints it: ID numbers and phones masked, codes labelled."""
    from unioncli import enums
    from unioncli.ids import mask_id, mask_phone

    if not isinstance(value, str):
        return value
    if key == "id_number":
        return mask_id(value)
    if key == "phone":
        return mask_phone(value)
    if key in _CODED and value in getattr(enums, _CODED[key]).codes():
        return getattr(enums, _CODED[key])(value).label()
    return value


def _change_text(before: str | None, after: str | None) -> str:
    b = json.loads(before) if before else {}
    a = json.loads(after) if after else {}
    parts = []
    for key in sorted(set(b) | set(a)):
        old, new = _shown(key, b.get(key)), _shown(key, a.get(key))
        label = i18n.field_label(key)
        if key in b and key in a:
            parts.append(f"{label}: {old} → {new}")
        elif key in a:
            parts.append(f"{label}={new}")
        else:
            parts.append(f"{label}: {old} →")
    return "; ".join(parts)


list_when_bare(app)


@app.command("list")
def list_audit(
    operator: str | None = typer.Option(None, "--operator", help="操作人"),
    action: str | None = typer.Option(
        None, "--action", help="操作，如 member 或 member.leave 或 reveal"
    ),
    entity: str | None = typer.Option(None, "--entity", help="记录类别：member / org / person"),
    entity_id: int | None = typer.Option(None, "--id", help="记录编号"),
    since: str | None = typer.Option(None, "--since", help="起始日期"),
    until: str | None = typer.Option(None, "--until", help="截止日期"),
    limit: int = LimitOption,
    all_rows: bool = AllOption,
    fmt: Format = FormatOption,
) -> None:
    """查看审计日志（最新在前；身份证号、手机号已遮蔽）. Example: unioncli audit list --action reveal"""
    from unioncli.cli.render import Column, listing
    from unioncli.dates import parse_date
    from unioncli.db.read import reading
    from unioncli.views.audit import list_entries

    with reading(state.target()) as r:
        page = list_entries(
            r,
            operator=operator,
            action=action,
            entity=entity,
            entity_id=entity_id,
            since=parse_date(since, field="date") if since else None,
            until=parse_date(until, field="date") if until else None,
            limit=limit_of(limit, all_rows),
        )
    data = []
    for e in page.rows:
        d = asdict(e)
        d["record"] = f"{e.entity}#{e.entity_id}" if e.entity_id is not None else e.entity
        d["change"] = _change_text(e.before, e.after)
        if fmt == Format.table and len(d["change"]) > 80:
            d["change"] = d["change"][:79] + "…"  # the whole change: --format json
        data.append(d)
    cols = [
        Column("id", "#", justify="right"),
        Column("at", i18n.t("audit.col.at")),
        Column("operator", i18n.t("audit.col.operator")),
        Column("action", i18n.t("audit.col.action")),
        Column("record", i18n.t("audit.col.record")),
        Column("reason", i18n.field_label("reason"), wrap=True),
        Column("change", i18n.t("audit.col.change"), wrap=True),
    ]
    listing(cols, data, fmt.value, total=page.total)


@app.command("verify")
def verify() -> None:
    """核对审计日志的哈希链，指出第一条被修改、删除或插入的条目（末尾被删须靠台账记下的末条标记或台账外记下的哈希才能发现）. Example: unioncli audit verify"""
    from unioncli.cli.render import line, note
    from unioncli.db.read import reading
    from unioncli.views.audit import verify_chain

    # one read of its own, not the writer's BEGIN IMMEDIATE: it holds up no clerk meanwhile
    with reading(state.target()) as r:
        status = verify_chain(r)
    line(i18n.t("audit.intact", count=status.count))
    if status.last_id is not None:
        note(i18n.t("audit.fingerprint", id=status.last_id, hash=status.last_hash))
