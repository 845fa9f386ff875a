"""The operator's HTTP endpoints: `/healthz` (the process answers), `/readyz` (it can do its
work: the database answers, its schema is the newest, the scheduler ticks, the outbox keeps
up) and `/metrics` (Prometheus text, behind a bearer token).

`/readyz` answers 200 with every check when all pass, and 503 naming the failing ones::

    {"ok": false, "failing": ["database"], "checks": {"database": {"ok": false, "error": "..."}, ...}}

`/metrics` is off (404) unless `METRICS_TOKEN` is set; then it asks for
`Authorization: Bearer <token>` and refuses anything else with 401.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST

from handlers.contract.ports import Clock
from ops.metrics import PrometheusMetrics, new_metrics
from settings import Settings
from storage.health import (
    OutboxBacklog,
    database_revision,
    head_revision,
    outbox_backlog,
)
from storage.store import Store

log = logging.getLogger(__name__)

TEAMS_PATH = "/api/messages"
DATABASE_TIMEOUT = 3.0
"""Seconds a health look waits for the database before calling it unreachable."""


@dataclass(frozen=True)
class Thresholds:
    """What `/readyz` still calls fine (settings READY_*)."""

    tick_max_age: float = 180.0
    outbox_max_depth: int = 1000
    outbox_max_age: float = 600.0


class Health:
    """The checks behind `/readyz` and the figures `/metrics` reads from the database."""

    def __init__(
        self, store: Store, clock: Clock, metrics: PrometheusMetrics,
        thresholds: Thresholds, *, scheduler_here: bool,
    ) -> None:
        self._sessions = store.sessions
        self._store = store
        self._clock = clock
        self._metrics = metrics
        self._thresholds = thresholds
        self._scheduler_here = scheduler_here
        self._head = head_revision()
        self._started = clock.now()

    async def _look(self) -> tuple[str | None, OutboxBacklog]:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            revision = await database_revision(self._sessions)
            backlog = await outbox_backlog(self._sessions, self._clock.now())
        return revision, backlog

    def _age(self, backlog: OutboxBacklog) -> float:
        if backlog.oldest_due is None:
            return 0.0
        return max((self._clock.now() - backlog.oldest_due).total_seconds(), 0.0)

    async def refresh(self) -> tuple[str | None, OutboxBacklog] | None:
        """Read the database's figures into the metrics; None (and `database_up` 0) if it can't be reached."""
        try:
            revision, backlog = await self._look()
        except Exception as error:  # unreachable, timed out, or failing: that is what is being checked
            log.warning("health check: the database did not answer: %s", error)
            self._metrics.database_up.set(0)
            return None
        self._metrics.database_up.set(1)
        self._metrics.outbox(backlog, self._age(backlog))
        try:  # the rates the dispatcher's pacing found, as it last saved them
            for rate in await self._store.send_rates.all():
                self._metrics.send_rate(rate.platform, rate.workspace_id, rate.rate_per_second)
        except Exception as error:
            log.warning("health check: could not read the send rates: %s", error)
        return revision, backlog

    async def readiness(self) -> dict[str, Any]:
        """Every check, each with `ok`, and the overall `ok` and `failing` list."""
        checks: dict[str, dict[str, Any]] = {}
        looked = await self.refresh()
        if looked is None:
            checks["database"] = {"ok": False, "error": "the database did not answer"}
        else:
            revision, backlog = looked
            checks["database"] = {"ok": True}
            checks["migrations"] = {"ok": revision == self._head, "database": revision, "code": self._head}
            age = self._age(backlog)
            checks["outbox"] = {
                "ok": backlog.depth <= self._thresholds.outbox_max_depth and age <= self._thresholds.outbox_max_age,
                "depth": backlog.depth, "max_depth": self._thresholds.outbox_max_depth,
                "oldest_seconds": round(age, 1), "max_oldest_seconds": self._thresholds.outbox_max_age,
            }
        if self._scheduler_here:
            last = self._metrics.last_good_tick
            since = (self._clock.now() - (last or self._started)).total_seconds()
            checks["scheduler"] = {"ok": since <= self._thresholds.tick_max_age, "seconds_since_last_tick": round(since, 1),
                                   "max_seconds": self._thresholds.tick_max_age, "ticked_yet": last is not None}
        failing = sorted(name for name, check in checks.items() if not check["ok"])
        return {"ok": not failing, "failing": failing, "checks": checks}


def install(
    app: web.Application, settings: Settings, store: Store, clock: Clock, metrics: PrometheusMetrics | None,
    *, scheduler_here: bool,
) -> None:
    """The checks and endpoints for one server, with its settings' thresholds and token."""
    metrics = metrics or new_metrics()
    thresholds = Thresholds(settings.ready_tick_max_age, settings.ready_outbox_max_depth, settings.ready_outbox_max_age)
    mount(app, Health(store, clock, metrics, thresholds, scheduler_here=scheduler_here), metrics, settings.metrics_token)


def mount(app: web.Application, health: Health, metrics: PrometheusMetrics, token: str | None) -> None:
    """Add /healthz, /readyz and /metrics to the server, and time Teams' requests for the metrics
    (Slack's platform reports its own, by kind)."""

    @web.middleware
    async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
        if request.path != TEAMS_PATH:
            return await handler(request)  # type: ignore[no-any-return]
        started = time.perf_counter()
        try:
            return await handler(request)  # type: ignore[no-any-return]
        finally:
            metrics.request("teams", "activity", time.perf_counter() - started)

    async def healthz(_: web.Request) -> web.Response:
        return web.json_response({"ok": True})

    async def readyz(_: web.Request) -> web.Response:
        report = await health.readiness()
        return web.json_response(report, status=200 if report["ok"] else 503)

    async def metrics_page(request: web.Request) -> web.Response:
        if token is None:
            raise web.HTTPNotFound(text="metrics are off: set METRICS_TOKEN to turn them on")
        offered = request.headers.get("Authorization", "")
        if not hmac.compare_digest(offered.encode(), f"Bearer {token}".encode()):
            return web.Response(status=401, text="a bearer token is needed", headers={"WWW-Authenticate": "Bearer"})
        await health.refresh()
        body = metrics.render()
        return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})

    app.middlewares.append(timed)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics_page)
