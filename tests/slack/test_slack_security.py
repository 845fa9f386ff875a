"""Requests that are not from Slack get 401 and touch nothing; tokens never reach the logs."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import pytest

from handlers.contract.ports import FixedClock
from storage.models import Outbox, Person, ProcessedEvent
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import BOT_TOKEN, SlackHarness

# Slack's published example of a signed request (docs: "Verifying requests from Slack").
EXAMPLE_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
EXAMPLE_TIMESTAMP = 1531420618
EXAMPLE_BODY = (
    b"token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
    b"&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
    b"&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
    b"&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c"
)
EXAMPLE_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


async def nothing_recorded(slack: SlackHarness) -> None:
    assert await slack.db.count(Person) == 0
    assert await slack.db.count(Outbox) == 0
    assert await slack.db.count(ProcessedEvent) == 0
    assert [c.method for c in slack.fake.calls] == []


def commit_form(user: str = "URITA") -> bytes:
    return urlencode({
        "team_id": "T1", "user_id": user, "user_name": "rita", "command": "/commit", "text": "20 calls every weekday",
        "response_url": "http://127.0.0.1:9/never", "trigger_id": "t.1",
    }).encode()


async def test_unsigned_request_is_refused(slack: SlackHarness) -> None:
    status, _ = await slack.post(commit_form(), "application/x-www-form-urlencoded", sign=False)
    assert status == 401
    await nothing_recorded(slack)


async def test_forged_signature_is_refused(slack: SlackHarness) -> None:
    status, _ = await slack.post(commit_form(), "application/x-www-form-urlencoded", secret="not-the-signing-secret")
    assert status == 401
    await nothing_recorded(slack)


async def test_signature_of_another_body_is_refused(slack: SlackHarness) -> None:
    ts = str(int(slack.clock.now().timestamp()))
    from tests.slack.harness import SECRET, signature

    headers = {"X-Slack-Request-Timestamp": ts, "X-Slack-Signature": signature(SECRET, ts, commit_form("UOTHER"))}
    status, _ = await slack.post(commit_form(), "application/x-www-form-urlencoded", sign=False, headers=headers)
    assert status == 401
    await nothing_recorded(slack)


async def test_request_older_than_five_minutes_is_refused(slack: SlackHarness) -> None:
    stale = int(slack.clock.now().timestamp()) - 5 * 60 - 1
    status, _ = await slack.post(commit_form(), "application/x-www-form-urlencoded", timestamp=stale)
    assert status == 401
    await nothing_recorded(slack)


async def test_event_with_bad_signature_is_refused(slack: SlackHarness) -> None:
    status, _ = await slack.event({"type": "app_home_opened", "user": "URITA", "tab": "home"}, event_id="Ev1", secret="wrong")
    assert status == 401
    await nothing_recorded(slack)


async def test_slacks_published_example_verifies_with_the_clock_at_its_timestamp(tmp_path: Path, fake_slack: FakeSlack) -> None:
    clock = FixedClock(datetime.fromtimestamp(EXAMPLE_TIMESTAMP, tz=UTC))
    harness = SlackHarness(f"sqlite+aiosqlite:///{tmp_path}/example.db", fake_slack, clock, slack_signing_secret=EXAMPLE_SECRET)
    await harness.start()
    try:
        headers = {"X-Slack-Request-Timestamp": str(EXAMPLE_TIMESTAMP), "X-Slack-Signature": EXAMPLE_SIGNATURE}
        status, body = await harness.post(EXAMPLE_BODY, "application/x-www-form-urlencoded", sign=False, headers=headers)
        assert status == 200
        assert "I don't know the command `/webhook-collect`" in body  # verified, then answered with help
        tampered = EXAMPLE_BODY.replace(b"roadrunner", b"coyote")
        status, _ = await harness.post(tampered, "application/x-www-form-urlencoded", sign=False, headers=headers)
        assert status == 401
        clock.set(datetime.fromtimestamp(EXAMPLE_TIMESTAMP + 301, tz=UTC))
        status, _ = await harness.post(EXAMPLE_BODY, "application/x-www-form-urlencoded", sign=False, headers=headers)
        assert status == 401
    finally:
        await harness.stop()


async def test_tokens_never_appear_in_logs(slack: SlackHarness, caplog: pytest.LogCaptureFixture) -> None:
    from logs import install_redaction

    root = logging.getLogger()
    handler = caplog.handler
    install_redaction(handler)
    caplog.set_level(logging.DEBUG)
    await slack.command("URITA", "/commit", "20 calls every weekday")
    await slack.tick(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))
    logging.getLogger("slack_sdk").debug("Received the following response - body: {'access_token': '%s'}", BOT_TOKEN)
    assert slack.fake.calls_to("chat.postMessage"), "the flow sent something, so the client logged its calls"
    text = caplog.text
    assert "xoxb-" not in text and BOT_TOKEN not in text
    assert "[redacted]" in text
    assert root is logging.getLogger()
