"""outbox: leases (`lease_until`) for the dispatcher's claims

A claimed row (`sending`) is now held until `lease_until` (the database's clock), renewed while
its send is in flight; after that another dispatcher may take it over. A row that is being sent
while this migration runs keeps what the old rule gave it: five minutes from its claim.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 03:30:00
"""
from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa

import storage.types
from alembic import op

revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_STALE_CLAIM = timedelta(minutes=5)


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('lease_until', storage.types.UTCDateTime(timezone=True), nullable=True))
    outbox = sa.table(
        'outbox',
        sa.column('id', sa.Integer()),
        sa.column('status', sa.String(16)),
        sa.column('claimed_at', storage.types.UTCDateTime(timezone=True)),
        sa.column('lease_until', storage.types.UTCDateTime(timezone=True)),
    )
    bind = op.get_bind()
    in_flight = bind.execute(
        sa.select(outbox.c.id, outbox.c.claimed_at).where(outbox.c.status == 'sending', outbox.c.claimed_at.is_not(None))
    ).all()
    for row_id, claimed_at in in_flight:
        bind.execute(
            sa.update(outbox).where(outbox.c.id == row_id).values(lease_until=claimed_at + OLD_STALE_CLAIM)
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_column('lease_until')
