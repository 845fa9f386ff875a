"""What the operator's health checks read from the database: whether it answers, which schema
revision it is at and which one the code expects, and how far behind the outbox is. Serves
figures; deciding what is healthy is the caller's (`ops/health.py`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from alembic.script import ScriptDirectory
from sqlalchemy import case, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.migrate import ROOT, alembic_config
from storage.models import Outbox
from storage.states import OutboxStatus


@dataclass(frozen=True)
class OutboxBacklog:
    """Messages not yet sent (pending, or being sent), and when the oldest of those already due fell due."""

    depth: int
    oldest_due: datetime | None


def head_revision() -> str | None:
    """The newest migration this code knows (Alembic's head)."""
    config = alembic_config("")
    config.set_main_option("script_location", str(ROOT / "alembic"))
    return ScriptDirectory.from_config(config).get_current_head()


async def database_revision(sessions: async_sessionmaker[AsyncSession]) -> str | None:
    """The migration the database is at (None if it was never migrated); raises if it can't be reached."""
    async with sessions() as session:
        tables = await session.run_sync(lambda s: s.connection().dialect.has_table(s.connection(), "alembic_version"))
        if not tables:
            return None
        return (await session.execute(text("SELECT version_num FROM alembic_version"))).scalar()


async def outbox_backlog(sessions: async_sessionmaker[AsyncSession], now: datetime) -> OutboxBacklog:
    """How many outbox messages are unsent, and when the oldest of those due at `now` fell due."""
    oldest_due = func.min(case((Outbox.not_before <= now, Outbox.not_before)))
    query = select(func.count(Outbox.id), oldest_due).where(Outbox.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)))
    async with sessions() as session:
        row = (await session.execute(query)).one()
    return OutboxBacklog(depth=int(row[0]), oldest_due=row[1])
