"""Drivers for the chat adapter contract tests: each builds one `ChatAdapter` implementation
against what stands in for its platform, and offers the tests one uniform view of it.

* `slack`: `SlackChat` on the fake Slack Web API (`tests.slack.fake_slack`), its client built
  with `make_client(..., retries=0)` so a 429 or 500 reaches the adapter.
* `teams`: `TeamsChat` on a `CloudAdapter` without app id, its sends and edits going straight to
  the fake Bot Framework connector's REST API (`tests.teams.fake_connector`) as in production; the person has a saved conversation reference
  (in a migrated SQLite file) whose serviceUrl is the fake.
* `console`: `ConsoleChat` printing into an `io.StringIO`; it never fails.
* `memory`: `tests.support.FakeChat`, which raises whatever error it is told to.

`Driver.delivered()` / `edited()` read what the platform itself received (the fakes' recorded
calls, the console's output, `FakeChat.sent` / `updated`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, Protocol

from aiohttp import web
from botbuilder.integration.aiohttp import (
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference

from bot.slack.adapter import SlackChat
from bot.slack.web import Directory, make_client
from bot.teams.adapter import TeamsChat
from bot.teams.platform import bot_framework_config
from bot.teams.proactive import Connector
from bot.teams.references import References
from bot.teams.tokens import Tokens
from handlers.contract import ports
from handlers.contract.messages import Address
from handlers.contract.ports import ChatAdapter, DeliveryError, FixedClock
from settings import Settings
from storage.repositories.conversation_refs import ConversationRefs
from tests.slack.fake_slack import FakeSlack, free_port
from tests.support import Database, migrate
from tests.teams.fake_connector import FakeConnector

Kind = Literal["rate_limited", "transient", "unreachable", "rejected"]
Operation = Literal["send", "update"]
KINDS: tuple[Kind, ...] = ("rate_limited", "transient", "unreachable", "rejected")
EXPECTED: dict[Kind, type[DeliveryError]] = {
    "rate_limited": ports.RateLimited, "transient": ports.TransientError,
    "unreachable": ports.Unreachable, "rejected": ports.Rejected,
}
RETRY_AFTER = 7
NOW = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)
SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]  # production defaults for the rates


@dataclass(frozen=True)
class Seen:
    """One message as the platform received it: its text, and the platform's own name for which
    message it is (so an edit can be matched to the message it edits)."""

    text: str
    message: str


class Driver(Protocol):
    """What the contract tests need from each implementation: the adapter, and `address`, a
    person it can reach."""

    @property
    def adapter(self) -> ChatAdapter: ...

    @property
    def address(self) -> Address: ...

    @property
    def reads_references(self) -> bool:
        """Whether the adapter's references have a format it checks (the console and the
        in-memory adapter take any string)."""
        ...

    def delivered(self) -> list[Seen]:
        """New messages the platform accepted, in order."""

    def edited(self) -> list[Seen]:
        """Edits of earlier messages the platform accepted, in order."""

    def supports(self, kind: Kind, operation: Operation = "send") -> bool:
        """Whether the platform can answer `operation` with a `kind` failure at all."""

    def fail_next(self, kind: Kind, operation: Operation = "send") -> None:
        """Make the platform answer the next `operation` with a `kind` failure."""


# -- Slack ------------------------------------------------------------------------------------

SLACK_TEAM, SLACK_TOKEN = "T1", "xoxb-contract-token"


@dataclass
class SlackDriver:
    fake: FakeSlack
    adapter: SlackChat
    address: Address
    reads_references: bool = True

    def delivered(self) -> list[Seen]:
        return [
            Seen(f"{c.params.get('text', '')}\n{FakeSlack.blocks_text(c)}", f"{c.response['channel']} {c.response['ts']}")
            for c in self.fake.calls_to("chat.postMessage")
        ]

    def edited(self) -> list[Seen]:
        return [
            Seen(f"{c.params.get('text', '')}\n{FakeSlack.blocks_text(c)}", f"{c.params['channel']} {c.params['ts']}")
            for c in self.fake.calls_to("chat.update")
        ]

    def supports(self, kind: Kind, operation: Operation = "send") -> bool:
        return True

    def fail_next(self, kind: Kind, operation: Operation = "send") -> None:
        method = "chat.postMessage" if operation == "send" else "chat.update"
        if kind == "rate_limited":
            self.fake.fail(method, status=429, retry_after=RETRY_AFTER)
        elif kind == "transient":
            self.fake.fail(method, status=500)
        elif kind == "unreachable":
            self.fake.refuse(method, "account_inactive")
        else:
            self.fake.refuse(method, "msg_too_long" if operation == "send" else "message_not_found")


@asynccontextmanager
async def slack_driver(tmp_path: Path) -> AsyncIterator[Driver]:
    fake = FakeSlack()
    await fake.start()
    fake.add_user(SLACK_TEAM, "URITA", "Rita")
    fake.tokens[SLACK_TOKEN] = SLACK_TEAM

    async def token_for(team_id: str) -> str | None:
        return SLACK_TOKEN if team_id == SLACK_TEAM else None

    try:
        client = make_client(fake.api_url, SLACK_TOKEN, retries=0)
        adapter = SlackChat(
            client, Directory(client, token_for),
            workspace_rate=SETTINGS.slack_workspace_rate, channel_rate=SETTINGS.slack_channel_rate,
        )
        yield SlackDriver(fake, adapter, Address("slack", SLACK_TEAM, "URITA"))
    finally:
        await fake.stop()


# -- Teams ------------------------------------------------------------------------------------

TENANT = "tenant-contract"
MONA = "29:mona"
CONVERSATION = "a:chat-contract-mona"
BOT_ID = "28:follow-through-bot"
TEAMS_FAILURES: dict[Kind, tuple[int, str]] = {
    "rate_limited": (429, "Throttled"), "transient": (500, "ServiceError"),
    "unreachable": (403, "MessageWritesBlocked"), "rejected": (404, "ActivityNotFoundInConversation"),
}


@dataclass
class TeamsDriver:
    connector: FakeConnector
    adapter: TeamsChat
    address: Address
    reads_references: bool = True

    def delivered(self) -> list[Seen]:
        return [Seen(c.text, f"{CONVERSATION} {c.answered_id}") for c in self.connector.posts(CONVERSATION)]

    def edited(self) -> list[Seen]:
        return [Seen(c.text, f"{CONVERSATION} {c.activity_id}") for c in self.connector.puts(CONVERSATION)]

    def supports(self, kind: Kind, operation: Operation = "send") -> bool:
        return True

    def fail_next(self, kind: Kind, operation: Operation = "send") -> None:
        status, code = TEAMS_FAILURES[kind]
        if kind == "rejected" and operation == "send":
            status, code = 400, "BadArgument"
        retry_after = str(RETRY_AFTER) if kind == "rate_limited" else None
        self.connector.fail(CONVERSATION, status, code=code, retry_after=retry_after)


@asynccontextmanager
async def teams_driver(tmp_path: Path) -> AsyncIterator[Driver]:
    url = f"sqlite+aiosqlite:///{tmp_path}/contract.db"
    await migrate(url)
    connector = FakeConnector()
    runner = web.AppRunner(connector.app())
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    connector.url = f"http://127.0.0.1:{port}/"
    try:
        async with Database(url) as db:
            references = References(ConversationRefs(db.sessions))
            address = Address("teams", TENANT, MONA)
            reference = ConversationReference(
                bot=ChannelAccount(id=BOT_ID, name="Follow-Through"),
                user=ChannelAccount(id=MONA, name="Mona Berg"),
                conversation=ConversationAccount(id=CONVERSATION, tenant_id=TENANT, conversation_type="personal"),
                channel_id="msteams",
                service_url=connector.url,
            )
            await references.save(address, reference, NOW)
            settings = Settings(_env_file=None, teams_enabled=True, microsoft_app_id=None)  # type: ignore[call-arg]
            cloud = CloudAdapter(ConfigurationBotFrameworkAuthentication(bot_framework_config(settings)))
            direct = Connector(Tokens())  # the outbox's sends go straight to the REST API, as in production
            adapter = TeamsChat(
                cloud, references, FixedClock(NOW), "", settings.teams_tenant_rate, settings.teams_conversation_rate, direct,
            )
            try:
                yield TeamsDriver(connector, adapter, address)
            finally:
                await direct.close()
    finally:
        await runner.cleanup()


