"""Run Alembic migrations programmatically: the only way the schema is made."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config

from alembic import command

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "alembic"))
    config.attributes["url"] = url
    config.attributes["configure_logging"] = False
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at `url` to `revision`. Call it outside a running event loop
    (or through `asyncio.to_thread`): Alembic drives its own loop for async drivers."""
    command.upgrade(alembic_config(url), revision)
