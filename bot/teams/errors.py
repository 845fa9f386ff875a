"""Bot Framework connector failures -> the outbox's delivery errors (`handlers.contract.ports`).

429 -> RateLimited (Retry-After, else 1 s); 412, 5xx and dropped connections -> TransientError;
403 MessageWritesBlocked (the app was removed or the bot blocked) -> Unreachable; 401 and 408
-> TransientError (a token or timeout that may pass); any other 4xx -> Rejected (not retried).
The same mapping for botbuilder's exceptions (`translate`) and for an answer the direct REST
call got (`for_status`, from bot/teams/proactive.py).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from msrest.exceptions import ClientRequestError, HttpOperationError

from handlers.contract.ports import (
    DeliveryError,
    RateLimited,
    Rejected,
    TransientError,
    Unreachable,
)

BLOCKED_CODES = frozenset({"MessageWritesBlocked", "BotDisabledByAdmin", "ConversationBlockedByUser"})


class ConnectorError(Rejected):
    """The connector refused this request for a reason retrying will not fix (a 4xx):
    the outbox marks the message failed instead of retrying it."""

    def __init__(self, status: int, code: str, detail: str) -> None:
        super().__init__(f"Bot Framework connector answered {status} {code}: {detail}".strip())
        self.status = status
        self.code = code


def _status(error: HttpOperationError) -> int:
    response: Any = error.response
    status = getattr(response, "status", None) or getattr(response, "status_code", None)
    return int(status or 0)


def _code_and_message(error: HttpOperationError) -> tuple[str, str]:
    body: Any = getattr(error, "error", None)
    inner = getattr(body, "error", None)
    code = str(getattr(inner, "code", "") or "")
    message = str(getattr(inner, "message", "") or "")
    return code, message or str(error)


def retry_after_seconds(raw: str | None) -> float:
    """Seconds to wait, from a Retry-After header in seconds or as an HTTP date; 1 s when absent."""
    if not raw:
        return 1.0
    try:
        return max(float(raw), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(raw) - datetime.now(UTC)).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return 1.0


def for_status(status: int, code: str, message: str, retry_after_header: str | None) -> DeliveryError:
    """The delivery error a connector answer with an error `status` stands for."""
    if status == 429:
        return RateLimited(retry_after_seconds(retry_after_header), f"Teams throttled the bot (429): {message}")
    if status in (401, 408, 412) or status >= 500:
        return TransientError(f"Bot Framework connector answered {status}: {message}")
    if status == 403 and code in BLOCKED_CODES:
        return Unreachable(f"Teams refused the message ({code}): the app was removed or the bot blocked")
    return ConnectorError(status, code, message)


def translate(error: BaseException) -> BaseException:
    """The delivery error an exception from the connector stands for (or the error itself)."""
    if isinstance(error, DeliveryError):
        return error
    if isinstance(error, HttpOperationError):
        code, message = _code_and_message(error)
        headers: Any = getattr(error.response, "headers", None) or {}
        return for_status(_status(error), code, message, headers.get("Retry-After") if hasattr(headers, "get") else None)
    if isinstance(error, ClientRequestError | aiohttp.ClientError | asyncio.TimeoutError | ConnectionError):
        return TransientError(f"could not reach the Bot Framework connector: {error!r}")
    return error
