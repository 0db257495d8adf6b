"""The dates of a grant's every status change: ``student_grant.decided_on``.

applied_on, approved_on and paid_on already dated an application, its approval and its
payment; the day of a rejection (不予资助) or a withdrawal (撤回) is now ``decided_on``.

What could not be known: the day of a rejection or withdrawal was not stored. Existing
rejected and withdrawn grants take the day the grant was last changed (the date part of
``updated_at``, UTC), which is the day of the decision for a grant changed last by it; when that
day is before the application (or the approval) — a grant written with past dates — the later of
those is taken, so that the history stays in order. Other statuses keep decided_on NULL.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString through it)
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("student_grant", schema=None) as batch_op:
        batch_op.add_column(sa.Column("decided_on", sa.Date(), nullable=True))

    conn = op.get_bind()
    # SQLite keeps datetimes as ISO text (SQLAlchemy's format): the first ten characters are
    # the day; PostgreSQL casts
    day = "substr(updated_at, 1, 10)" if conn.dialect.name == "sqlite" else "CAST(updated_at AS DATE)"
    floor = "COALESCE(approved_on, applied_on)"
    conn.execute(
        sa.text(
            f"UPDATE student_grant SET decided_on = CASE WHEN {day} < {floor} THEN {floor} "
            f"ELSE {day} END WHERE status IN ('rejected', 'withdrawn')"
        )
    )


def downgrade() -> None:
    with op.batch_alter_table("student_grant", schema=None) as batch_op:
        batch_op.drop_column("decided_on")
