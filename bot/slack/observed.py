"""What Slack's platform reports to the operator's `Metrics`: the kind of each request it
answers (`kind_of`), and every 429 Slack answers the Web API client (`CountThrottles`, a
retry handler that retries nothing and only counts, put first in the client's handlers)."""

from __future__ import annotations

from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from handlers.contract.metrics import Metrics


def kind_of(payload: dict[str, Any]) -> str:
    """What a Slack request is, for metrics and logs: command, action, form, event or other."""
    if "command" in payload:
        return "command"
    kinds = {"block_actions": "action", "interactive_message": "action", "view_submission": "form",
             "view_closed": "form", "event_callback": "event", "url_verification": "event"}
    return kinds.get(str(payload.get("type")), "other")


class CountThrottles(AsyncRetryHandler):
    """Retries nothing: counts each 429 Slack answers, before the client's own handlers retry it."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__(max_retry_count=2**31)
        self._metrics = metrics

    async def _can_retry_async(
        self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None, error: Exception | None = None,
    ) -> bool:
        if response is not None and response.status_code == 429:
            self._metrics.throttled("slack")
        return False
