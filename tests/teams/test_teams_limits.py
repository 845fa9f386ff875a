"""Teams' message size limit (about 28 KB), through the real server and the fake connector,
which refuses a bigger activity with 413 as Teams does: a check-in too big for one card
arrives as several cards, in order, each answerable and edited in place; edits that need
fewer or more cards; a failed send takes back its first cards; and the card splitting itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from bot.teams import adapter as teams_adapter
from bot.teams.adapter import SentRef, card_activity
from bot.teams.cards import CARD_BYTES, CONTINUED, message_card, message_cards, size
from handlers.commitments import MAX_OPEN
from handlers.contract.messages import Address, Button, Message, Section
from handlers.contract.ports import Rejected
from storage.models import CheckIn, Outbox
from tests.teams.fake_connector import MAX_ACTIVITY_BYTES, Call, walk
from tests.teams.harness import TENANT_A, TeamsWorld, User

YUI = User("29:yui", "Yui Tanaka", tz="Asia/Tokyo")
YUI_ADDRESS = Address("teams", TENANT_A, YUI.id)
MONDAY_1630_TOKYO = datetime(2026, 11, 23, 7, 30, tzinfo=UTC)


def title(n: int) -> str:
    """A commitment in Japanese: escaped in JSON, each character takes 6 bytes."""
    return f"顧客{n:02d}に更新の件で電話する：" + "提案書と見積書と契約書の内容を確認し、担当者と次の打ち合わせ日程を決める。" * 4


def answerable(count: int) -> Message:
    rows = tuple(
        Section(f"#{n} {title(n)}", (Button("Yes", "checkin", f"{n}:yes", "primary"), Button("No", "checkin", f"{n}:no", "danger")))
        for n in range(1, count + 1)
    )
    return Message(sections=(Section("Time to check in."), *rows), summary="Time to check in.")


def now_reads(world: TeamsWorld, conversation: str, activity_id: str) -> Call:
    """An activity as it reads now in the fake connector (after any edits)."""
    return Call("GET", "", conversation, activity_id, world.connector.activities[(conversation, activity_id)], 200)


def data_of(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [block["data"] for card in cards for block in walk(card) if block.get("type") == "Action.Submit"]


def texts_of(cards: list[dict[str, Any]]) -> list[str]:
    return [block["text"] for card in cards for block in walk(card) if block.get("type") == "TextBlock"]


async def test_a_checkin_too_big_for_one_card_arrives_as_cards_each_answerable(world: TeamsWorld) -> None:
    await world.install(YUI)
    for n in range(1, MAX_OPEN + 1):
        (reply,) = await world.say(YUI, f"commit {title(n)} every weekday")
        assert f"Logged #{n}" in reply.text
    (reply,) = await world.say(YUI, "commit one more thing every weekday")
    assert f"already have {MAX_OPEN} open commitments" in reply.text and "Nothing was saved" in reply.text

    before = len(world.connector.posts(YUI.conversation))
    await world.tick(MONDAY_1630_TOKYO)
    first, second = world.connector.posts(YUI.conversation)[before:]
    assert sum(size(c.card) for c in (first, second)) > MAX_ACTIVITY_BYTES, "one card could not have carried it"
    assert all(title(n) in first.text + second.text for n in range(1, MAX_OPEN + 1))
    assert [a["title"] for a in first.actions + second.actions] == ["Yes", "No"] * MAX_OPEN
    assert first.body["summary"].endswith("(1/2)") and second.body["summary"].endswith("(2/2)")
    (row,) = await world.db.all(Outbox, Outbox.message_key.like("prompt:%"))
    assert json.loads(row.platform_ref or "")["activity_ids"] == [first.answered_id, second.answered_id]

    # Yes on the last commitment (on the second card), No on the first (on the first card).
    last = len(second.actions) // 2 - 1
    calls = await world.submit(YUI, second, second.action("Yes", last)["data"])
    assert {c.activity_id for c in calls if c.method == "PUT"} == {first.answered_id, second.answered_id}
    calls = await world.submit(YUI, first, first.action("No", 0)["data"])
    assert {c.activity_id for c in calls if c.method == "PUT"} == {first.answered_id, second.answered_id}
    replies = world.connector.posts(YUI.conversation)[before + 2:]
    assert replies and not any(a["data"]["action"] == "checkin" for c in replies for a in c.actions), "no new check-in card"

    card_one = now_reads(world, YUI.conversation, str(first.answered_id))
    card_two = now_reads(world, YUI.conversation, str(second.answered_id))
    assert f"#1 {title(1)} (weekdays): ❌ No" in card_one.texts
    assert f"#{MAX_OPEN} {title(MAX_OPEN)} (weekdays): ✅ Yes" in card_two.texts
    assert len(card_one.actions + card_two.actions) == 2 * (MAX_OPEN - 2)
    assert sorted(c.status for c in await world.db.all(CheckIn)).count("pending") == MAX_OPEN - 2


async def test_the_fake_connector_refuses_an_activity_over_the_limit_and_the_outbox_hears_rejected(
    world: TeamsWorld, monkeypatch: pytest.MonkeyPatch,
) -> None:
    await world.install(YUI)
    giant = Message.text("\n".join(title(n) for n in range(60)))

    def unsplit(message: Message, at_least: int = 1) -> list[Any]:
        return [card_activity(message_card(message))]

    with monkeypatch.context() as patch:
        patch.setattr(teams_adapter, "message_activities", unsplit)
        with pytest.raises(Rejected):
            await world.platform.adapter.send(YUI_ADDRESS, giant)
    assert world.connector.calls[-1].status == 413

    ref = await world.platform.adapter.send(YUI_ADDRESS, giant)
    posted = world.connector.posts(YUI.conversation)[-len(SentRef.load(ref).activity_ids):]
    assert len(posted) > 1 and "\n".join(c.text for c in posted) == giant.plain_text


async def test_edits_that_need_fewer_or_more_cards_and_old_references(world: TeamsWorld) -> None:
    await world.install(YUI)
    chat = world.platform.adapter
    ref = await chat.send(YUI_ADDRESS, answerable(40))
    ids = SentRef.load(ref).activity_ids
    assert len(ids) == 3

    await chat.update(YUI_ADDRESS, ref, Message.text("All answered."))
    assert [now_reads(world, YUI.conversation, i).texts for i in ids] == [["All answered."], [CONTINUED], [CONTINUED]]

    posts_before = len(world.connector.posts(YUI.conversation))
    await chat.update(YUI_ADDRESS, ref, answerable(60))
    extra = world.connector.posts(YUI.conversation)[posts_before:]
    shown = [now_reads(world, YUI.conversation, i).card or {} for i in ids] + [c.card or {} for c in extra]
    assert len(extra) >= 1 and data_of(shown) == [{"ft": "click", "action": b.action, "value": b.value} for b in answerable(60).buttons]

    old = json.dumps({"conversation_id": YUI.conversation, "activity_id": ids[0], "service_url": world.connector.url})
    await chat.update(YUI_ADDRESS, old, Message.text("Edited through a reference from before the split."))
    assert now_reads(world, YUI.conversation, ids[0]).texts == ["Edited through a reference from before the split."]


async def test_a_send_that_fails_part_way_takes_back_its_first_cards(world: TeamsWorld) -> None:
    await world.install(YUI)
    world.connector.fail(YUI.conversation, 400, code="BadArgument", after=1)
    with pytest.raises(Rejected):
        await world.platform.adapter.send(YUI_ADDRESS, answerable(40))
    deleted = [c for c in world.connector.calls if c.method == "DELETE"]
    assert len(deleted) == 1 and deleted[0].status == 200
    assert not any("Time to check in" in json.dumps(a) for a in world.connector.activities.values())


def test_cards_keep_within_the_budget_and_lose_nothing() -> None:
    message = answerable(70)
    cards = message_cards(message)
    assert len(cards) > 2 and all(size(card) <= CARD_BYTES for card in cards)
    assert texts_of(cards) == [s.text for s in message.sections]
    assert data_of(cards) == [{"ft": "click", "action": b.action, "value": b.value} for b in message.buttons]
    assert len(message_cards(answerable(3), at_least=3)) == 3

    many = tuple(Button(f"B{n}", "pick", str(n)) for n in range(14))
    long_text = "\n".join(title(n) for n in range(200))
    cards = message_cards(Message(sections=(Section(long_text, many),)))
    assert all(size(card) <= CARD_BYTES for card in cards)
    assert "\n".join(texts_of(cards)) == long_text
    assert [len(b["actions"]) for card in cards for b in walk(card) if b.get("type") == "ActionSet"] == [6, 6, 2]
