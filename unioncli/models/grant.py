from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from unioncli.enums import Eligibility, GrantStatus, SchoolLevel
from unioncli.models.base import one_of, utcnow

# a grant that still stands: one per student per round year
_STANDING = "status IN ('applied', 'approved', 'paid')"


class GrantRound(SQLModel, table=True):
    """A year's 金秋助学 round: its budget (none: no cap)."""

    __tablename__ = "grant_round"

    year: int = Field(primary_key=True)
    budget_fen: int | None = None
    updated_at: datetime = Field(default_factory=utcnow)


class GrantStandard(SQLModel, table=True):
    """The standard amount of a year's round, by school level and whether the parent holds an
    open hardship file. A year without standards takes amounts as given."""

    __tablename__ = "grant_standard"
    __table_args__ = (one_of("level", SchoolLevel.codes(), "level"),)

    year: int = Field(primary_key=True)
    level: str = Field(primary_key=True, max_length=24)
    on_file: bool = Field(primary_key=True)
    amount_fen: int
    updated_at: datetime = Field(default_factory=utcnow)


class Grant(SQLModel, table=True):
    """One student's grant in one round year, from application to payment."""

    __tablename__ = "student_grant"
    __table_args__ = (
        one_of("level", SchoolLevel.codes(), "level"),
        one_of("status", GrantStatus.codes(), "status"),
        one_of("eligibility", Eligibility.codes(), "eligibility"),
        Index("ix_grant_year_status", "year", "status"),
        Index(
            "uq_grant_student_id_year",
            "student_id",
            "year",
            unique=True,
            sqlite_where=text(_STANDING),
            postgresql_where=text(_STANDING),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    year: int
    student_id: int = Field(foreign_key="person.id", index=True)
    parent_id: int = Field(foreign_key="person.id", index=True)
    level: str = Field(max_length=24)
    school: str | None = Field(default=None, max_length=100)
    enrolled_year: int | None = None
    amount_fen: int
    standard_fen: int | None = None  # the standard when applied, if the year had one
    amount_reason: str | None = Field(default=None, max_length=200)  # when it differs
    eligibility: str = Field(max_length=20)
    override_reason: str | None = Field(default=None, max_length=200)
    hardship_file_id: int | None = Field(default=None, foreign_key="hardship_file.id")
    status: str = Field(default=GrantStatus.APPLIED.value, max_length=12)
    status_reason: str | None = Field(default=None, max_length=200)  # rejection, withdrawal
    # funded elsewhere (军校, 免费师范生, 定向生): the application is recorded and not granted
    exclusion: str | None = Field(default=None, max_length=100)
    applied_on: date
    approved_on: date | None = None
    paid_on: date | None = Field(default=None, index=True)
    # the day of a rejection or withdrawal (applied_on, approved_on and paid_on date the rest)
    decided_on: date | None = None
    note: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
