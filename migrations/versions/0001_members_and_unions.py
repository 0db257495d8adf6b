"""Grassroots unions, people, members and their dated events, the audit log.

Revision ID: 0001
Revises: 
Create Date: 2026-11-21 16:21:51.924263
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes  # noqa: F401  (autogenerate renders AutoString through it)
from alembic import op


revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('audit_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('operator', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('entity', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('before', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('after', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_log'))
    )
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_log_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_at'), ['at'], unique=False)
        batch_op.create_index('ix_audit_log_entity_entity_id', ['entity', 'entity_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_log_operator'), ['operator'], unique=False)

    op.create_table('ledger_meta',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('value', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_ledger_meta'))
    )
    op.create_table('org',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('employer_uscc', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=True),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('township', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('founded', sa.Date(), nullable=False),
    sa.Column('chair', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("type IN ('independent', 'joint', 'industry', 'new_employment', 'township')", name=op.f('ck_org_type')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_org')),
    sa.UniqueConstraint('name', name=op.f('uq_org_name')),
    sa.UniqueConstraint('uscc', name=op.f('uq_org_uscc'))
    )
    with op.batch_alter_table('org', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_org_township'), ['township'], unique=False)

    op.create_table('person',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('id_number', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('id_rev', sqlmodel.sql.sqltypes.AutoString(length=18), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('name_pinyin', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('name_initials', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('gender', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=False),
    sa.Column('ethnicity', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=11), nullable=True),
    sa.Column('education', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('political_status', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('hukou', sqlmodel.sql.sqltypes.AutoString(length=24), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("education IS NULL OR education IN ('primary', 'junior', 'secondary_vocational', 'senior', 'college', 'bachelor', 'postgraduate')", name=op.f('ck_person_education')),
    sa.CheckConstraint("gender IN ('male', 'female')", name=op.f('ck_person_gender')),
    sa.CheckConstraint("hukou IS NULL OR hukou IN ('non_agricultural', 'agricultural', 'converted')", name=op.f('ck_person_hukou')),
    sa.CheckConstraint("political_status IS NULL OR political_status IN ('cpc_member', 'cpc_probationary', 'cyl_member', 'democratic_party', 'no_party', 'masses')", name=op.f('ck_person_political_status')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_person')),
    sa.UniqueConstraint('id_number', name=op.f('uq_person_id_number'))
    )
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_person_id_rev'), ['id_rev'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_name'), ['name'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_name_initials'), ['name_initials'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_name_pinyin'), ['name_pinyin'], unique=False)
        batch_op.create_index(batch_op.f('ix_person_phone'), ['phone'], unique=False)

    op.create_table('member',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('status_since', sa.Date(), nullable=False),
    sa.Column('joined_on', sa.Date(), nullable=False),
    sa.Column('card_no', sqlmodel.sql.sqltypes.AutoString(length=30), nullable=True),
    sa.Column('employer', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('migrant', sa.Boolean(), nullable=False),
    sa.Column('gig_group', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("gig_group IS NULL OR gig_group IN ('truck_driver', 'courier', 'food_delivery', 'ride_hailing', 'domestic', 'care_worker', 'security', 'mall_guide', 'estate_agent', 'other')", name=op.f('ck_member_gig_group')),
    sa.CheckConstraint("status IN ('active', 'retained', 'transferred_out', 'left', 'removed', 'deceased')", name=op.f('ck_member_status')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_member_org_id_org')),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_member_person_id_person')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member')),
    sa.UniqueConstraint('card_no', name=op.f('uq_member_card_no')),
    sa.UniqueConstraint('person_id', name=op.f('uq_member_person_id'))
    )
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_member_gig_group'), ['gig_group'], unique=False)
        batch_op.create_index('ix_member_org_id_status', ['org_id', 'status'], unique=False)

    op.create_table('member_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('event_date', sa.Date(), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('from_org_id', sa.Integer(), nullable=True),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('migrant', sa.Boolean(), nullable=False),
    sa.Column('gig_group', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("gig_group IS NULL OR gig_group IN ('truck_driver', 'courier', 'food_delivery', 'ride_hailing', 'domestic', 'care_worker', 'security', 'mall_guide', 'estate_agent', 'other')", name=op.f('ck_member_event_gig_group')),
    sa.CheckConstraint("kind IN ('join', 'transfer_in', 'transfer_out', 'retain', 'restore', 'leave', 'remove', 'death')", name=op.f('ck_member_event_kind')),
    sa.ForeignKeyConstraint(['from_org_id'], ['org.id'], name=op.f('fk_member_event_from_org_id_org')),
    sa.ForeignKeyConstraint(['member_id'], ['member.id'], name=op.f('fk_member_event_member_id_member')),
    sa.ForeignKeyConstraint(['org_id'], ['org.id'], name=op.f('fk_member_event_org_id_org')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_member_event'))
    )
    with op.batch_alter_table('member_event', schema=None) as batch_op:
        batch_op.create_index('ix_member_event_kind_event_date', ['kind', 'event_date'], unique=False)
        batch_op.create_index('ix_member_event_member_id_event_date', ['member_id', 'event_date'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('member_event', schema=None) as batch_op:
        batch_op.drop_index('ix_member_event_member_id_event_date')
        batch_op.drop_index('ix_member_event_kind_event_date')

    op.drop_table('member_event')
    with op.batch_alter_table('member', schema=None) as batch_op:
        batch_op.drop_index('ix_member_org_id_status')
        batch_op.drop_index(batch_op.f('ix_member_gig_group'))

    op.drop_table('member')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_person_phone'))
        batch_op.drop_index(batch_op.f('ix_person_name_pinyin'))
        batch_op.drop_index(batch_op.f('ix_person_name_initials'))
        batch_op.drop_index(batch_op.f('ix_person_name'))
        batch_op.drop_index(batch_op.f('ix_person_id_rev'))

    op.drop_table('person')
    with op.batch_alter_table('org', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_org_township'))

    op.drop_table('org')
    op.drop_table('ledger_meta')
    with op.batch_alter_table('audit_log', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_log_operator'))
        batch_op.drop_index('ix_audit_log_entity_entity_id')
        batch_op.drop_index(batch_op.f('ix_audit_log_at'))
        batch_op.drop_index(batch_op.f('ix_audit_log_action'))

    op.drop_table('audit_log')
