"""What a chat platform folder (`bot/slack`, `bot/teams`) gives the composition root.

Each platform module has a `build(settings, ctx) -> Platform | None` function that returns
None when the platform is not configured. `app.py` mounts every platform's routes on the
one aiohttp server and hands every adapter to the outbox dispatcher.

Usage::

    platform = bot.slack.platform.build(settings, ctx)
    if platform is not None:
        platform.mount(web_app)            # adds POST /slack/events ...
        adapters[platform.adapter.platform] = platform.adapter
    ...
    await platform.close()
"""

from __future__ import annotations

from typing import Protocol

from aiohttp import web

from handlers.contract.ports import ChatAdapter


class Platform(Protocol):
    @property
    def adapter(self) -> ChatAdapter:
        """Delivers the outbox's messages on this platform."""
        ...

    def mount(self, app: web.Application) -> None:
        """Add this platform's HTTP routes to the server."""
        ...

    async def close(self) -> None:
        """Release clients and connections."""
        ...
