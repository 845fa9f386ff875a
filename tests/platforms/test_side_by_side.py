"""A Slack workspace and a Teams tenant served by one process on one database: the same
user id on both, and their people, commitments, check-ins and managers never cross."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.teams.platform import TeamsPlatform
from handlers.contract.ports import FixedClock
from scheduler.dispatcher import Dispatcher
from scheduler.jobs import run_due
from storage.models import CheckIn, Commitment, ManagerLink, Person
from tests.slack.conftest import MONDAY_MORNING
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import TEAM, SlackHarness
from tests.teams.fake_connector import FakeConnector
from tests.teams.harness import TeamsWorld, User, onboard, start_site

SHARED_ID = "U-same-id"


@pytest.fixture
async def both(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[tuple[SlackHarness, TeamsWorld]]:
    connector = FakeConnector()
    runner, url = await start_site(connector.app())
    connector.url = url + "/"
    slack = SlackHarness(f"sqlite+aiosqlite:///{tmp_path}/both.db", fake_slack, FixedClock(MONDAY_MORNING), teams_enabled=True)
    await slack.start()
    platforms = [p for p in slack.ctx_platforms if isinstance(p, TeamsPlatform)]
    assert platforms, "Teams is served by the same process"
    teams = TeamsWorld(slack.db, slack.clock, connector, platforms[0], slack.url)
    try:
        yield slack, teams
    finally:
        await teams.http.close()
        await platforms[0].close()
        await slack.stop()
        await runner.cleanup()


async def test_a_slack_workspace_and_a_teams_tenant_never_cross(both: tuple[SlackHarness, TeamsWorld]) -> None:
    slack, teams = both
    slack.fake.add_user(TEAM, SHARED_ID, "Sally", "America/New_York")
    slack.fake.add_user(TEAM, "USMGR", "Sam", "America/New_York")
    tina = User(SHARED_ID, "Tina")
    tom = User("29:tom", "Tom")

    await slack.command(SHARED_ID, "/commit", "20 calls every weekday")
    await slack.command(SHARED_ID, "/accountability", "manager <@USMGR|sam>")
    await teams.install(tom)
    await onboard(teams, tina)
    await teams.say(tina, "commit send the deck by Friday")
    await teams.say(tina, "manager <at>Tom</at>", tom)

    people = {(p.platform, p.workspace_id, p.user_id): p for p in await slack.db.all(Person)}
    assert set(people) == {("slack", "T1", SHARED_ID), ("slack", "T1", "USMGR"), ("teams", "tenant-aaaa", SHARED_ID), ("teams", "tenant-aaaa", "29:tom")}
    sally, tina_row = people[("slack", "T1", SHARED_ID)], people[("teams", "tenant-aaaa", SHARED_ID)]
    commitments = {c.person_id: c.title for c in await slack.db.all(Commitment)}
    assert commitments == {sally.id: "20 calls", tina_row.id: "send the deck"}
    links = {(link.rep_id, link.manager_id) for link in await slack.db.all(ManagerLink)}
    assert links == {(sally.id, people[("slack", "T1", "USMGR")].id), (tina_row.id, people[("teams", "tenant-aaaa", "29:tom")].id)}

    # Sally's list in Slack shows only her commitment; Tina's in Teams only hers.
    await slack.command(SHARED_ID, "/accountability", "list")
    assert "20 calls" in slack.last_reply() and "deck" not in slack.last_reply()
    (listing,) = await teams.say(tina, "list")
    assert "send the deck" in listing.text and "20 calls" not in listing.text

    # One scheduler pass sends each check-in through its own platform only.
    at = datetime(2026, 11, 23, 21, 30, tzinfo=UTC)  # Monday 16:30 in New York
    slack.clock.set(at)
    await run_due(slack.db.store, at)
    adapters = {"slack": slack.platform.adapter, "teams": teams.platform.adapter}
    await Dispatcher(slack.db.store, adapters, slack.clock).drain(real_sleep=False)
    await slack.settle()
    slack_checkins = [d["text"] for d in slack.dms(SHARED_ID) if "check-in" in d["text"]]
    debug = [d["text"][:120] for d in slack.dms(SHARED_ID)] + [str((p.user_id, p.next_checkin_at, p.tz)) for p in await slack.db.all(Person)]
    assert len(slack_checkins) == 1, debug
    assert "20 calls" in slack_checkins[0] and "deck" not in slack_checkins[0]
    teams_posts = [c for c in teams.connector.posts(tina.conversation) if "check-in" in str(c.body.get("summary"))]
    assert teams_posts == [], "Tina's one-off is due Friday, and Sally's check-in never goes to Teams"
    assert all("20 calls" not in str(c.body) for c in teams.connector.calls)
    checkins = {c.commitment_id for c in await slack.db.all(CheckIn)}
    assert {c.id for c in await slack.db.all(Commitment, Commitment.person_id == sally.id)} <= checkins
