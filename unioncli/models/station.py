from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from unioncli.enums import BuildModel, StationRating, StationStatus
from unioncli.models.base import one_of, utcnow


class Station(SQLModel, table=True):
    """An outdoor-workers' station (户外劳动者服务站点 / 工会驿站 / 爱心驿站)."""

    __tablename__ = "station"
    __table_args__ = (
        one_of("build_model", BuildModel.codes(), "build_model", nullable=True),
        one_of("status", StationStatus.codes(), "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=30, unique=True)
    name: str = Field(max_length=100, index=True)
    address: str | None = Field(default=None, max_length=200)
    township: str | None = Field(default=None, max_length=50, index=True)
    # 区县, as a union's: None in a county's own ledger; stations have no union to take it from
    county: str | None = Field(default=None, max_length=50, index=True)
    host: str | None = Field(default=None, max_length=100)  # 依托单位
    build_model: str | None = Field(default=None, max_length=20)
    opened_on: date = Field(index=True)
    hours: str | None = Field(default=None, max_length=50)  # "24小时" or "08:00-20:00"
    staffed: bool = False
    on_maps: bool = False
    # the standard check's items besides facilities and staff
    has_premises: bool = True
    has_sign: bool = False
    has_rules: bool = False
    manager: str | None = Field(default=None, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    facilities: str | None = Field(default=None, max_length=300)  # facility codes, comma-joined
    latitude: float | None = None
    longitude: float | None = None
    status: str = Field(default=StationStatus.OPEN.value, max_length=12)
    status_since: date
    closed_on: date | None = Field(default=None, index=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class StationRatingEntry(SQLModel, table=True):
    """The rating a station holds for a year. Lowering or withdrawing (``none``) is a rating too;
    a change within the year replaces it, and the audit log keeps what it was."""

    __tablename__ = "station_rating"
    __table_args__ = (
        one_of("rating", StationRating.codes(), "rating"),
        UniqueConstraint("station_id", "year"),
    )

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id")
    year: int = Field(index=True)
    rating: str = Field(max_length=20)
    rated_on: date | None = None
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class StationLog(SQLModel, table=True):
    """The service ledger (服务台账): one entry per station per month. Yearly figures sum these."""

    __tablename__ = "station_log"
    __table_args__ = (
        UniqueConstraint("station_id", "month"),
        # covering: the yearly report sums a year's months from this index alone
        Index("ix_station_log_month_cover", "month", "station_id", "visits", "activities"),
    )

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id")
    month: date  # the first day of the month; indexed by ix_station_log_month_cover
    visits: int  # 服务人次
    activities: int = 0  # 活动场次
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")


class StationEvent(SQLModel, table=True):
    """A dated status of a station (开放/暂停/撤销): the opening, each suspension, closing and
    reopening. A year's figures read the latest event dated by 31 December; ``station.status``,
    ``status_since`` and ``closed_on`` are the latest event's, kept for the lists and rules."""

    __tablename__ = "station_event"
    __table_args__ = (
        one_of("status", StationStatus.codes(), "status"),
        # covering: the status in force on a date is one probe per station from this index alone
        Index("ix_station_event_station_id_event_date", "station_id", "event_date", "id", "status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    station_id: int = Field(foreign_key="station.id")
    event_date: date
    status: str = Field(max_length=12)
    reason: str | None = Field(default=None, max_length=200)
    created_at: datetime = Field(default_factory=utcnow)
    batch_id: int | None = Field(default=None, foreign_key="import_batch.id")
