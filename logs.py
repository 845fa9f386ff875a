"""Logging for every command: the level, the format, and a filter on every handler that keeps
credentials out of the logs (Slack tokens, bearer tokens, anything logged as a token, secret
or password is masked).

Two formats (`LOG_FORMAT`): `text`, one readable line per record, and `json`, one JSON object
per line with `time` (UTC, ISO 8601), `level`, `logger`, `message`, and where the code knows
them `workspace`, `action`, `latency_ms` and `error_id` (passed as `extra={...}`), plus
`exception` with the traceback. Secrets are masked in both, in every field.

Usage::

    log.info("answered", extra={"workspace": "T1", "action": "command", "latency_ms": 12.5})
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

MASK = "[redacted]"
_PATTERNS = (
    re.compile(r"\bxox[abposre]-[A-Za-z0-9-]+"),
    re.compile(r"\bxapp-[A-Za-z0-9-]+"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"""(?i)(["']?(?:access_token|refresh_token|bot_token|client_secret|password|signing_secret)["']?\s*[:=]\s*["']?)[^"',\s}]+"""),
)


def redact(text: str) -> str:
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + MASK, text)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's message with secrets masked (attach it to handlers)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


FIELDS = ("workspace", "action", "latency_ms", "error_id")
"""Context a record may carry (`extra=`), copied into the JSON object when present."""
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    """One JSON object per record, on one line, secrets masked in every field."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": redact(record.getMessage()),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                entry[name] = redact(value) if isinstance(value, str) else value
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = redact(record.exc_text)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure(level: str, fmt: str = "text") -> None:
    """Log to standard error at `level`, as `text` or `json` lines, with secrets masked."""
    logging.basicConfig(level=level.upper(), format=TEXT_FORMAT, stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        if fmt == "json":
            handler.setFormatter(JsonFormatter())
        install_redaction(handler)


def install_redaction(handler: logging.Handler) -> None:
    """Mask tokens and secrets in everything `handler` writes."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
