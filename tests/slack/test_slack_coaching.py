"""Coaching in Slack, through signed HTTP into the real server: a manager records a coaching
session in a modal, its actions go to the rep as proposals, the rep accepts (and edits one)
and is checked in on them; and microcoaching: a practice request, answered with a file shared
in the bot's DM, rated in one click and with a note."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from storage.coaching_models import CoachingSession, PracticeRequest
from storage.models import CheckIn, Commitment, Person
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SlackHarness
from tests.slack.test_slack_flows import button


def session_values(actions: str, topic: str = "Acme renewal", rep: str = "") -> dict[str, Any]:
    """A filled-in coaching-session modal's `state.values`, as Slack sends it."""
    def text(value: str) -> dict[str, Any]:
        return {"value": {"type": "plain_text_input", "value": value}}

    return {
        "rep": {"value": {"type": "static_select", "selected_option": {"value": rep}}},
        "topic": text(topic),
        "evidence": text("Their CFO asked for the pricing sheet twice."),
        "buyer_view": text("Only if the rollout risk is handled."),
        "loss_reasons": text("Price, timing, a competitor's pilot."),
        "rep_plan": text("Rita proposes a call with the CFO and a reference customer."),
        "actions": text(actions),
    }


async def link(slack: SlackHarness) -> dict[str, int]:
    await slack.command("URITA", "/accountability", "manager <@UMGR|dana>")
    await slack.drain()
    return {p.user_id: p.id for p in await slack.db.all(Person)}


async def test_a_session_becomes_proposals_the_rep_accepts_edits_and_is_checked_in_on(slack: SlackHarness) -> None:
    people = await link(slack)

    # Someone who isn't Rita's partner gets a clear reply and no form.
    await slack.command("USTRANGER", "/accountability", "coach <@URITA|rita>")
    assert "Only Rita's accountability partner can coach them" in slack.last_reply()
    assert not slack.fake.calls_to("views.open")

    await slack.command("UMGR", "/accountability", "coach <@URITA|rita>")
    (opened,) = slack.fake.calls_to("views.open")
    view: dict[str, Any] = opened.params["view"]
    assert view["callback_id"] == "form:session"
    labels = [b["label"]["text"] for b in view["blocks"] if b["type"] == "input"]
    assert labels == [
        "Coaching session with", "Topic or deal", "How do we know?", "If I were the customer, would I buy?",
        "If we lost this, what would be the top three reasons?", "What does the rep propose?", "Actions agreed",
    ]
    chosen = next(b for b in view["blocks"] if b.get("block_id") == "rep")["element"]["initial_option"]["value"]
    assert chosen == str(people["URITA"])

    # A line that can't be read: an error on the actions field, nothing saved.
    status, body = await slack.submit("UMGR", view, session_values("call the CFO by Friday\nbe better", rep=chosen))
    answer = json.loads(body)
    assert status == 200 and answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"actions"} and "Line 2" in answer["errors"]["actions"]
    assert await slack.db.count(CoachingSession) == 0 and await slack.db.count(Commitment) == 0

    status, body = await slack.submit("UMGR", view, session_values("call the CFO by Friday\n2 demos every week\nupdate CRM daily", rep=chosen))
    assert status == 200 and body == ""
    (session,) = await slack.db.all(CoachingSession)
    assert (session.rep_id, session.manager_id, session.topic) == (people["URITA"], people["UMGR"], "Acme renewal")
    assert session.loss_reasons == "Price, timing, a competitor's pilot."
    proposed = await slack.db.all(Commitment)
    assert [(c.title, c.status, c.session_id, c.proposed_by_id) for c in proposed] == [
        ("call the CFO", "proposed", session.id, people["UMGR"]), ("2 demos", "proposed", session.id, people["UMGR"]),
        ("update CRM", "proposed", session.id, people["UMGR"]),
    ]
    await slack.drain()
    confirmation = slack.dms("UMGR")[-1]["text"]
    assert "sent to Rita to accept" in confirmation and "How do we know? Their CFO asked" in confirmation

    record = slack.dms("URITA")[-1]
    assert "Dana logged your coaching session" in record["text"] and "top three reasons? Price, timing" in record["text"]
    first, second = button(record["blocks"], "Accept", 0), button(record["blocks"], "Accept", 1)

    # A stranger's click on Rita's proposal changes nothing.
    await slack.click("USTRANGER", first["action_id"], first["value"], ts=record["ts"], channel=record["channel"])
    assert "isn't yours to answer" in slack.last_reply()
    assert [c.status for c in await slack.db.all(Commitment)] == ["proposed"] * 3

    # Nothing is asked about before Rita accepts: "update CRM daily" would be due on Monday.
    await slack.tick(datetime(2026, 11, 23, 21, 35, tzinfo=UTC))
    assert await slack.db.count(CheckIn) == 0

    await slack.click("URITA", first["action_id"], first["value"], ts=record["ts"], channel=record["channel"])
    assert "Accepted: #1 call the CFO" in slack.last_reply()
    await slack.click("URITA", second["action_id"], second["value"], ts=record["ts"], channel=record["channel"])
    decline = button(record["blocks"], "Decline", 2)
    await slack.click("URITA", decline["action_id"], decline["value"], ts=record["ts"], channel=record["channel"])
    assert "Declined: “update CRM”" in slack.last_reply()
    await slack.command("URITA", "/accountability", "edit 2 3 demos every week")
    assert "Updated #2 3 demos" in slack.last_reply()

    await slack.command("URITA", "/accountability", "")
    page = slack.last_reply()
    assert "Coaching sessions:" in page and "Acme renewal" in page and "#1 call the CFO" in page
    home = FakeSlack.blocks_text(slack.fake.calls_to("views.publish")[-1])
    assert "Coaching sessions:" in home and "#2 3 demos: every week (accepted)" in home

    # Friday 16:30 in New York: both accepted actions are asked about like any other commitment.
    await slack.tick(datetime(2026, 11, 27, 21, 35, tzinfo=UTC))
    checkin = slack.dms("URITA")[-1]
    assert "check-in" in checkin["text"] and "call the CFO" in checkin["text"] and "3 demos" in checkin["text"]
    button(checkin["blocks"], "Yes")
    asked = {c.commitment_id for c in await slack.db.all(CheckIn)}
    assert asked == {c.id for c in proposed[:2]} and "update CRM" not in checkin["text"]


def file_share(user: str, name: str) -> dict[str, Any]:
    """A `message` event of subtype `file_share` in the bot's DM, as Slack sends it."""
    return {
        "type": "message", "subtype": "file_share", "channel_type": "im", "user": user, "channel": "D" + user,
        "text": "", "ts": "1700000001.000100", "upload": True, "display_as_bot": False,
        "files": [{
            "id": "F0PITCH", "name": name, "title": name, "mimetype": "audio/mp4", "filetype": "m4a",
            "user": user, "mode": "hosted", "is_external": False,
            "url_private": f"https://files.slack.com/files-pri/T1-F0PITCH/{name}",
            "permalink": f"https://acme.slack.com/files/{user}/F0PITCH/{name}",
        }],
    }


async def test_practice_answered_with_a_shared_file_then_rated_and_noted(slack: SlackHarness) -> None:
    await link(slack)
    await slack.command("USTRANGER", "/accountability", 'practice <@URITA|rita> handling the "too expensive" objection')
    assert "Only Rita's accountability partner can ask them to practise" in slack.last_reply()

    await slack.command("UMGR", "/accountability", 'practice <@URITA|rita> handling the "too expensive" objection')
    assert "Asked Rita to practise: handling the" in slack.last_reply() and "too expensive" in slack.last_reply()
    await slack.drain()
    request = slack.dms("URITA")[-1]
    assert "Dana asked you to practise" in request["text"]
    answer = button(request["blocks"], "Answer")

    await slack.click("URITA", answer["action_id"], answer["value"], ts=request["ts"], channel=request["channel"])
    form = slack.fake.calls_to("views.open")[-1].params["view"]
    assert form["callback_id"] == "form:practice"
    # An empty answer in the form is refused on the field.
    empty = {"practice": {"value": {"type": "static_select", "selected_option": {"value": answer["value"].split(":")[0]}}},
             "answer": {"value": {"type": "plain_text_input", "value": "  "}}}
    status, body = await slack.submit("URITA", form, empty)
    assert json.loads(body)["response_action"] == "errors"

    # The bot's own file in the DM (an export, say) is no one's answer.
    own = {
        "token": "legacy", "team_id": "T1", "api_app_id": "A1", "type": "event_callback", "event_id": "Ev-own",
        "event_time": 1, "event": file_share("UBOT", "export.json"),
        "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
    }
    people_before = await slack.db.count(Person)
    assert (await slack.post(json.dumps(own).encode(), "application/json"))[0] == 200
    assert await slack.db.count(Person) == people_before
    assert [p.status for p in await slack.db.all(PracticeRequest)] == ["requested"]

    await slack.event(file_share("URITA", "pitch.m4a"), event_id="Ev-file")
    (practice,) = await slack.db.all(PracticeRequest)
    assert (practice.status, practice.response_file_name) == ("answered", "pitch.m4a")
    assert practice.response_file_url == "https://acme.slack.com/files/URITA/F0PITCH/pitch.m4a"
    await slack.drain()
    told = slack.dms("UMGR")[-1]
    assert "Rita practised" in told["text"] and "pitch.m4a: https://acme.slack.com/files/URITA/F0PITCH/pitch.m4a" in told["text"]

    four = button(told["blocks"], "4")
    await slack.click("USTRANGER", four["action_id"], four["value"], ts=told["ts"], channel=told["channel"])
    assert "isn't yours to give feedback on" in slack.last_reply()
    await slack.click("UMGR", four["action_id"], four["value"], ts=told["ts"], channel=told["channel"])
    await slack.drain()
    assert "Dana sent you feedback on your practice" in slack.dms("URITA")[-1]["text"] and "4/5" in slack.dms("URITA")[-1]["text"]

    note = button(told["blocks"], "Add a note")
    await slack.click("UMGR", note["action_id"], note["value"], ts=told["ts"], channel=told["channel"])
    feedback = slack.fake.calls_to("views.open")[-1].params["view"]
    assert feedback["callback_id"] == "form:practice_feedback"
    values = {
        "practice": {"value": {"type": "static_select", "selected_option": {"value": str(practice.id)}}},
        "rating": {"value": {"type": "static_select", "selected_option": {"value": "5"}}},
        "note": {"value": {"type": "plain_text_input", "value": "Great pause before the price."}},
    }
    status, body = await slack.submit("UMGR", feedback, values)
    assert status == 200 and body == ""
    (practice,) = await slack.db.all(PracticeRequest)
    assert (practice.status, practice.rating, practice.feedback_note) == ("reviewed", 5, "Great pause before the price.")
    await slack.drain()
    last = slack.dms("URITA")[-1]["text"]
    assert "Dana updated their feedback" in last and "5/5" in last and "Great pause before the price." in last
