"""Accountable follow-up in Slack, through signed HTTP into /slack/events and the fake Slack:
the escalation DM offers "I'll follow up" and "Logged a session"; three working days of the
manager's calendar later (Thanksgiving is not one of them) one reminder, never two; none when
the manager said they'll follow up; the rep's one click on the question afterwards is stored."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from storage.coaching_models import FollowUp
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SlackHarness
from tests.slack.test_slack_flows import button, onboard, terms_values

ESCALATED = datetime(2026, 11, 23, 22, 0, tzinfo=UTC)  # Monday 17:00 New York, 16:00 Chicago
THURSDAY_END = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)  # end of Thu 26 Nov in Chicago: Thanksgiving
FRIDAY_END = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)  # end of Fri 27 Nov: Tue, Wed, Fri


async def escalate(slack: SlackHarness) -> dict[str, Any]:
    """Rita (threshold 1) misses once and says why; Dana, on the US calendar, is told."""
    await slack.command("UMGR", "/accountability", "holidays US")
    view = await onboard(slack)
    await slack.submit("URITA", view, terms_values(threshold="1"))
    await slack.command("URITA", "/commit", "20 calls every weekday")
    await slack.command("URITA", "/accountability", "manager <@UMGR|dana>")
    await slack.tick(ESCALATED)
    checkin = slack.dms("URITA")[-1]
    no = button(checkin["blocks"], "No")
    await slack.click("URITA", no["action_id"], no["value"], ts=checkin["ts"], channel=checkin["channel"])
    await slack.event({"type": "message", "channel_type": "im", "user": "URITA", "channel": "DURITA", "text": "Demo prep ate the day.", "ts": "5.0"}, event_id="Ev-why")
    await slack.drain()
    escalation = slack.dms("UMGR")[-1]
    assert "Rita has missed" in escalation["text"] and "Demo prep ate the day." in escalation["text"]
    return escalation


def reminders(slack: SlackHarness) -> list[dict[str, Any]]:
    return [dm for dm in slack.dms("UMGR") if "gentle reminder" in dm["text"]]


async def test_one_reminder_after_three_working_days_of_the_managers_calendar(slack: SlackHarness) -> None:
    escalation = await escalate(slack)
    assert [e["text"]["text"] for b in escalation["blocks"] if b["type"] == "actions" for e in b["elements"]] == [
        "I'll follow up", "Logged a session",
    ]
    (owed,) = await slack.db.all(FollowUp)
    assert owed.due_at == FRIDAY_END

    await slack.tick(THURSDAY_END)
    assert reminders(slack) == []
    await slack.tick(FRIDAY_END)
    await slack.tick(FRIDAY_END)
    await slack.tick(datetime(2026, 11, 30, 15, 0, tzinfo=UTC))
    (reminder,) = reminders(slack)
    assert "How Rita asked to be followed up: “Ask me what got in the way.”" in reminder["text"]
    assert (await slack.db.all(FollowUp))[0].reminded_at == FRIDAY_END

    # Dana answers from the reminder; Rita is asked a working day later and answers once.
    slack.clock.set(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))
    promise = button(reminder["blocks"], "I'll follow up")
    await slack.click("UMGR", promise["action_id"], promise["value"], ts=reminder["ts"], channel=reminder["channel"])
    assert "Noted that you'll follow up with Rita" in slack.last_reply()
    await slack.tick(datetime(2026, 12, 1, 16, 0, tzinfo=UTC))
    (question,) = [dm for dm in slack.dms("URITA") if "followed up on" in dm["text"]]
    assert "Dana followed up on “20 calls”. Was it the kind of follow-up you asked for (“Ask me what got in the way.”)?" in question["text"]
    stranger = button(question["blocks"], "Not quite")
    await slack.click("USTRANGER", stranger["action_id"], stranger["value"], ts=question["ts"], channel=question["channel"])
    assert "That question was for someone else" in slack.last_reply()
    it_was = button(question["blocks"], "It was")
    await slack.click("URITA", it_was["action_id"], it_was["value"], ts=question["ts"], channel=question["channel"])
    (owed,) = await slack.db.all(FollowUp)
    assert (owed.action, owed.verdict) == ("promised", "as_asked")
    edited = slack.fake.calls_to("chat.update")[-1]
    assert edited.params["ts"] == question["ts"] and "You said: it was the kind of follow-up you asked for." in FakeSlack.blocks_text(edited)


async def test_no_reminder_when_the_manager_said_they_will_follow_up(slack: SlackHarness) -> None:
    escalation = await escalate(slack)
    promise = button(escalation["blocks"], "I'll follow up")
    await slack.click("USTRANGER", promise["action_id"], promise["value"], ts=escalation["ts"], channel=escalation["channel"])
    assert "went to someone else" in slack.last_reply()
    slack.clock.set(datetime(2026, 11, 24, 15, 0, tzinfo=UTC))
    await slack.click("UMGR", promise["action_id"], promise["value"], ts=escalation["ts"], channel=escalation["channel"])
    assert "Noted that you'll follow up with Rita" in slack.last_reply()
    edited = slack.fake.calls_to("chat.update")[-1]
    assert edited.params["ts"] == escalation["ts"] and "✅ You said you'll follow up (Tue 24 Nov)." in FakeSlack.blocks_text(edited)
    await slack.click("UMGR", promise["action_id"], promise["value"], ts=escalation["ts"], channel=escalation["channel"])
    assert "Already noted" in slack.last_reply()

    await slack.tick(FRIDAY_END)
    await slack.tick(datetime(2026, 12, 2, 15, 0, tzinfo=UTC))
    assert reminders(slack) == []
    (owed,) = await slack.db.all(FollowUp)
    assert (owed.action, owed.acted_at, owed.reminded_at) == ("promised", datetime(2026, 11, 24, 15, 0, tzinfo=UTC), None)
