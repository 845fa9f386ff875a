"""What a workspace's pace learns from 429s (scheduler/pacing.py, scheduler/accepted_rate.py),
on a simulated timeline: a sender that goes as fast as the pace lets it and waits out each
Retry-After, against a platform limited like Slack's and Teams' (a token bucket holding one
second's worth, 429 with Retry-After rounded up to whole seconds beyond it). A one-second pause
is not taken for a lower limit: the pace settles just under the platform's limit, at low
limits too, and a spell without sends (nothing to send, or sends still on their way) doesn't
pull the estimate down either."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from handlers.contract.ports import FixedClock
from scheduler.accepted_rate import AcceptedRate
from scheduler.pacing import BACK_OFF, Pace

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@dataclass
class Platform:
    """A token bucket: `limit` a second, holding one second's worth; 429 + whole seconds beyond it."""

    limit: float
    tokens: float = field(init=False)
    then: float = 0.0
    refused: int = 0

    def __post_init__(self) -> None:
        self.tokens = self.limit

    def take(self, now: float) -> int | None:
        """None if the send is accepted, else its Retry-After in whole seconds."""
        self.tokens = min(self.limit, self.tokens + (now - self.then) * self.limit)
        self.then = now
        if self.tokens >= 1:
            self.tokens -= 1
            return None
        self.refused += 1
        return math.ceil((1 - self.tokens) / self.limit)


def fan_out(pace: Pace, platform: Platform, clock: FixedClock, timer: list[float], seconds: float,
            idle: tuple[float, float] | None = None) -> int:
    """Send for `seconds` as fast as the pace lets out sends (its own token bucket: a burst
    after a quiet spell, then one send every 1/rate; nothing between `idle`'s start and end);
    returns the sends accepted."""
    accepted, now = 0, 0.0
    while now < seconds:
        if idle is not None and idle[0] <= now < idle[1]:
            now = idle[1]
        timer[0] = now
        clock.set(START + timedelta(seconds=now))
        if (wait := pace.take_slot()) > 0:
            now += wait
            continue
        retry_after = platform.take(now)
        if retry_after is None:
            accepted += 1
            pace.succeeded()
        else:
            pace.throttled(retry_after)
    return accepted


@pytest.mark.parametrize("limit", [5.0, 10.0, 25.0])
async def test_the_pace_settles_just_under_the_limit_after_one_second_pauses(limit: float) -> None:
    timer, clock = [0.0], FixedClock(START)
    pace = Pace(40.0, clock=clock, timer=lambda: timer[0])
    platform = Platform(limit)

    accepted = fan_out(pace, platform, clock, timer, seconds=30)

    # Retry-After in whole seconds makes each refusal cost a little more than the platform
    # needed (most at low limits), and that is what the estimate sees: 0.88 of 5/s here.
    assert pace.refused is not None and 0.85 * limit <= pace.refused <= 1.05 * limit, f"refused at {pace.refused}/s"
    assert 0.8 * limit <= pace.rate < limit, f"settled at {pace.rate:.2f}/s against {limit}/s"
    assert accepted >= 0.8 * limit * 30, f"{accepted} sent in 30 s"


async def test_a_pace_that_starts_under_the_limit_grows_to_it_and_settles_there() -> None:
    timer, clock = [0.0], FixedClock(START)
    pace = Pace(40.0, clock=clock, timer=lambda: timer[0])  # Teams' documented start; its limit is 50/s
    platform = Platform(50.0)

    accepted = fan_out(pace, platform, clock, timer, seconds=60)

    assert pace.refused is not None and 0.95 * 50 <= pace.refused <= 1.02 * 50, f"refused at {pace.refused}/s"
    assert accepted >= 0.95 * 50 * 60, f"{accepted} sent in 60 s"
    assert platform.refused <= 15, f"{platform.refused} refusals"


async def test_a_spell_without_sends_between_refusals_is_not_counted_against_the_limit() -> None:
    timer, clock = [0.0], FixedClock(START)
    pace = Pace(40.0, clock=clock, timer=lambda: timer[0])
    platform = Platform(5.0)

    fan_out(pace, platform, clock, timer, seconds=30, idle=(2.0, 6.0))  # four seconds with nothing to send

    assert pace.refused is not None and pace.refused >= 0.85 * 5.0, f"refused at {pace.refused}/s"
    assert 0.85 * 5.0 * BACK_OFF <= pace.rate < 5.0


def test_the_estimate_is_the_successes_over_the_time_between_two_refusals() -> None:
    accepted = AcceptedRate()
    accepted.begin_episode(0.0, 10.0)
    accepted.paused(0.0, 1.0)
    for n in range(10):  # after the pause, 10 a second for a second
        accepted.succeeded(1.0 + n / 10, 10.0)
    accepted.succeeded(5.0, 10.0)  # then nothing for three seconds, then one more
    estimate = accepted.begin_episode(5.05, 10.0)

    # 11 successes over the pause (1 s), 0.9 s of sends, one spacing for the quiet spell and 0.05 s
    assert estimate == pytest.approx(11 / (1.0 + 0.9 + 0.1 + 0.05))
    assert accepted.begin_episode(5.1, 10.0) is None, "too little seen since: no estimate"
