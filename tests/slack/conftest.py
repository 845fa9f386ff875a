"""Fixtures for the Slack tests: the fake Slack Web API and the harness around the real server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from handlers.contract.ports import FixedClock
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import TEAM, SlackHarness

# Monday 23 November 2026, 09:00 in New York.
MONDAY_MORNING = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    fake.add_user(TEAM, "URITA", "Rita", "America/New_York")
    fake.add_user(TEAM, "UMGR", "Dana", "America/Chicago")
    fake.add_user(TEAM, "USTRANGER", "Sam", "Europe/London")
    try:
        yield fake
    finally:
        await fake.stop()


@pytest.fixture
async def slack(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[SlackHarness]:
    harness = SlackHarness(f"sqlite+aiosqlite:///{tmp_path}/slack.db", fake_slack, FixedClock(MONDAY_MORNING))
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
async def slack_small_queue(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[SlackHarness]:
    """The harness with a work queue of 4 and 2 workers, to fill it with a burst."""
    harness = SlackHarness(f"sqlite+aiosqlite:///{tmp_path}/small.db", fake_slack, FixedClock(MONDAY_MORNING),
                           slack_work_queue=4, slack_workers=2)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
