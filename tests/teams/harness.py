"""The Teams test harness: the real server (`app.build_platforms` + `app.build_web_app`) on
127.0.0.1, a fake Bot Framework connector as every activity's `serviceUrl`, a migrated
SQLite file and a FixedClock (the fixtures are in `conftest.py`).

`TeamsWorld` speaks for Teams: it POSTs Bot Framework activity JSON to `/api/messages`
(install, typed messages with mentions, card submits) and runs the scheduler's jobs and
the outbox the way `tick` does.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

import app
from bot.teams.platform import TeamsPlatform
from handlers.context import Context
from handlers.contract.ports import FixedClock
from handlers.dashboard_sign_in import links_for
from scheduler.dispatcher import Dispatcher, DispatchReport
from scheduler.jobs import run_due
from settings import Settings
from storage.store import Store
from tests.support import Database
from tests.teams.fake_connector import Call, FakeConnector

BOT_ID = "28:follow-through-bot"
BERLIN = "Europe/Berlin"
TENANT_A = "tenant-aaaa"
TENANT_B = "tenant-bbbb"
MONDAY_8 = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin


@dataclass(frozen=True)
class User:
    """A Teams user in a one-to-one chat with the bot."""

    id: str
    name: str
    tenant: str = TENANT_A
    tz: str | None = BERLIN

    @property
    def conversation(self) -> str:
        return f"a:chat-{self.tenant.removeprefix('tenant-')}-{self.id.removeprefix('29:')}"


async def start_site(application: web.Application) -> tuple[web.AppRunner, str]:
    """Serve `application` on a free port of 127.0.0.1; returns its runner and base URL."""
    runner = web.AppRunner(application)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    (address,) = runner.addresses
    host, port = address[:2]
    return runner, f"http://{host}:{port}"


class TeamsWorld:
    """The server under test, the fake connector, and helpers that act as Teams would."""

    def __init__(self, db: Database, clock: FixedClock, connector: FakeConnector, platform: TeamsPlatform, url: str) -> None:
        self.db = db
        self.clock = clock
        self.connector = connector
        self.platform = platform
        self.url = url
        self.http = aiohttp.ClientSession()
        self._ids = itertools.count(1)

    def activity(self, user: User, **fields: Any) -> dict[str, Any]:
        """A Bot Framework activity from `user` in their chat with the bot, as Teams sends it."""
        entities: list[dict[str, Any]] = list(fields.pop("entities", []))
        if user.tz:
            entities.append({"type": "clientInfo", "locale": "en-US", "country": "DE", "platform": "Web", "timezone": user.tz})
        body: dict[str, Any] = {
            "type": "message",
            "id": f"1700000000{next(self._ids):04d}",
            "timestamp": self.clock.now().isoformat(),
            "channelId": "msteams",
            "serviceUrl": self.connector.url,
            "from": {"id": user.id, "name": user.name, "aadObjectId": f"aad-{user.id}"},
            "recipient": {"id": BOT_ID, "name": "Follow-Through"},
            "conversation": {"id": user.conversation, "conversationType": "personal", "tenantId": user.tenant},
            "channelData": {"tenant": {"id": user.tenant}},
            "locale": "en-US",
            "entities": entities,
        }
        body.update(fields)
        return body

    async def post(self, body: dict[str, Any], headers: dict[str, str] | None = None) -> int:
        async with self.http.post(f"{self.url}/api/messages", json=body, headers=headers or {}) as response:
            await response.read()
            return response.status

    async def send(self, body: dict[str, Any]) -> list[Call]:
        """POST an activity, expect success, and return the connector calls it caused."""
        mark = len(self.connector.calls)
        status = await self.post(body)
        assert status in (200, 201), status
        return self.connector.since(mark)

    async def install(self, user: User) -> list[Call]:
        """The app added to the user's personal scope: a conversationUpdate with the bot as new member."""
        body = self.activity(
            user, type="conversationUpdate", membersAdded=[{"id": BOT_ID}], entities=[]
        )
        body["from"] = {"id": user.id, "aadObjectId": f"aad-{user.id}"}  # Teams sends no name here
        self.connector.names[user.id] = user.name
        return [c for c in await self.send(body) if c.method != "GET"]

    async def say(self, user: User, text: str, *mentions: User) -> list[Call]:
        """A typed message; `<at>Name</at>` in `text` for each of `mentions`, with its entity."""
        entities = [
            {"type": "mention", "text": f"<at>{m.name}</at>", "mentioned": {"id": m.id, "name": m.name}}
            for m in mentions
        ]
        return await self.send(self.activity(user, text=text, textFormat="plain", entities=entities))

    async def submit(self, user: User, card: Call, data: dict[str, Any], **inputs: Any) -> list[Call]:
        """A click on one of `card`'s Action.Submit buttons (its `data`), with the card's input values."""
        assert card.answered_id, "the card was never delivered"
        value = {**inputs, **data}
        return await self.send(self.activity(user, value=value, replyToId=card.answered_id))

    def dispatcher(self) -> Dispatcher:
        return Dispatcher(self.db.store, {"teams": self.platform.adapter}, self.clock)

    async def drain(self) -> DispatchReport:
        return await self.dispatcher().drain(real_sleep=False)

    async def tick(self, at: datetime) -> DispatchReport:
        """The scheduler at instant `at`: due jobs, then the outbox."""
        self.clock.set(at)
        await run_due(self.db.store, at)
        return await self.drain()

    async def close(self) -> None:
        await self.http.close()


async def serve(url: str, clock: FixedClock, settings: Settings, db: Database) -> tuple[web.AppRunner, TeamsPlatform, str]:
    ctx = Context(store=Store(db.sessions), clock=clock, forms=True,
                  sign_in=links_for(settings.session_secret, settings.dashboard_base, clock))
    platforms = app.build_platforms(settings, ctx)
    teams = [p for p in platforms if p.adapter.platform == "teams"]
    assert len(teams) == 1
    platform = teams[0]
    assert isinstance(platform, TeamsPlatform)
    runner, server_url = await start_site(app.build_web_app(settings, ctx, platforms))
    return runner, platform, server_url


MONDAY_1630 = datetime(2026, 11, 23, 15, 30, tzinfo=UTC)  # Monday 16:30 in Berlin

GOOD_TERMS = {
    "support_words": "Straight talk, no lectures.",
    "days": "0,1,2,3,4",
    "time": "16:30",
    "tone": "straight",
    "followup_words": "Tell Dana after one miss.",
    "after_miss": "",
    "threshold": "1",
    "no_answer": "miss",
    "streak": "5",
    "oneoff": "share",
}


async def open_terms_form(world: TeamsWorld, user: User) -> Call:
    welcome, shown = await world.install(user)
    assert shown.action("Save my terms"), "the install shows the two questions right away"
    (form,) = await world.submit(user, welcome, welcome.action("Answer the two questions")["data"])
    return form


async def onboard(world: TeamsWorld, user: User, **terms: str) -> None:
    form = await open_terms_form(world, user)
    calls = await world.submit(user, form, form.action("Save my terms")["data"], **{**GOOD_TERMS, **terms})
    assert "Your terms (version 1)" in calls[-1].text
