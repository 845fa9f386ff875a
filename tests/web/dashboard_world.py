"""The dashboard's test world: `World` (the core through `handlers.router.handle`, the
scheduler's jobs and the outbox on a SQLite file) with sign-in links on, and the real web app
(`app.build_web_app`, dashboard mounted) served on 127.0.0.1 by aiohttp's test server.

`Dashboard.browser(name)` is that person's own cookie jar; `sign_in` asks the bot for a link
with `/accountability dashboard`, takes it from the DM the bot sent, opens it and presses
"Sign in", as a person would. `seed_team` makes a small team with a week of check-ins."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime

import aiohttp
from aiohttp.test_utils import TestServer

from app import build_web_app
from handlers.context import Context
from handlers.contract.incoming import Actor, Command
from handlers.contract.messages import Address, Message
from handlers.contract.ports import FixedClock
from handlers.dashboard_sign_in import SignInLinks
from handlers.router import handle
from scheduler.dispatcher import Dispatcher
from settings import Settings
from tests.flow_world import (
    MONDAY_8,
    RecordingChat,
    World,
    berlin,
    button,
    onboard_with_defaults,
)
from tests.support import Database, migrate
from tests.test_serve import free_port

SECRET = "dashboard-tests-" + "k3Y9pQ2vX7mZ4tR8wL1nB6cF0hJ5sD"
LINK = re.compile(r"(https?://\S+/app/sign-in/[A-Za-z0-9_.\-]+)")
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
SCRIPT_TITLE = "<script>alert(1)</script>"


@dataclass
class Dashboard:
    world: World
    base: str
    server: TestServer
    browsers: dict[str, aiohttp.ClientSession] = field(default_factory=dict)

    def browser(self, name: str) -> aiohttp.ClientSession:
        if name not in self.browsers:
            self.browsers[name] = aiohttp.ClientSession(
                base_url=self.base, cookie_jar=aiohttp.CookieJar(unsafe=True), auto_decompress=True
            )
        return self.browsers[name]

    async def link_for(self, name: str, workspace: str = "T1") -> str:
        """Ask the bot for a sign-in link as `name` and return the one it sent to their DM."""
        actor = Actor(Address("test", workspace, name), name.capitalize(), "Europe/Berlin")
        before = len(self.world.received(name))
        await self.world._handled(name, await handle(self.world.ctx, Command(actor, "accountability", "dashboard")))
        sent = self.world.received(name)[before:]
        links = [m.group(1) for text in sent for m in [LINK.search(text)] if m]
        assert len(links) == 1, sent
        return links[0]

    async def open_link(self, name: str, link: str) -> tuple[int, str]:
        async with self.browser(name).get(link) as response:
            return response.status, await response.text()

    async def press_sign_in(self, name: str, link: str, page: str) -> aiohttp.ClientResponse:
        csrf = CSRF.search(page)
        assert csrf, page
        response = await self.browser(name).post(link, data={"csrf": csrf.group(1)}, allow_redirects=False)
        await response.read()
        return response

    async def sign_in(self, name: str, workspace: str = "T1") -> None:
        link = await self.link_for(name, workspace)
        status, page = await self.open_link(name, link)
        assert status == 200, page
        response = await self.press_sign_in(name, link, page)
        assert (response.status, response.headers.get("Location")) == (303, "/app/"), await response.text()

    async def get(self, name: str, path: str) -> tuple[int, str]:
        async with self.browser(name).get(path) as response:
            return response.status, await response.text()

    async def csrf_of(self, name: str, path: str = "/app/") -> str:
        status, page = await self.get(name, path)
        found = CSRF.search(page)
        assert status == 200 and found, page
        return found.group(1)

    async def person_id(self, name: str) -> int:
        return (await self.world.person(name)).id


@asynccontextmanager
async def open_dashboard(database_url: str, *, start: datetime = MONDAY_8, https: bool = False) -> AsyncIterator[Dashboard]:
    await migrate(database_url)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = Settings(
        database_url=database_url, session_secret=SECRET, dashboard_url="https://ft.example.com" if https else base, port=port,
    )
    async with Database(database_url) as db:
        clock = FixedClock(start)
        ctx = Context(store=db.store, clock=clock, sign_in=SignInLinks(SECRET, base, clock))
        chat = RecordingChat()
        world = World(ctx=ctx, clock=clock, chat=chat, dispatcher=Dispatcher(ctx.store, {"test": chat}, clock), db=db)
        server = TestServer(build_web_app(settings, ctx, []), host="127.0.0.1", port=port)
        await server.start_server()
        dashboard = Dashboard(world, base, server)
        try:
            yield dashboard
        finally:
            for session in dashboard.browsers.values():
                await session.close()
            await server.close()


async def seed_team(world: World, check_ins: Sequence[datetime] = tuple(berlin(day, 16, 30) for day in range(23, 28))) -> None:
    """dana is the partner of mona and olga; dana named lea; zed is on his own. mona commits to
    a title that is a script and to 20 calls; a week of check-ins: mona Yes, No, No, Yes, Yes on
    the calls and Yes on the script; olga No five times (a run, an escalation). `check_ins`: the
    five check-in times (default: Mon 23 to Fri 27 November 2026, 16:30 in Berlin)."""
    for name in ("lea", "dana", "mona", "olga", "zed"):
        await onboard_with_defaults(world, name)
    await world.command("dana", "accountability", "manager @lea", "lea")
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("olga", "accountability", "manager @dana", "dana")
    await world.command("mona", "commit", "20 calls every weekday")
    await world.command("mona", "commit", f"{SCRIPT_TITLE} every weekday")
    await world.command("olga", "commit", "update CRM every weekday")
    await world.command("zed", "commit", "zed's secret plan every weekday")
    mona_calls = ["Yes", "No", "No", "Yes", "Yes"]
    for n, when in enumerate(check_ins):
        await world.at(when)
        await world.click("mona", button(latest_check_in(world, "mona"), mona_calls[n], 0))
        await world.click("mona", button(latest_check_in(world, "mona"), "Yes", 1))
        await world.click("olga", button(latest_check_in(world, "olga"), "No"))


def latest_check_in(world: World, name: str) -> Message:
    return next(m for m in reversed(world.chat.inbox[name]) if any(b.label == "Yes" for b in m.buttons))
