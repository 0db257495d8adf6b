from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Field, SQLModel

from unioncli.enums import Education, Gender, Hukou, PoliticalStatus
from unioncli.models.base import one_of, utcnow


class Person(SQLModel, table=True):
    """One real person, keyed by the resident ID number; never stored twice."""

    __tablename__ = "person"
    __table_args__ = (
        one_of("gender", Gender.codes(), "gender"),
        one_of("education", Education.codes(), "education", nullable=True),
        one_of("political_status", PoliticalStatus.codes(), "political_status", nullable=True),
        one_of("hukou", Hukou.codes(), "hukou", nullable=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    id_number: str = Field(max_length=18, unique=True)
    # The ID reversed: "find by the last digits" becomes an indexed prefix search.
    id_rev: str = Field(max_length=18, index=True)
    name: str = Field(max_length=50, index=True)
    name_pinyin: str = Field(max_length=200, index=True)
    name_initials: str = Field(max_length=50, index=True)
    gender: str = Field(max_length=6)
    birth_date: date
    ethnicity: str | None = Field(default=None, max_length=20)
    phone: str | None = Field(default=None, max_length=11, index=True)
    education: str | None = Field(default=None, max_length=24)
    political_status: str | None = Field(default=None, max_length=24)
    hukou: str | None = Field(default=None, max_length=24)
    # the import that created this row (``import undo`` removes it); none when typed in
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
