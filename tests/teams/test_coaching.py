"""Coaching in Teams, through Bot Framework activities POSTed to the real server: the session
record as an Adaptive Card (opened by "Logged a session" and by `coach @rep`), its actions
proposed to the rep, accepted, edited and checked in on; and a practice request answered with
a file attached in the chat, rated and noted."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.buttons import LogSession, encode
from storage.coaching_models import CoachingSession, PracticeRequest
from storage.models import CheckIn, Commitment, Person
from tests.teams.harness import TeamsWorld, User, onboard

MONA = User("29:mona", "Mona Berg")
DANA = User("29:dana", "Dana Lee")
NILS = User("29:nils", "Nils Ek")


async def linked(world: TeamsWorld) -> dict[str, int]:
    await onboard(world, MONA)
    await world.install(DANA)
    await world.install(NILS)
    await world.say(MONA, "manager <at>Dana Lee</at>", DANA)
    await world.drain()
    return {p.user_id: p.id for p in await world.db.all(Person)}


async def test_session_card_proposals_accept_edit_and_checkin(world: TeamsWorld) -> None:
    people = await linked(world)
    (refused,) = await world.say(NILS, "coach <at>Mona Berg</at>", MONA)
    assert "Only Mona Berg's accountability partner can coach them" in refused.text

    # "Logged a session" (as an escalation carries it) opens the record for that rep.
    action, value = encode(LogSession(people[MONA.id]))
    (form,) = await world.send(world.activity(DANA, value={"ft": "click", "action": action, "value": value}))
    inputs = form.inputs()
    assert inputs["rep"]["value"] == str(people[MONA.id])
    assert list(inputs) == ["rep", "topic", "evidence", "buyer_view", "loss_reasons", "rep_plan", "actions"]
    save = form.action("Save and send")["data"]
    typed = {
        "rep": str(people[MONA.id]), "topic": "Nordwind pilot", "evidence": "Their IT lead booked the security review.",
        "buyer_view": "Yes, if the pilot shows time saved.", "loss_reasons": "Budget freeze, no champion, timing.",
        "rep_plan": "Mona wants to line up the champion first.",
    }
    (shown,) = await world.submit(DANA, form, save, **typed, actions="call the champion by Thursday\nsoon-ish maybe")
    assert "Line 2" in shown.text and await world.db.count(CoachingSession) == 0 and await world.db.count(Commitment) == 0
    kept = shown.inputs()  # shown again with what was typed, the rep still chosen
    assert kept["rep"]["value"] in [c["value"] for c in kept["rep"]["choices"]] and kept["topic"]["value"] == "Nordwind pilot"

    calls = await world.submit(DANA, form, save, **typed, actions="call the champion by Thursday\nsend the pilot plan by Wednesday")
    assert "sent to Mona Berg to accept" in calls[-1].text and "Budget freeze" in calls[-1].text
    (session,) = await world.db.all(CoachingSession)
    assert [(c.status, c.session_id) for c in await world.db.all(Commitment)] == [("proposed", session.id)] * 2

    await world.drain()
    record = world.connector.last_post(MONA.conversation)
    assert "Dana Lee logged your coaching session" in record.text and "Nordwind pilot" in record.text
    assert [a["title"] for a in record.actions] == ["Accept", "Decline", "Accept", "Decline"]
    (accepted,) = await world.submit(MONA, record, record.action("Accept", 0)["data"])
    assert "Accepted: #1 call the champion" in accepted.text
    (declined,) = await world.submit(MONA, record, record.action("Decline", 1)["data"])
    assert "Declined" in declined.text
    (edited,) = await world.say(MONA, "edit 1 call the champion by Wednesday")
    assert "Updated #1 call the champion" in edited.text
    assert [c.status for c in await world.db.all(Commitment, order_by=Commitment.seq)] == ["active", "dropped"]

    # Wednesday 16:30 in Berlin: the accepted action is asked about; the declined one never is.
    await world.tick(datetime(2026, 11, 25, 15, 30, tzinfo=UTC))
    checkin = world.connector.last_post(MONA.conversation)
    assert "call the champion" in checkin.text and "pilot plan" not in checkin.text
    assert [c.commitment_id for c in await world.db.all(CheckIn)] == [next(c.id for c in await world.db.all(Commitment) if c.seq == 1)]

    (sessions,) = await world.say(DANA, "sessions <at>Mona Berg</at>", MONA)
    assert "Nordwind pilot" in sessions.text and "#1 call the champion" in sessions.text and "(accepted)" in sessions.text


async def test_practice_answered_with_a_teams_attachment_then_rated_and_noted(world: TeamsWorld) -> None:
    await linked(world)
    (asked,) = await world.say(DANA, "practice <at>Mona Berg</at> handling the too expensive objection", MONA)
    assert "Asked Mona Berg to practise: handling the too expensive objection" in asked.text
    await world.drain()
    request = world.connector.last_post(MONA.conversation)
    assert "Dana Lee asked you to practise" in request.text

    form, hint = await world.submit(MONA, request, request.action("Answer")["data"])
    assert form.action("Send") and "share a recording or file" in hint.text
    attachment = {
        "contentType": "application/vnd.microsoft.teams.file.download.info",
        "contentUrl": "https://contoso.sharepoint.com/personal/mona/Documents/Applications/objection.m4a",
        "name": "objection.m4a",
        "content": {"downloadUrl": "https://contoso.sharepoint.com/download/objection.m4a", "uniqueId": "1150D938", "fileType": "m4a"},
    }
    html_copy = {"contentType": "text/html", "content": "<div></div>"}  # Teams' copy of the text: not a file
    (thanks,) = await world.send(world.activity(MONA, text="", attachments=[html_copy, attachment]))
    assert "Sent to Dana Lee" in thanks.text
    (practice,) = await world.db.all(PracticeRequest)
    assert (practice.status, practice.response_file_name, practice.response_text) == ("answered", "objection.m4a", None)
    assert practice.response_file_url == attachment["contentUrl"]

    await world.drain()
    told = world.connector.last_post(DANA.conversation)
    assert "Mona Berg practised" in told.text and "objection.m4a" in told.text
    assert [a["title"] for a in told.actions] == ["1", "2", "3", "4", "5", "Add a note"]
    (refused,) = await world.submit(NILS, told, told.action("3")["data"])
    assert "isn't yours to give feedback on" in refused.text
    await world.submit(DANA, told, told.action("3")["data"])
    note_form, = await world.submit(DANA, told, told.action("Add a note")["data"])
    calls = await world.submit(DANA, note_form, note_form.action("Send feedback")["data"],
                               practice=str(practice.id), rating="4", note="Calm and clear. Ask one more question first.")
    assert "Updated your feedback" in calls[-1].text
    await world.drain()
    heard = [c.text for c in world.connector.posts(MONA.conversation)[-2:]]
    assert "3/5" in heard[0] and "4/5" in heard[1] and "Ask one more question first." in heard[1]
