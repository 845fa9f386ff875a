"""A rep's first week in Teams, driven by Bot Framework activities POSTed to `/api/messages`
of the real server, with the scheduler's jobs and the outbox run in between. What the
people see is read from the calls the fake connector recorded."""

from __future__ import annotations

import json

from sqlalchemy import select

from handlers.terms_form import TERMS_FORM
from storage.models import (
    CheckIn,
    Commitment,
    ConversationRef,
    ManagerLink,
    Outbox,
    Person,
    Terms,
)
from tests.teams.harness import (
    BOT_ID,
    GOOD_TERMS,
    MONDAY_1630,
    TeamsWorld,
    User,
    onboard,
    open_terms_form,
)

MONA = User("29:mona", "Mona Berg")
DANA = User("29:dana", "Dana Lee")
NILS = User("29:nils", "Nils Ek")
async def test_install_greets_and_saves_where_to_reach_the_person(world: TeamsWorld) -> None:
    calls = await world.install(MONA)

    welcome, form = calls
    assert form.conversation_id == MONA.conversation and form.action("Save my terms")["data"] == {"ft": "form", "form": "terms"}
    assert "How can I be your accountability partner" in json.dumps(form.body)
    assert welcome.method == "POST" and welcome.conversation_id == MONA.conversation
    assert welcome.body["attachments"][0]["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert welcome.texts[0].startswith("Hi Mona Berg! I'm Follow-Through.")
    assert "Two questions first" in welcome.text and "weekdays at 16:30" in welcome.text
    assert welcome.action("Answer the two questions")["data"] == {"ft": "click", "action": "form", "value": "terms"}
    (ref,) = await world.db.all(ConversationRef)
    assert (ref.platform, ref.workspace_id, ref.user_id) == ("teams", "tenant-aaaa", MONA.id)
    assert ref.conversation_id == MONA.conversation and ref.service_url == world.connector.url
    saved = json.loads(ref.reference_json)
    assert saved["bot"]["id"] == BOT_ID and saved["conversation"]["tenantID"] == "tenant-aaaa"
    (person,) = await world.db.all(Person)
    assert person.display_name == "Mona Berg" and person.greeted  # the install event has no name: looked up
    (lookup,) = [c for c in world.connector.calls if c.method == "GET"]
    assert lookup.path == f"/v3/conversations/{MONA.conversation}/members/{MONA.id}"


async def test_install_greets_without_a_name_when_teams_cannot_tell_it(world: TeamsWorld) -> None:
    body = world.activity(MONA, type="conversationUpdate", membersAdded=[{"id": BOT_ID}])
    body["from"] = {"id": MONA.id}
    calls = await world.send(body)
    posts = [c for c in calls if c.method == "POST"]
    assert posts[0].texts[0].startswith("Hi there! I'm Follow-Through.")


async def test_the_two_questions_card_shows_errors_on_the_card_then_saves(world: TeamsWorld) -> None:
    form = await open_terms_form(world, MONA)
    inputs = form.inputs()
    assert form.texts[0] == TERMS_FORM.title
    assert inputs["days"]["type"] == "Input.ChoiceSet" and inputs["days"]["isMultiSelect"] is True
    assert inputs["days"]["style"] == "expanded" and inputs["days"]["value"] == "0,1,2,3,4"
    assert inputs["tone"]["style"] == "compact" and inputs["tone"]["value"] == "encouraging"
    assert inputs["time"] == {**inputs["time"], "type": "Input.Time", "value": "16:30"}
    assert inputs["support_words"]["type"] == "Input.Text" and inputs["support_words"]["isMultiline"] is True
    assert {"title": "Never", "value": "never"} in inputs["threshold"]["choices"]
    save = form.action("Save my terms")["data"]
    assert save == {"ft": "form", "form": "terms"}

    typed = {**GOOD_TERMS, "days": "", "time": "teatime", "support_words": "Be kind but firm."}
    calls = await world.submit(MONA, form, save, **typed)

    (shown,) = calls
    assert shown.method == "PUT" and shown.activity_id == form.answered_id  # the same card, in place
    texts = shown.texts
    assert "Pick at least one day, so I know when to check in." in texts
    assert "Give a time like 16:30 or 5pm." in texts
    again = shown.inputs()
    assert again["support_words"]["value"] == "Be kind but firm."  # what she typed is still there
    assert again["time"]["value"] == "teatime" and "value" not in again["days"]
    assert again["tone"]["value"] == "straight"
    body = shown.card["body"]  # type: ignore[index]
    days_at = next(i for i, b in enumerate(body) if b.get("id") == "days")
    assert body[days_at + 1]["text"] == "Pick at least one day, so I know when to check in."  # under its field
    assert await world.db.count(Terms) == 0

    calls = await world.submit(MONA, shown, save, **GOOD_TERMS)
    assert len(calls) == 1 and calls[0].method == "POST"
    assert "Your terms (version 1)" in calls[0].text and "weekdays at 16:30 your time, with straight talk" in calls[0].text
    (terms,) = await world.db.all(Terms)
    assert (terms.tone, terms.escalate_after, terms.checkin_time) == ("straight", 1, "16:30")
    assert terms.support_words == "Straight talk, no lectures."


async def test_a_week_in_teams_commit_checkin_yes_no_and_the_manager_hears_the_exception(world: TeamsWorld) -> None:
    await onboard(world, MONA)
    await world.install(DANA)
    await world.install(NILS)

    (reply,) = await world.say(MONA, "commit 20 calls every weekday")
    assert reply.text.startswith("Logged #1: 20 calls")
    (reply,) = await world.say(MONA, "commit update CRM daily")
    assert reply.text.startswith("Logged #2: update CRM")
    (reply,) = await world.say(MONA, "manager <at>Dana Lee</at>", DANA)
    assert reply.text.startswith("Dana Lee is now your accountability partner")
    people = {p.user_id: p.id for p in await world.db.all(Person)}
    saved = [(c.person_id, c.seq, c.title, c.cadence, c.status) for c in await world.db.all(Commitment, order_by=Commitment.seq)]
    assert saved == [
        (people[MONA.id], 1, "20 calls", "days:0,1,2,3,4", "active"),
        (people[MONA.id], 2, "update CRM", "days:0,1,2,3,4,5,6", "active"),
    ]
    (link,) = await world.db.all(ManagerLink)
    assert (link.rep_id, link.manager_id, link.status) == (people[MONA.id], people[DANA.id], "active")
    await world.drain()
    link_notice = world.connector.last_post(DANA.conversation)
    assert link_notice.texts[0].startswith("Mona Berg named you as their accountability partner")
    assert [a["title"] for a in link_notice.actions] == ["Decline"]
    (listing,) = await world.say(MONA, "list")
    assert "#1 20 calls" in listing.text and "#2 update CRM" in listing.text

    before = len(world.connector.posts(MONA.conversation))
    await world.tick(MONDAY_1630)
    posts = world.connector.posts(MONA.conversation)
    assert len(posts) == before + 1
    card = posts[-1]
    assert card.body.get("summary", "").startswith("Mona Berg, check-in time")
    assert "#1 20 calls" in card.text and "#2 update CRM" in card.text
    checkins = await world.db.all(CheckIn, order_by=CheckIn.id)
    assert [a["title"] for a in card.actions] == ["Yes", "No", "Yes", "No"]
    assert card.actions[0]["data"] == {"ft": "click", "action": "checkin", "value": f"{checkins[0].id}:yes"}
    await world.tick(MONDAY_1630)  # a second tick at the same instant sends nothing new
    assert len(world.connector.posts(MONA.conversation)) == before + 1

    # Someone else submits Mona's button: told off, nothing changes, Mona's card untouched.
    calls = await world.submit(NILS, card, card.action("Yes", 0)["data"])
    assert [c.conversation_id for c in calls] == [NILS.conversation]
    assert "belongs to someone else" in calls[0].text
    assert world.connector.puts(MONA.conversation) == []
    assert {c.status for c in await world.db.all(CheckIn)} == {"pending"}

    # Yes on #1: the card is replaced in place, #1 shows the answer and #2 still asks.
    calls = await world.submit(MONA, card, card.action("Yes", 0)["data"])
    put = [c for c in calls if c.method == "PUT"]
    assert len(put) == 1 and put[0].activity_id == card.answered_id and put[0].conversation_id == MONA.conversation
    assert put[0].texts[1:] == ["#1 20 calls (weekdays): ✅ Yes", "#2 update CRM (every day)"]
    assert [a["title"] for a in put[0].actions] == ["Yes", "No"]
    assert any(c.method == "POST" and "Done: “20 calls" in c.text for c in calls)
    assert [c.status for c in await world.db.all(CheckIn, order_by=CheckIn.id)] == ["yes", "pending"]

    # No on #2 (the rep's terms: tell the manager after 1 miss): card replaced, manager told.
    calls = await world.submit(MONA, card, card.action("No", 1)["data"])
    put = [c for c in calls if c.method == "PUT"]
    assert len(put) == 1 and put[0].activity_id == card.answered_id
    assert "✅ Yes" in put[0].text and "❌ No" in put[0].text and put[0].actions == []
    assert [c.status for c in await world.db.all(CheckIn, order_by=CheckIn.id)] == ["yes", "no"]
    before_dana = len(world.connector.posts(DANA.conversation))
    await world.drain()
    dana_posts = world.connector.posts(DANA.conversation)
    assert len(dana_posts) == before_dana + 1
    exception = dana_posts[-1].text
    assert "Mona Berg has missed “update CRM" in exception and "1 time in a row" in exception
    assert "How Mona Berg wants to be followed up: “Tell Dana after one miss.”" in exception
    assert "Coaching prompt" in exception
    nils_heard = [c.text for c in world.connector.posts(NILS.conversation)]
    assert len(nils_heard) == 3 and not any("update CRM" in text for text in nils_heard)  # welcome, the form, told off

    # The old card clicked again: answered harmlessly, nothing replaced, nothing recorded twice.
    mark = len(world.connector.calls)
    calls = await world.submit(MONA, card, card.action("Yes", 0)["data"])
    assert [c.method for c in calls] == ["POST"]
    assert "Already recorded for “20 calls" in calls[0].text and "Nothing changed" in calls[0].text
    statuses = sorted(c.status for c in await world.db.all(CheckIn))
    assert statuses == ["no", "yes"]
    assert all(c.method != "PUT" for c in world.connector.since(mark))


async def test_a_button_from_an_older_version_answers_harmlessly(world: TeamsWorld) -> None:
    welcome, form = await world.install(MONA)
    # The cards' real buttons, as an older version of the bot drew them: an action and a form that no longer exist.
    retired_click = {**welcome.action("Answer the two questions")["data"], "action": "retired-feature", "value": "7"}
    calls = await world.submit(MONA, welcome, retired_click)
    assert "older version of me" in calls[0].text
    retired_form = {**form.action("Save my terms")["data"], "form": "retired-form", "x": "1"}
    calls = await world.submit(MONA, form, retired_form)
    assert "That form is from an older version of me" in calls[0].text
    assert await world.db.count(Terms) == 0


async def test_commands_as_messages(world: TeamsWorld) -> None:
    await onboard(world, MONA)
    (reply,) = await world.say(MONA, "help")
    assert "commit" in reply.text
    (form,) = await world.say(MONA, "terms")
    assert form.texts[0] == TERMS_FORM.title and form.inputs()["tone"]["value"] == "straight"
    await world.say(MONA, "commit 2 demos every week")
    assert [(c.seq, c.title, c.status) for c in await world.db.all(Commitment)] == [(1, "2 demos", "active")]
    (reply,) = await world.say(MONA, "done 1")
    assert "#1" in reply.text or "2 demos" in reply.text
    assert [(c.seq, c.title, c.status) for c in await world.db.all(Commitment)] == [(1, "2 demos", "done")]
    (reply,) = await world.say(MONA, "pause until 2026-12-24")
    assert reply.text.startswith("Paused through Thu 24 Dec 2026")
    async with world.db.sessions() as s:
        person = await s.scalar(select(Person).where(Person.user_id == MONA.id))
        assert person is not None and str(person.paused_until) == "2026-12-24" and person.tz == "Europe/Berlin"
    (reply,) = await world.say(MONA, "manager")
    assert "Who? Name them with a mention" in reply.text


async def test_the_bot_mentioned_in_the_text_is_ignored(world: TeamsWorld) -> None:
    await onboard(world, MONA)
    bot = User(BOT_ID, "Follow-Through")
    (reply,) = await world.say(MONA, "<at>Follow-Through</at> commit 20 calls every weekday", bot)
    assert reply.text.startswith("Logged #1: 20 calls")
    (commitment,) = await world.db.all(Commitment)
    assert commitment.text == "20 calls every weekday"


async def test_a_repeated_delivery_is_handled_once(world: TeamsWorld) -> None:
    await onboard(world, MONA)
    body = world.activity(MONA, text="commit 20 calls every weekday")
    first = await world.send(body)
    again = await world.send(body)
    assert len(first) == 1 and again == []
    assert await world.db.count(Commitment) == 1
    assert await world.db.count(Outbox) == 0
