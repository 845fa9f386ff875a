"""A plain `@name` costs at most one `users.list` pass: answers are kept per (team, name), found
for 15 minutes and missing for 5, in bounded LRU caches; several names in one command share
one listing; a failed listing is not kept; a renamed member is looked up afresh."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.slack.web import (
    NAME_FOUND_TTL_SECONDS,
    NAME_MISSING_TTL_SECONDS,
    Directory,
    make_client,
)
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import BOT_TOKEN, TEAM, SlackHarness


def listings(fake: FakeSlack) -> int:
    return len(fake.calls_to("users.list", ok_only=False))


class Clock:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def directory(fake_slack: FakeSlack, clock: Clock) -> AsyncIterator[Directory]:
    async def token_for(team: str) -> str:
        return BOT_TOKEN

    yield Directory(make_client(fake_slack.api_url, retries=0), token_for, timer=clock)


async def test_a_repeated_name_is_listed_once(slack: SlackHarness) -> None:
    for _ in range(3):
        await slack.command("URITA", "/commit", "send @Dana the deck by Friday")
    assert listings(slack.fake) == 1


async def test_a_name_that_names_nobody_is_listed_once(slack: SlackHarness) -> None:
    for _ in range(3):
        await slack.command("URITA", "/commit", "ask @nobody about pricing by Friday")
    assert listings(slack.fake) == 1


async def test_several_names_in_one_command_cost_one_listing(slack: SlackHarness) -> None:
    await slack.command("URITA", "/commit", "intro @dana to @Sam and @nobody and @ghost by Friday")
    assert listings(slack.fake) == 1


async def test_names_are_kept_per_workspace(directory: Directory, fake_slack: FakeSlack) -> None:
    await directory.find_by_name(TEAM, "dana")
    await directory.find_by_name("T2", "dana")  # another workspace: its own listing
    await directory.find_by_name("T2", "dana")
    assert listings(fake_slack) == 2


async def test_a_found_name_is_kept_fifteen_minutes(directory: Directory, fake_slack: FakeSlack, clock: Clock) -> None:
    found = await directory.find_by_name(TEAM, "@Dana")
    assert found is not None and found.user_id == "UMGR"
    clock.now += NAME_FOUND_TTL_SECONDS - 1
    assert await directory.find_by_name(TEAM, "dana") == found
    assert listings(fake_slack) == 1
    clock.now += 2
    assert await directory.find_by_name(TEAM, "DANA") == found
    assert listings(fake_slack) == 2


async def test_a_missing_name_is_kept_five_minutes_then_found_once_they_join(
    directory: Directory, fake_slack: FakeSlack, clock: Clock
) -> None:
    assert await directory.find_by_name(TEAM, "olle") is None
    fake_slack.add_user(TEAM, "UOLLE", "Olle", "Europe/Stockholm")
    clock.now += NAME_MISSING_TTL_SECONDS - 1
    assert await directory.find_by_name(TEAM, "olle") is None
    assert listings(fake_slack) == 1
    clock.now += 2
    found = await directory.find_by_name(TEAM, "olle")
    assert found is not None and found.user_id == "UOLLE"
    assert listings(fake_slack) == 2


async def test_the_name_caches_are_bounded_least_recently_used_first(fake_slack: FakeSlack, clock: Clock) -> None:
    async def token_for(team: str) -> str:
        return BOT_TOKEN

    small = Directory(make_client(fake_slack.api_url, retries=0), token_for, name_cache_size=2, timer=clock)
    for name in ("dana", "sam", "rita"):  # one listing serves all three (it is still fresh)
        assert await small.find_by_name(TEAM, name) is not None
    clock.now += 61  # the listing is stale; the names found are not
    assert await small.find_by_name(TEAM, "rita") is not None
    assert await small.find_by_name(TEAM, "sam") is not None
    assert listings(fake_slack) == 1
    assert await small.find_by_name(TEAM, "dana") is not None  # pushed out by the later two
    assert listings(fake_slack) == 2


async def test_a_failed_listing_is_not_kept_as_a_miss(directory: Directory, fake_slack: FakeSlack) -> None:
    fake_slack.fail("users.list", status=500)
    with pytest.raises(Exception):  # noqa: B017 - slack-sdk's error for a 500
        await directory.find_by_name(TEAM, "dana")
    assert await directory.find_by_name(TEAM, "dana") is not None
    assert listings(fake_slack) == 2


async def test_a_member_who_changed_is_looked_up_afresh(directory: Directory, fake_slack: FakeSlack) -> None:
    assert await directory.find_by_name(TEAM, "dana") is not None
    assert await directory.find_by_name(TEAM, "dee") is None
    fake_slack.add_user(TEAM, "UMGR", "Dee", "America/Chicago")  # Dana is now Dee
    directory.forget(TEAM, "UMGR")  # what the user_change event does
    assert await directory.find_by_name(TEAM, "dana") is None
    found = await directory.find_by_name(TEAM, "dee")
    assert found is not None and found.user_id == "UMGR"
    assert listings(fake_slack) == 2


async def test_the_user_change_event_forgets_the_members_names(slack: SlackHarness) -> None:
    await slack.command("URITA", "/commit", "send @dana the deck by Friday")
    slack.fake.add_user(TEAM, "UMGR", "Dee", "America/Chicago")
    await slack.event({"type": "user_change", "user": {"id": "UMGR", "team_id": TEAM, "name": "dee"}}, event_id="Ev9")
    await slack.command("URITA", "/commit", "send @dee the deck by Friday")
    assert listings(slack.fake) == 2
