"""Malformed but authentic Teams activities into `POST /api/messages`: missing `from` or
`conversation`, a `value` that is no card submit, a submit the bot never drew, a huge text,
fields of the wrong type. Each is answered 2xx or 4xx, never 5xx; those that don't say who
acted or what they did change nothing."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from handlers import commitments
from storage.models import Base, Commitment
from tests.teams.harness import GOOD_TERMS, TeamsWorld, User, onboard

MONA = User("29:mona", "Mona Berg")
Change = Callable[[dict[str, Any]], None]


def without(*keys: str) -> Change:
    def change(body: dict[str, Any]) -> None:
        for key in keys:
            body.pop(key, None)
    return change


def setting(**fields: Any) -> Change:
    def change(body: dict[str, Any]) -> None:
        body.update({("from" if k == "from_" else k): v for k, v in fields.items()})
    return change


UNREADABLE: list[Any] = [
    pytest.param(without("from"), id="no_from"),
    pytest.param(setting(from_={}), id="from_without_id"),
    pytest.param(setting(from_={"id": ""}), id="from_with_empty_id"),
    pytest.param(setting(from_="29:mona"), id="from_a_string"),
    pytest.param(setting(from_=["29:mona"]), id="from_a_list"),
    pytest.param(without("conversation"), id="no_conversation"),
    pytest.param(setting(conversation={}), id="conversation_without_id"),
    pytest.param(setting(conversation="a:chat"), id="conversation_a_string"),
    pytest.param(without("serviceUrl"), id="no_service_url"),
    pytest.param(setting(serviceUrl=""), id="empty_service_url"),
    pytest.param(setting(value=["ft", "click"]), id="value_a_list"),
    pytest.param(setting(value="click"), id="value_a_string"),
    pytest.param(setting(value=42), id="value_a_number"),
    pytest.param(setting(value={"ft": "nope", "action": "checkin", "value": "1:yes"}), id="submit_with_unknown_ft"),
    pytest.param(setting(value={"action": "checkin", "value": "1:yes"}), id="submit_without_ft"),
    pytest.param(setting(value={"ft": "click", "action": ["checkin"], "value": "1:yes"}), id="click_action_a_list"),
    pytest.param(setting(value={"ft": "form", "form": {"id": "terms"}}), id="form_id_an_object"),
    pytest.param(setting(value={}), id="value_empty"),
    pytest.param(setting(text=None), id="no_text"),
    pytest.param(setting(text="   "), id="blank_text"),
    pytest.param(setting(type="typing"), id="typing_activity"),
    pytest.param(setting(type="invoke", name="adaptiveCard/action", value={"action": {"type": "Action.Execute"}}), id="unknown_invoke"),
    pytest.param(setting(type="conversationUpdate", membersAdded="everyone"), id="members_added_a_string"),
    pytest.param(setting(entities="clientInfo", text=""), id="entities_a_string"),
    pytest.param(setting(entities=[{"type": "mention", "mentioned": "29:dana", "text": "<at>Dana</at>"}], text=""),
                 id="mention_of_a_string"),
]

ANSWERED: list[Any] = [
    pytest.param(setting(channelData=["tenant"]), id="channel_data_a_list"),
    pytest.param(setting(text="x" * 100_000), id="huge_text"),
    pytest.param(setting(text="commit " + "on " * 30_000), id="huge_commit"),
    pytest.param(setting(text="\ud800 hello \udfff"), id="lone_surrogates"),
    pytest.param(setting(text=5), id="text_a_number"),
    pytest.param(setting(text="list", entities=[{"type": "mention", "mentioned": {"id": 7}, "text": 7}]), id="mention_fields_numbers"),
    pytest.param(setting(text="list", entities=[{"type": "clientInfo", "timezone": ["Europe/Berlin"]}]), id="timezone_a_list"),
    pytest.param(setting(value={"ft": "click", "action": "checkin", "value": {"id": 1}}), id="click_value_an_object"),
    pytest.param(setting(value={"ft": "click", "action": "checkin", "value": "²:yes"}), id="click_on_checkin_²"),
    pytest.param(setting(value={"ft": "form", "form": "nope", "text": "x"}), id="submit_of_an_unknown_form"),
    pytest.param(setting(value={"ft": "form", "form": "commit", "text": ["a", {"b": 1}]}), id="commit_form_text_a_list"),
    pytest.param(setting(value={"ft": "form", "form": "terms", **GOOD_TERMS, "days": "²,١"}), id="terms_form_odd_digits"),
    pytest.param(setting(value={"ft": "form", "form": "terms", **GOOD_TERMS, "days": {"0": True}}), id="terms_form_days_object"),
]


async def row_counts(world: TeamsWorld) -> dict[str, int]:
    counts = {}
    async with world.db.sessions() as session:
        for table in Base.metadata.sorted_tables:
            counts[table.name] = int(await session.scalar(select(func.count()).select_from(table)) or 0)
    return counts


async def post(world: TeamsWorld, change: Change) -> int:
    body = world.activity(MONA, text="list")
    change(body)
    return await world.post(json.loads(json.dumps(body)))


@pytest.mark.parametrize("change", UNREADABLE)
async def test_an_activity_that_does_not_say_who_or_what_is_refused_or_ignored_and_changes_nothing(
    world: TeamsWorld, change: Change, caplog: pytest.LogCaptureFixture
) -> None:
    before = await row_counts(world)
    with caplog.at_level(logging.WARNING):
        status = await post(world, change)
    assert status < 500, status
    after = await row_counts(world)
    # Where the activity still says who sent it and where, their conversation reference is kept
    # (that is how the bot reaches them later); nothing else is written.
    after["conversation_ref"] = before["conversation_ref"]
    assert after == before
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], [r.getMessage() for r in caplog.records]


@pytest.mark.parametrize("newcomer", [True, False], ids=["first_contact", "onboarded"])
@pytest.mark.parametrize("change", ANSWERED)
async def test_an_odd_activity_from_someone_is_answered_never_a_5xx(world: TeamsWorld, change: Change, newcomer: bool) -> None:
    if not newcomer:
        await onboard(world, MONA)
    mark = len(world.connector.calls)
    status = await post(world, change)
    assert status in (200, 201), status
    replies = [c for c in world.connector.since(mark) if c.method in ("POST", "PUT")]
    assert replies, "the person got no answer"
    assert all(c.status < 300 for c in replies)
    assert await world.db.count(Commitment) == 0


async def test_a_lone_surrogate_in_a_message_is_kept_as_a_replacement_character(world: TeamsWorld) -> None:
    await onboard(world, MONA)
    await world.say(MONA, "commit call \ud800 back every day")
    (saved,) = await world.db.all(Commitment)
    assert saved.title == "call \ufffd back"


async def test_a_body_that_is_not_an_activity_is_refused(world: TeamsWorld) -> None:
    bodies: list[Any] = [[], "activity", None, {"type": ["message"]}, {"type": 5}, {"type": "message", "from": 7}]
    for body in bodies:
        status = await world.post(body)
        assert 400 <= status < 500, (body, status)
    async with world.http.post(f"{world.url}/api/messages", data=b"{not json", headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400
    async with world.http.post(f"{world.url}/api/messages", data=b"\xff\xfe", headers={"Content-Type": "application/json"}) as r:
        assert r.status == 400


async def test_a_bug_in_the_core_is_answered_with_an_error_id_not_a_500(world: TeamsWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in the core")

    await onboard(world, MONA)
    monkeypatch.setattr(commitments, "create", broken)
    calls = await world.say(MONA, "commit 20 calls every weekday")  # asserts a 2xx answer
    said = " ".join(json.dumps(c.body) for c in calls if c.method == "POST")
    assert re.search(r"tell your admin this code: [0-9a-f]{8}", said), said
    assert await world.db.count(Commitment) == 0
