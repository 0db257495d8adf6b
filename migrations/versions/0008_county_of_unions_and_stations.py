"""County (区县) of unions and stations: one ledger for a city's counties.

Both columns are nullable: a county's own ledger never sets them (NULL: the ledger's only
county), so existing rows need no value. Indexed for the clerk's county filter and the reports.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 19:22:00.385381
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("county", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_org_county"), ["county"], unique=False)

    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("county", sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_station_county"), ["county"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("station", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_county"))
        batch_op.drop_column("county")

    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_org_county"))
        batch_op.drop_column("county")
