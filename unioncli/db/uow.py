"""The unit of work: one transaction, committed explicitly; leaving the block rolls back."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any, Self

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from unioncli import config
from unioncli.config import Target
from unioncli.db.engine import engine_for
from unioncli.models import AuditEntry


def _json_default(value: Any) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


def to_json(data: dict[str, Any] | None) -> str | None:
    if data is None:
        return None
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=_json_default)


class UnitOfWork:
    """``with UnitOfWork(target) as uow: ...; uow.commit()``.

    A dry-run unit of work only flushes on commit, so ``--dry-run`` takes the same code path as the
    real thing and the block's end rolls everything back.
    """

    session: Session

    def __init__(
        self, target: Target, *, engine: Engine | None = None, dry_run: bool = False
    ) -> None:
        self.target = target
        self.engine = engine if engine is not None else engine_for(target)
        self.dry_run = dry_run
        self.operator = config.operator()

    def __enter__(self) -> Self:
        bind = self.engine.execution_options(sqlite_begin="IMMEDIATE")
        self.session = Session(bind, expire_on_commit=False, autoflush=True)
        return self

    def __exit__(self, *exc: object) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        if self.dry_run:
            self.session.flush()
        else:
            self.session.commit()

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
        self.session.add(
            AuditEntry(
                operator=self.operator,
                action=action,
                entity=entity,
                entity_id=entity_id,
                reason=reason,
                before=to_json(before),
                after=to_json(after),
            )
        )
