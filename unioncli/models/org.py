from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from unioncli.enums import OrgDissolution, OrgType
from unioncli.models.base import one_of, utcnow


class Org(SQLModel, table=True):
    """A grassroots union (基层工会)."""

    __tablename__ = "org"
    __table_args__ = (
        one_of("type", OrgType.codes(), "type"),
        one_of("dissolution", OrgDissolution.codes(), "dissolution", nullable=True),
        # a dissolution has its date; a merger (and only a merger) names the receiving union
        CheckConstraint("(dissolution IS NULL) = (dissolved_on IS NULL)", name="dissolution_dated"),
        CheckConstraint(
            "(dissolution IS NOT NULL AND dissolution = 'merged') = (merged_into_id IS NOT NULL)",
            name="merged_into",
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=100, unique=True)
    uscc: str | None = Field(default=None, max_length=18, unique=True)
    employer: str | None = Field(default=None, max_length=100)
    employer_uscc: str | None = Field(default=None, max_length=18)
    type: str = Field(default=OrgType.INDEPENDENT.value, max_length=20)
    township: str | None = Field(default=None, max_length=50, index=True)
    # 区县: None in a county's own ledger (the ledger is the county); set in a city's shared one
    county: str | None = Field(default=None, max_length=50, index=True)
    founded: date
    chair: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    # 撤销/注销/合并: the day the union ended (terminal) and how; a merger names the receiving union
    dissolved_on: date | None = Field(default=None, index=True)
    dissolution: str | None = Field(default=None, max_length=20)
    merged_into_id: int | None = Field(default=None, foreign_key="org.id")
    # the import that created this row (``import undo`` removes it); none when typed in
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
