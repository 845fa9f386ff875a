"""What every handler is given: the session factory and the clock (built in app.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.contract.ports import Clock


@dataclass(frozen=True)
class Context:
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    forms: bool = False
    """The platform can show forms (Slack modals, Adaptive Cards), so the terms are asked in one."""
