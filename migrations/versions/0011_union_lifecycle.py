"""A union's own lifecycle: dissolution (撤销/注销) and merger (合并).

Adds ``org.dissolved_on`` (indexed: the yearly report counts the unions in force on 31
December), ``org.dissolution`` (revoked | deregistered | merged) and ``org.merged_into_id``
(the receiving union of a merger), with CHECKs that a dissolution has its date and that a
merger, and only a merger, names the receiving union.

Nothing to backfill, and nothing could be known: ledgers before this revision recorded no
dissolutions or mergers, so every union stays in force (all three columns NULL). A union that
in fact ended before this revision has to be dissolved by a clerk (``org dissolve`` / ``org
merge``, dated when it happened), which may then change the figures of the years after that
date — a correction of the past, as intended.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_DISSOLUTIONS = "dissolution IS NULL OR dissolution IN ('revoked', 'deregistered', 'merged')"


def upgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.add_column(sa.Column("dissolved_on", sa.Date(), nullable=True))
        batch_op.add_column(
            sa.Column("dissolution", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True)
        )
        batch_op.add_column(sa.Column("merged_into_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_org_dissolved_on"), ["dissolved_on"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_org_merged_into_id_org"), "org", ["merged_into_id"], ["id"]
        )
        batch_op.create_check_constraint(batch_op.f("ck_org_dissolution"), _DISSOLUTIONS)
        batch_op.create_check_constraint(
            batch_op.f("ck_org_dissolution_dated"),
            "(dissolution IS NULL) = (dissolved_on IS NULL)",
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_org_merged_into"),
            "(dissolution IS NOT NULL AND dissolution = 'merged') = (merged_into_id IS NOT NULL)",
        )


def downgrade() -> None:
    with op.batch_alter_table("org", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_org_merged_into"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_org_dissolution_dated"), type_="check")
        batch_op.drop_constraint(batch_op.f("ck_org_dissolution"), type_="check")
        batch_op.drop_constraint(batch_op.f("fk_org_merged_into_id_org"), type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_org_dissolved_on"))
        batch_op.drop_column("merged_into_id")
        batch_op.drop_column("dissolution")
        batch_op.drop_column("dissolved_on")
