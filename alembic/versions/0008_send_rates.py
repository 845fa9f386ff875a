"""send rates: the pace each workspace/tenant was found to take, remembered across restarts

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import storage.types
from alembic import op

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('send_rate',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('platform', sa.String(length=32), nullable=False),
    sa.Column('workspace_id', sa.String(length=64), nullable=False),
    sa.Column('rate_per_second', sa.Float(), nullable=False),
    sa.Column('refused_per_second', sa.Float(), nullable=True),
    sa.Column('updated_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_send_rate')),
    sa.UniqueConstraint('platform', 'workspace_id', name=op.f('uq_send_rate_platform_workspace_id'))
    )


def downgrade() -> None:
    op.drop_table('send_rate')
