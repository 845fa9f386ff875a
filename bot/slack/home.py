"""The person's App Home, kept current after what they do: refreshes for one person never
overlap (one that comes in while another runs makes that one run once more), and a failure
never undoes anything."""

from __future__ import annotations

import logging

from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks as bk
from bot.slack.web import Directory
from handlers import pipeline
from handlers.context import Context
from handlers.contract.messages import Address

log = logging.getLogger(__name__)


class HomePages:
    def __init__(self, ctx: Context, client: AsyncWebClient, directory: Directory) -> None:
        self.ctx = ctx
        self.client = client
        self.directory = directory
        self._running: set[Address] = set()
        self._again: set[Address] = set()

    async def publish(self, to: Address) -> None:
        """Keep the person's App Home current. Refreshes for one person never overlap: one that
        comes in while another runs makes that one run once more. A failure never undoes anything."""
        if to in self._running:
            self._again.add(to)
            return
        self._running.add(to)
        try:
            while True:
                self._again.discard(to)
                await self._publish(to)
                if to not in self._again:
                    return
        finally:
            self._running.discard(to)

    async def _publish(self, to: Address) -> None:
        try:
            page = await pipeline.home_page(self.ctx, to)
            if page is not None:
                await self.client.views_publish(
                    token=await self.directory.token(to.workspace_id), user_id=to.user_id, view=bk.home_view(page)
                )
        except Exception:
            log.warning("App Home publish failed for %s/%s", to.workspace_id, to.user_id, exc_info=True)
