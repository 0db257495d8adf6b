"""Import batches: what each import created (batch_id on its rows) and changed (import_change).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 17:07:26.386047
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString through it)
from alembic import op


revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('import_batch',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('file_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('encoding', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('on_duplicate', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rows', sa.Integer(), nullable=False),
    sa.Column('created', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('unchanged', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('undone_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("status IN ('done', 'undone')", name=op.f('ck_import_batch_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_batch'))
    )
    op.create_table('import_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('batch_id', sa.Integer(), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=False),
    sa.Column('before', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('after', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.ForeignKeyConstraint(['batch_id'], ['import_batch.id'], name=op.f('fk_import_change_batch_id_import_batch')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_import_change'))
    )
    with op.batch_alter_table('import_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_import_change_batch_id'), ['batch_id'], unique=False)

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_member_batch_id_import_batch'), 'import_batch', ['batch_id'], ['id'])

    with op.batch_alter_table('member_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_member_event_batch_id_import_batch'), 'import_batch', ['batch_id'], ['id'])

    with op.batch_alter_table('org', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_org_batch_id_import_batch'), 'import_batch', ['batch_id'], ['id'])

    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('batch_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_person_batch_id_import_batch'), 'import_batch', ['batch_id'], ['id'])



def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_person_batch_id_import_batch'), type_='foreignkey')
        batch_op.drop_column('batch_id')

    with op.batch_alter_table('org', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_org_batch_id_import_batch'), type_='foreignkey')
        batch_op.drop_column('batch_id')

    with op.batch_alter_table('member_event', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_member_event_batch_id_import_batch'), type_='foreignkey')
        batch_op.drop_column('batch_id')

    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_member_batch_id_import_batch'), type_='foreignkey')
        batch_op.drop_column('batch_id')

    with op.batch_alter_table('import_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_import_change_batch_id'))

    op.drop_table('import_change')
    op.drop_table('import_batch')
