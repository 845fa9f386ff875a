"""Fixtures for the operator's side: the Slack harness with metrics and health switched on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.contract.ports import FixedClock
from tests.operations.harness import METRICS_TOKEN, OpsHarness
from tests.slack.conftest import MONDAY_MORNING, fake_slack  # noqa: F401  (the fixture, shared)
from tests.slack.fake_slack import FakeSlack


@pytest.fixture
async def ops(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[OpsHarness]:  # noqa: F811
    harness = OpsHarness(f"sqlite+aiosqlite:///{tmp_path}/ops.db", fake_slack, FixedClock(MONDAY_MORNING),
                         metrics_token=METRICS_TOKEN)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()
