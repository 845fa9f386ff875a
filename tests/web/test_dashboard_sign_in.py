"""Signing in to the dashboard from the chat, over real HTTP into the served app: a fresh link
works once; a used, expired, tampered, foreign or other-secret link gets a clear page and no
session; opening a link doesn't spend it; POSTs without the CSRF token change nothing;
signing out works; a session ends after 12 hours on the app's clock."""

from __future__ import annotations

import string
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from handlers.contract.incoming import Command
from handlers.dashboard_sign_in import OFF, SignInLinks
from handlers.router import handle
from storage.web_models import SignInLink
from tests.flow_world import onboard_with_defaults, open_world, text_of
from tests.web.dashboard_world import SECRET, Dashboard, open_dashboard


@pytest.fixture
async def dash(tmp_path: Path) -> AsyncIterator[Dashboard]:
    async with open_dashboard(f"sqlite+aiosqlite:///{tmp_path}/dash.db") as dashboard:
        await onboard_with_defaults(dashboard.world, "mona")
        yield dashboard


async def signed_in(dash: Dashboard, name: str) -> bool:
    status, page = await dash.get(name, "/app/")
    assert status in (200, 401), page
    return status == 200


async def test_the_command_sends_a_link_to_the_dm_and_it_signs_in_once(dash: Dashboard) -> None:
    link = await dash.link_for("mona")
    assert "sign-in link for the dashboard in our direct messages" in dash.world.replies["mona"][0].plain_text
    assert link.startswith(dash.base + "/app/sign-in/")
    status, page = await dash.open_link("mona", link)
    assert status == 200 and "Sign in as Mona" in page
    response = await dash.press_sign_in("mona", link, page)
    assert response.status == 303
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Max-Age=43200" in cookie and "Path=/app/" in cookie
    assert "Secure" not in cookie, "served over http here"
    status, home = await dash.get("mona", "/app/")
    assert status == 200 and "Hello, Mona" in home
    (row,) = await dash.world.db.all(SignInLink)
    assert row.used_at == dash.world.clock.now()

    status, again = await dash.open_link("eve", link)
    assert status == 410 and "used already" in again
    assert not await signed_in(dash, "eve")


async def test_opening_a_link_does_not_spend_it(dash: Dashboard) -> None:
    link = await dash.link_for("mona")
    for _ in range(3):  # a link preview, a reload
        status, page = await dash.open_link("mona", link)
        assert status == 200
    assert (await dash.press_sign_in("mona", link, page)).status == 303
    assert await signed_in(dash, "mona")


async def test_a_second_use_gets_a_clear_page_and_no_session(dash: Dashboard) -> None:
    link = await dash.link_for("mona")
    status, page = await dash.open_link("mona", link)
    status2, page2 = await dash.open_link("thief", link)
    assert (await dash.press_sign_in("mona", link, page)).status == 303
    late = await dash.press_sign_in("thief", link, page2)
    assert late.status == 410 and "used already" in await late.text()
    assert not await signed_in(dash, "thief")


async def test_an_expired_link_gets_a_clear_page_and_no_session(dash: Dashboard) -> None:
    link = await dash.link_for("mona")
    status, page = await dash.open_link("mona", link)
    assert status == 200
    dash.world.clock.set(dash.world.clock.now() + timedelta(minutes=10, seconds=1))
    status, expired = await dash.open_link("mona", link)
    assert status == 410 and "expired" in expired and "/accountability dashboard" in expired
    response = await dash.press_sign_in("mona", link, page)
    assert response.status == 410
    assert not await signed_in(dash, "mona")
    assert [row.used_at for row in await dash.world.db.all(SignInLink)] == [None]


async def test_a_link_still_works_just_before_ten_minutes(dash: Dashboard) -> None:
    link = await dash.link_for("mona")
    dash.world.clock.set(dash.world.clock.now() + timedelta(minutes=9, seconds=59))
    status, page = await dash.open_link("mona", link)
    assert status == 200
    assert (await dash.press_sign_in("mona", link, page)).status == 303


BASE64URL = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"


@pytest.mark.parametrize("position", [-1, -20, len("http://127.0.0.1:1/app/sign-in/") + 3])
async def test_a_tampered_link_gets_a_clear_page_and_no_session(dash: Dashboard, position: int) -> None:
    link = await dash.link_for("mona")
    token_start = link.index("/app/sign-in/") + len("/app/sign-in/")
    index = position % len(link) if position < 0 else token_start + 3
    # The top bit of a base64 character: a last character's low bits may be padding that
    # decodes to the same bytes ("...A" and "...B" can be the same signature).
    changed = link[:index] + BASE64URL[BASE64URL.index(link[index]) ^ 0b100000] + link[index + 1:]
    assert changed != link
    status, page = await dash.open_link("mona", changed)
    assert status == 400 and "doesn&#39;t work" in page
    status, good = await dash.open_link("mona", link)
    response = await dash.press_sign_in("mona", changed, good)
    assert response.status == 400
    assert not await signed_in(dash, "mona")


async def test_a_link_signed_with_another_secret_is_refused(dash: Dashboard) -> None:
    other = SignInLinks("another-deployment-" + "Zq8Lm2Xv7Pw4Nc9Rt1Yb6Hs3", dash.base, dash.world.clock)
    async with dash.world.ctx.store.transaction() as tx:
        person = await tx.dashboard.person(await dash.person_id("mona"))
        assert person is not None
        await other.send(tx, person, dash.world.clock.now())
    await dash.world.dispatcher.drain(real_sleep=False)
    forged = dash.world.received("mona")[-1].split(": ", 1)[1].split()[0]
    status, page = await dash.open_link("mona", forged)
    assert status == 400
    assert not await signed_in(dash, "mona")


async def test_a_link_naming_another_workspace_is_refused(dash: Dashboard) -> None:
    """Signed with our secret, but the workspace it names is not the person's: refused."""
    link = await dash.link_for("mona")
    clock = dash.world.clock

    class OnTheWorldsClock(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    serializer = URLSafeTimedSerializer(SECRET, salt="follow-through.sign-in", signer=OnTheWorldsClock)
    payload = serializer.loads(link.rsplit("/", 1)[1])
    payload["w"] = ["test", "T2"]
    forged = link.rsplit("/", 1)[0] + "/" + serializer.dumps(payload)
    status, page = await dash.open_link("mona", forged)
    assert status == 403 and "another workspace" in page
    assert not await signed_in(dash, "mona")


async def test_a_person_of_another_workspace_signs_in_as_themselves_only(dash: Dashboard) -> None:
    await dash.sign_in("eve", workspace="T2")
    status, home = await dash.get("eve", "/app/")
    assert status == 200 and "Hello, Eve" in home
    mona = await dash.person_id("mona")
    status, page = await dash.get("eve", f"/app/people/{mona}")
    assert status == 403 and "Mona" not in page


async def test_posts_without_the_csrf_token_change_nothing(dash: Dashboard) -> None:
    link = await dash.link_for("mona")
    status, page = await dash.open_link("mona", link)
    response = await dash.browser("mona").post(link, data={"csrf": "not-the-token"}, allow_redirects=False)
    assert response.status == 403
    response = await dash.browser("mona").post(link, data={}, allow_redirects=False)
    assert response.status == 403
    assert [row.used_at for row in await dash.world.db.all(SignInLink)] == [None]
    assert (await dash.press_sign_in("mona", link, page)).status == 303

    response = await dash.browser("mona").post("/app/sign-out", data={"csrf": "guess"}, allow_redirects=False)
    assert response.status == 403
    assert await signed_in(dash, "mona"), "a forged sign-out changes nothing"


async def test_signing_out_ends_the_session(dash: Dashboard) -> None:
    await dash.sign_in("mona")
    csrf = await dash.csrf_of("mona")
    response = await dash.browser("mona").post("/app/sign-out", data={"csrf": csrf})
    assert response.status == 200 and "signed out" in await response.text()
    assert not await signed_in(dash, "mona")


async def test_a_session_lasts_twelve_hours(dash: Dashboard) -> None:
    await dash.sign_in("mona")
    dash.world.clock.set(dash.world.clock.now() + timedelta(hours=11, minutes=59))
    assert await signed_in(dash, "mona")
    dash.world.clock.set(dash.world.clock.now() + timedelta(minutes=2))
    assert not await signed_in(dash, "mona")


async def test_the_cookie_is_secure_when_the_dashboard_is_served_over_https(tmp_path: Path) -> None:
    async with open_dashboard(f"sqlite+aiosqlite:///{tmp_path}/https.db", https=True) as dash:
        await onboard_with_defaults(dash.world, "mona")
        link = await dash.link_for("mona")
        async with dash.browser("mona").get(link) as response:
            assert response.status == 200
            cookie = response.headers["Set-Cookie"]
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
        # this test client speaks plain http, so it rightly keeps the Secure cookie to itself:
        # the POST then carries no CSRF session and signs nobody in
        status, page = await dash.open_link("mona", link)
        assert (await dash.press_sign_in("mona", link, page)).status == 403


async def test_without_a_session_secret_the_command_says_the_dashboard_is_off(tmp_path: Path) -> None:
    async with open_world(f"sqlite+aiosqlite:///{tmp_path}/off.db") as world:
        await onboard_with_defaults(world, "mona")
        result = await handle(world.ctx, Command(world.actor("mona"), "accountability", "dashboard"))
        assert text_of(result) == OFF
        assert await world.db.count(SignInLink) == 0


async def test_a_forgotten_person_is_signed_out_and_whoever_gets_their_id_is_not_them(dash: Dashboard) -> None:
    await dash.sign_in("mona")
    mona = await dash.person_id("mona")
    await dash.world.command("mona", "accountability", "forget")
    await dash.world.choose("mona", "Confirm")
    assert not await signed_in(dash, "mona")
    dash.world.clock.set(dash.world.clock.now() + timedelta(minutes=1))
    await onboard_with_defaults(dash.world, "nina")
    nina = await dash.person_id("nina")
    assert not await signed_in(dash, "mona"), f"mona's old session must not open nina's account (ids {mona}, {nina})"
    status, page = await dash.get("mona", f"/app/people/{nina}")
    assert status == 403 and "Nina" not in page
