"""The read side: per register, the queries that show and list, as plain SQL returning dataclasses.

cosmicpython's ``views.py`` (chapter 12): a read needs no domain objects, so it needs no ORM.
Every function here takes a ``db.read.Reader`` (open one with ``db.read.reading(target)``) and
returns frozen dataclasses; the SQL text is the same on SQLite and PostgreSQL. Modules here import
neither SQLAlchemy nor SQLModel nor the models, so a read command on a SQLite ledger starts at the
speed of ``import typer`` (``tests/test_read_side.py`` holds every read command to that).

The flow is one-way: ``cli`` → ``services`` (writes, through the ORM) or ``views`` (reads) →
``models``/``db``. A write that shows its result reads it back through the view after it commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from unioncli.services.figures import county_name

T = TypeVar("T")


@dataclass(frozen=True)
class Page(Generic[T]):
    """The rows of a list cut at its limit, and how many there are in all."""

    rows: list[T]
    total: int


# ``org_id IN (…)`` for the clerk's county (区县): the lists' twin of the report's county scope.
# A row with no union (org_id NULL) is in no county.
IN_COUNTY = "(SELECT id FROM org WHERE county = :county)"


def county_param(county: str | None) -> dict[str, object]:
    """The ``:county`` parameter of ``IN_COUNTY``, spelt as stored; {} for the whole ledger."""
    return {"county": county_name(county)} if county else {}


def limit_clause(limit: int | None) -> str:
    """`` LIMIT :limit`` when the list is cut (pass ``limit`` among the parameters), else ''."""
    return "" if limit is None else " LIMIT :limit"
