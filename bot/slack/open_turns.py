"""Turns for `conversations.open` once Slack has refused one: it is a Tier 3 method, about 50
calls a minute per workspace, far below the messages a workspace takes.

While a workspace's Retry-After runs, a caller is not sent to Slack (an app that keeps calling
through its 429s risks being cut off): it is given a turn instead, one every 1/rate seconds
from the end of the pause on, and told to come back then (`OpenLater`; the outbox puts the
row back until its turn). So a fan-out to many people whose DMs are not kept yet opens them at
about the rate Slack takes, each waiting once, rather than all of them asking again together
after every pause. Once a pause is over, calls go straight to Slack again.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError

TIER_3_PER_SECOND = 50 / 60


class OpenLater(Exception):
    """Slack is refusing `conversations.open` in this workspace: come back in `after` seconds."""

    def __init__(self, after: float) -> None:
        super().__init__(f"conversations.open is paused here; a turn in {after:.1f}s")
        self.after = after


def retry_after_of(error: SlackApiError) -> float | None:
    """The Retry-After of a 429, in seconds; None for any other answer."""
    if error.response.status_code != 429:
        return None
    headers = error.response.headers or {}
    raw = headers.get("Retry-After") or headers.get("retry-after") or "1"
    try:
        return max(float(raw), 0.0)
    except ValueError:
        return 1.0


class OpenTurns:
    """Each workspace's pause after a refused `conversations.open`, and the turns given out during it."""

    def __init__(self, rate: float = TIER_3_PER_SECOND, timer: Callable[[], float] = time.monotonic) -> None:
        self._spacing = 1.0 / rate
        self._timer = timer
        self._paused_until: dict[str, float] = {}
        self._next_turn: dict[str, float] = {}

    def paused(self, team_id: str) -> bool:
        return self._timer() < self._paused_until.get(team_id, 0.0)

    def take(self, team_id: str) -> None:
        """Go ahead (returns) or `OpenLater` with the caller's turn."""
        now = self._timer()
        until = self._paused_until.get(team_id, 0.0)
        if now >= until:
            return
        turn = max(self._next_turn.get(team_id, 0.0), until)
        self._next_turn[team_id] = turn + self._spacing
        raise OpenLater(turn - now)

    def refused(self, team_id: str, retry_after: float) -> None:
        """Slack answered 429: pause the workspace's opens for `retry_after` seconds."""
        until = self._timer() + retry_after
        self._paused_until[team_id] = max(self._paused_until.get(team_id, 0.0), until)
        self._next_turn[team_id] = max(self._next_turn.get(team_id, 0.0), until)
