"""Operator settings, read from the environment or a `.env` file (DESIGN.md section 3)."""

from __future__ import annotations

from pydantic import field_validator
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
    outbox_concurrency: int = 8
    slack_workspace_rate: float = 3.0
    """Messages per second to one Slack workspace (Slack allows several hundred a minute)."""
    slack_channel_rate: float = 1.0
    """Messages per second into one Slack conversation (Slack: about one a second)."""
    teams_tenant_rate: float = 40.0
    """Messages per second to one Teams tenant (Teams: 50 per second per app per tenant)."""
    teams_conversation_rate: float = 6.0
    """Messages per second into one Teams conversation (Teams: 7 per second)."""

    @field_validator(
        "slack_bot_token",
        "slack_signing_secret",
        "slack_app_token",
        "slack_client_secret",
        "microsoft_app_password",
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
