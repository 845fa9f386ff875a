"""person: how often the manager's digest comes (daily, weekly, every two weeks)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 04:20:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('digest_cadence', sa.String(length=16), server_default='weekly', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.drop_column('digest_cadence')
