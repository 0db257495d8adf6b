"""Station status as dated events (开放/暂停/撤销, reopenings): table ``station_event``.

Backfilled from what each station stores: an ``open`` event at ``opened_on``; then, for a closed
station, a ``closed`` event at ``closed_on``, for a suspended one a ``suspended`` event at
``status_since``. The events of a station an import created, and not edited since, belong to
that import's batch (so ``import undo`` still removes them with the station).

What could not be known: the old schema kept only the latest status. A station that was
suspended or closed and then reopened before this upgrade stored nothing of that earlier
suspension or closing, so it counts as open throughout, from its opening on; a closed or
suspended station's earlier suspensions are lost the same way. The reasons of past status
changes were only in the audit log and are left blank here.

Downgrade drops the table; ``station.status``, ``status_since`` and ``closed_on`` still hold
each station's current status, so nothing but the history is lost.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03 11:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString through it)
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "station_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("station_id", sa.Integer(), nullable=False),
        sa.Column("event_date", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open', 'suspended', 'closed')", name=op.f("ck_station_event_status")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["import_batch.id"],
            name=op.f("fk_station_event_batch_id_import_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["station_id"], ["station.id"], name=op.f("fk_station_event_station_id_station")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_station_event")),
    )
    with op.batch_alter_table("station_event", schema=None) as batch_op:
        batch_op.create_index(
            "ix_station_event_station_id_event_date",
            ["station_id", "event_date", "id", "status"],
            unique=False,
        )

    # the opening of every station first, so that a change dated on the opening day comes after
    op.execute(
        "INSERT INTO station_event (station_id, event_date, status, created_at, batch_id) "
        "SELECT id, opened_on, 'open', created_at, batch_id FROM station ORDER BY id"
    )
    # a closed station's closing, a suspended one's suspension; an import's only while the
    # station is as the import wrote it
    op.execute(
        "INSERT INTO station_event (station_id, event_date, status, created_at, batch_id) "
        "SELECT id, CASE WHEN status = 'closed' THEN COALESCE(closed_on, status_since) "
        "ELSE status_since END, status, updated_at, "
        "CASE WHEN updated_at = created_at THEN batch_id END "
        "FROM station WHERE status IN ('closed', 'suspended') ORDER BY id"
    )


def downgrade() -> None:
    with op.batch_alter_table("station_event", schema=None) as batch_op:
        batch_op.drop_index("ix_station_event_station_id_event_date")

    op.drop_table("station_event")
