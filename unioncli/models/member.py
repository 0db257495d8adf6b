from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from unioncli.enums import GigGroup, MemberEventKind, MemberStatus
from unioncli.models.base import one_of, utcnow


class Member(SQLModel, table=True):
    """A person's membership as it stands now. History lives in ``MemberEvent``."""

    __tablename__ = "member"
    __table_args__ = (
        one_of("status", MemberStatus.codes(), "status"),
        one_of("gig_group", GigGroup.codes(), "gig_group", nullable=True),
        Index("ix_member_org_id_status", "org_id", "status"),
        # the yearly report: members retained (or active) since a date, by union
        Index("ix_member_status_status_since", "status", "status_since", "org_id"),
        # member list: newest first (migration 0014)
        Index("ix_member_joined_on_id", "joined_on", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", unique=True)
    org_id: int = Field(foreign_key="org.id")
    status: str = Field(max_length=20)
    status_since: date
    joined_on: date
    card_no: str | None = Field(default=None, max_length=30, unique=True)
    employer: str | None = Field(default=None, max_length=100)
    migrant: bool = False
    gig_group: str | None = Field(default=None, max_length=20, index=True)
    # the import that created this row (``import undo`` removes it); none when typed in
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class MemberEvent(SQLModel, table=True):
    """A dated change of membership. Yearly figures are counted from these, never from today's state.

    ``migrant`` and ``gig_group`` are kept as they were at the event, so a later correction of a
    member's data does not rewrite the figures of years already reported.
    """

    __tablename__ = "member_event"
    __table_args__ = (
        one_of("kind", MemberEventKind.codes(), "kind"),
        one_of("gig_group", GigGroup.codes(), "gig_group", nullable=True),
        # covering: the yearly report counts a year's events, and every entry and exit up to a
        # date, from this index alone
        Index(
            "ix_member_event_kind_event_date_cover",
            "kind",
            "event_date",
            "org_id",
            "from_org_id",
            "migrant",
            "gig_group",
            "member_id",
        ),
        Index("ix_member_event_member_id_event_date", "member_id", "event_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    member_id: int = Field(foreign_key="member.id")
    kind: str = Field(max_length=20)
    event_date: date
    org_id: int = Field(foreign_key="org.id")
    from_org_id: int | None = Field(default=None, foreign_key="org.id")
    reason: str | None = Field(default=None, max_length=200)
    migrant: bool = False
    gig_group: str | None = Field(default=None, max_length=20)
    # the import that created this row (``import undo`` removes it); none when typed in
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
    created_at: datetime = Field(default_factory=utcnow)
