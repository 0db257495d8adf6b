"""The read side of import batches: ``import list`` and ``import show``.

Running an import is ``services.imports.engine``; undoing a batch is
``services.imports.batches``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from unioncli.db.read import Reader, moment
from unioncli.errors import NotFound
from unioncli.i18n import register
from unioncli.ids import record_id
from unioncli.views import Page, limit_clause

register({"import.batch_not_found": ("找不到导入批次 #{id}", "no import batch #{id}")})


@dataclass(frozen=True)
class BatchView:
    id: int
    kind: str
    file_name: str
    encoding: str
    on_duplicate: str
    operator: str
    started_at: datetime
    rows: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    rejected: int
    status: str
    undone_at: datetime | None


_SELECT = (
    "SELECT id, kind, file_name, encoding, on_duplicate, operator, started_at, rows, created, "
    "updated, unchanged, skipped, rejected, status, undone_at FROM import_batch"
)


def _view(row: tuple[Any, ...]) -> BatchView:
    return BatchView(
        id=int(row[0]),
        kind=row[1],
        file_name=row[2],
        encoding=row[3],
        on_duplicate=row[4],
        operator=row[5],
        started_at=moment(row[6]),  # type: ignore[arg-type]
        rows=int(row[7]),
        created=int(row[8]),
        updated=int(row[9]),
        unchanged=int(row[10]),
        skipped=int(row[11]),
        rejected=int(row[12]),
        status=row[13],
        undone_at=moment(row[14]),
    )


def list_batches(r: Reader, *, limit: int | None = 50) -> Page[BatchView]:
    """The batches, newest first, cut at ``limit``, and how many there are."""
    total = r.count("SELECT COUNT(*) FROM import_batch")
    found = r.all(_SELECT + " ORDER BY id DESC" + limit_clause(limit), {"limit": limit})
    return Page([_view(row) for row in found], total)


def show_batch(r: Reader, batch_id: int) -> BatchView:
    row = (
        r.one(_SELECT + " WHERE id = :id", {"id": batch_id})
        if record_id(batch_id) is not None
        else None
    )
    if row is None:
        raise NotFound("import.batch_not_found", id=batch_id)
    return _view(row)
