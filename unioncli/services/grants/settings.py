"""A round's settings: the standard amounts by school level (parent on a hardship file or
not) and the year's budget; setting and clearing them, audited.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlmodel import col

from unioncli.db.read import reading
from unioncli.db.uow import UnitOfWork
from unioncli.enums import (
    SchoolLevel,
)
from unioncli.errors import Conflict, UsageError
from unioncli.models import (
    GrantRound,
    GrantStandard,
)
from unioncli.models.base import utcnow
from unioncli.money import format_money
from unioncli.services.common import Collector, blank
from unioncli.services.grants.rules import _year, parse_amount, used_budget
from unioncli.views import grants as views
from unioncli.views.grants import (
    RoundSettings,
    StandardRow,
)

# --- round settings ------------------------------------------------------------------------------


def _round_key(year: int) -> tuple[object, ...]:
    """The ``serialize`` key of a round year's settings: budget and standards."""
    return ("grant_round", year)


def round_settings(uow: UnitOfWork, year: Any) -> RoundSettings:
    """The round's settings as ``grant standards``/``grant budget`` show them (read back through
    the view, inside the unit of work)."""
    uow.session.flush()
    with reading(uow.session.connection()) as r:
        return views.round_settings(r, year)


def _standard_snapshot(rows: list[StandardRow]) -> dict[str, Any]:
    return {r.level: {"on_file": r.on_file_fen, "off_file": r.off_file_fen} for r in rows}


def set_standards(
    uow: UnitOfWork, year: Any, level: str | None, *, on_file: Any = None, off_file: Any = None
) -> RoundSettings:
    """Set a level's standard amounts for a year: parent on a hardship file, or not (either or
    both). Grants already applied for keep the standard they were given. Audited."""
    if level is None or (blank(on_file) and blank(off_file)):
        raise UsageError("grant.standards_what")
    c = Collector()
    y = c.take(_year, year)
    lv = c.take(SchoolLevel.parse, level, "level")
    amounts = {
        True: None if blank(on_file) else c.take(parse_amount, on_file, "on_file"),
        False: None if blank(off_file) else c.take(parse_amount, off_file, "off_file"),
    }
    c.check()
    assert y is not None and lv is not None
    uow.serialize(_round_key(y))
    s = uow.session
    before = round_settings(uow, y)
    for flag, fen in amounts.items():
        if fen is None:
            continue
        row = s.get(GrantStandard, (y, lv.value, flag))
        if row is None:
            s.add(GrantStandard(year=y, level=lv.value, on_file=flag, amount_fen=fen))
        else:
            row.amount_fen = fen
            row.updated_at = utcnow()
            s.add(row)
    s.flush()
    after = round_settings(uow, y)
    old, new = _standard_snapshot(before.standards), _standard_snapshot(after.standards)
    uow.audit(
        "grant.standard",
        "grant_standard",
        y,
        before={lv.value: old.get(lv.value)},
        after={lv.value: new.get(lv.value)},
    )
    return after


def clear_standards(uow: UnitOfWork, year: Any, level: str | None = None) -> RoundSettings:
    """Remove a level's standards for a year (or all of the year's). Audited."""
    c = Collector()
    y = c.take(_year, year)
    lv = None if level is None else c.take(SchoolLevel.parse, level, "level")
    c.check()
    assert y is not None
    uow.serialize(_round_key(y))
    s = uow.session
    before = round_settings(uow, y)
    rows = s.scalars(
        select(GrantStandard).where(
            col(GrantStandard.year) == y,
            *([col(GrantStandard.level) == lv.value] if lv is not None else []),
        )
    ).all()
    for row in rows:
        s.delete(row)
    s.flush()
    if rows:
        old = _standard_snapshot(before.standards)
        keys = [lv.value] if lv is not None else list(old)
        uow.audit(
            "grant.standard",
            "grant_standard",
            y,
            before={k: old.get(k) for k in keys},
            after={k: None for k in keys},
        )
    return round_settings(uow, y)


def set_budget(uow: UnitOfWork, year: Any, amount: Any) -> RoundSettings:
    """Set the year's budget (``amount`` None: no budget, no cap). It cannot be below what is
    approved and paid already. Audited."""
    c = Collector()
    y = c.take(_year, year)
    fen = None if amount is None else c.take(parse_amount, amount, "budget")
    c.check()
    assert y is not None
    # approvals of the year wait (``approve`` takes the same key): none lands between counting
    # what is used and setting the budget
    uow.serialize(_round_key(y))
    s = uow.session
    used = used_budget(s, y)
    if fen is not None and fen < used:
        raise Conflict("grant.budget_below_used", year=y, used=format_money(used))
    row = s.get(GrantRound, y)
    old = None if row is None else row.budget_fen
    if row is None:
        row = GrantRound(year=y, budget_fen=fen)
    else:
        row.budget_fen = fen
        row.updated_at = utcnow()
    s.add(row)
    s.flush()
    if old != fen:
        uow.audit(
            "grant.budget", "grant_round", y, before={"budget_fen": old}, after={"budget_fen": fen}
        )
    return round_settings(uow, y)
