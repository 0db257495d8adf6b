"""Issued yearly reports (report issue / diff / --as-issued): table ``report_issue``.

Each row is one issued version (定稿) of a year's figures for one scope: the JSON object of
``report year YEAR --format json``, the ledger fingerprint, the last audit entry before it, who
and when (UTC), and a note.

Backfill: nothing. What a federation printed and sent upward before this version was never
stored — neither the figures nor the moment — so no year of an existing ledger counts as issued:
``report diff`` says so and tells how to issue it, and an HTML printout says 草稿 until the year
is issued. Reconstructing an issue from the audit log would be a guess (the figures of a past
moment depend on rows edited since), so none is made up.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "report_issue",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("figures", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("audit_mark", sa.Integer(), nullable=False),
        sa.Column("operator", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_issue")),
    )
    with op.batch_alter_table("report_issue", schema=None) as batch_op:
        batch_op.create_index(
            "ix_report_issue_year_scope_id", ["year", "scope", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("report_issue", schema=None) as batch_op:
        batch_op.drop_index("ix_report_issue_year_scope_id")
    op.drop_table("report_issue")
