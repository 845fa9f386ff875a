"""The rep's data is the rep's, in Teams, through Bot Framework activities into the real server:
`export` offers the JSON file with a file consent card; accepting it (Teams' `fileConsent/invoke`
with an upload URL) makes the bot PUT the file there and post a file info card. `forget`
deletes every row about the rep after they confirm, their saved conversation included."""

from __future__ import annotations

import json
import secrets
from typing import Any

from handlers.contract.messages import Address, Attachment, Message
from storage.models import CheckIn, Commitment, ConversationRef, Notice, Person
from tests.my_data_checks import read_export, rows_referring_to
from tests.teams.fake_connector import Call
from tests.teams.harness import MONDAY_1630, TENANT_A, TeamsWorld, User, onboard

MONA = User("29:mona", "Mona Berg")
DANA = User("29:dana", "Dana Lee")
NILS = User("29:nils", "Nils Ek")
CONSENT = "application/vnd.microsoft.teams.card.file.consent"


async def mona_misses_once_and_says_why(world: TeamsWorld) -> None:
    """Mona (terms: tell Dana after one miss) commits, names Dana, answers No and says why;
    Nils names Mona as his accountability partner."""
    await onboard(world, MONA, after_miss="reflect")
    await world.install(DANA)
    await world.install(NILS)
    await world.say(MONA, "commit 20 calls every weekday")
    await world.say(MONA, "manager <at>Dana Lee</at>", DANA)
    await world.say(NILS, "manager <at>Mona Berg</at>", MONA)
    await world.drain()
    await world.tick(MONDAY_1630)
    card = world.connector.posts(MONA.conversation)[-1]
    await world.submit(MONA, card, card.action("No")["data"])
    await world.say(MONA, "Demo prep ate the afternoon.")
    await world.drain()
    assert "Mona Berg has missed" in world.connector.last_post(DANA.conversation).text


def consent_card(world: TeamsWorld) -> dict[str, Any]:
    found = [a for c in world.connector.posts(MONA.conversation) for a in c.body.get("attachments") or [] if a["contentType"] == CONSENT]
    assert len(found) == 1, found
    return found[0]


async def answer_consent(world: TeamsWorld, card: dict[str, Any], action: str) -> list[Call]:
    context = card["content"]["acceptContext" if action == "accept" else "declineContext"]
    value: dict[str, Any] = {"type": "fileUpload", "action": action, "context": context}
    if action == "accept":
        value["uploadInfo"] = world.connector.upload_info(card["name"])
    return await world.send(world.activity(MONA, type="invoke", name="fileConsent/invoke", value=value))


async def test_export_is_offered_with_consent_then_uploaded_and_shown_as_a_file(world: TeamsWorld) -> None:
    await mona_misses_once_and_says_why(world)

    (reply,) = await world.say(MONA, "export")
    assert "on its way to our direct messages" in reply.text
    await world.drain()
    card = consent_card(world)
    assert card["name"].startswith("follow-through-export-") and card["name"].endswith(".json")
    assert card["content"]["sizeInBytes"] > 0 and world.connector.files == {}

    calls = await answer_consent(world, card, "accept")

    data = read_export(world.connector.files[card["name"]])
    assert len(world.connector.files[card["name"]]) == card["content"]["sizeInBytes"]
    assert data["person"]["user_id"] == MONA.id and data["person"]["time_zone"] == "Europe/Berlin"
    (commitment,) = data["commitments"]
    assert [(c["answer"], c["note"]) for c in commitment["checkins"]] == [("no", "Demo prep ate the afternoon.")]
    (told,) = data["manager_notices"]
    assert told["told"] == "Dana Lee" and "Mona Berg has missed" in told["text"]
    assert [p["name"] for p in data["partner_of"]] == ["Nils Ek"]
    (shown,) = [c for c in calls if c.method == "POST" and c.conversation_id == MONA.conversation]
    (info,) = shown.body["attachments"]
    assert info["contentType"] == "application/vnd.microsoft.teams.card.file.info" and info["name"] == card["name"]
    assert info["contentUrl"] == world.connector.upload_info(card["name"])["contentUrl"]
    assert info["content"]["fileType"] == "json"
    assert world.connector.posts(DANA.conversation)[-1].text.startswith("Mona Berg has missed")  # nothing new for Dana


async def test_a_declined_file_is_never_uploaded(world: TeamsWorld) -> None:
    await onboard(world, MONA)
    await world.say(MONA, "export")
    await world.drain()
    calls = await answer_consent(world, consent_card(world), "decline")
    assert world.connector.files == {}
    assert [c.body.get("text") for c in calls if c.method == "POST"] == ["No problem: I didn't send the file. Ask again whenever you like."]


async def test_forget_after_confirm_leaves_no_row_and_tells_the_manager_one_line(world: TeamsWorld) -> None:
    await mona_misses_once_and_says_why(world)
    (mona,) = await world.db.all(Person, Person.user_id == MONA.id)
    assert await world.db.count(ConversationRef, ConversationRef.user_id == MONA.id) == 1
    dana_before, nils_before = len(world.connector.posts(DANA.conversation)), len(world.connector.posts(NILS.conversation))

    (question,) = await world.say(MONA, "forget")
    assert "forget you" in question.text and [a["title"] for a in question.actions] == ["Confirm", "Cancel"]
    (done,) = await world.submit(MONA, question, question.action("Confirm")["data"])
    assert "deleted everything I stored about you" in done.text
    await world.drain()

    assert await rows_referring_to(world.db.sessions, mona.id, MONA.id) == []
    dana_new = [c.text for c in world.connector.posts(DANA.conversation)[dana_before:]]
    assert dana_new == ["Mona Berg has left Follow-Through; they're no longer in your digest."]
    nils_new = [c.text for c in world.connector.posts(NILS.conversation)[nils_before:]]
    assert len(nils_new) == 1 and "Mona Berg, your accountability partner, has left" in nils_new[0]

    # The same Confirm again (a stale card): harmless; Mona is simply someone new now.
    (stale,) = await world.submit(MONA, question, question.action("Confirm")["data"])
    assert "nothing changed" in stale.text
    await world.drain()
    assert len(world.connector.posts(DANA.conversation)) == dana_before + 1
    assert await world.db.count(Commitment) == 0


async def test_cancel_keeps_everything(world: TeamsWorld) -> None:
    await mona_misses_once_and_says_why(world)
    before = [await world.db.count(m) for m in (Person, Commitment, CheckIn, Notice, ConversationRef)]
    (question,) = await world.say(MONA, "forget")
    (kept,) = await world.submit(MONA, question, question.action("Cancel")["data"])
    assert "kept everything" in kept.text
    await world.drain()
    assert [await world.db.count(m) for m in (Person, Commitment, CheckIn, Notice, ConversationRef)] == before
    assert before[:4] == [3, 1, 1, 1]
    (late,) = await world.submit(MONA, question, question.action("Confirm")["data"])
    assert "nothing changed" in late.text and await world.db.count(Commitment) == 1


async def test_a_file_too_big_for_a_consent_card_comes_as_text_in_cards(world: TeamsWorld) -> None:
    await world.install(MONA)
    content = json.dumps({"noise": secrets.token_hex(40_000)})  # 80 KB that gzip can't shrink below a card
    message = Message.text("Here is everything I've stored about you.")
    message = Message(message.sections, message.summary, Attachment("export.json", "application/json", content))
    mark = len(world.connector.calls)

    await world.platform.adapter.send(Address("teams", TENANT_A, MONA.id), message)

    posts = [c for c in world.connector.since(mark) if c.method == "POST"]
    assert all(c.status == 200 for c in posts) and len(posts) > 3  # each card within Teams' size limit
    assert not any(a["contentType"] == CONSENT for c in posts for a in c.body.get("attachments") or [])
    shown = "".join(c.text for c in posts[1:]).replace("\n", "")
    assert "export.json is too big to offer as a file here" in shown
    assert json.loads(shown[shown.index("{"):])["noise"] == json.loads(content)["noise"]
