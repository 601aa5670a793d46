"""Initial schema: chains (versioned), approvals, tasks and their assignees, hash-chained
decisions, delegations, and servicekit's outbox and inbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 04:35:32.971598
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('approval_chains',
    sa.Column('key', sa.String(length=80), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('definition', sa.JSON(), nullable=False),
    sa.Column('published_by', sa.String(length=120), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', 'version', name=op.f('pk_approval_chains'))
    )
    op.create_table('plan_withdrawals',
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('withdrawn_by', sa.String(length=120), nullable=False),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('plan_id', 'plan_version', name=op.f('pk_plan_withdrawals'))
    )
    op.create_table('approvals',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('plan_id', sa.String(length=64), nullable=False),
    sa.Column('plan_version', sa.Integer(), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('title_folded', sa.Text(), nullable=False),
    sa.Column('org_unit', sa.String(length=64), nullable=False),
    sa.Column('province', sa.String(length=16), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('plan_type', sa.String(length=32), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('edited_by', sa.JSON(), nullable=False),
    sa.Column('submitted_by', sa.String(length=120), nullable=False),
    sa.Column('chain_key', sa.String(length=80), nullable=False),
    sa.Column('chain_version', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('current_level', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('completed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approvals')),
    sa.UniqueConstraint('plan_id', 'plan_version', name='uq_approvals_plan_version')
    )
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_approvals_plan_id'), ['plan_id'], unique=False)

    op.create_table('inbox',
    sa.Column('consumer', sa.String(length=80), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=120), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_inbox'))
    )
    op.create_table('outbox',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('event_type', sa.String(length=120), nullable=False),
    sa.Column('routing_key', sa.String(length=120), nullable=False),
    sa.Column('aggregate_id', sa.String(length=120), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox')),
    sa.UniqueConstraint('event_id', name=op.f('uq_outbox_event_id'))
    )
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.create_index('ix_outbox_unpublished', ['seq'], unique=False, postgresql_where=sa.text('published_at IS NULL'), sqlite_where=sa.text('published_at IS NULL'))

    op.create_table('approval_tasks',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('approval_id', sa.String(length=36), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=40), nullable=False),
    sa.Column('scope', sa.String(length=16), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('required_approvals', sa.Integer(), nullable=False),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('due_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('remind_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reminded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('overdue_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_approval_tasks_approval_id_approvals')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_approval_tasks')),
    sa.UniqueConstraint('approval_id', 'level', name='uq_approval_tasks_level')
    )
    with op.batch_alter_table('approval_tasks', schema=None) as batch_op:
        batch_op.create_index('ix_approval_tasks_open_due', ['status', 'due_at'], unique=False)

    op.create_table('decisions',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('approval_id', sa.String(length=36), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('level', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=16), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('decided_by', sa.String(length=120), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('previous_hash', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_decisions_approval_id_approvals')),
    sa.ForeignKeyConstraint(['task_id'], ['approval_tasks.id'], name=op.f('fk_decisions_task_id_approval_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_decisions')),
    sa.UniqueConstraint('approval_id', 'sequence', name='uq_decisions_sequence'),
    sa.UniqueConstraint('task_id', 'decided_by', name='uq_decisions_task_person')
    )
    op.create_table('delegations',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('approval_id', sa.String(length=36), nullable=False),
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('from_user', sa.String(length=120), nullable=False),
    sa.Column('to_user', sa.String(length=120), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('delegated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approval_id'], ['approvals.id'], name=op.f('fk_delegations_approval_id_approvals')),
    sa.ForeignKeyConstraint(['task_id'], ['approval_tasks.id'], name=op.f('fk_delegations_task_id_approval_tasks')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delegations'))
    )
    op.create_table('task_assignees',
    sa.Column('task_id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['task_id'], ['approval_tasks.id'], name=op.f('fk_task_assignees_task_id_approval_tasks')),
    sa.PrimaryKeyConstraint('task_id', 'username', name=op.f('pk_task_assignees'))
    )
    with op.batch_alter_table('task_assignees', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_task_assignees_username'), ['username'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('task_assignees', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_task_assignees_username'))

    op.drop_table('task_assignees')
    op.drop_table('delegations')
    op.drop_table('decisions')
    with op.batch_alter_table('approval_tasks', schema=None) as batch_op:
        batch_op.drop_index('ix_approval_tasks_open_due')

    op.drop_table('approval_tasks')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished', postgresql_where=sa.text('published_at IS NULL'), sqlite_where=sa.text('published_at IS NULL'))

    op.drop_table('outbox')
    op.drop_table('inbox')
    with op.batch_alter_table('approvals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_approvals_plan_id'))

    op.drop_table('approvals')
    op.drop_table('plan_withdrawals')
    op.drop_table('approval_chains')
