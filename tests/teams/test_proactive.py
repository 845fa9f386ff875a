"""The outbox's Teams sends straight to the connector's REST API (bot/teams/proactive.py): the
activities are the very JSON botbuilder's connector client sends (the fake connector records
both), a 429's Retry-After reaches the outbox exactly, and the app's token is fetched once from
the (fake) token endpoint, shown on every call and fetched again only when it expires or the
connector refuses it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

from bot.teams.adapter import SentRef, TeamsChat
from bot.teams.platform import bot_framework_config
from bot.teams.proactive import Connector
from bot.teams.references import References
from bot.teams.tokens import Tokens
from handlers.contract.messages import Address, Button, Message, Section
from handlers.contract.ports import FixedClock, RateLimited, TransientError
from settings import Settings
from storage.repositories.conversation_refs import ConversationRefs
from tests.support import Database, migrate
from tests.teams.fake_connector import FakeConnector
from tests.teams.fake_login import FakeLogin, LoginCredentials
from tests.teams.harness import start_site

NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
TENANT = "tenant-aaaa"
MONA = "29:mona"
CONVERSATION = "a:1Xq-mona;messageid=17@thread.v2"  # characters a path must escape
APP_ID, PASSWORD = "0b5e5a63-app", "s3cret"
CHECK_IN = Message(
    sections=(Section("Time to check in."), Section("#1 Call 20 customers", (Button("Yes", "checkin", "1:yes", "primary"),))),
    summary="Time to check in.",
)


@dataclass
class Teams:
    connector: FakeConnector
    references: References
    address: Address
    timer: list[float]

    def chat(self, connector: Connector | None) -> TeamsChat:
        settings = Settings(_env_file=None, teams_enabled=True, microsoft_app_id=None)  # type: ignore[call-arg]
        cloud = CloudAdapter(ConfigurationBotFrameworkAuthentication(bot_framework_config(settings)))
        return TeamsChat(cloud, self.references, FixedClock(NOW), "", 40.0, 6.0, connector)


@pytest.fixture
async def teams(sqlite_database_url: str) -> AsyncIterator[Teams]:
    fake = FakeConnector(login=FakeLogin(APP_ID, PASSWORD))
    runner, url = await start_site(fake.app())
    fake.url = fake.login.url = url + "/"  # type: ignore[union-attr]
    await migrate(sqlite_database_url)
    try:
        async with Database(sqlite_database_url) as db:
            references = References(ConversationRefs(db.sessions))
            address = Address("teams", TENANT, MONA)
            await references.save(address, ConversationReference(
                bot=ChannelAccount(id="28:bot", name="Follow-Through"), user=ChannelAccount(id=MONA, name="Mona Berg"),
                conversation=ConversationAccount(id=CONVERSATION, tenant_id=TENANT, conversation_type="personal"),
                channel_id="msteams", service_url=fake.url,
            ), NOW)
            yield Teams(fake, references, address, [0.0])
    finally:
        await runner.cleanup()


def connector_with_login(teams: Teams) -> Connector:
    assert teams.connector.login is not None
    credentials = LoginCredentials(teams.connector.login, APP_ID, PASSWORD)
    return Connector(Tokens(credentials, timer=lambda: teams.timer[0]))


async def test_the_direct_send_and_edit_are_the_json_botbuilder_sends(teams: Teams) -> None:
    teams.connector.login = None  # botbuilder's client sends no token without an app id: compare like with like
    direct = Connector(Tokens())
    try:
        old_ref = await teams.chat(None).send(teams.address, CHECK_IN)
        new_ref = await teams.chat(direct).send(teams.address, CHECK_IN)
        answered = Message(sections=(Section("Time to check in."), Section("#1 Call 20 customers: yes")), summary="Checked in.")
        await teams.chat(None).update(teams.address, old_ref, answered)
        await teams.chat(direct).update(teams.address, new_ref, answered)
    finally:
        await direct.close()

    posts = teams.connector.posts(CONVERSATION)
    puts = teams.connector.puts(CONVERSATION)
    assert len(posts) == 2 and len(puts) == 2
    assert posts[0].path == posts[1].path == f"/v3/conversations/{CONVERSATION}/activities"
    assert posts[1].body == posts[0].body, "the direct send posts what botbuilder posts"
    assert posts[1].body["conversation"]["id"] == CONVERSATION and posts[1].body["recipient"]["id"] == MONA
    assert posts[1].text == "Time to check in.\n#1 Call 20 customers"
    old_ids, new_ids = SentRef.load(old_ref).activity_ids, SentRef.load(new_ref).activity_ids
    assert (puts[0].activity_id, puts[1].activity_id) == (old_ids[0], new_ids[0])
    assert {**puts[1].body, "id": None} == {**puts[0].body, "id": None}, "the direct edit puts what botbuilder puts"
    assert teams.connector.activities[(CONVERSATION, new_ids[0])]["id"] == new_ids[0]


@pytest.mark.parametrize("retry_after", ["3", "0.25"])
async def test_a_429_reaches_the_outbox_with_its_retry_after(teams: Teams, retry_after: str) -> None:
    connector = connector_with_login(teams)
    teams.connector.fail(CONVERSATION, 429, code="Throttled", retry_after=retry_after)
    try:
        with pytest.raises(RateLimited) as throttled:
            await teams.chat(connector).send(teams.address, CHECK_IN)
        sent = await teams.chat(connector).send(teams.address, CHECK_IN)
    finally:
        await connector.close()

    assert throttled.value.retry_after == float(retry_after)
    assert [c.status for c in teams.connector.posts(CONVERSATION, ok=False)] == [429, 200]
    assert SentRef.load(sent).activity_ids == (teams.connector.posts(CONVERSATION)[0].answered_id,)


async def test_the_token_is_fetched_once_and_shown_on_every_call_until_it_expires(teams: Teams) -> None:
    login = teams.connector.login
    assert login is not None
    connector = connector_with_login(teams)
    chat = teams.chat(connector)
    try:
        refs = [await chat.send(teams.address, Message.text(f"check-in #{n}")) for n in range(5)]
        await chat.update(teams.address, refs[0], Message.text("answered"))
        assert login.requests == 1, "one token for six calls"

        teams.timer[0] += login.lifetime - 200  # within five minutes of its expiry: a new one
        await chat.send(teams.address, Message.text("check-in #6"))
        assert login.requests == 2

        login.expire_all()  # the connector refuses it (401): the send is retried later, with a new token
        with pytest.raises(TransientError):
            await chat.send(teams.address, Message.text("check-in #7"))
        await chat.send(teams.address, Message.text("check-in #7"))
        assert login.requests == 3
    finally:
        await connector.close()

    statuses = [c.status for c in teams.connector.calls]
    assert statuses == [200] * 7 + [401, 200]
    assert len(teams.connector.posts(CONVERSATION)) == 7  # #0 to #4, #6 and #7, each once


async def test_without_a_token_the_connector_refuses_and_nothing_is_posted(teams: Teams) -> None:
    connector = Connector(Tokens())  # no app id: no token
    try:
        with pytest.raises(TransientError, match="401"):
            await teams.chat(connector).send(teams.address, CHECK_IN)
    finally:
        await connector.close()
    assert teams.connector.posts(CONVERSATION) == [] and teams.connector.activities == {}


async def test_the_shared_session_survives_a_connector_that_went_away(teams: Teams) -> None:
    connector = connector_with_login(teams)
    chat = teams.chat(connector)
    try:
        await chat.send(teams.address, CHECK_IN)
        stale = ConversationReference(
            bot=ChannelAccount(id="28:bot"), user=ChannelAccount(id=MONA),
            conversation=ConversationAccount(id=CONVERSATION, tenant_id=TENANT), service_url="http://127.0.0.1:9/",
        )
        await teams.references.save(teams.address, stale, NOW)
        with pytest.raises(TransientError, match="could not reach"):
            await chat.send(teams.address, CHECK_IN)
    finally:
        await connector.close()
    assert len(teams.connector.posts(CONVERSATION)) == 1


async def test_a_token_refused_by_the_identity_platform_is_a_transient_error_and_nothing_is_posted(teams: Teams) -> None:
    login = teams.connector.login
    assert login is not None
    connector = Connector(Tokens(LoginCredentials(login, APP_ID, "not-the-secret")))
    try:
        with pytest.raises(TransientError, match="could not get a token"):
            await teams.chat(connector).send(teams.address, CHECK_IN)
    finally:
        await connector.close()
    assert login.requests == 1 and teams.connector.calls == []
