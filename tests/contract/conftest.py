"""The `chat` fixture: every contract test runs once per `ChatAdapter` implementation
(ids `slack`, `teams`, `console`, `memory`), each built by its driver in `drivers.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path

import pytest

from tests.contract.drivers import Driver, slack_driver, teams_driver
from tests.contract.local_drivers import console_driver, memory_driver

DRIVERS: dict[str, Callable[[Path], AbstractAsyncContextManager[Driver]]] = {
    "slack": slack_driver, "teams": teams_driver, "console": console_driver, "memory": memory_driver,
}


@pytest.fixture(params=[pytest.param(name, id=name) for name in DRIVERS])
async def chat(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Driver]:
    async with DRIVERS[request.param](tmp_path) as driver:
        yield driver
