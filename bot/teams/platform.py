"""Teams's entry for the composition root: `build(settings, ctx)` (see `bot.platform`)."""

from __future__ import annotations

from bot.platform import Platform
from handlers.context import Context
from settings import Settings


def build(settings: Settings, ctx: Context) -> Platform | None:
    """Teams is not wired yet."""
    return None
