"""person: a time zone the person chose themselves, and a holiday calendar

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 04:00:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.add_column(sa.Column('tz_chosen', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch.add_column(sa.Column('holiday_country', sa.String(length=8), nullable=True))
        batch.add_column(sa.Column('holiday_region', sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('person') as batch:
        batch.drop_column('holiday_region')
        batch.drop_column('holiday_country')
        batch.drop_column('tz_chosen')
