"""Multi-workspace install: `/slack/install` and `/slack/oauth_redirect` keep installations in
our own database, each workspace is answered with its own bot token, and its data stays in it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import text

from handlers.contract.ports import FixedClock
from storage.models import Person
from tests.slack.conftest import MONDAY_MORNING
from tests.slack.fake_slack import FakeSlack
from tests.slack.harness import SlackHarness

ACME_TOKEN = "xoxb-acme-installed-token"
BETA_TOKEN = "xoxb-beta-installed-token"


@pytest.fixture
async def multi(tmp_path: Path, fake_slack: FakeSlack) -> AsyncIterator[SlackHarness]:
    harness = SlackHarness(
        f"sqlite+aiosqlite:///{tmp_path}/oauth.db", fake_slack, FixedClock(MONDAY_MORNING),
        slack_bot_token=None, slack_client_id="1111.2222", slack_client_secret="client-secret-value",
    )
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


async def install(harness: SlackHarness, team: str, token: str, code: str) -> None:
    harness.fake.oauth_grant = {
        "code": code, "access_token": token, "token_type": "bot", "scope": "chat:write,commands",
        "bot_user_id": f"UBOT{team}", "app_id": "A1", "team": {"id": team, "name": team}, "enterprise": None,
        "is_enterprise_install": False, "authed_user": {"id": f"UADMIN{team}"},
    }
    async with aiohttp.ClientSession() as http:
        async with http.get(harness.url + "/slack/install", allow_redirects=False) as response:
            page = await response.text()
            assert response.status in (200, 302)
            location = response.headers.get("Location", "") + page
            # The browser-binding cookie is Secure; a browser on https would send it back.
            cookie = response.headers["Set-Cookie"].split(";", 1)[0]
        state = re.search(r"state=([\w-]+)", location)
        assert state, "the install page links to Slack's authorize URL with a state"
        redirect = harness.url + f"/slack/oauth_redirect?code={code}&state={state.group(1)}"
        async with http.get(redirect, allow_redirects=False, headers={"Cookie": cookie}) as response:
            assert response.status == 200, await response.text()


async def test_two_workspaces_install_and_stay_apart(multi: SlackHarness) -> None:
    await install(multi, "TACME", ACME_TOKEN, "code-acme")
    await install(multi, "TBETA", BETA_TOKEN, "code-beta")
    async with multi.db.engine.connect() as conn:
        teams = sorted(row[0] for row in await conn.execute(text("select team_id from slack_bots")))
    assert teams == ["TACME", "TBETA"]

    multi.fake.add_user("TACME", "UA1", "Ann", "Europe/Berlin")
    multi.fake.add_user("TBETA", "UB1", "Ben", "Asia/Kolkata")
    multi.fake.add_user("TBETA", "UBMGR", "Bea", "Asia/Kolkata")
    status, _ = await multi.command("UA1", "/commit", "20 calls every weekday", team="TACME")
    assert status == 200
    assert "Logged #1" in multi.last_reply()
    await multi.command("UB1", "/commit", "send the deck by Friday", team="TBETA")
    assert "Logged #1" in multi.last_reply()

    about_ann = [c for c in multi.fake.calls if "UA1" in (c.params.get("user"), c.params.get("user_id"), c.params.get("users"))]
    assert about_ann and {c.token for c in about_ann} == {ACME_TOKEN}, "Acme's people are reached with Acme's token only"
    people = {(p.workspace_id, p.user_id) for p in await multi.db.all(Person)}
    assert people == {("TACME", "UA1"), ("TBETA", "UB1")}

    # Naming "@ann" from Beta finds nobody: Beta's directory has no Ann.
    await multi.command("UB1", "/accountability", "manager @ann", team="TBETA")
    assert "Who? Name them with a mention" in multi.last_reply()
    await multi.command("UB1", "/accountability", "manager @bea", team="TBETA")
    assert "Bea is now your accountability partner" in multi.last_reply()
    await multi.drain()
    sent = multi.fake.calls_to("chat.postMessage")
    assert [(c.params["channel"], c.token) for c in sent] == [("DUBMGR", BETA_TOKEN)]


async def test_a_workspace_that_never_installed_is_not_served(multi: SlackHarness) -> None:
    status, _ = await multi.command("UX", "/commit", "20 calls every weekday", team="TNOBODY")
    assert status == 200  # bolt answers Slack, but nobody is created and nothing is sent
    assert await multi.db.count(Person) == 0
    assert multi.fake.calls_to("chat.postMessage") == []
