"""金秋助学: rounds (budget), standards (year × level × on file), grants.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 17:52:30.791591
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString through it)
from alembic import op


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('grant_round',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('budget_fen', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year', name=op.f('pk_grant_round'))
    )
    op.create_table('grant_standard',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('on_file', sa.Boolean(), nullable=False),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("level IN ('preschool', 'primary', 'junior', 'senior', 'vocational_secondary', 'vocational_college', 'bachelor', 'postgraduate')", name=op.f('ck_grant_standard_level')),
    sa.PrimaryKeyConstraint('year', 'level', 'on_file', name=op.f('pk_grant_standard'))
    )
    op.create_table('student_grant',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=False),
    sa.Column('level', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=False),
    sa.Column('school', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('enrolled_year', sa.Integer(), nullable=True),
    sa.Column('amount_fen', sa.Integer(), nullable=False),
    sa.Column('standard_fen', sa.Integer(), nullable=True),
    sa.Column('amount_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('eligibility', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('override_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('hardship_file_id', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('status_reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('exclusion', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('applied_on', sa.Date(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('paid_on', sa.Date(), nullable=True),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("eligibility IN ('hardship_file', 'migrant_member', 'override')", name=op.f('ck_student_grant_eligibility')),
    sa.CheckConstraint("level IN ('preschool', 'primary', 'junior', 'senior', 'vocational_secondary', 'vocational_college', 'bachelor', 'postgraduate')", name=op.f('ck_student_grant_level')),
    sa.CheckConstraint("status IN ('applied', 'approved', 'paid', 'rejected', 'withdrawn')", name=op.f('ck_student_grant_status')),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_student_grant_batch_id_import_batch')),
    sa.ForeignKeyConstraint(['hardship_file_id'], ['hardship_file.id'], name=op.f('fk_student_grant_hardship_file_id_hardship_file')),
    sa.ForeignKeyConstraint(['parent_id'], ['person.id'], name=op.f('fk_student_grant_parent_id_person')),
    sa.ForeignKeyConstraint(['student_id'], ['person.id'], name=op.f('fk_student_grant_student_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_student_grant'))
    )
    with op.batch_alter_table('student_grant', schema=None) as batch_op:
        batch_op.create_index('ix_grant_year_status', ['year', 'status'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_grant_paid_on'), ['paid_on'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_grant_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_student_grant_student_id'), ['student_id'], unique=False)
        batch_op.create_index('uq_grant_student_id_year', ['student_id', 'year'], unique=True, sqlite_where=sa.text("status IN ('applied', 'approved', 'paid')"), postgresql_where=sa.text("status IN ('applied', 'approved', 'paid')"))



def downgrade() -> None:
    with op.batch_alter_table('student_grant', schema=None) as batch_op:
        batch_op.drop_index('uq_grant_student_id_year', sqlite_where=sa.text("status IN ('applied', 'approved', 'paid')"), postgresql_where=sa.text("status IN ('applied', 'approved', 'paid')"))
        batch_op.drop_index(batch_op.f('ix_student_grant_student_id'))
        batch_op.drop_index(batch_op.f('ix_student_grant_parent_id'))
        batch_op.drop_index(batch_op.f('ix_student_grant_paid_on'))
        batch_op.drop_index('ix_grant_year_status')

    op.drop_table('student_grant')
    op.drop_table('grant_standard')
    op.drop_table('grant_round')
