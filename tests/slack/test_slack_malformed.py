"""Malformed but authentic Slack requests: properly signed, but missing fields, with empty or
odd shapes, or not JSON at all. Each is answered 2xx or 4xx (never 5xx), changes nothing in
the database, and no listener dies with an exception after its ack (bolt would log it)."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy import func, select

from storage.models import Base, Commitment, Terms
from tests.slack.harness import SECRET, TEAM, SlackHarness, signature


def form(**fields: str) -> bytes:
    return urlencode(fields).encode()


def payload(data: Any) -> bytes:
    return urlencode({"payload": data if isinstance(data, str) else json.dumps(data)}).encode()


def event(inner: Any, **outer: Any) -> bytes:
    body = {"token": "legacy", "team_id": TEAM, "api_app_id": "A1", "type": "event_callback", "event_id": "Ev1", "event": inner}
    body.update(outer)
    return json.dumps(body).encode()


COMMAND = {"team_id": TEAM, "user_id": "URITA", "user_name": "rita", "command": "/commit", "text": "20 calls every weekday",
           "trigger_id": "t.1", "response_url": "http://127.0.0.1:9/never"}
USER = {"id": "URITA", "name": "rita", "team_id": TEAM}
FORM_VIEW = {"id": "V9", "type": "modal", "callback_id": "form:commit"}
FORM_URLENCODED = "application/x-www-form-urlencoded"
JSON = "application/json"

MALFORMED: list[Any] = [
    pytest.param(form(**{k: v for k, v in COMMAND.items() if k != "user_id"}), FORM_URLENCODED, id="command_without_user_id"),
    pytest.param(form(**{k: v for k, v in COMMAND.items() if k != "team_id"}), FORM_URLENCODED, id="command_without_team"),
    pytest.param(form(**{**COMMAND, "user_id": ""}), FORM_URLENCODED, id="command_with_empty_user_id"),
    pytest.param(form(**{**COMMAND, "command": "/nope"}), FORM_URLENCODED, id="unknown_command"),
    pytest.param(form(text="hello"), FORM_URLENCODED, id="form_with_no_command_at_all"),
    pytest.param(json.dumps({**COMMAND, "command": 5}).encode(), JSON, id="command_not_a_string"),
    pytest.param(json.dumps({**COMMAND, "user_id": ["URITA"]}).encode(), JSON, id="user_id_a_list"),
    pytest.param(payload({"type": "block_actions", "team": {"id": TEAM}, "user": USER, "actions": []}), FORM_URLENCODED,
                 id="actions_empty"),
    pytest.param(payload({"type": "block_actions", "team": {"id": TEAM}, "user": USER}), FORM_URLENCODED, id="actions_missing"),
    pytest.param(payload({"type": "block_actions", "team": {"id": TEAM}, "actions": [
        {"type": "button", "action_id": "checkin:0", "value": "1:yes"}]}), FORM_URLENCODED, id="click_without_user"),
    pytest.param(payload({"type": "block_actions", "user": {"id": "URITA"}, "actions": [
        {"type": "button", "action_id": "checkin:0", "value": "1:yes"}]}), FORM_URLENCODED, id="click_without_team"),
    pytest.param(payload({"type": "block_actions", "team": {"id": TEAM}, "user": "URITA", "actions": [
        {"type": "button", "action_id": "checkin:0", "value": "1:yes"}]}), FORM_URLENCODED, id="click_user_is_a_string"),
    pytest.param(payload({"type": "block_actions", "team": {"id": TEAM}, "user": USER, "actions": [
        {"type": "button", "action_id": "form:0", "value": {"not": "a string"}}]}), FORM_URLENCODED, id="click_value_is_an_object"),
    pytest.param(payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER, "view": FORM_VIEW}), FORM_URLENCODED,
                 id="view_without_state"),
    pytest.param(payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER, "view": {**FORM_VIEW, "state": None}}),
                 FORM_URLENCODED, id="view_state_null"),
    pytest.param(payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER,
                          "view": {**FORM_VIEW, "state": {"values": ["not", "a", "dict"]}}}), FORM_URLENCODED, id="view_values_list"),
    pytest.param(payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER,
                          "view": {**FORM_VIEW, "state": {"values": {"text": "not a dict"}}}}), FORM_URLENCODED,
                 id="view_block_not_a_dict"),
    pytest.param(payload({"type": "view_submission", "team": {"id": TEAM}, "view": {**FORM_VIEW, "state": {"values": {}}}}),
                 FORM_URLENCODED, id="view_without_user"),
    pytest.param(payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER}), FORM_URLENCODED, id="view_missing"),
    pytest.param(payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER, "view": {"id": "V9", "state": {"values": {}}}}),
                 FORM_URLENCODED, id="view_without_callback_id"),
    pytest.param(payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER,
                          "view": {**FORM_VIEW, "callback_id": 7, "state": {"values": {}}}}), FORM_URLENCODED,
                 id="view_callback_id_a_number"),
    pytest.param(payload({"type": "block_actions", "team": {"id": TEAM}, "user": USER, "actions": [{"type": "button", "value": "1:yes"}]}),
                 FORM_URLENCODED, id="action_without_action_id"),
    pytest.param(payload({"type": "block_actions", "team": {"id": TEAM}, "user": USER,
                          "actions": [{"type": "button", "action_id": 7, "value": "1:yes"}]}), FORM_URLENCODED, id="action_id_a_number"),
    pytest.param(payload({"type": "block_actions", "team": {"id": TEAM}, "user": {"id": 7}, "actions": [
        {"type": "button", "action_id": "checkin:0", "value": "1:yes"}]}), FORM_URLENCODED, id="user_id_a_number"),
    pytest.param(json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": "Ev2",
                             "event": {"type": "message", "channel_type": "im", "user": {"id": "URITA"}, "text": "list"}}).encode(),
                 JSON, id="event_user_an_object_without_team"),
    pytest.param(json.dumps({"type": "event_callback", "team_id": TEAM, "event_id": "Ev3", "event": {"type": 5}}).encode(), JSON,
                 id="event_type_a_number"),
    pytest.param(json.dumps({"ssl_check": "1", "token": "legacy"}).encode(), JSON, id="ssl_check"),
    pytest.param(payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER,
                          "view": {**FORM_VIEW, "callback_id": "elsewhere", "state": {"values": {}}}}), FORM_URLENCODED,
                 id="view_of_another_app"),
    pytest.param(payload("{not json"), FORM_URLENCODED, id="payload_not_json"),
    pytest.param(payload(""), FORM_URLENCODED, id="payload_empty"),
    pytest.param(payload("[1, 2, 3]"), FORM_URLENCODED, id="payload_a_list"),
    pytest.param(payload("null"), FORM_URLENCODED, id="payload_null"),
    pytest.param(b"{not json", JSON, id="json_body_not_json"),
    pytest.param(b"[]", JSON, id="json_body_a_list"),
    pytest.param(b"", JSON, id="empty_body"),
    pytest.param(b"\xff\xfe\x00garbage", "application/octet-stream", id="binary_body"),
    pytest.param(event({"type": "reaction_added", "user": "URITA"}), JSON, id="unknown_event_type"),
    pytest.param(event({"type": "message", "channel_type": "im", "text": "list"}), JSON, id="message_without_user"),
    pytest.param(event({"type": "message", "channel_type": "im", "user": "URITA", "text": "list"}, team_id=""), JSON,
                 id="message_without_team"),
    pytest.param(event({"type": "message", "channel_type": "im", "user": "URITA", "text": ["list"]}), JSON,
                 id="message_text_a_list"),
    pytest.param(event({"type": "app_home_opened", "tab": "home"}), JSON, id="home_opened_without_user"),
    pytest.param(event({"type": "user_change", "user": "URITA"}), JSON, id="user_change_user_a_string"),
    pytest.param(event(None), JSON, id="event_null"),
    pytest.param(event("message"), JSON, id="event_a_string"),
    pytest.param(json.dumps({"type": "event_callback", "team_id": TEAM}).encode(), JSON, id="event_missing"),
    pytest.param(json.dumps({"type": "url_verification"}).encode(), JSON, id="url_verification_without_challenge"),
]


async def row_counts(slack: SlackHarness) -> dict[str, int]:
    """How many rows every table holds (Slack's own OAuth tables included)."""
    counts = {}
    async with slack.db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
    return counts


@pytest.mark.parametrize(("body", "content_type"), MALFORMED)
async def test_a_malformed_signed_request_is_answered_without_a_5xx_and_changes_nothing(
    slack: SlackHarness, body: bytes, content_type: str, caplog: pytest.LogCaptureFixture
) -> None:
    before = await row_counts(slack)
    with caplog.at_level(logging.WARNING):
        status, text = await slack.post(body, content_type)
    assert status < 500, (status, text)
    assert await row_counts(slack) == before
    crashed = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not crashed, [r.getMessage() for r in crashed]


@pytest.mark.parametrize("timestamp", ["²", "１７００", "-1", "1e9", " 12"])
async def test_a_timestamp_of_odd_digits_is_refused_not_a_5xx(slack: SlackHarness, timestamp: str) -> None:
    body = form(**COMMAND)
    headers = {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature(SECRET, timestamp, body)}
    status, _ = await slack.post(body, FORM_URLENCODED, sign=False, headers=headers)
    assert status == 401


async def test_a_form_the_bot_does_not_know_is_answered_and_saves_nothing(slack: SlackHarness) -> None:
    view = {**FORM_VIEW, "callback_id": "form:nope", "state": {"values": {"text": {"value": {"type": "plain_text_input", "value": "x"}}}}}
    status, _ = await slack.post(payload({"type": "view_submission", "team": {"id": TEAM}, "user": USER, "view": view}), FORM_URLENCODED)
    assert status == 200
    assert await slack.db.count(Commitment) == 0 and await slack.db.count(Terms) == 0
    (dm,) = slack.dms("URITA")
    assert "nothing was saved" in dm["text"]


async def test_a_command_whose_text_says_payload_is_still_read_as_a_command(slack: SlackHarness) -> None:
    """bolt's own body reader takes any form body containing "payload" for an interactivity
    payload, and then finds none: the command was answered 404."""
    status, _ = await slack.command("URITA", "/commit", "send the payload spec by Friday")
    assert status == 200
    assert "Logged #1: send the payload spec" in slack.last_reply()


@pytest.mark.parametrize("missing", ["user_id", "team_id"])
async def test_a_command_that_does_not_say_who_sent_it_is_answered_on_its_ack(slack: SlackHarness, missing: str) -> None:
    status, text = await slack.post(form(**{k: v for k, v in COMMAND.items() if k != missing}), FORM_URLENCODED)
    assert status == 200 and "didn't tell me who sent that command" in text and "Nothing was changed" in text


async def test_a_command_without_a_response_url_is_answered_in_a_dm(slack: SlackHarness) -> None:
    status, _ = await slack.post(form(**{k: v for k, v in COMMAND.items() if k != "response_url"}), FORM_URLENCODED)
    assert status == 200
    assert "Logged #1: 20 calls" in slack.dms("URITA")[-1]["text"]


async def test_a_lone_surrogate_in_a_message_is_kept_as_a_replacement_character(slack: SlackHarness) -> None:
    await slack.command("URITA", "/accountability", "help")  # met: a first message would be the greeting
    message = {"type": "message", "channel_type": "im", "user": "URITA", "channel": "DURITA", "text": "commit call \ud800 back daily"}
    status, _ = await slack.event(message, event_id="EvS")
    assert status == 200
    (saved,) = await slack.db.all(Commitment)
    assert saved.title == "call \ufffd back"


async def test_after_a_malformed_request_the_next_good_one_still_works(slack: SlackHarness) -> None:
    await slack.post(payload("{not json"), FORM_URLENCODED)
    await slack.post(form(**{k: v for k, v in COMMAND.items() if k != "user_id"}), FORM_URLENCODED)
    status, _ = await slack.command("URITA", "/commit", "20 calls every weekday")
    assert status == 200
    assert "Logged #1" in slack.last_reply()
