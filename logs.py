"""Logging for every command: the level, the format, and a filter on every handler that keeps
credentials out of the logs (Slack tokens, bearer tokens, anything logged as a token, secret
or password is masked)."""

from __future__ import annotations

import logging
import re
import sys

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


def configure(level: str) -> None:
    """Log to standard error at `level`, with secrets masked."""
    logging.basicConfig(level=level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    for handler in logging.getLogger().handlers:
        install_redaction(handler)


def install_redaction(handler: logging.Handler) -> None:
    """Mask tokens and secrets in everything `handler` writes."""
    if not any(isinstance(f, RedactingFilter) for f in handler.filters):
        handler.addFilter(RedactingFilter())
