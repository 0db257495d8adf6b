"""Yearly report indexes: covering indexes for a year's member events, aid, hardship files and
station logs; members by status and date.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 18:22:01.305513
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("aid", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_aid_aid_date_kind"))
        batch_op.create_index(
            "ix_aid_aid_date_kind_cover",
            ["aid_date", "kind", "file_id", "amount_fen", "reverses_id"],
            unique=False,
        )

    with op.batch_alter_table("hardship_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hardship_file_closed_on"))
        batch_op.drop_index(batch_op.f("ix_hardship_file_opened_on"))
        batch_op.create_index(
            "ix_hardship_file_closed_on_cover",
            ["closed_on", "close_reason", "org_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_hardship_file_opened_on_cover",
            ["opened_on", "closed_on", "category", "org_id"],
            unique=False,
        )

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.create_index(
            "ix_member_status_status_since", ["status", "status_since", "org_id"], unique=False
        )

    with op.batch_alter_table("member_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_member_event_kind_event_date"))
        batch_op.create_index(
            "ix_member_event_kind_event_date_cover",
            ["kind", "event_date", "org_id", "from_org_id", "migrant", "gig_group", "member_id"],
            unique=False,
        )

    with op.batch_alter_table("station_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_station_log_month"))
        batch_op.create_index(
            "ix_station_log_month_cover",
            ["month", "station_id", "visits", "activities"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("station_log", schema=None) as batch_op:
        batch_op.drop_index("ix_station_log_month_cover")
        batch_op.create_index(batch_op.f("ix_station_log_month"), ["month"], unique=False)

    with op.batch_alter_table("member_event", schema=None) as batch_op:
        batch_op.drop_index("ix_member_event_kind_event_date_cover")
        batch_op.create_index(
            batch_op.f("ix_member_event_kind_event_date"), ["kind", "event_date"], unique=False
        )

    with op.batch_alter_table("member", schema=None) as batch_op:
        batch_op.drop_index("ix_member_status_status_since")

    with op.batch_alter_table("hardship_file", schema=None) as batch_op:
        batch_op.drop_index("ix_hardship_file_opened_on_cover")
        batch_op.drop_index("ix_hardship_file_closed_on_cover")
        batch_op.create_index(batch_op.f("ix_hardship_file_opened_on"), ["opened_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_hardship_file_closed_on"), ["closed_on"], unique=False)

    with op.batch_alter_table("aid", schema=None) as batch_op:
        batch_op.drop_index("ix_aid_aid_date_kind_cover")
        batch_op.create_index(
            batch_op.f("ix_aid_aid_date_kind"), ["aid_date", "kind"], unique=False
        )
