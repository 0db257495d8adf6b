"""Hardship files (household, family, reviews, visits), aid payments, the yearly 低保 line.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 17:34:14.242750
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString through it)
from alembic import op


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('low_income_line',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_low_income_line'))
    )
    op.create_table('hardship_file',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_no', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
    sa.Column('head_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=True),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('cause', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('secondary_causes', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
    sa.Column('household_size', sa.Integer(), nullable=False),
    sa.Column('income_fen', sa.Integer(), nullable=True),
    sa.Column('health', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('housing', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True),
    sa.Column('opened_on', sa.Date(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('close_reason', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('previous_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("category IN ('deep', 'relative', 'accident')", name=op.f('ck_hardship_file_category')),
    sa.CheckConstraint("cause IN ('no_work_capacity', 'unemployed', 'laid_off', 'uninsured', 'insurance_gap', 'illness', 'disaster', 'accident', 'schooling', 'other')", name=op.f('ck_hardship_file_cause')),
    sa.CheckConstraint("close_reason IS NULL OR close_reason IN ('recovered', 'safety_net', 'retired', 'moved', 'deceased', 'ineligible')", name=op.f('ck_hardship_file_close_reason')),
    sa.CheckConstraint("status IN ('open', 'closed')", name=op.f('ck_hardship_file_status')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_hardship_file_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['head_id'], ['person.id'], name=op.f('fk_hardship_file_head_id_person')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_hardship_file_org_id_org')),
    sa.ForeignKeyConstraint(['previous_id'], ['hardship_file.id'], name=op.f('fk_hardship_file_previous_id_hardship_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hardship_file')),
    sa.UniqueConstraint('file_no', name=op.f('uq_hardship_file_file_no'))
    )
    with op.batch_alter_table('hardship_file', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hardship_file_closed_on'), ['closed_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_hardship_file_head_id'), ['head_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hardship_file_opened_on'), ['opened_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_hardship_file_org_id'), ['org_id'], unique=False)
        batch_op.create_index('ix_hardship_file_status_category', ['status', 'category'], unique=False)
        batch_op.create_index('uq_hardship_file_open_head', ['head_id'], unique=True, sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))

    op.create_table('aid',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('aid_date', sa.Date(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('fund_source', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('handler', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('reverses_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("kind IN ('living', 'medical', 'schooling', 'warmth', 'employment', 'other')", name=op.f('ck_aid_kind')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_aid_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['file_id'], ['hardship_file.id'], name=op.f('fk_aid_file_id_hardship_file')),
    sa.ForeignKeyConstraint(['reverses_id'], ['aid.id'], name=op.f('fk_aid_reverses_id_aid')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_aid')),
    sa.UniqueConstraint('reverses_id', name=op.f('uq_aid_reverses_id'))
    )
    with op.batch_alter_table('aid', schema=None) as batch_op:
        batch_op.create_index('ix_aid_aid_date_kind', ['aid_date', 'kind'], unique=False)
        batch_op.create_index('ix_aid_file_id_aid_date', ['file_id', 'aid_date'], unique=False)

    op.create_table('hardship_family',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('relation', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('income_fen', sa.Integer(), nullable=True),
    sa.Column('health', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('occupation', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['hardship_file.id'], name=op.f('fk_hardship_family_file_id_hardship_file')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_hardship_family_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hardship_family'))
    )
    with op.batch_alter_table('hardship_family', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_hardship_family_file_id'), ['file_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_hardship_family_person_id'), ['person_id'], unique=False)

    op.create_table('hardship_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('review_date', sa.Date(), nullable=False),
    sa.Column('outcome', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('category', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('reviewer', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("category IN ('deep', 'relative', 'accident')", name=op.f('ck_hardship_review_category')),
    sa.ForeignKeyConstraint(['file_id'], ['hardship_file.id'], name=op.f('fk_hardship_review_file_id_hardship_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hardship_review'))
    )
    with op.batch_alter_table('hardship_review', schema=None) as batch_op:
        batch_op.create_index('ix_hardship_review_file_id_review_date', ['file_id', 'review_date'], unique=False)

    op.create_table('hardship_visit',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_id', sa.Integer(), nullable=False),
    sa.Column('visit_date', sa.Date(), nullable=False),
    sa.Column('visitor', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['file_id'], ['hardship_file.id'], name=op.f('fk_hardship_visit_file_id_hardship_file')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hardship_visit'))
    )
    with op.batch_alter_table('hardship_visit', schema=None) as batch_op:
        batch_op.create_index('ix_hardship_visit_file_id_visit_date', ['file_id', 'visit_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('hardship_visit', schema=None) as batch_op:
        batch_op.drop_index('ix_hardship_visit_file_id_visit_date')

    op.drop_table('hardship_visit')
    with op.batch_alter_table('hardship_review', schema=None) as batch_op:
        batch_op.drop_index('ix_hardship_review_file_id_review_date')

    op.drop_table('hardship_review')
    with op.batch_alter_table('hardship_family', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_hardship_family_person_id'))
        batch_op.drop_index(batch_op.f('ix_hardship_family_file_id'))

    op.drop_table('hardship_family')
    with op.batch_alter_table('aid', schema=None) as batch_op:
        batch_op.drop_index('ix_aid_file_id_aid_date')
        batch_op.drop_index('ix_aid_aid_date_kind')

    op.drop_table('aid')
    with op.batch_alter_table('hardship_file', schema=None) as batch_op:
        batch_op.drop_index('uq_hardship_file_open_head', sqlite_where=sa.text("status = 'open'"), postgresql_where=sa.text("status = 'open'"))
        batch_op.drop_index('ix_hardship_file_status_category')
        batch_op.drop_index(batch_op.f('ix_hardship_file_org_id'))
        batch_op.drop_index(batch_op.f('ix_hardship_file_opened_on'))
        batch_op.drop_index(batch_op.f('ix_hardship_file_head_id'))
        batch_op.drop_index(batch_op.f('ix_hardship_file_closed_on'))

    op.drop_table('hardship_file')
    op.drop_table('low_income_line')
