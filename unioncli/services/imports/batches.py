"""Import batches: undo one (listing and showing them is ``views.imports``).

Undo removes the rows a batch created (every table with a ``batch_id`` column) and puts back the
values it changed (``import_change``). It refuses, listing the rows, when later work depends on
them: a row of another batch or typed in by hand that refers to a created row, a created row
edited since, or a changed row changed again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    DateTime,
    Table,
    and_,
    delete,
    or_,
    select,
    update,
)

from unioncli import i18n
from unioncli.db.uow import UnitOfWork
from unioncli.errors import Conflict, NotFound
from unioncli.i18n import register
from unioncli.ids import record_id
from unioncli.models import ImportBatch, ImportChange, metadata
from unioncli.models.base import utcnow
from unioncli.views.imports import BatchView

register(
    {
        "import.already_undone": (
            "导入批次 #{id} 已于 {at} 撤销",
            "import batch #{id} was undone on {at}",
        ),
        "import.undo_blocked": (
            "批次 #{id} 导入的数据已被后来的工作使用，不能撤销（共 {n} 处）：{items}",
            "later work depends on what batch #{id} imported ({n} places): {items}",
        ),
        "import.dep_refers": (
            "{child} #{child_id} 引用了{parent} #{parent_id}",
            "{child} #{child_id} refers to {parent} #{parent_id}",
        ),
        "import.dep_edited": (
            "{entity} #{id} 导入后又被修改",
            "{entity} #{id} was edited after the import",
        ),
        "import.dep_changed": (
            "{entity} #{id} 的{fields}在导入后又被修改",
            "{fields} of {entity} #{id} changed again after the import",
        ),
        "entity.org": ("工会", "union"),
        "entity.person": ("人员", "person"),
        "entity.member": ("会员", "member"),
        "entity.member_event": ("会籍变动", "membership event"),
        "entity.hardship_file": ("困难档案", "hardship file"),
        "entity.hardship_family": ("困难档案家庭成员", "household member"),
        "entity.hardship_review": ("档案复核", "file review"),
        "entity.hardship_visit": ("入户走访", "home visit"),
        "entity.aid": ("帮扶记录", "aid entry"),
        "entity.student_grant": ("金秋助学", "scholarship grant"),
        "entity.station": ("服务站点", "station"),
        "entity.station_event": ("站点状态变动", "station status change"),
        "entity.station_rating": ("站点评级", "station rating"),
        "entity.station_log": ("服务台账", "station log entry"),
    }
)

SHOW_DEPENDENCIES = 8


@dataclass(frozen=True)
class UndoResult:
    batch: BatchView
    removed: dict[str, int]
    restored: int


def entity_label(table: str) -> str:
    return i18n.t(f"entity.{table}")


def _view(batch: ImportBatch) -> BatchView:
    data = batch.model_dump()
    return BatchView(**data)


def _get(uow: UnitOfWork, batch_id: int) -> ImportBatch:
    batch = uow.session.get(ImportBatch, batch_id) if record_id(batch_id) is not None else None
    if batch is None:
        raise NotFound("import.batch_not_found", id=batch_id)
    return batch


def _batch_tables() -> list[Table]:
    """Tables whose rows an import can create, parents before children."""
    return [t for t in metadata.sorted_tables if "batch_id" in t.c and t.name != "import_change"]


def _dependencies(uow: UnitOfWork, batch_id: int) -> list[str]:
    conn = uow.session.connection()
    found: list[str] = []
    tables = _batch_tables()
    # rows elsewhere that refer to a row this batch created
    for parent in tables:
        created = select(parent.c.id).where(parent.c.batch_id == batch_id)
        for child in metadata.sorted_tables:
            for fk in child.foreign_keys:
                if fk.column.table is not parent or fk.parent.name == "batch_id":
                    continue
                cond: ColumnElement[bool] = fk.parent.in_(created)
                if "batch_id" in child.c:
                    cond = and_(cond, or_(child.c.batch_id.is_(None), child.c.batch_id != batch_id))
                for child_id, parent_id in conn.execute(
                    select(child.c.id, fk.parent).where(cond).limit(SHOW_DEPENDENCIES)
                ):
                    found.append(
                        i18n.t(
                            "import.dep_refers",
                            child=entity_label(child.name),
                            child_id=child_id,
                            parent=entity_label(parent.name),
                            parent_id=parent_id,
                        )
                    )
    # created rows edited since (an import writes created_at == updated_at)
    for table in tables:
        if "updated_at" not in table.c:
            continue
        stmt = select(table.c.id).where(
            table.c.batch_id == batch_id, table.c.updated_at != table.c.created_at
        )
        for (row_id,) in conn.execute(stmt.limit(SHOW_DEPENDENCIES)):
            found.append(i18n.t("import.dep_edited", entity=entity_label(table.name), id=row_id))
    # changed rows changed again
    for change in _changes(uow, batch_id):
        table = metadata.tables[change.entity]
        after = json.loads(change.after)
        row = conn.execute(
            select(*[table.c[k] for k in after]).where(table.c.id == change.entity_id)
        ).first()
        if row is None:
            continue
        current = _plain(dict(row._mapping))
        moved = [k for k in after if current.get(k) != after[k]]
        if moved:
            found.append(
                i18n.t(
                    "import.dep_changed",
                    entity=entity_label(change.entity),
                    id=change.entity_id,
                    fields=i18n.join(i18n.field_label(k) for k in moved),
                )
            )
    return found


def _changes(uow: UnitOfWork, batch_id: int) -> list[ImportChange]:
    return list(
        uow.session.scalars(
            select(ImportChange)
            .where(ImportChange.batch_id == batch_id)  # type: ignore[arg-type]
            .order_by(ImportChange.id.desc())  # type: ignore[union-attr]
        )
    )


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    """Values as the change log's JSON holds them."""
    out = {}
    for k, v in values.items():
        if isinstance(v, date | datetime):
            v = v.isoformat()
        out[k] = v
    return json.loads(json.dumps(out, default=str))


def _typed(table: Table, values: dict[str, Any]) -> dict[str, Any]:
    """JSON values back into what the columns take (dates are text in the change log)."""
    out = {}
    for k, v in values.items():
        kind = table.c[k].type
        if v is not None and isinstance(kind, DateTime):
            v = datetime.fromisoformat(v)
        elif v is not None and isinstance(kind, Date):
            v = date.fromisoformat(v)
        out[k] = v
    return out


def undo_batch(uow: UnitOfWork, batch_id: int) -> UndoResult:
    batch = _get(uow, batch_id)
    uow.lock(batch)  # a second clerk undoing it at the same moment waits, then is told it's done
    if batch.status == "undone":
        raise Conflict("import.already_undone", id=batch_id, at=f"{batch.undone_at:%Y-%m-%d %H:%M}")
    blocked = _dependencies(uow, batch_id)
    if blocked:
        shown = blocked[:SHOW_DEPENDENCIES]
        more = "…" if len(blocked) > len(shown) else ""
        raise Conflict(
            "import.undo_blocked", id=batch_id, n=len(blocked), items=i18n.join(shown) + more
        )
    conn = uow.session.connection()
    restored = 0
    for change in _changes(uow, batch_id):
        table = metadata.tables[change.entity]
        conn.execute(
            update(table)
            .where(table.c.id == change.entity_id)
            .values(**_typed(table, json.loads(change.before)))
        )
        restored += 1
    removed: dict[str, int] = {}
    for table in reversed(_batch_tables()):
        result = conn.execute(delete(table).where(table.c.batch_id == batch_id))
        if result.rowcount:
            removed[table.name] = result.rowcount
    batch.status = "undone"
    batch.undone_at = utcnow()
    uow.session.add(batch)
    uow.session.flush()
    uow.audit(
        "import.undo",
        "import_batch",
        batch_id,
        after={"removed": removed, "restored": restored, "file": batch.file_name},
    )
    return UndoResult(_view(batch), removed, restored)
