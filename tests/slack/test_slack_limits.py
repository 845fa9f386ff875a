"""Slack's limits, and how the bot keeps within them without losing anything: the fake
Slack refuses what Slack refuses; a neutral message is rendered as Slack messages of at most
50 blocks with sections of at most 3,000 characters; the outbox adapter posts them in order
under one reference and edits them in place; replies past a `response_url`'s 5 uses go to
the DM; views keep within 100 blocks."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack import blocks as bk
from bot.slack.adapter import SlackChat, message_ref, read_ref
from bot.slack.renderer import RESPONSE_URL_USES, SlackRenderer
from bot.slack.web import Directory, make_client
from handlers.contract.messages import Address, Button, Message, Section
from handlers.contract.outcomes import OpenForm
from handlers.contract.ports import Rejected
from handlers.forms import KNOWN_FORMS
from tests.slack.fake_slack import FakeSlack
from tests.slack.fake_slack_parts import MESSAGE_BLOCKS, SECTION_TEXT

TOKEN, TEAM = "xoxb-limits", "T1"
RITA = Address("slack", TEAM, "URITA")


def answerable(count: int, text: str = "commitment") -> Message:
    """A check-in-like message: a header, then `count` sections with Yes / No."""
    rows = tuple(
        Section(f"#{n} {text} {n}", (Button("Yes", "ci", f"{n}:yes", "primary"), Button("No", "ci", f"{n}:no", "danger")))
        for n in range(1, count + 1)
    )
    return Message(sections=(Section("Time to check in."), *rows), summary="Time to check in.")


def texts(parts: list[list[dict[str, Any]]]) -> list[str]:
    return [b["text"]["text"] for part in parts for b in part if b["type"] == "section"]


def values(parts: list[list[dict[str, Any]]]) -> list[str]:
    return [e["value"] for part in parts for b in part if b["type"] == "actions" for e in b["elements"]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    server.add_user(TEAM, "URITA", "Rita")
    server.tokens[TOKEN] = TEAM
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
async def client(fake: FakeSlack) -> AsyncIterator[AsyncWebClient]:
    web = make_client(fake.api_url, TOKEN, retries=0)
    yield web
    if web.session is not None:
        await web.session.close()


def directory(client: AsyncWebClient) -> Directory:
    async def token_for(team_id: str) -> str | None:
        return TOKEN

    return Directory(client, token_for)


def chat(client: AsyncWebClient) -> SlackChat:
    return SlackChat(client, directory(client), workspace_rate=10.0, channel_rate=0.0)


# -- the fake holds the app to Slack's limits ----------------------------------------------

@pytest.mark.parametrize(("blocks", "text", "error"), [
    ([{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}] * (MESSAGE_BLOCKS + 1), "hi", "invalid_blocks"),
    ([{"type": "section", "text": {"type": "mrkdwn", "text": "x" * (SECTION_TEXT + 1)}}], "hi", "invalid_blocks"),
    ([{"type": "section", "text": {"type": "mrkdwn", "text": "x"}}], "x" * 40_001, "msg_too_long"),
])
async def test_the_fake_refuses_what_slack_refuses(
    fake: FakeSlack, client: AsyncWebClient, blocks: list[dict[str, Any]], text: str, error: str,
) -> None:
    with pytest.raises(SlackApiError) as raised:
        await client.chat_postMessage(channel="DURITA", blocks=blocks, text=text)
    assert raised.value.response["error"] == error
    answer = await AsyncRespond(response_url=fake.response_url("r"))(blocks=blocks, text=text)
    assert answer.status_code == 400 and answer.body == error
    assert fake.calls_to("chat.postMessage") == [] and fake.calls_to("response_url") == []


# -- rendering -----------------------------------------------------------------------------

@given(st.text(alphabet=st.sampled_from("ab \n😀é"), max_size=9000), st.integers(min_value=5, max_value=3000))
def test_split_text_keeps_every_piece_within_the_limit_and_loses_nothing(text: str, limit: int) -> None:
    pieces = bk.split_text(text, limit)
    assert all(0 < bk.slack_length(piece) <= limit and piece.strip() for piece in pieces)
    assert re.sub(r"\s", "", "".join(pieces)) == re.sub(r"\s", "", text)


def test_long_text_is_cut_after_lines_where_it_can_be() -> None:
    lines = [f"• Rep{n:02d}: missed 2 in a row. " + "words " * 40 for n in range(40)]
    pieces = bk.split_text("\n".join(lines))
    assert len(pieces) > 1 and all(len(p) <= SECTION_TEXT for p in pieces)
    assert "\n".join(pieces) == "\n".join(lines)


def test_a_message_of_many_answerable_sections_becomes_several_slack_messages_losing_nothing() -> None:
    message = answerable(80)
    parts = bk.messages(message)
    assert len(parts) == 4 and all(len(part) <= MESSAGE_BLOCKS for part in parts)
    assert texts(parts) == [s.text for s in message.sections]
    assert values(parts) == [b.value for b in message.buttons]
    for part in parts:  # a section's buttons are in the same message as its text
        assert part[0]["type"] == "section" and part[-1]["type"] == "actions"


def test_a_huge_section_and_many_buttons_are_split_too() -> None:
    many = tuple(Button(f"B{n}", "pick", str(n)) for n in range(60))
    message = Message(sections=(Section("\n".join(f"line {n} " + "x" * 90 for n in range(2000)), many),))
    parts = bk.messages(message)
    assert all(len(part) <= MESSAGE_BLOCKS for part in parts)
    assert all(len(b["elements"]) <= 25 for part in parts for b in part if b["type"] == "actions")
    assert "\n".join(texts(parts)) == message.sections[0].text
    assert values(parts) == [str(n) for n in range(60)]
    ids = [e["action_id"] for part in parts for b in part if b["type"] == "actions" for e in b["elements"]]
    assert len(set(ids)) == 60 and {bk.neutral_action(i) for i in ids} == {"pick"}


def test_an_edit_keeps_the_split_it_was_sent_with_when_it_shrinks() -> None:
    sent = bk.messages(answerable(25))
    assert [len(p) for p in sent] == [49, 2]
    answered = Message(sections=(Section("Time to check in."), Section("#1 done"), *answerable(25).sections[2:25], Section("#25 done")))
    assert len(bk.messages(answered)) == 1
    again = bk.messages(answered, at_least=2)
    assert texts(again[1:]) == ["#25 done"] and texts(again)[:2] == ["Time to check in.", "#1 done"]


def test_views_keep_within_100_blocks() -> None:
    home = bk.home_view(answerable(30))["blocks"]
    assert len(home) <= 100 and sum(b["type"] == "actions" for b in home) == 30
    huge = bk.home_view(answerable(120))["blocks"]
    assert len(huge) == 100 and "/accountability" in huge[-1]["elements"][0]["text"]
    form = KNOWN_FORMS["commit"]
    long_intro = OpenForm(type(form)(**{**form.__dict__, "intro": "Read this. " * 800}))
    assert all(len(b["text"]["text"]) <= SECTION_TEXT for b in bk.modal(long_intro)["blocks"] if b["type"] == "section")


# -- the outbox adapter --------------------------------------------------------------------

async def test_a_big_message_is_posted_in_order_under_one_reference(fake: FakeSlack, client: AsyncWebClient) -> None:
    message = answerable(60)
    ref = await chat(client).send(RITA, message)

    posted = fake.calls_to("chat.postMessage")
    assert len(posted) == 3
    channel, stamps = read_ref(ref)
    assert channel == "DURITA" and list(stamps) == [c.response["ts"] for c in posted]
    assert values([c.params["blocks"] for c in posted]) == [b.value for b in message.buttons]
    assert [c.params["text"] for c in posted] == [f"Time to check in. ({n}/3)" for n in (1, 2, 3)]


async def test_an_edit_that_needs_fewer_messages_says_continued_and_one_that_needs_more_posts_them(
    fake: FakeSlack, client: AsyncWebClient,
) -> None:
    adapter = chat(client)
    ref = await adapter.send(RITA, answerable(60))
    channel, stamps = read_ref(ref)

    await adapter.update(RITA, ref, Message.text("All answered."))
    now = [fake.messages[(channel, ts)] for ts in stamps]
    assert texts([now[0]["blocks"]]) == ["All answered."]
    assert [m["text"] for m in now[1:]] == [bk.CONTINUED, bk.CONTINUED]

    await adapter.update(RITA, ref, answerable(100))
    assert len(fake.calls_to("chat.postMessage")) == 3 + 2  # two more than the reference names
    shown = [fake.messages[(channel, ts)]["blocks"] for ts in stamps] + [c.params["blocks"] for c in fake.calls_to("chat.postMessage")[3:]]
    assert values(shown) == [b.value for b in answerable(100).buttons]


async def test_a_reference_from_before_the_split_still_edits_its_message(fake: FakeSlack, client: AsyncWebClient) -> None:
    posted = await client.chat_postMessage(channel="DURITA", text="old", blocks=bk.blocks(answerable(3)))
    old_ref = json.dumps({"channel": "DURITA", "ts": posted["ts"]})
    assert read_ref(old_ref) == ("DURITA", (posted["ts"],))

    await chat(client).update(RITA, old_ref, answerable(30))
    assert fake.calls_to("chat.update")[-1].params["ts"] == posted["ts"]
    assert len(fake.calls_to("chat.postMessage")) == 2  # the part that no longer fits
    assert message_ref("D1", ["1.1"]) == json.dumps({"channel": "D1", "ts": ["1.1"]})


async def test_a_send_that_fails_part_way_takes_back_what_it_posted(fake: FakeSlack, client: AsyncWebClient) -> None:
    fake.refuse("chat.postMessage", "invalid_arguments", after=1)
    with pytest.raises(Rejected):
        await chat(client).send(RITA, answerable(60))
    assert len(fake.calls_to("chat.postMessage")) == 1 and len(fake.calls_to("chat.delete")) == 1
    assert fake.messages == {}, "nothing is left for the retry to repeat"


# -- replies to the person who acted ------------------------------------------------------

async def test_a_long_reply_uses_the_response_url_five_times_then_the_dm(fake: FakeSlack, client: AsyncWebClient) -> None:
    respond = AsyncRespond(response_url=fake.response_url("cmd"))
    renderer = SlackRenderer(client, directory(client), RITA, trigger_id=None, respond=respond)
    message = answerable(170)  # 341 blocks: 7 Slack messages

    await renderer.reply(message)

    replies, dms = fake.calls_to("response_url"), fake.calls_to("chat.postMessage")
    assert (len(replies), len(dms)) == (RESPONSE_URL_USES, 2)
    assert all(c.params["response_type"] == "ephemeral" for c in replies)
    shown = [c.params["blocks"] for c in replies + dms]
    assert texts(shown) == [s.text for s in message.sections]
    assert values(shown) == [b.value for b in message.buttons]
