"""With an app id configured, `/api/messages` wants a valid Bot Framework token: a request
without one, or with a bad one, gets 401 and changes nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator

import jwt
import pytest

from handlers.context import Context
from handlers.contract.ports import FixedClock
from settings import Settings
from storage.models import ConversationRef, Outbox, Person, ProcessedEvent
from storage.store import Store
from tests.support import Database, migrate
from tests.teams.fake_connector import FakeConnector
from tests.teams.harness import MONDAY_8, TeamsWorld, User, serve

APP_ID = "00000000-1111-2222-3333-444444444444"
MONA = User("29:mona", "Mona Berg")


@pytest.fixture
async def secured(sqlite_database_url: str, connector: FakeConnector) -> AsyncIterator[TeamsWorld]:
    await migrate(sqlite_database_url)
    settings = Settings(  # type: ignore[call-arg]
        database_url=sqlite_database_url, microsoft_app_id=APP_ID, microsoft_app_password="a-real-looking-password",
        teams_enabled=False, _env_file=None,
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


def forged_token() -> str:
    """A well-formed JWT from an issuer Bot Framework doesn't use (checked without any network call)."""
    return jwt.encode({"iss": "https://issuer.invalid/", "aud": APP_ID, "serviceurl": "http://127.0.0.1"}, "k" * 32, algorithm="HS256")


@pytest.mark.parametrize(
    "authorization",
    [
        pytest.param(None, id="missing"),
        pytest.param("", id="empty"),
        pytest.param("Bearer not-a-token", id="garbage"),
        pytest.param("Basic bW9uYTpwYXNz", id="wrong-scheme"),
        pytest.param("forged", id="forged-jwt"),
    ],
)
async def test_without_a_valid_token_the_request_is_refused_and_nothing_is_recorded(
    secured: TeamsWorld, authorization: str | None
) -> None:
    headers = {} if authorization is None else {"Authorization": f"Bearer {forged_token()}" if authorization == "forged" else authorization}

    for body in (
        secured.activity(MONA, text="commit 20 calls every weekday"),
        secured.activity(MONA, type="conversationUpdate", membersAdded=[{"id": "28:follow-through-bot"}]),
    ):
        assert await secured.post(body, headers) == 401

    for model in (Person, Outbox, ConversationRef, ProcessedEvent):
        assert await secured.db.count(model) == 0
    assert secured.connector.calls == []


async def test_teams_is_off_without_an_app_id_unless_enabled(sqlite_database_url: str) -> None:
    import app
    from bot.teams.platform import build

    async with Database(sqlite_database_url) as db:
        ctx = Context(store=Store(db.sessions), clock=FixedClock(MONDAY_8), forms=True)
        off = Settings(database_url=sqlite_database_url, microsoft_app_id=None, teams_enabled=False, _env_file=None)  # type: ignore[call-arg]
        local = Settings(database_url=sqlite_database_url, microsoft_app_id=None, teams_enabled=True, _env_file=None)  # type: ignore[call-arg]
        assert build(off, ctx, db.store.conversation_refs) is None
        assert [p.adapter.platform for p in app.build_platforms(off, ctx)] in ([], ["slack"])
        platform = build(local, ctx, db.store.conversation_refs)
        assert platform is not None and platform.adapter.platform == "teams"
        assert platform.adapter.rate_per_second("any-tenant") == local.teams_tenant_rate == 40.0
        assert platform.adapter.conversation_rate_per_second() == local.teams_conversation_rate == 6.0
