from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from unioncli.enums import AidKind, CloseReason, FileStatus, HardshipCategory, HardshipCause
from unioncli.models.base import one_of, utcnow


def _category_of_the_row(context: Any) -> Any:
    return context.get_current_parameters().get("category")


class HardshipFile(SQLModel, table=True):
    """One household in hardship (一户一档), headed by the worker.

    A household that falls back into hardship gets a new file; ``previous_id`` links it to the
    closed one, which stays as history. Money is integer fen.
    """

    __tablename__ = "hardship_file"
    __table_args__ = (
        one_of("category", HardshipCategory.codes(), "category"),
        one_of("opened_category", HardshipCategory.codes(), "opened_category"),
        one_of("cause", HardshipCause.codes(), "cause"),
        one_of("status", FileStatus.codes(), "status"),
        one_of("close_reason", CloseReason.codes(), "close_reason", nullable=True),
        Index("ix_hardship_file_status_category", "status", "category"),
        # covering: the yearly report counts files opened, closed and open at a year's end (by
        # the category in force then: the latest review's by that day, else the opening one)
        Index(
            "ix_hardship_file_opened_on_cover",
            "opened_on",
            "closed_on",
            "opened_category",
            "org_id",
        ),
        Index("ix_hardship_file_closed_on_cover", "closed_on", "close_reason", "org_id"),
        # one open file per head, whatever the race between two clerks
        Index(
            "uq_hardship_file_open_head",
            "head_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    file_no: str = Field(max_length=30, unique=True)
    head_id: int = Field(foreign_key="person.id", index=True)
    org_id: int | None = Field(default=None, foreign_key="org.id", index=True)
    # the current category: the latest review's (by date, then id), else ``opened_category``.
    # The category in force on a day D is the latest review's with review_date <= D, else
    # ``opened_category``: what a past year's figures read (``category_on``).
    category: str = Field(max_length=20)
    # the category the file was opened with; a row written without it was opened with its
    # category (a Python-side default: the schema has none)
    opened_category: str = Field(max_length=20, sa_column_kwargs={"default": _category_of_the_row})
    cause: str = Field(max_length=20)
    # up to three more causes, as codes joined by commas
    secondary_causes: str | None = Field(default=None, max_length=80)
    household_size: int
    income_fen: int | None = None  # 家庭月人均收入, per person per month
    health: str | None = Field(default=None, max_length=100)
    housing: str | None = Field(default=None, max_length=100)
    address: str | None = Field(default=None, max_length=200)
    phone: str | None = Field(default=None, max_length=11)
    opened_on: date  # indexed by ix_hardship_file_opened_on_cover
    status: str = Field(default=FileStatus.OPEN.value, max_length=10)
    closed_on: date | None = None  # indexed by ix_hardship_file_closed_on_cover
    close_reason: str | None = Field(default=None, max_length=20)
    previous_id: int | None = Field(default=None, foreign_key="hardship_file.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class FamilyMember(SQLModel, table=True):
    """Someone of the household besides the head (a person: never stored twice)."""

    __tablename__ = "hardship_family"

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(foreign_key="hardship_file.id", index=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    relation: str = Field(max_length=20)
    income_fen: int | None = None  # monthly
    health: str | None = Field(default=None, max_length=100)
    occupation: str | None = Field(default=None, max_length=100)  # 身份/学校: school or work
    created_at: datetime = Field(default_factory=utcnow)


class HardshipReview(SQLModel, table=True):
    """The yearly review (年度复核) of a file: when, the outcome, the category it left."""

    __tablename__ = "hardship_review"
    __table_args__ = (
        one_of("category", HardshipCategory.codes(), "category"),
        # covering: a file's category on a day is its latest review by then (the yearly
        # report's year-end categories read this index alone)
        Index("ix_hardship_review_file_day_cover", "file_id", "review_date", "id", "category"),
    )

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(foreign_key="hardship_file.id")
    review_date: date
    outcome: str = Field(max_length=200)
    category: str = Field(max_length=20)  # the category after the review
    reviewer: str | None = Field(default=None, max_length=50)
    created_at: datetime = Field(default_factory=utcnow)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class HardshipVisit(SQLModel, table=True):
    """A home visit (入户走访)."""

    __tablename__ = "hardship_visit"
    __table_args__ = (Index("ix_hardship_visit_file_id_visit_date", "file_id", "visit_date"),)

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(foreign_key="hardship_file.id")
    visit_date: date
    visitor: str | None = Field(default=None, max_length=50)
    note: str | None = Field(default=None, max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class Aid(SQLModel, table=True):
    """A payment to a household. Never edited: a mistake is undone by a reversing entry
    (``reverses_id``, the negative amount), so the money history is never rewritten."""

    __tablename__ = "aid"
    __table_args__ = (
        one_of("kind", AidKind.codes(), "kind"),
        Index("ix_aid_file_id_aid_date", "file_id", "aid_date"),
        # covering: the yearly report sums a year's entries from this index alone
        Index(
            "ix_aid_aid_date_kind_cover", "aid_date", "kind", "file_id", "amount_fen", "reverses_id"
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    file_id: int = Field(foreign_key="hardship_file.id")
    aid_date: date
    kind: str = Field(max_length=20)
    amount_fen: int
    fund_source: str | None = Field(default=None, max_length=100)
    handler: str | None = Field(default=None, max_length=50)
    note: str | None = Field(default=None, max_length=200)
    reverses_id: int | None = Field(default=None, foreign_key="aid.id", unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class LowIncomeLine(SQLModel, table=True):
    """The county's 低保 line for a year, per person per month: the category check uses it."""

    __tablename__ = "low_income_line"

    year: int = Field(primary_key=True)
    amount_fen: int
    updated_at: datetime = Field(default_factory=utcnow)
