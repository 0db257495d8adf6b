"""The county's 低保 line per year (``hardship settings``): set or change it, audited. The read side
(``views.hardship``) shows the lines and checks a file's income against them.
"""

from __future__ import annotations

from typing import Any

from unioncli import i18n
from unioncli.dates import parse_year
from unioncli.db.uow import UnitOfWork
from unioncli.errors import InvalidValue
from unioncli.models import LowIncomeLine
from unioncli.models.base import utcnow
from unioncli.money import parse_money
from unioncli.services.common import Collector
from unioncli.views.hardship.low_income import LineView

i18n.register(
    {
        "hardship.line_zero": ("低保线须大于 0", "the line must be above zero"),
    }
)


def set_low_income_line(uow: UnitOfWork, year: Any, amount: Any) -> LineView:
    """Set (or change) a year's 低保 line in yuan per person per month; audited."""
    c = Collector()
    y = c.take(parse_year, year)
    fen = c.take(parse_money, amount, "low_income_line")
    c.check()
    assert y is not None and fen is not None
    if fen <= 0:
        raise InvalidValue("low_income_line", amount, "hardship.line_zero")
    uow.serialize(("low_income_line", y))  # two clerks setting a new year's line: one inserts
    s = uow.session
    row = s.get(LowIncomeLine, y)
    before = None if row is None else {"year": y, "line_fen": row.amount_fen}
    if row is None:
        row = LowIncomeLine(year=y, amount_fen=fen)
    else:
        row.amount_fen = fen
        row.updated_at = utcnow()
    s.add(row)
    s.flush()
    if before is None or before["line_fen"] != fen:
        uow.audit(
            "hardship.settings",
            "low_income_line",
            y,
            before=before,
            after={"year": y, "line_fen": fen},
        )
    return LineView(row.year, row.amount_fen, row.updated_at)
