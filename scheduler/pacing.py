"""How fast the dispatcher sends: a pace per workspace/tenant that finds the platform's real
limit, and a fixed pace per conversation.

**A workspace's pace** is a token bucket (GCRA: a burst of half a second's worth, then one send
every 1/rate) whose rate adapts, the way TCP finds a link's capacity:

- It starts from the rate remembered for the workspace (table `send_rate`) or else from the
  adapter's documented rate (`rate_per_second`).
- While sends succeed and the bucket is what holds them back, the rate grows: by about 20% a
  second while no refusal is known (or the rate is well under the one set after the last
  refusal), by 1% a second from there on (a slow probe upward: the limit may have moved, and
  a refusal after a long quiet spell measures it best).
- A 429 stops every send to the workspace for exactly its Retry-After (sends waiting for a
  slot wait it out; the refused row itself goes back until then), remembers as the rate
  refused what the platform accepted since the refusal before (`scheduler.accepted_rate`:
  successes over the time between the two, Retry-After pauses counted, spells without any
  send not; or the pace, if lower, or if too little was seen to tell) and sets the rate to 93%
  of that. A pause is not evidence of a lower limit: measuring over a fixed window that held a
  one-second pause put the limit at about half its real value. Sends already in flight when
  it came (refused by the same limit) change nothing more until a second after the pause.
  The pause ends when it has passed on the application's clock or on the timer (in
  production they agree; a test that moves its FixedClock past it ends it at once).

A 429 is never a failed attempt: the dispatcher puts the row back until its Retry-After. The
pace is saved when it changed (after a 429 at once; a growth when it is 5% away from what was
saved, at most every 10 seconds), never on every send.

**A conversation's pace** (one person's DM or a channel) is the adapter's
`conversation_rate_per_second`, fixed (Slack: about 1 a second; Teams: 7 a second), kept
across passes for a minute after a conversation's last send.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import deque
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta

from handlers.contract.ports import ChatAdapter, Clock
from scheduler.accepted_rate import AcceptedRate
from storage.repositories.send_rates import RememberedRate, SendRates

log = logging.getLogger(__name__)

FAST_GROWTH = 0.2
"""Growth per second while no refusal is near: the rate is multiplied by about e^0.2."""
PROBE_GROWTH = 0.01
"""Growth per second from the rate set after the last 429 on (a slow probe upward)."""
BACK_OFF = 0.93
"""After a 429, the new rate as a share of the rate refused."""
NEAR = 0.97
"""Above this share of the rate set after the last 429, only probe."""
BURST = 0.5
"""Seconds' worth of sends that may go at once (after a quiet spell, or a pause)."""
WINDOW = 2.0
"""Seconds over which the rate that really went out is measured (to tell whether the pace holds sends back)."""
AHEAD_OF_OBSERVED = 1.5
"""The pace grows only while it is at most this much above the rate that really went out."""
EPISODE_GRACE = 1.0
"""Seconds after a 429's pause during which further 429s belong to the same refusal."""
MIN_RATE = 0.05
MAX_RATE = 5000.0
SAVE_CHANGE = 0.05
SAVE_INTERVAL = 10.0
CONVERSATIONS_KEPT = 100_000
"""Conversations whose next slot is remembered before the ones already past it are forgotten."""

Timer = Callable[[], float]


class Pace:
    """One workspace's adaptive token bucket. Call `acquire()` before a send, then
    `succeeded()` or `throttled(retry_after)` with its answer. The bucket runs on `timer`
    (monotonic seconds)."""

    def __init__(
        self, rate: float, refused: float | None = None, *, clock: Clock, timer: Timer = time.monotonic,
    ) -> None:
        self.rate = min(max(rate, MIN_RATE), MAX_RATE)
        self.refused = refused
        self._clock = clock
        self._timer = timer
        self._tat = 0.0  # GCRA's theoretical arrival time of the next send
        self._turn = asyncio.Lock()  # FIFO: senders waiting for a slot queue here
        self._sent: deque[float] = deque()  # when recent sends succeeded
        self._since = math.inf  # the first success
        self._paused_until: tuple[datetime, float] | None = None  # on the application's clock, and the timer
        self._accepted = AcceptedRate()
        self._calm_until: datetime | None = None
        self._saved = (self.rate, refused, timer())  # what the table holds (or the documented start)

    def _tolerance(self) -> float:
        """How far ahead of now the schedule may run: a burst of `BURST` seconds' worth of sends."""
        return max(0.0, self.rate * BURST - 1.0) / self.rate

    def _pause_left(self) -> float:
        """Seconds of a Retry-After pause still to wait: it ends when it has passed on either
        clock (in production they agree; a test's FixedClock moved past it ends it too)."""
        if self._paused_until is None:
            return 0.0
        left = self._paused_until[1] - self._timer()
        if left > 0 and self._clock.now() < self._paused_until[0]:
            return left
        self._paused_until = None  # the platform's bucket refilled meanwhile: a burst may follow
        return 0.0

    async def acquire(self) -> None:
        """Wait for this send's slot, after any Retry-After pause. Senders take their turn in
        order; each slot is worked out when its turn comes, at the rate of that moment."""
        async with self._turn:
            while (wait := self.take_slot()) > 0:
                await asyncio.sleep(wait)

    def take_slot(self) -> float:
        """Take the next send's slot if it has come (0.0), else the seconds until it may have."""
        if (left := self._pause_left()) > 0:
            return left
        now = self._timer()
        tat = max(self._tat, now)
        slot = tat - self._tolerance()
        if slot <= now:
            self._tat = tat + 1.0 / self.rate
            return 0.0
        return slot - now

    def observed(self) -> float | None:
        """Sends that succeeded per second over the last `WINDOW` seconds, time spent in a
        Retry-After pause left out (None before `WINDOW` seconds, or with under a quarter of it unpaused)."""
        now = self._timer()
        while self._sent and self._sent[0] < now - WINDOW:
            self._sent.popleft()
        unpaused = WINDOW - self._accepted.paused_between(now - WINDOW, now)
        return len(self._sent) / unpaused if now - self._since >= WINDOW and unpaused >= WINDOW / 4 else None

    def succeeded(self) -> None:
        now = self._timer()
        self._since = min(self._since, now)
        self._sent.append(now)
        self._accepted.succeeded(now, self.rate)
        if not self._turn.locked() and self._tat <= now:  # slower than the pace allows: nothing learnt
            return
        observed = self.observed()
        if observed is not None and self.rate > observed * AHEAD_OF_OBSERVED:  # held back elsewhere
            return
        near = self.refused is not None and self.rate >= self.refused * BACK_OFF * NEAR
        growth = PROBE_GROWTH if near else FAST_GROWTH
        self.rate = min(MAX_RATE, self.rate * (1 + growth / self.rate))

    def throttled(self, retry_after: float) -> bool:
        """A 429: pause the workspace for `retry_after` seconds and, unless this refusal was
        already counted, slow down. Returns whether the rate changed."""
        now = self._clock.now()
        wait = max(retry_after, 0.0)
        until = (now + timedelta(seconds=wait), self._timer() + wait)
        if self._paused_until is not None:
            until = (max(until[0], self._paused_until[0]), max(until[1], self._paused_until[1]))
        self._paused_until = until
        timer = self._timer()
        self._accepted.paused(timer, until[1])
        if self._calm_until is not None and now < self._calm_until:
            self._accepted.refused(timer, self.rate)
            return False
        accepted = self._accepted.begin_episode(timer, self.rate)
        self.refused = min(self.rate, accepted) if accepted else self.rate
        self.rate = max(MIN_RATE, self.refused * BACK_OFF)
        self._calm_until = until[0] + timedelta(seconds=EPISODE_GRACE)
        log.info("429: the platform took %s/s since the last refusal; pausing %.1fs, then %.2f/s",
                 f"{accepted:.2f}" if accepted else "?", retry_after, self.rate)
        return True

    def needs_saving(self) -> bool:
        rate, refused, when = self._saved
        if refused != self.refused:
            return True
        return abs(self.rate - rate) >= rate * SAVE_CHANGE and self._timer() - when >= SAVE_INTERVAL

    def mark_saved(self) -> None:
        self._saved = (self.rate, self.refused, self._timer())


class Pacing:
    """Every workspace's pace and every conversation's, for one dispatcher."""

    def __init__(
        self, adapters: dict[str, ChatAdapter], rates: SendRates | None, clock: Clock, *, timer: Timer = time.monotonic,
    ) -> None:
        self._adapters = adapters
        self._clock = clock
        self._rates = rates
        self._timer = timer
        self._paces: dict[tuple[str, str], Pace] = {}
        self._remembered: dict[tuple[str, str], RememberedRate] | None = None
        self._conversations: dict[Hashable, float] = {}
        """Each conversation's next free slot (timer seconds); one already past limits nothing."""
        self._sweep_at = CONVERSATIONS_KEPT
        self._saving: asyncio.Lock | None = None

    async def load(self) -> None:
        """Read the remembered rates (once; a database that is down means documented rates)."""
        if self._remembered is not None:
            return
        self._remembered = {}
        if self._rates is None:
            return
        try:
            self._remembered = {(r.platform, r.workspace_id): r for r in await self._rates.all()}
        except Exception:
            log.warning("could not read the remembered send rates; starting from the documented ones", exc_info=True)

    def pace(self, platform: str, workspace_id: str) -> Pace:
        key = (platform, workspace_id)
        if key not in self._paces:
            remembered = (self._remembered or {}).get(key)
            if remembered is not None:
                pace = Pace(remembered.rate_per_second, remembered.refused_per_second, clock=self._clock, timer=self._timer)
            else:
                pace = Pace(self._adapters[platform].rate_per_second(workspace_id), clock=self._clock, timer=self._timer)
            self._paces[key] = pace
        return self._paces[key]

    async def conversation(self, key: Hashable, rate: float) -> None:
        """Wait for the next send into one conversation (`rate` per second; 0: no limit)."""
        if rate <= 0:
            return
        now = self._timer()
        slot = max(now, self._conversations.get(key, now))
        self._conversations[key] = slot + 1.0 / rate
        if len(self._conversations) > self._sweep_at:
            self._conversations = {k: free for k, free in self._conversations.items() if free > now}
            self._sweep_at = max(CONVERSATIONS_KEPT, 2 * len(self._conversations))
        if slot > now:
            await asyncio.sleep(slot - now)

    async def save_changed(self, now: datetime) -> None:
        """Write the paces that changed since they were last saved."""
        if self._rates is None:
            return
        self._saving = self._saving or asyncio.Lock()
        async with self._saving:
            for (platform, workspace_id), pace in list(self._paces.items()):
                if not pace.needs_saving():
                    continue
                try:
                    await self._rates.save(RememberedRate(platform, workspace_id, pace.rate, pace.refused), now)
                    pace.mark_saved()
                except Exception:
                    log.warning("could not save the send rate of %s/%s", platform, workspace_id, exc_info=True)
