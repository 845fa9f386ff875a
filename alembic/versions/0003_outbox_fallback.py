"""outbox: a generic "if undeliverable, tell this person this message"

Replaces the dispatcher's knowledge of `link:<id>` message keys: a pending "you were named
as accountability partner" notice gets its fallback (tell the rep) filled in here, so
nothing already queued loses that behaviour.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02 03:00:00
"""
from __future__ import annotations

import json
from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PARTNER_UNREACHABLE = (
    "I couldn't reach {name}, so they don't know you named them as your accountability partner. "
    "They must install Follow-Through first (in Teams: add the app); then name them again with "
    "`/accountability manager @name`."
)


def upgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.add_column(sa.Column('fallback_recipient_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('fallback_message_json', sa.Text(), nullable=True))
        batch.create_foreign_key(
            op.f('fk_outbox_fallback_recipient_id_person'), 'person', ['fallback_recipient_id'], ['id'], ondelete='SET NULL'
        )
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "SELECT o.id, l.rep_id, p.display_name FROM outbox o "
        "JOIN manager_link l ON o.message_key = 'link:' || CAST(l.id AS VARCHAR(20)) "
        "JOIN person p ON p.id = l.manager_id "
        "WHERE o.status IN ('pending', 'sending')"
    )).all()
    for row_id, rep_id, manager_name in rows:
        message = {"summary": "", "sections": [{"text": PARTNER_UNREACHABLE.format(name=manager_name), "buttons": []}]}
        message["summary"] = message["sections"][0]["text"]
        bind.execute(
            sa.text("UPDATE outbox SET fallback_recipient_id = :rep, fallback_message_json = :message WHERE id = :id"),
            {"rep": rep_id, "message": json.dumps(message), "id": row_id},
        )


def downgrade() -> None:
    with op.batch_alter_table('outbox') as batch:
        batch.drop_constraint(op.f('fk_outbox_fallback_recipient_id_person'), type_='foreignkey')
        batch.drop_column('fallback_message_json')
        batch.drop_column('fallback_recipient_id')
