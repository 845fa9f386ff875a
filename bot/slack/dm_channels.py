"""Each person's DM channel with the app: the `D…` conversation check-ins are posted into.

Slack hands it out through `conversations.open`, a Tier 3 method (about 50 calls a minute per
workspace), while `chat.postMessage` takes several hundred messages a minute per workspace. A
fan-out that opened every DM before posting would be held to the lower rate, and every
restart, and every other replica, would open them all again. So a DM channel is opened once
per person and kept in the database, as the person's conversation reference (platform
"slack", `{"channel": "D…"}`) through the core's `ReferenceBook`: the outbox reads it with each
batch of sends (`Address.saved_reference`), and replies read it here. It is known before a
person's first check-in where it can be: opening the App Home (`app_home_opened`) and writing
in the DM name it; after a person's command it is opened in the background
(`Directory.keep_dm`), at the pace people use the app rather than all at once in the first
morning's fan-out. The most recently used ones are also kept in memory.

Keeping it is best effort: if the database can't take it, the message still goes out and the
DM is kept in memory only (the next process opens it once more).
"""

from __future__ import annotations

import json
import logging

from cachetools import LRUCache

from handlers.contract.ports import Clock, ReferenceBook

PLATFORM = "slack"
KEPT_IN_MEMORY = 10_000

log = logging.getLogger(__name__)


def dm_reference(channel: str) -> str:
    """The saved reference for a DM channel."""
    return json.dumps({"channel": channel})


def dm_channel_of(reference_json: str | None) -> str | None:
    """The DM channel a saved reference names, or None (none saved, or not one of ours)."""
    if not reference_json:
        return None
    try:
        channel = json.loads(reference_json).get("channel")
    except (ValueError, AttributeError):
        return None
    return channel if isinstance(channel, str) and channel else None


class DmChannels:
    """Known DM channels by (workspace, user): in memory, then in `book` (None: memory only)."""

    def __init__(self, book: ReferenceBook | None, clock: Clock, *, size: int = KEPT_IN_MEMORY) -> None:
        self._book = book
        self._clock = clock
        self._known: LRUCache[tuple[str, str], str] = LRUCache(size)

    async def find(self, team_id: str, user_id: str) -> str | None:
        key = (team_id, user_id)
        if (channel := self._known.get(key)) is not None:
            return channel
        if self._book is None:
            return None
        channel = dm_channel_of(await self._book.find(PLATFORM, team_id, user_id))
        if channel is not None:
            self._known[key] = channel
        return channel

    def learn(self, team_id: str, user_id: str, channel: str) -> None:
        """A DM channel read from the database elsewhere (the outbox's batch): memory only."""
        self._known[(team_id, user_id)] = channel

    def forget(self, team_id: str, user_id: str) -> None:
        """Slack no longer knows the channel we had (`channel_not_found`): it will be opened again."""
        self._known.pop((team_id, user_id), None)

    async def remember(self, team_id: str, user_id: str, channel: str) -> None:
        """Keep `channel` as the person's DM; written only when this process didn't know it."""
        key = (team_id, user_id)
        if self._known.get(key) == channel:
            return
        self._known[key] = channel
        if self._book is None:
            return
        try:
            await self._book.save(
                PLATFORM, team_id, user_id, conversation_id=channel, service_url="",
                reference_json=dm_reference(channel), now=self._clock.now(),
            )
        except Exception:
            log.warning("could not keep the DM channel of %s/%s; it is kept in memory only", team_id, user_id, exc_info=True)
