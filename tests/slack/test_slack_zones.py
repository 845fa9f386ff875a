"""Time zones through Slack: a zone Slack reports that this server doesn't know never locks
the person out (the last known one is kept and they are told), and a zone the rep sets
themselves wins over their Slack profile."""

from __future__ import annotations

from storage.models import Commitment, Person
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import TEAM, SlackHarness


async def _person(slack: SlackHarness, user: str) -> Person:
    (person,) = await slack.db.all(Person, Person.user_id == user)
    return person


async def test_an_unknown_slack_zone_keeps_working_and_says_so(slack: SlackHarness, fake_slack: FakeSlack) -> None:
    fake_slack.add_user(TEAM, "UODD", "Odd", "Mars/Olympus_Mons")

    status, _ = await slack.command("UODD", "/commit", "20 calls every weekday")
    await slack.settle()

    assert status == 200
    said = "\n".join(slack.replies())
    assert "Logged #1: 20 calls" in said and "“Mars/Olympus_Mons”, which I don't know, so I'm using UTC" in said
    person = await _person(slack, "UODD")
    assert person.tz == "UTC" and person.next_checkin_at is not None
    (commitment,) = await slack.db.all(Commitment)
    assert commitment.person_id == person.id


async def test_a_zone_the_rep_sets_wins_over_the_slack_profile(slack: SlackHarness) -> None:
    await slack.command("URITA", "/accountability", "timezone Europe/Berlin")
    await slack.settle()
    assert "Your time zone is now Europe/Berlin" in slack.last_reply()

    await slack.command("URITA", "/accountability", "list")  # Slack still says America/New_York
    await slack.settle()
    person = await _person(slack, "URITA")
    assert (person.tz, person.tz_chosen) == ("Europe/Berlin", True)
