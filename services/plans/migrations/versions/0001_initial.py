"""The plans schema: plans, frozen versions, timeline, deciders, the numbering register
with its issued numbers, and the outbox and inbox of servicekit.

Revision ID: 0001
Revises: 
Create Date: 2026-11-22 04:35:31.745229
"""

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table('inbox',
    sa.Column('consumer', sa.String(length=80), nullable=False),
    sa.Column('event_id', sa.String(length=64), nullable=False),
    sa.Column('event_type', sa.String(length=120), nullable=False),
    sa.Column('handled_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('consumer', 'event_id', name=op.f('pk_inbox'))
    )
    op.create_table('issued_numbers',
    sa.Column('issuer', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=40), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('issuer', 'year', 'series', 'number', name=op.f('pk_issued_numbers')),
    sa.UniqueConstraint('plan_id', name=op.f('uq_issued_numbers_plan_id'))
    )
    op.create_table('numbering_register',
    sa.Column('issuer', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=40), nullable=False),
    sa.Column('last_number', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('issuer', 'year', 'series', name=op.f('pk_numbering_register'))
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

    op.create_table('plans',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('org_unit', sa.String(length=40), nullable=False),
    sa.Column('province', sa.String(length=12), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('plan_type', sa.String(length=20), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('title', sa.Text(), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('created_by', sa.String(length=120), nullable=False),
    sa.Column('editors', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('stage', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('document_number', sa.String(length=40), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('issuer', sa.String(length=40), nullable=True),
    sa.Column('place', sa.String(length=120), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index('ix_plans_created', ['created_at', 'id'], unique=False)
        batch_op.create_index('ix_plans_org_unit_created', ['org_unit', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_plans_province_created', ['province', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_plans_status_created', ['status', 'created_at', 'id'], unique=False)
        batch_op.create_index('ix_plans_year_created', ['year', 'created_at', 'id'], unique=False)

    op.create_table('plan_deciders',
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('username', sa.String(length=120), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_deciders_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'username', name=op.f('pk_plan_deciders'))
    )
    with op.batch_alter_table('plan_deciders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_deciders_username'), ['username'], unique=False)

    op.create_table('plan_timeline',
    sa.Column('seq', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), autoincrement=True, nullable=False),
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('entry_id', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=True),
    sa.Column('level', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=120), nullable=True),
    sa.Column('details', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_timeline_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_plan_timeline')),
    sa.UniqueConstraint('plan_id', 'entry_id', name='uq_plan_timeline_entry')
    )
    with op.batch_alter_table('plan_timeline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_timeline_plan_id'), ['plan_id'], unique=False)

    op.create_table('plan_versions',
    sa.Column('plan_id', sa.String(length=36), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('content', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('content_sha256', sa.String(length=64), nullable=False),
    sa.Column('submitted_by', sa.String(length=120), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_by', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('approval_id', sa.String(length=64), nullable=True),
    sa.Column('outcome', sa.String(length=20), nullable=True),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_versions_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_id', 'number', name=op.f('pk_plan_versions'))
    )
    _trigram_search_index()


def _trigram_search_index() -> None:
    """On PostgreSQL a trigram index serves `q` (LIKE '%word%' on the folded search text), so a
    search does not read every plan. pg_trgm is a trusted extension (PostgreSQL 13+); where it
    cannot be created, search still works, unindexed."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    try:
        with bind.begin_nested():
            op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            op.execute("CREATE INDEX ix_plans_search_trgm ON plans USING gin (search_text gin_trgm_ops)")
    except sa.exc.DBAPIError:
        pass


def downgrade() -> None:

    op.drop_table('plan_versions')
    with op.batch_alter_table('plan_timeline', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_timeline_plan_id'))

    op.drop_table('plan_timeline')
    with op.batch_alter_table('plan_deciders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_deciders_username'))

    op.drop_table('plan_deciders')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index('ix_plans_year_created')
        batch_op.drop_index('ix_plans_status_created')
        batch_op.drop_index('ix_plans_province_created')
        batch_op.drop_index('ix_plans_org_unit_created')
        batch_op.drop_index('ix_plans_created')

    op.drop_table('plans')
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_unpublished', postgresql_where=sa.text('published_at IS NULL'), sqlite_where=sa.text('published_at IS NULL'))

    op.drop_table('outbox')
    op.drop_table('numbering_register')
    op.drop_table('issued_numbers')
    op.drop_table('inbox')

