"""coaching: kudos, coaching sessions (their actions are commitments), practice requests,
the follow-up owed on each escalation, self-coaching offers; terms choose the reflection,
whether reflections may be quoted, and a kudos channel; the outbox can post in a channel

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 04:13:50.389468
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import storage.types
from alembic import op

revision: str = '0006'
down_revision: str | None = '0005'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('practice_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('skill', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('response_text', sa.Text(), nullable=True),
    sa.Column('response_file_name', sa.String(length=300), nullable=True),
    sa.Column('response_file_url', sa.Text(), nullable=True),
    sa.Column('responded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('feedback_note', sa.Text(), nullable=True),
    sa.Column('feedback_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['manager_id'], ['person.id'], name=op.f('fk_practice_request_manager_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rep_id'], ['person.id'], name=op.f('fk_practice_request_rep_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_request'))
    )
    with op.batch_alter_table('practice_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_request_manager_id'), ['manager_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_practice_request_rep_id'), ['rep_id', 'created_at'], unique=False)

    op.create_table('self_coaching_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=True),
    sa.Column('prompt_key', sa.String(length=64), nullable=False),
    sa.Column('offered_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_self_coaching_offer_commitment_id_commitment'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_self_coaching_offer_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_self_coaching_offer'))
    )
    with op.batch_alter_table('self_coaching_offer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_self_coaching_offer_person_id'), ['person_id', 'offered_at'], unique=False)

    op.create_table('coaching_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('topic', sa.Text(), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('buyer_view', sa.Text(), nullable=True),
    sa.Column('loss_reasons', sa.Text(), nullable=True),
    sa.Column('rep_plan', sa.Text(), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['person.id'], name=op.f('fk_coaching_session_manager_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_coaching_session_notice_id_notice'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rep_id'], ['person.id'], name=op.f('fk_coaching_session_rep_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_coaching_session'))
    )
    with op.batch_alter_table('coaching_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_coaching_session_manager_id'), ['manager_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_coaching_session_rep_id'), ['rep_id', 'created_at'], unique=False)

    op.create_table('follow_up',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('due_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action', sa.String(length=16), nullable=True),
    sa.Column('acted_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('reminded_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('verdict', sa.String(length=16), nullable=True),
    sa.Column('verdict_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['manager_id'], ['person.id'], name=op.f('fk_follow_up_manager_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_follow_up_notice_id_notice'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['rep_id'], ['person.id'], name=op.f('fk_follow_up_rep_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_follow_up')),
    sa.UniqueConstraint('notice_id', name=op.f('uq_follow_up_notice_id'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_follow_up_action'), ['action', 'due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_manager_id'), ['manager_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_follow_up_rep_id'), ['rep_id'], unique=False)

    op.create_table('kudos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rep_id', sa.Integer(), nullable=False),
    sa.Column('manager_id', sa.Integer(), nullable=False),
    sa.Column('notice_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('channel', sa.String(length=200), nullable=True),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['manager_id'], ['person.id'], name=op.f('fk_kudos_manager_id_person'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_kudos_notice_id_notice'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rep_id'], ['person.id'], name=op.f('fk_kudos_rep_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_kudos'))
    )
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kudos_manager_id'), ['manager_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_kudos_rep_id'), ['rep_id'], unique=False)

    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('session_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_commitment_session_id'), ['session_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_commitment_session_id_coaching_session'), 'coaching_session', ['session_id'], ['id'], ondelete='SET NULL')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('channel_id', sa.String(length=200), nullable=True))

    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reflection', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('share_reflections', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.add_column(sa.Column('kudos_channel', sa.String(length=200), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('terms', schema=None) as batch_op:
        batch_op.drop_column('kudos_channel')
        batch_op.drop_column('share_reflections')
        batch_op.drop_column('reflection')

    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('channel_id')

    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_commitment_session_id_coaching_session'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_commitment_session_id'))
        batch_op.drop_column('session_id')

    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kudos_rep_id'))
        batch_op.drop_index(batch_op.f('ix_kudos_manager_id'))

    op.drop_table('kudos')
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_follow_up_rep_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_manager_id'))
        batch_op.drop_index(batch_op.f('ix_follow_up_action'))

    op.drop_table('follow_up')
    with op.batch_alter_table('coaching_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_coaching_session_rep_id'))
        batch_op.drop_index(batch_op.f('ix_coaching_session_manager_id'))

    op.drop_table('coaching_session')
    with op.batch_alter_table('self_coaching_offer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_self_coaching_offer_person_id'))

    op.drop_table('self_coaching_offer')
    with op.batch_alter_table('practice_request', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_request_rep_id'))
        batch_op.drop_index(batch_op.f('ix_practice_request_manager_id'))

    op.drop_table('practice_request')

