"""Prometheus metrics for one running app, in a registry of its own (so several apps, as in the
tests, never share figures): `PrometheusMetrics` implements the `Metrics` observer the
platforms and the scheduler report to, and `MeteredChat` counts each outbox send's outcome
around any `ChatAdapter`.

Usage (app.py)::

    metrics = PrometheusMetrics(CollectorRegistry())
    adapters = {name: MeteredChat(adapter, metrics) for name, adapter in adapters.items()}
    text = metrics.render()                          # the body of GET /metrics
"""

from __future__ import annotations

from collections.abc import Awaitable
from datetime import datetime
from typing import TypeVar

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from handlers.contract.messages import Address, Message
from handlers.contract.metrics import Metrics
from handlers.contract.ports import (
    ChatAdapter,
    RateLimited,
    Rejected,
    TransientError,
    Unreachable,
)
from storage.health import OutboxBacklog

T = TypeVar("T")
ACK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0)
"""Seconds; Slack wants its ack within 3."""


class PrometheusMetrics:
    """Every figure `/metrics` shows, registered in `registry`."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter("followthrough_requests", "Requests answered, by platform and kind",
                                ["platform", "kind"], registry=registry)
        self.ack_seconds = Histogram("followthrough_ack_seconds", "How long each request took to be answered (acked)",
                                     ["platform", "kind"], buckets=ACK_BUCKETS, registry=registry)
        self.busy_total = Counter("followthrough_busy", "Requests acked but turned away because the work queue was full",
                                  ["platform", "kind"], registry=registry)
        self.work_queue = Gauge("followthrough_work_queue", "Requests acked and waiting for a worker",
                                ["platform"], registry=registry)
        self.sends = Counter("followthrough_sends", "Outbox send attempts, by platform and outcome",
                             ["platform", "outcome"], registry=registry)
        self.rate_limited = Counter("followthrough_rate_limited", "Calls a platform answered with 429",
                                    ["platform"], registry=registry)
        self.send_rate_gauge = Gauge("followthrough_send_rate", "Messages per second the outbox's pacing found for one workspace or tenant (as last saved)",
                                     ["platform", "workspace"], registry=registry)
        self.tick_seconds = Histogram("followthrough_tick_seconds", "How long each scheduler tick took", registry=registry)
        self.ticks = Counter("followthrough_ticks", "Scheduler ticks, by result", ["result"], registry=registry)
        self.checkins_opened = Counter("followthrough_checkins_opened", "Check-in messages the ticks opened", registry=registry)
        self.last_tick = Gauge("followthrough_last_tick_timestamp_seconds", "The instant the last good tick ran as of (Unix time)",
                               registry=registry)
        self.outbox_depth = Gauge("followthrough_outbox_depth", "Outbox messages due and not yet sent", registry=registry)
        self.outbox_oldest = Gauge("followthrough_outbox_oldest_seconds", "How long the oldest due, unsent message has waited",
                                   registry=registry)
        self.database_up = Gauge("followthrough_database_up", "1 if the database answered the last look, else 0",
                                 registry=registry)
        self.last_good_tick: datetime | None = None
        """The instant the last good tick ran as of (the app's clock, for /readyz); None before the first."""

    def request(self, platform: str, kind: str, seconds: float) -> None:
        self.requests.labels(platform, kind).inc()
        self.ack_seconds.labels(platform, kind).observe(seconds)

    def busy(self, platform: str, kind: str) -> None:
        self.busy_total.labels(platform, kind).inc()

    def queued(self, platform: str, depth: int) -> None:
        self.work_queue.labels(platform).set(depth)

    def send(self, platform: str, outcome: str) -> None:
        self.sends.labels(platform, outcome).inc()

    def throttled(self, platform: str) -> None:
        self.rate_limited.labels(platform).inc()

    def send_rate(self, platform: str, workspace_id: str, per_second: float) -> None:
        self.send_rate_gauge.labels(platform, workspace_id).set(per_second)

    def tick(self, at: datetime, seconds: float, checkins_opened: int, ok: bool) -> None:
        self.ticks.labels("ok" if ok else "database_unavailable").inc()
        self.tick_seconds.observe(seconds)
        if ok:
            self.checkins_opened.inc(checkins_opened)
            self.last_tick.set(at.timestamp())
            self.last_good_tick = at

    def outbox(self, backlog: OutboxBacklog, age_seconds: float) -> None:
        self.outbox_depth.set(backlog.depth)
        self.outbox_oldest.set(age_seconds)

    def render(self) -> bytes:
        return generate_latest(self.registry)


def new_metrics() -> PrometheusMetrics:
    """Metrics for one app, in a registry of its own (never the process-wide default)."""
    return PrometheusMetrics(CollectorRegistry())


class MeteredChat:
    """A `ChatAdapter` that reports each send's outcome to `Metrics`."""

    def __init__(self, inner: ChatAdapter, metrics: Metrics) -> None:
        self.inner = inner
        self.platform = inner.platform
        self._metrics = metrics

    async def send(self, to: Address, message: Message) -> str:
        return await self._metered(self.inner.send(to, message))

    async def update(self, to: Address, ref: str, message: Message) -> None:
        await self._metered(self.inner.update(to, ref, message))

    async def _metered(self, call: Awaitable[T]) -> T:
        try:
            result = await call
        except RateLimited:
            self._metrics.send(self.platform, "rate_limited")
            raise
        except TransientError:
            self._metrics.send(self.platform, "transient")
            raise
        except Unreachable:
            self._metrics.send(self.platform, "unreachable")
            raise
        except Rejected:
            self._metrics.send(self.platform, "rejected")
            raise
        except Exception:
            self._metrics.send(self.platform, "error")
            raise
        self._metrics.send(self.platform, "sent")
        return result

    def rate_per_second(self, workspace_id: str) -> float:
        return self.inner.rate_per_second(workspace_id)

    def conversation_rate_per_second(self) -> float:
        return self.inner.conversation_rate_per_second()

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)
