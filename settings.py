"""Operator settings, read from the environment or a `.env` file (DESIGN.md section 3)."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_PLACEHOLDERS = {"changeme", "change-me", "changethis", "secret", "xxx", "your-secret-here", "todo"}


class Settings(BaseSettings):
    """Every knob an operator can turn; names match DESIGN.md's table."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///./followthrough.db"
    slack_bot_token: str | None = None
    slack_signing_secret: str | None = None
    slack_app_token: str | None = None
    slack_client_id: str | None = None
    slack_client_secret: str | None = None
    slack_api_url: str = "https://slack.com/api/"
    microsoft_app_id: str | None = None
    microsoft_app_password: str | None = None
    microsoft_app_tenant_id: str | None = None
    microsoft_app_type: str | None = None
    teams_enabled: bool = False
    port: int = 3000
    log_level: str = "INFO"
    outbox_concurrency: int = 100
    """Sends in flight at once, over all workspaces. A platform answers in tens to hundreds of
    milliseconds, so this, not CPU, bounds what a process sends: at 200 ms, 100 in flight carry
    500 a second (ten Teams tenants at their limit); 8 carried about 70 a second at 100 ms."""
    outbox_lease_seconds: float = 60.0
    """How long a dispatcher holds the outbox rows it claimed without renewing them (it renews
    every third of it): after a crash, the rows it held wait this long for another process."""
    slack_workspace_rate: float = 5.0
    """Messages per second to one Slack workspace to start from (Slack allows several hundred a
    minute); the outbox then finds the workspace's real limit and remembers it (table send_rate)."""
    slack_channel_rate: float = 1.0
    """Messages per second into one Slack conversation (Slack: about one a second)."""
    teams_tenant_rate: float = 40.0
    """Messages per second to one Teams tenant (Teams: 50 per second per app per tenant)."""
    teams_conversation_rate: float = 6.0
    """Messages per second into one Teams conversation (Teams: 7 per second)."""
    log_format: Literal["text", "json"] = "text"
    """`json`: one JSON object per line (time, level, logger, message, workspace, action, latency_ms, error_id)."""
    metrics_token: str | None = None
    """Bearer token `/metrics` asks for; unset: `/metrics` is off (404)."""
    slack_work_queue: int = Field(default=200, ge=1)
    """App Home refreshes waiting for a worker, at most (past it, a page is refreshed at the next
    open). Commands, clicks and messages wait in the database's inbox instead, without a bound."""
    slack_workers: int = Field(default=4, ge=1)
    """Slack requests worked on at once after their ack (inbox workers, and App Home workers)."""
    slack_inbox_lease_seconds: float = Field(default=60.0, gt=0)
    """How long a worker holds a Slack request it took from the inbox: after a crash, the request
    waits this long before another worker (this process restarted, or another replica) takes it."""
    slack_ack_first: bool = False
    """Ack a Slack request before writing it to the inbox, not after: a little faster, but a
    request acked just before the process dies is lost."""
    ready_tick_max_age: float = 180.0
    """`/readyz`: seconds since the scheduler's last good tick before it counts as stuck."""
    ready_outbox_max_depth: int = 1000
    """`/readyz`: outbox messages not yet sent, at most."""
    ready_outbox_max_age: float = 600.0
    """`/readyz`: seconds the oldest due, unsent outbox message may have waited."""

    dashboard_url: str | None = None
    """The web dashboard's public base URL (sign-in links point here); unset: http://localhost:PORT."""
    session_secret: str | None = None
    """Signs the dashboard's sign-in links and encrypts its session cookie: at least 32 characters,
    no placeholder. Unset: `serve` has no dashboard (the console makes a random one per process)."""

    @property
    def dashboard_base(self) -> str:
        return (self.dashboard_url or f"http://localhost:{self.port}").rstrip("/")

    @field_validator("session_secret")
    @classmethod
    def _strong_session_secret(cls, value: str | None) -> str | None:
        if not value:
            return None
        low = value.strip().lower()
        if low in _PLACEHOLDERS or any(low.startswith(p) for p in _PLACEHOLDERS) or len(set(value)) < 8:
            raise ValueError("is a placeholder; generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'")
        if len(value) < 32:
            raise ValueError(
                f"is {len(value)} characters; it needs at least 32. "
                "Generate one with: python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        return value

    @property
    def outbox_lease(self) -> timedelta:
        return timedelta(seconds=self.outbox_lease_seconds)

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_secret",
        "microsoft_app_password",
        "metrics_token",
    )
    @classmethod
    def _refuse_placeholder_secrets(cls, value: str | None) -> str | None:
        if value is not None and value.strip().lower() in _PLACEHOLDERS:
            raise ValueError("is a placeholder; set the real secret or leave it unset")
        return value or None

    @field_validator("database_url")
    @classmethod
    def _async_driver(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        return value
