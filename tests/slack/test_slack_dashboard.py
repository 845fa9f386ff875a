"""The "Dashboard" button on Slack's App Home and in the welcome, through signed HTTP into the
real server against the fake Slack: a click sends the clicker, in their own DM, a fresh
single-use link that signs them in to the served web app over real HTTP. A click is always
for the clicker; a button the bot never sent gets the old-button answer; with the dashboard
off there is no button, and an old one gets the same answer as `/accountability dashboard`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from handlers.contract.ports import FixedClock
from handlers.dashboard_sign_in import OFF
from handlers.router import OLD_BUTTON
from storage.web_models import SignInLink
from tests.slack.conftest import MONDAY_MORNING
from tests.slack.fake_slack import VIEW_BLOCKS, Call, FakeSlack
from tests.slack.harness import SlackHarness
from tests.slack.test_slack_big_checkin import commit_up_to_the_cap
from tests.slack.test_slack_flows import button
from tests.web.dashboard_world import SECRET
from tests.web.link_sign_in import DASHBOARD_URL, links_in, sign_in_with, spent


@pytest.fixture
async def slack_dash(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[SlackHarness]:
    """The harness with the dashboard on (SESSION_SECRET and DASHBOARD_URL set), as `serve` runs it."""
    harness = SlackHarness(f"sqlite+aiosqlite:///{tmp_path}/dash.db", fake_slack, FixedClock(MONDAY_MORNING),
                           session_secret=SECRET, dashboard_url=DASHBOARD_URL)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def open_home(slack: SlackHarness, user: str, n: int = 1) -> list[dict[str, Any]]:
    """`user` opens App Home; the blocks of the view published for them, which Slack (the fake,
    holding it to Slack's limits) took."""
    def published() -> list[Call]:
        return [c for c in slack.fake.calls_to("views.publish", ok_only=False) if c.params["user_id"] == user]

    before = len(published())
    await slack.event({"type": "app_home_opened", "user": user, "channel": "D" + user, "tab": "home"}, event_id=f"Ev-home-{user}-{n}")
    now = published()
    assert len(now) > before, "App Home was published"
    assert now[-1].response.get("ok") is True, now[-1].response
    blocks: list[dict[str, Any]] = now[-1].params["view"]["blocks"]
    return blocks


def dm_texts(slack: SlackHarness, user: str) -> list[str]:
    return [m["text"] for m in slack.dms(user)]


async def test_the_app_home_button_sends_a_link_to_the_clickers_dm_that_signs_in_once(slack_dash: SlackHarness) -> None:
    slack = slack_dash
    home = await open_home(slack, "URITA")
    assert len(home) <= VIEW_BLOCKS
    dashboard = button(home, "Dashboard")
    welcome = slack.dms("URITA")[0]["blocks"]
    assert button(welcome, "Dashboard")["value"] == dashboard["value"], "the welcome offers it too"
    replies_before = len(slack.replies())

    await slack.click("URITA", dashboard["action_id"], dashboard["value"], in_home=True)
    await slack.drain()

    assert len(slack.replies()) == replies_before, "a click on App Home is answered in the DM, not the home tab"
    dms = dm_texts(slack, "URITA")
    assert any("sent you a sign-in link for the dashboard" in text for text in dms)
    (link,) = links_in(dms)
    page, browser = await sign_in_with(link, slack.url)
    try:
        assert "Hello, Rita" in page
    finally:
        await browser.close()
    assert await spent(link, slack.url)

    await slack.click("URITA", dashboard["action_id"], dashboard["value"], in_home=True)
    await slack.drain()
    second = links_in(dm_texts(slack, "URITA"))
    assert len(second) == 2 and second[1] != link, "each click a fresh link"
    home_again = await open_home(slack, "URITA", 2)
    assert len(home_again) <= VIEW_BLOCKS and button(home_again, "Dashboard")


async def test_a_click_is_always_for_the_clicker(slack_dash: SlackHarness) -> None:
    slack = slack_dash
    dashboard = button(await open_home(slack, "URITA"), "Dashboard")
    rita_before = dm_texts(slack, "URITA")

    # Sam sends a copy of Rita's button (he can't see her App Home, but a payload can say anything).
    await slack.click("USTRANGER", dashboard["action_id"], dashboard["value"], in_home=True)
    await slack.drain()

    assert dm_texts(slack, "URITA") == rita_before, "nothing goes to Rita"
    (link,) = links_in(dm_texts(slack, "USTRANGER"))
    page, browser = await sign_in_with(link, slack.url)
    try:
        assert "Hello, Sam" in page and "Rita" not in page
    finally:
        await browser.close()


async def test_a_dashboard_button_with_a_value_the_bot_never_sent_changes_nothing(slack_dash: SlackHarness) -> None:
    slack = slack_dash
    dashboard = button(await open_home(slack, "URITA"), "Dashboard")
    await slack.click("URITA", dashboard["action_id"], "someone-else")
    await slack.drain()
    assert OLD_BUTTON in slack.last_reply()
    assert links_in(dm_texts(slack, "URITA")) == []
    assert await slack.db.count(SignInLink) == 0


async def test_with_the_dashboard_off_there_is_no_button_and_an_old_one_says_so(slack: SlackHarness) -> None:
    home = await open_home(slack, "URITA")
    shown = [e["text"]["text"] for b in home if b["type"] == "actions" for e in b["elements"]]
    assert "Add a commitment" in shown and "Dashboard" not in shown
    assert "Dashboard" not in FakeSlack.blocks_text(slack.fake.calls_to("chat.postMessage")[0])

    await slack.click("URITA", "dashboard:2", "open", in_home=True)
    await slack.drain()
    assert OFF in dm_texts(slack, "URITA")[-1]
    assert links_in(dm_texts(slack, "URITA")) == []
    assert await slack.db.count(SignInLink) == 0


async def test_a_full_app_home_keeps_the_button_within_slacks_limits(slack_dash: SlackHarness) -> None:
    slack = slack_dash
    await slack.command("URITA", "/accountability", "manager <@UMGR|dana>")
    await commit_up_to_the_cap(slack)
    home = await open_home(slack, "URITA")
    assert len(home) <= VIEW_BLOCKS
    dashboard = button(home, "Dashboard")
    await slack.click("URITA", dashboard["action_id"], dashboard["value"], in_home=True)
    await slack.drain()
    assert len(links_in(dm_texts(slack, "URITA"))) == 1
