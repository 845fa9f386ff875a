"""The observer the platforms and the scheduler report to (requests, acks, sends, ticks), so
an operator can see them: `ops.metrics.PrometheusMetrics` implements it for `/metrics`, and
`NO_METRICS` (which records nothing) is the default everywhere else.

Usage (in a platform or a job)::

    started = time.perf_counter()
    ...                                                   # answer the request
    metrics.request("slack", "command", time.perf_counter() - started)

The core itself reports nothing: it stays free of any metrics library.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Metrics(Protocol):
    """What the bot tells the operator's metrics. Each call is cheap and never raises."""

    def request(self, platform: str, kind: str, seconds: float) -> None:
        """A request from a platform was answered (acked) after `seconds`; `kind`: command, action, form, event..."""
        ...

    def busy(self, platform: str, kind: str) -> None:
        """A request was acked but turned away with "busy, try again" because the work queue was full."""
        ...

    def queued(self, platform: str, depth: int) -> None:
        """The work waiting after acks now holds `depth` items."""
        ...

    def send(self, platform: str, outcome: str) -> None:
        """One outbox send ended (after the client's own retries): sent, rate_limited, transient,
        unreachable, rejected or error."""
        ...

    def throttled(self, platform: str) -> None:
        """The platform answered one call with 429 (whoever made it, and even if a retry then went through)."""
        ...

    def send_rate(self, platform: str, workspace_id: str, per_second: float) -> None:
        """The send rate now used for one workspace or tenant (messages per second)."""
        ...

    def tick(self, at: datetime, seconds: float, checkins_opened: int, ok: bool) -> None:
        """The scheduler's tick as of `at` ran for `seconds` (ok=False: the database was unavailable)."""
        ...


class NoMetrics:
    """Records nothing: for the console, `tick`, tests that don't look, and anything not wired."""

    def request(self, platform: str, kind: str, seconds: float) -> None:
        return None

    def busy(self, platform: str, kind: str) -> None:
        return None

    def queued(self, platform: str, depth: int) -> None:
        return None

    def send(self, platform: str, outcome: str) -> None:
        return None

    def throttled(self, platform: str) -> None:
        return None

    def send_rate(self, platform: str, workspace_id: str, per_second: float) -> None:
        return None

    def tick(self, at: datetime, seconds: float, checkins_opened: int, ok: bool) -> None:
        return None


NO_METRICS: Metrics = NoMetrics()
