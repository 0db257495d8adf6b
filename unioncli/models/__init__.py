"""The tables. Importing this package registers every one on ``metadata``."""

from unioncli.models.audit import AuditEntry, LedgerMeta
from unioncli.models.base import SQLModel  # sets the naming convention first
from unioncli.models.grant import Grant, GrantRound, GrantStandard
from unioncli.models.hardship import (
    Aid,
    FamilyMember,
    HardshipFile,
    HardshipReview,
    HardshipVisit,
    LowIncomeLine,
)
from unioncli.models.imports import ImportBatch, ImportChange
from unioncli.models.member import Member, MemberEvent
from unioncli.models.org import Org
from unioncli.models.person import Person
from unioncli.models.station import Station, StationEvent, StationLog, StationRatingEntry

metadata = SQLModel.metadata

__all__ = [
    "Aid",
    "AuditEntry",
    "FamilyMember",
    "Grant",
    "GrantRound",
    "GrantStandard",
    "HardshipFile",
    "HardshipReview",
    "HardshipVisit",
    "ImportBatch",
    "ImportChange",
    "LedgerMeta",
    "LowIncomeLine",
    "Member",
    "MemberEvent",
    "Org",
    "Person",
    "Station",
    "StationEvent",
    "StationLog",
    "StationRatingEntry",
    "metadata",
]
