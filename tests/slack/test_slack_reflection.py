"""The reflection question the rep chose, in Slack: picked in the terms modal, asked after a
No on the check-in DM, and the answer typed in the DM kept with that check-in; the answers
kept private stay out of what the manager is told."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.models import CheckIn, Terms
from tests.slack.harness import SlackHarness
from tests.slack.test_slack_flows import button, onboard, terms_values


async def test_the_chosen_question_is_asked_after_a_no_and_the_answer_kept(slack: SlackHarness) -> None:
    view = await onboard(slack)
    values = terms_values(threshold="1")
    values["reflection"] = {"value": {"type": "static_select", "selected_option": {"value": "learned"}}}
    values["share_reflections"] = {"value": {"type": "static_select", "selected_option": {"value": "private"}}}
    assert await slack.submit("URITA", view, values) == (200, "")
    (terms,) = await slack.db.all(Terms)
    assert (terms.reflection, terms.share_reflections) == ("learned", False)
    confirmation = slack.dms("URITA")[-1]["text"]
    assert "I ask what you learned from it" in confirmation and "your manager never sees them" in confirmation

    await slack.command("URITA", "/commit", "20 calls every weekday")
    await slack.command("URITA", "/accountability", "manager <@UMGR|dana>")
    await slack.tick(datetime(2026, 11, 23, 22, 0, tzinfo=UTC))  # Monday 17:00 in New York
    checkin = slack.dms("URITA")[-1]
    no = button(checkin["blocks"], "No")
    await slack.click("URITA", no["action_id"], no["value"], ts=checkin["ts"], channel=checkin["channel"])
    asked = slack.last_reply()
    assert "About “20 calls”: What did you learn from it? Be straight with yourself." in asked
    assert "What got in the way" not in asked

    await slack.event(
        {"type": "message", "channel_type": "im", "user": "URITA", "channel": "DURITA", "text": "Calls go better before 10.", "ts": "5.0"},
        event_id="Ev-reflection",
    )
    await slack.drain()
    assert [(c.status, c.note) for c in await slack.db.all(CheckIn)] == [("no", "Calls go better before 10.")]
    told = slack.dms("UMGR")[-1]["text"]
    assert "Rita has missed" in told and "Calls go better before 10." not in told, "Rita keeps her answers between us"
