"""`bot/slack/manifest.yml` creates an app that matches what the code listens for."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from bot.slack.listeners import COMMANDS
from bot.slack.platform import BOT_SCOPES, EVENTS_PATH, REDIRECT_PATH

MANIFEST = Path(__file__).resolve().parents[2] / "bot" / "slack" / "manifest.yml"


def load() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(MANIFEST.read_text())
    return data


def test_commands_scopes_and_urls_match_the_code() -> None:
    manifest = load()
    commands = manifest["features"]["slash_commands"]
    assert {c["command"] for c in commands} == set(COMMANDS)
    assert all(c["should_escape"] is True and c["url"].endswith(EVENTS_PATH) for c in commands)
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(BOT_SCOPES)
    assert all(url.endswith(REDIRECT_PATH) for url in manifest["oauth_config"]["redirect_urls"])
    settings = manifest["settings"]
    assert settings["interactivity"]["is_enabled"] is True and settings["interactivity"]["request_url"].endswith(EVENTS_PATH)
    assert settings["event_subscriptions"]["request_url"].endswith(EVENTS_PATH)
    assert set(settings["event_subscriptions"]["bot_events"]) == {"app_home_opened", "message.im", "user_change"}
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert manifest["features"]["app_home"]["messages_tab_enabled"] is True
