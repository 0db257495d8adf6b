from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from unioncli.models.base import utcnow


class ReportIssue(SQLModel, table=True):
    """One issued version (定稿) of a year's figures for one scope (``report issue``).

    ``figures`` is the JSON object ``report year YEAR --format json`` printed for the scope at
    that moment; ``audit_mark`` the last audit entry before the issue, so ``report diff`` can name
    what was recorded since. Issuing again adds a version: the latest of a year and scope counts.
    ``scope`` is ``services.issued.scope_key``: '' for the whole ledger.
    """

    __tablename__ = "report_issue"
    __table_args__ = (Index("ix_report_issue_year_scope_id", "year", "scope", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    year: int
    scope: str = Field(default="", max_length=200)
    figures: str
    fingerprint: str = Field(max_length=12)
    audit_mark: int = 0
    operator: str = Field(max_length=64)
    issued_at: datetime = Field(default_factory=utcnow)
    note: str | None = Field(default=None, max_length=500)
