"""`SlackHarness` with the operator's side switched on: the server built with the app's own
metrics (as `python app.py serve` builds it), the scheduler's real jobs (called, not timed:
time never sleeps in tests) sending through the metered adapter, and helpers to read
`/readyz` and `/metrics`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from aiohttp import web
from prometheus_client.parser import text_string_to_metric_families

from app import build_platforms, build_web_app
from ops.metrics import MeteredChat, new_metrics
from scheduler.dispatcher import Dispatcher
from scheduler.runner import build_scheduler
from tests.slack.fake_slack import free_port
from tests.slack.harness import SlackHarness
from tests.support import migrate

METRICS_TOKEN = "metrics-token-for-tests-0123456789"
Key = tuple[str, tuple[tuple[str, str], ...]]
"""A sample: its name and its sorted labels."""


class OpsHarness(SlackHarness):
    """The Slack harness, plus metrics, /readyz and the scheduler's tick and outbox jobs."""

    async def start(self) -> OpsHarness:
        await migrate(self.db_url)
        self.metrics = new_metrics()
        platforms = build_platforms(self.settings, self.ctx, self.metrics)
        self.platform = [p for p in platforms if p.adapter.platform == "slack"][0]  # type: ignore[assignment]
        self._runner = web.AppRunner(build_web_app(self.settings, self.ctx, platforms, self.metrics, scheduler_here=True))
        await self._runner.setup()
        port = free_port()
        await web.TCPSite(self._runner, "127.0.0.1", port).start()
        self.url = f"http://127.0.0.1:{port}"
        self._http = aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True))
        adapters = {"slack": MeteredChat(self.platform.adapter, self.metrics)}
        scheduler = build_scheduler(self.db.store, Dispatcher(self.db.store, adapters, self.clock), self.clock, metrics=self.metrics)
        self.tick_job: Callable[[], Awaitable[None]] = scheduler.get_job("tick").func
        self.outbox_job: Callable[[], Awaitable[None]] = scheduler.get_job("outbox").func
        return self

    async def until(self, name: str, value: float, timeout: float = 10.0, **labels: str) -> dict[Key, float]:
        """The figures once `name{labels}` reads `value` (the outbox job sends in the background)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            figures = await self.figures()
            if figure(figures, name, **labels) == value or asyncio.get_running_loop().time() > deadline:
                return figures
            await asyncio.sleep(0.05)

    async def get(self, path: str, headers: dict[str, str] | None = None) -> tuple[int, str]:
        assert self._http is not None
        async with self._http.get(self.url + path, headers=headers or {}) as response:
            return response.status, await response.text()

    async def ready(self) -> tuple[int, dict[str, Any]]:
        assert self._http is not None
        async with self._http.get(self.url + "/readyz") as response:
            return response.status, await response.json()

    async def figures(self, token: str = METRICS_TOKEN) -> dict[Key, float]:
        """Every sample `/metrics` shows now: (name, sorted labels) -> value."""
        status, text = await self.get("/metrics", {"Authorization": f"Bearer {token}"})
        assert status == 200, (status, text)
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(text) for sample in family.samples
        }


def figure(figures: dict[Key, float], name: str, **labels: str) -> float:
    """One sample's value (0 when it was never recorded)."""
    return figures.get((name, tuple(sorted(labels.items()))), 0.0)
