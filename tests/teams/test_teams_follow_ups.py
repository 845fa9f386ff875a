"""Accountable follow-up in Teams, through Bot Framework activities into /api/messages and the
fake connector: the escalation card offers "I'll follow up" and "Logged a session"; one
reminder after three working days of the manager's calendar (her holiday skipped), never two;
none after "I'll follow up"; the rep's verdict is stored."""

from __future__ import annotations

from datetime import UTC, datetime

from storage.coaching_models import FollowUp
from tests.teams.fake_connector import Call
from tests.teams.harness import MONDAY_1630, TeamsWorld, User, onboard

MONA = User("29:mona", "Mona Berg")
DANA = User("29:dana", "Dana Lee")
NILS = User("29:nils", "Nils Ek")
THURSDAY_END = datetime(2026, 11, 26, 23, 0, tzinfo=UTC)  # end of Thu 26 Nov in Berlin: Thanksgiving on Dana's calendar
FRIDAY_END = datetime(2026, 11, 27, 23, 0, tzinfo=UTC)  # Tue, Wed, Fri


async def escalate(world: TeamsWorld) -> Call:
    """Mona (tell Dana after one miss) says No; Dana keeps the US holiday calendar."""
    await onboard(world, MONA)
    await world.install(DANA)
    await world.install(NILS)
    await world.say(DANA, "holidays US")
    await world.say(MONA, "commit 20 calls every weekday")
    await world.say(MONA, "manager <at>Dana Lee</at>", DANA)
    await world.tick(MONDAY_1630)
    card = world.connector.posts(MONA.conversation)[-1]
    await world.submit(MONA, card, card.action("No")["data"])
    await world.drain()
    escalation = world.connector.last_post(DANA.conversation)
    assert "Mona Berg has missed “20 calls" in escalation.text
    return escalation


def reminders(world: TeamsWorld) -> list[Call]:
    return [c for c in world.connector.posts(DANA.conversation) if "gentle reminder" in c.text]


async def test_one_reminder_after_three_working_days_and_the_reps_verdict(world: TeamsWorld) -> None:
    escalation = await escalate(world)
    assert [a["title"] for a in escalation.actions] == ["I'll follow up", "Logged a session"]
    (owed,) = await world.db.all(FollowUp)
    assert owed.due_at == FRIDAY_END

    await world.tick(THURSDAY_END)
    assert reminders(world) == []
    await world.tick(FRIDAY_END)
    await world.tick(FRIDAY_END)
    await world.tick(datetime(2026, 11, 30, 9, 0, tzinfo=UTC))
    (reminder,) = reminders(world)
    assert "How Mona Berg asked to be followed up: “Tell Dana after one miss.”" in reminder.text
    assert [a["title"] for a in reminder.actions] == ["I'll follow up", "Logged a session"]

    world.clock.set(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))
    calls = await world.submit(DANA, reminder, reminder.action("I'll follow up")["data"])
    assert any("Noted that you'll follow up with Mona Berg" in c.text for c in calls)
    await world.tick(datetime(2026, 12, 1, 10, 0, tzinfo=UTC))
    (question,) = [c for c in world.connector.posts(MONA.conversation) if "followed up on" in c.text]
    assert "Dana Lee followed up on “20 calls”" in question.text and "(“Tell Dana after one miss.”)" in question.text
    refused = await world.submit(NILS, question, question.action("It was")["data"])
    assert [c.conversation_id for c in refused] == [NILS.conversation] and "for someone else" in refused[0].text
    await world.submit(MONA, question, question.action("Not quite")["data"])
    (owed,) = await world.db.all(FollowUp)
    assert (owed.action, owed.reminded_at, owed.verdict) == ("promised", FRIDAY_END, "not_as_asked")


async def test_no_reminder_after_ill_follow_up(world: TeamsWorld) -> None:
    escalation = await escalate(world)
    world.clock.set(datetime(2026, 11, 24, 8, 0, tzinfo=UTC))
    calls = await world.submit(DANA, escalation, escalation.action("I'll follow up")["data"])
    put = [c for c in calls if c.method == "PUT"]
    assert len(put) == 1 and put[0].activity_id == escalation.answered_id
    assert "✅ You said you'll follow up (Tue 24 Nov)." in put[0].text
    again = await world.submit(DANA, escalation, escalation.action("I'll follow up")["data"])
    assert any("Already noted" in c.text for c in again)

    await world.tick(FRIDAY_END)
    await world.tick(datetime(2026, 12, 2, 9, 0, tzinfo=UTC))
    assert reminders(world) == []
    (owed,) = await world.db.all(FollowUp)
    assert (owed.action, owed.reminded_at) == ("promised", None)
