"""The "Dashboard" button on the Teams welcome card, through Bot Framework activities POSTed to
`/api/messages` of the real server against the fake connector: its click answers in the
person's own chat with the bot, and the link that arrives there signs them in to the served
web app over real HTTP, once. A click is always for the clicker; with the dashboard off the
welcome has no such button, and an old one gets the same answer as `/accountability dashboard`."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.contract.ports import FixedClock
from handlers.dashboard_sign_in import OFF
from settings import Settings
from storage.web_models import SignInLink
from tests.support import Database, migrate
from tests.teams.fake_connector import Call, FakeConnector
from tests.teams.harness import MONDAY_8, TENANT_B, TeamsWorld, User, serve
from tests.web.dashboard_world import SECRET
from tests.web.link_sign_in import DASHBOARD_URL, links_in, sign_in_with, spent

MONA = User("29:mona", "Mona Berg")
NILS = User("29:nils", "Nils Ek", tenant=TENANT_B)


@pytest.fixture
async def dash_world(sqlite_database_url: str, connector: FakeConnector) -> AsyncIterator[TeamsWorld]:
    """The Teams world with the dashboard on (SESSION_SECRET and DASHBOARD_URL set), as `serve` runs it."""
    await migrate(sqlite_database_url)
    settings = Settings(  # type: ignore[call-arg]
        database_url=sqlite_database_url, teams_enabled=True, microsoft_app_id=None, _env_file=None,
        session_secret=SECRET, dashboard_url=DASHBOARD_URL,
    )
    clock = FixedClock(MONDAY_8)
    async with Database(sqlite_database_url) as db:
        runner, platform, url = await serve(sqlite_database_url, clock, settings, db)
        world = TeamsWorld(db, clock, connector, platform, url)
        try:
            yield world
        finally:
            await world.close()
            await runner.cleanup()
            await platform.close()


def in_chat(world: TeamsWorld, user: User, since: int = 0) -> list[Call]:
    """What the bot posted in `user`'s one-to-one chat (replies and proactive messages)."""
    return [c for c in world.connector.calls[since:] if c.method == "POST" and c.conversation_id == user.conversation]


async def click_dashboard(world: TeamsWorld, user: User, welcome: Call) -> list[str]:
    """`user` clicks "Dashboard" on `welcome`; the texts the bot then posts in their chat, the
    outbox drained."""
    mark = len(world.connector.calls)
    await world.submit(user, welcome, welcome.action("Dashboard")["data"])
    await world.drain()
    return [c.text for c in in_chat(world, user, mark)]


async def test_the_welcome_cards_button_sends_a_link_that_signs_in_once(dash_world: TeamsWorld) -> None:
    world = dash_world
    welcome, _form = await world.install(MONA)
    assert welcome.action("Dashboard")["data"] == {"ft": "click", "action": "dashboard", "value": "open"}

    texts = await click_dashboard(world, MONA, welcome)
    assert any("sent you a sign-in link for the dashboard" in text for text in texts)
    (link,) = links_in(texts)
    page, browser = await sign_in_with(link, world.url)
    try:
        assert "Hello, Mona Berg" in page
    finally:
        await browser.close()
    assert await spent(link, world.url)

    again = links_in(await click_dashboard(world, MONA, welcome))
    assert len(again) == 1 and again != [link], "each click a fresh link"


async def test_a_click_is_always_for_the_clicker(dash_world: TeamsWorld) -> None:
    world = dash_world
    welcome, _form = await world.install(MONA)
    mark = len(world.connector.calls)

    # Nils, of another tenant, sends the data of Mona's button from his own chat with the bot.
    await world.send(world.activity(NILS, value=welcome.action("Dashboard")["data"], replyToId=welcome.answered_id))
    await world.drain()

    assert in_chat(world, MONA, mark) == [], "nothing goes to Mona"
    (link,) = links_in([c.text for c in in_chat(world, NILS, mark)])
    page, browser = await sign_in_with(link, world.url)
    try:
        assert "Hello, Nils Ek" in page and "Mona" not in page
    finally:
        await browser.close()


async def test_with_the_dashboard_off_the_welcome_has_no_button_and_an_old_one_says_so(world: TeamsWorld) -> None:
    welcome, _form = await world.install(MONA)
    assert [a["title"] for a in welcome.actions] == ["Answer the two questions"]

    mark = len(world.connector.calls)
    await world.submit(MONA, welcome, {"ft": "click", "action": "dashboard", "value": "open"})
    await world.drain()
    texts = [c.text for c in in_chat(world, MONA, mark)]
    assert any(OFF in text for text in texts) and links_in(texts) == []
    assert await world.db.count(SignInLink) == 0
