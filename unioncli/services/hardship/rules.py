"""The state rules every change to a file obeys: an open file only, dated events on real days
neither in the future nor before the opening, and what a file looked like before a change (for
the audit log).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from unioncli import i18n
from unioncli.dates import parse_date, today
from unioncli.enums import FileStatus
from unioncli.errors import Conflict
from unioncli.models import HardshipFile
from unioncli.services.common import blank
from unioncli.services.hardship.fields import not_before, past_date

i18n.register(
    {
        "hardship.closed_file": (
            "档案 {file_no} 已于 {date} 退档，不能再{action}",
            "file {file_no} was closed on {date}: it cannot be {action}",
        ),
        "hardship.action.review": ("复核", "reviewed"),
        "hardship.action.visit": ("登记走访", "visited"),
        "hardship.action.close": ("退档", "closed again"),
        "hardship.action.update": ("修改", "changed"),
        "hardship.action.family": ("增减家庭成员", "given new family members"),
    }
)


_SNAPSHOT_FIELDS = (
    "file_no",
    "org_id",
    "category",
    "opened_category",
    "cause",
    "secondary_causes",
    "household_size",
    "income_fen",
    "health",
    "housing",
    "address",
    "phone",
    "opened_on",
    "status",
    "closed_on",
    "close_reason",
    "previous_id",
)


def snapshot(f: HardshipFile) -> dict[str, Any]:
    return {k: getattr(f, k) for k in _SNAPSHOT_FIELDS}


def require_open(f: HardshipFile, action: str) -> None:
    if f.status != FileStatus.OPEN.value:
        raise Conflict(
            "hardship.closed_file",
            file_no=f.file_no,
            date=f.closed_on,
            action=i18n.t(f"hardship.action.{action}"),
        )


def event_date(f: HardshipFile, raw: Any, field_key: str) -> date:
    """A dated event on a file: a real date, not in the future, not before the file opened."""
    on = today() if blank(raw) else past_date(raw, field_key)
    not_before(on, f.opened_on, field_key, "hardship.before_opened", opened=f.opened_on)
    return on


def latest(s: Session, column: Any, file_column: Any, file_id: int) -> date | None:
    value = s.execute(select(func.max(column)).where(file_column == file_id)).scalar_one()
    return value if value is None or isinstance(value, date) else parse_date(value)
