"""Outdoor-worker stations, their yearly ratings and the monthly service ledger.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 18:05:10.515346
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString through it)
from alembic import op


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('station',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('township', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('host', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('build_model', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('hours', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('staffed', sa.Boolean(), nullable=False),
    sa.Column('on_maps', sa.Boolean(), nullable=False),
    sa.Column('has_premises', sa.Boolean(), nullable=False),
    sa.Column('has_sign', sa.Boolean(), nullable=False),
    sa.Column('has_rules', sa.Boolean(), nullable=False),
    sa.Column('manager', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('facilities', sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("build_model IS NULL OR build_model IN ('self_built', 'co_built')", name=op.f('ck_station_build_model')),
    sa.CheckConstraint("status IN ('open', 'suspended', 'closed')", name=op.f('ck_station_status')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_station_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station')),
    sa.UniqueConstraint('code', name=op.f('uq_station_code'))
    )
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_opened_on'), ['opened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_station_township'), ['township'], unique=False)

    op.create_table('station_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('visits', sa.Integer(), nullable=False),
    sa.Column('activities', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_station_log_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_station_log_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station_log')),
    sa.UniqueConstraint('station_id', 'month', name=op.f('uq_station_log_station_id'))
    )
    with op.batch_alter_table('station_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_log_month'), ['month'], unique=False)

    op.create_table('station_rating',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('station_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('rating', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('rated_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("rating IN ('none', 'standard', 'demonstration', 'most_beautiful')", name=op.f('ck_station_rating_rating')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_station_rating_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['station_id'], ['station.id'], name=op.f('fk_station_rating_station_id_station')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_station_rating')),
    sa.UniqueConstraint('station_id', 'year', name=op.f('uq_station_rating_station_id'))
    )
    with op.batch_alter_table('station_rating', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_station_rating_year'), ['year'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('station_rating', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_rating_year'))

    op.drop_table('station_rating')
    with op.batch_alter_table('station_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_log_month'))

    op.drop_table('station_log')
    with op.batch_alter_table('station', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_station_township'))
        batch_op.drop_index(batch_op.f('ix_station_opened_on'))
        batch_op.drop_index(batch_op.f('ix_station_name'))
        batch_op.drop_index(batch_op.f('ix_station_closed_on'))

    op.drop_table('station')
