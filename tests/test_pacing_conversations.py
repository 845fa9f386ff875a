"""One conversation's pace (scheduler/pacing.py `Pacing.conversation`): every send into a
conversation waits for its own slot, however far ahead the queue to it reaches, while other
conversations go at once. Runs on a simulated timer; a send still waiting is one whose
coroutine hasn't returned."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from handlers.contract.ports import FixedClock
from scheduler.pacing import Pacing

START = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


async def test_a_queue_longer_than_a_minute_keeps_its_spacing() -> None:
    timer = [0.0]
    pacing = Pacing({}, None, FixedClock(START), timer=lambda: timer[0])
    queued = [asyncio.create_task(pacing.conversation("rep's DM", 1.0)) for _ in range(90)]
    await asyncio.sleep(0.01)
    assert [task.done() for task in queued[:2]] == [True, False], "the first send goes at once, the second a second later"

    timer[0] = 61.0  # the 90 sends hold slots 0 to 89 s: the next one is due at 90 s, not now
    late = asyncio.create_task(pacing.conversation("rep's DM", 1.0))
    other = asyncio.create_task(pacing.conversation("another rep's DM", 1.0))
    await asyncio.sleep(0.01)
    try:
        assert other.done(), "a conversation with nothing queued goes at once"
        assert not late.done(), "a send into a conversation with 29 s of sends still queued must wait its turn"
    finally:
        for task in [*queued, late]:
            task.cancel()
        await asyncio.gather(*queued, late, return_exceptions=True)


async def test_a_conversation_without_a_limit_never_waits() -> None:
    pacing = Pacing({}, None, FixedClock(START), timer=lambda: 0.0)
    await asyncio.wait_for(asyncio.gather(*(pacing.conversation("channel", 0) for _ in range(100))), timeout=1)
