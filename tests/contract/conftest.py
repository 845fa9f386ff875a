"""The `chat` fixture: every contract test runs once per `ChatAdapter` implementation
(ids `slack`, `teams`, `console`, `memory`), each built by its driver in `drivers.py`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.contract.drivers import DRIVERS, Driver


@pytest.fixture(params=[pytest.param(name, id=name) for name in DRIVERS])
async def chat(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Driver]:
    async with DRIVERS[request.param](tmp_path) as driver:
        yield driver
