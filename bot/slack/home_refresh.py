"""How often a delivery may refresh its recipient's App Home: a budget per workspace.

After the outbox delivers a message, the adapter refreshes the recipient's App Home
(`views.publish`) so that a Home left open stays current. Slack takes `views.publish` about
100 times a minute per workspace (Tier 4), shared with the refreshes that commands and opening
the Home make, and each refresh gathers the person's page first (a handful of queries). A
fan-out of thousands of check-ins would ask for thousands of refreshes within minutes: most
would be refused with 429s, and gathering their pages would cost more than sending the
messages. So deliveries refresh Homes within a budget per workspace, `RATE` a second after a
burst of `BURST`, and past it leave the Home as it is. Nobody reads a stale page because of
it: opening the Home (`app_home_opened`) and every command refresh it anyway; only a Home
already open while a big fan-out lands may wait for that.
"""

from __future__ import annotations

import time
from collections.abc import Callable

RATE = 1.0
"""Refreshes a second per workspace after deliveries (60 a minute, under Slack's Tier 4 100)."""
BURST = 10.0
"""Refreshes a quiet workspace may make at once."""


class RefreshBudget:
    """A token bucket per workspace; `take(workspace)` says whether one more refresh fits now."""

    def __init__(self, rate: float = RATE, burst: float = BURST, *, timer: Callable[[], float] = time.monotonic) -> None:
        self._rate = rate
        self._burst = burst
        self._timer = timer
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, workspace_id: str) -> bool:
        now = self._timer()
        tokens, then = self._buckets.get(workspace_id, (self._burst, now))
        tokens = min(self._burst, tokens + (now - then) * self._rate)
        if tokens < 1.0:
            self._buckets[workspace_id] = (tokens, now)
            return False
        self._buckets[workspace_id] = (tokens - 1.0, now)
        return True
