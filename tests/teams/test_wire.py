"""The connector's JSON built straight from our activities and the saved reference
(`bot.teams.wire`) is exactly what botbuilder builds: `Activity.serialize()` after
`TurnContext.apply_conversation_reference` (`bot.teams.proactive.addressed`)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botbuilder.schema import (
    Activity,
    ActivityTypes,
    Attachment,
    CardAction,
    ChannelAccount,
    ConversationAccount,
    ConversationReference,
    SuggestedActions,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.teams.adapter import card_activity, continued_card, message_activities
from bot.teams.files import file_activities
from bot.teams.proactive import addressed
from bot.teams.references import dump, load
from bot.teams.wire import activity_json, addressed_json, saved_reference
from handlers.contract.messages import Attachment as File
from handlers.contract.messages import Button, Message, Section

REFERENCES = {
    "plain": ConversationReference(
        bot=ChannelAccount(id="28:bot", name="Follow-Through"), user=ChannelAccount(id="29:mona", name="Mona Berg"),
        conversation=ConversationAccount(id="a:1", tenant_id="T1", conversation_type="personal"),
        channel_id="msteams", service_url="https://smba.trafficmanager.net/emea/",
    ),
    "everything": ConversationReference(
        activity_id="1700000000000",
        bot=ChannelAccount(id="28:bot", name="Follow-Through", role="bot"),
        user=ChannelAccount(id="29:mona", name="Mona Berg", aad_object_id="0000-aad", role="user", properties={"x": 1}),
        conversation=ConversationAccount(
            id="a:1", tenant_id="T1", conversation_type="personal", is_group=False, name="chat", properties={"y": [1, 2]},
        ),
        channel_id="msteams", service_url="https://smba.trafficmanager.net/amer/", locale="de-DE",
    ),
    "sparse": ConversationReference(conversation=ConversationAccount(id="a:2"), service_url="http://127.0.0.1:9/"),
}

BIG = Message(sections=tuple(Section(f"Line {n} " + "x" * 400, (Button("Yes", "checkin", f"{n}:yes"),)) for n in range(120)))
MESSAGES = {
    "check-in": Message(
        sections=(Section("Time to check in.", (Button("Yes", "checkin", "1:yes", "primary"), Button("No", "checkin", "1:no"))),),
        summary="Did you make your 20 calls?",
    ),
    "split": BIG,
    "file": Message(sections=(Section("Your data"),), summary="Export", attachment=File("data.json", "application/json", '{"a": 1}')),
    "quotes and unicode": Message.text('"Zoë" <b>&amp; \u2603 \U0001f600'),
}


def botbuilder_json(activity: Activity, reference: ConversationReference, activity_id: str | None = None) -> Any:
    copy = load(dump(reference))  # addressed() puts the reference's own objects into the activity
    return json.loads(json.dumps(addressed(activity, copy, activity_id).serialize()))


def ours(activity: Activity, reference: ConversationReference, activity_id: str | None = None) -> Any:
    return json.loads(json.dumps(addressed_json(activity, saved_reference(dump(reference)), activity_id)))


def activities(message: Message) -> list[Activity]:
    return [*message_activities(message), *file_activities(message)]


@pytest.mark.parametrize("reference", REFERENCES.values(), ids=list(REFERENCES))
@pytest.mark.parametrize("message", MESSAGES.values(), ids=list(MESSAGES))
def test_a_post_and_an_edit_are_what_botbuilder_sends(message: Message, reference: ConversationReference) -> None:
    built = activities(message)
    assert built, "the message makes at least one activity"
    for activity in built:
        assert ours(activity, reference) == botbuilder_json(activity, reference)
    for activity in activities(message):
        assert ours(activity, reference, "1:42") == botbuilder_json(activity, reference, "1:42")


def test_the_split_message_is_several_cards_each_the_same_as_botbuilders() -> None:
    built = message_activities(BIG)
    assert len(built) > 1
    reference = REFERENCES["everything"]
    bodies = [ours(activity, reference) for activity in message_activities(BIG)]
    assert bodies == [botbuilder_json(activity, reference) for activity in built]
    assert all(body["recipient"]["id"] == "29:mona" and "replyToId" not in body for body in bodies)


def test_an_activity_with_fields_we_never_set_goes_through_botbuilders_serializer() -> None:
    activity = Activity(
        type=ActivityTypes.message, text="hi", channel_data={"notification": {"alert": True}},
        suggested_actions=SuggestedActions(actions=[CardAction(type="imBack", title="Yes", value="yes")]),
        attachments=[Attachment(content_type="text/plain", content="x", name="a.txt", content_url="https://e/a")],
    )
    expected = activity.serialize()
    assert activity_json(activity) == expected
    assert expected["channelData"] == {"notification": {"alert": True}} and expected["suggestedActions"]["actions"]
    reference = REFERENCES["everything"]
    assert ours(activity, reference) == botbuilder_json(activity, reference)


def test_a_reference_saved_in_another_form_is_read_through_botbuilder() -> None:
    snake = json.dumps({
        "bot": {"id": "28:bot"}, "user": {"id": "29:mona", "aad_object_id": "aad"},
        "conversation": {"id": "a:1", "tenantId": "T1"}, "channel_id": "msteams", "service_url": "https://s/",
    })
    read = saved_reference(snake)
    assert read == load(snake).serialize()
    assert "service_url" not in read and "channel_id" not in read and read["bot"] == {"id": "28:bot"}, read
    card = card_activity(continued_card(), "summary")
    assert addressed_json(card, read) == addressed(card_activity(continued_card(), "summary"), load(snake)).serialize()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-10**6, 10**6) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=150, deadline=None)
@given(content=st.dictionaries(st.text(max_size=10), json_values, max_size=6), summary=st.text(max_size=30))
def test_any_card_content_is_written_as_botbuilder_writes_it(content: dict[str, Any], summary: str) -> None:
    activity = card_activity(content, summary)
    reference = REFERENCES["plain"]
    assert ours(activity, reference) == botbuilder_json(card_activity(content, summary), reference)


def test_our_activities_never_need_botbuilders_serializer(monkeypatch: pytest.MonkeyPatch) -> None:
    reference = REFERENCES["everything"]
    expected = [botbuilder_json(activity, reference) for message in MESSAGES.values() for activity in activities(message)]

    def refuse(self: Activity, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("msrest's serializer was used for one of our own activities")

    monkeypatch.setattr(Activity, "serialize", refuse)
    built = [ours(activity, reference) for message in MESSAGES.values() for activity in activities(message)]
    assert built == expected
