"""Small protocols between the core and the outside world: chat adapters that deliver the
outbox, renderers that answer the person who acted, clocks, and where platforms keep
their conversation references.

Usage::

    class MyAdapter:
        platform = "example"
        async def send(self, to: Address, message: Message) -> str: ...
        async def update(self, to: Address, ref: str, message: Message) -> None: ...

A send returns an opaque reference (e.g. a Slack channel and ts as JSON) that a
later `update` takes back to edit the message in place.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

from handlers.contract.messages import Address, Message
from handlers.contract.outcomes import FormErrors, OpenForm


class ChatAdapter(Protocol):
    """Delivers neutral messages to one platform."""

    platform: str

    async def send(self, to: Address, message: Message) -> str: ...

    async def update(self, to: Address, ref: str, message: Message) -> None: ...

    def rate_per_second(self, workspace_id: str) -> float:
        """Sends per second allowed to one workspace or tenant."""
        ...

    def conversation_rate_per_second(self) -> float:
        """Sends per second allowed into one conversation; 0 means no limit."""
        ...


class Renderer(Protocol):
    """Shows a handler's result to the person who acted, on one platform, for one request.
    `handlers.pipeline.render` calls it once per outcome, in order."""

    async def reply(self, message: Message) -> None:
        """Answer the person (ephemeral where the platform allows)."""
        ...

    async def update(self, ref: str | None, message: Message) -> None:
        """Replace a message the bot sent earlier. `ref` is what the platform's `send` returned
        for it, or None when it was never sent through the outbox (e.g. the message clicked)."""
        ...

    async def open_form(self, form: OpenForm) -> None:
        """Show a form, where the platform can (a Slack modal, an Adaptive Card)."""
        ...

    async def form_errors(self, errors: FormErrors) -> None:
        """Keep the submitted form open with each error under its field; nothing was saved."""
        ...


class ReferenceBook(Protocol):
    """Where a platform keeps each person's conversation reference (its own JSON), so it can
    message them later. Each call is its own transaction."""

    async def save(
        self, platform: str, workspace_id: str, user_id: str, *,
        conversation_id: str, service_url: str, reference_json: str, now: datetime,
    ) -> None: ...

    async def find(self, platform: str, workspace_id: str, user_id: str) -> str | None: ...

    async def latest_in_workspace(self, platform: str, workspace_id: str) -> str | None: ...


class Clock(Protocol):
    """Tells the time, always as an aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock that only moves when told: the console and the tests use it."""

    def __init__(self, start: datetime) -> None:
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when.astimezone(UTC)


class DeliveryError(Exception):
    """A send failed; subclasses tell the outbox what to do about it."""


class RateLimited(DeliveryError):
    """The platform said 429: try again after `retry_after` seconds. `of_messages`: it was the
    limit on messages to the workspace (what its pace learns from); False for another call's
    own limit on the way (Slack's `conversations.open`), which says nothing about that."""

    def __init__(self, retry_after: float, detail: str = "", *, of_messages: bool = True) -> None:
        super().__init__(detail or f"rate limited, retry after {retry_after}s")
        self.retry_after = retry_after
        self.of_messages = of_messages


class TransientError(DeliveryError):
    """A 5xx or a dropped connection: retry with backoff."""


class Unreachable(DeliveryError):
    """The person cannot be messaged (bot uninstalled or blocked): stop trying."""


class Rejected(DeliveryError):
    """The platform refused this one message for good (e.g. the message to edit is gone): don't retry it."""
