"""Benchmark: a fan-out at the platform's real limit, which the bot is not told.

N people, one check-in each, queued due now, sent by the real dispatcher (scheduled by the
real runner: scheduler/runner.py) through the real adapter to a fake platform on 127.0.0.1
that enforces its limits and answers 429 with Retry-After beyond them:

- Slack (bot/slack/adapter.py, an AsyncWebClient pointed at the fake): 1 message a second per
  channel, L messages a minute per workspace. The bot starts from SLACK_WORKSPACE_RATE's
  default and has to find L. Everyone's DM channel is kept already (the bot has reached them
  before: bot/slack/dm_channels.py), unless `--cold`: then each is opened first with
  `conversations.open`, which the fake holds to Slack's Tier 3 (50 a minute per workspace).
- Teams (bot/teams/adapter.py; its sends go straight to the connector's REST API,
  bot/teams/proactive.py, or with `--teams-client botbuilder` through botbuilder's
  `continue_conversation` as before): 7 a second per conversation, T a second per tenant
  (Teams: 50). The bot starts from TEAMS_TENANT_RATE's default. `--tenant-rate` and
  `--per-tenant` change the ten-tenant run's size.

For one workspace and for ten in parallel (each with its own limit) it prints the time to
deliver all, the theoretical minimum (N / limit), their ratio (target: at most 1.1), the
messages lost (target 0) and duplicated (target 0), the 429s the fake answered, the rate
the bot settled on, and the process's CPU time per message delivered. The fake Slack runs in
this process (its CPU is counted in); the fake connector runs in a process of its own
(benchmarks/fake_connector_process.py), as Microsoft's is not in the bot's, unless
`--fake-in-process`; `--latency S` makes it answer each call S seconds late, as a connector
across the internet does, and `--postgresql` uses a throwaway PostgreSQL cluster. A throwaway SQLite file holds the outbox unless
--database-url says otherwise. The machine may be shared: the figures are only as quiet as it is.

    .venv/bin/python benchmarks/fanout.py            # N=2,000 everywhere (the issue's sizes): about 10 minutes
    .venv/bin/python benchmarks/fanout.py --only teams-10 --latency 0.1
    .venv/bin/python benchmarks/fanout.py --only teams-10 --tenant-rate 20 --per-tenant 800
    .venv/bin/python benchmarks/fanout.py --only teams-10 --teams-client botbuilder  # the old send path
    .venv/bin/python benchmarks/fanout.py --quick    # CI-size: minimum 20 s each
    .venv/bin/python benchmarks/fanout.py --only slack-1
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp import web  # noqa: E402
from botbuilder.integration.aiohttp import (  # noqa: E402
    CloudAdapter,
    ConfigurationBotFrameworkAuthentication,
)
from botbuilder.schema import ChannelAccount, ConversationAccount, ConversationReference  # noqa: E402

from benchmarks.fake_connector_process import delivered as delivered_by  # noqa: E402
from benchmarks.fanout_world import queue_fanout, watch  # noqa: E402
from benchmarks.tick import postgresql_databases  # noqa: E402
from bot.slack.adapter import SlackChat  # noqa: E402
from bot.slack.dm_channels import DmChannels  # noqa: E402
from bot.slack.web import Directory, make_client  # noqa: E402
from bot.teams.adapter import TeamsChat  # noqa: E402
from bot.teams.platform import bot_framework_config  # noqa: E402
from bot.teams.proactive import Connector  # noqa: E402
from bot.teams.references import References  # noqa: E402
from bot.teams.tokens import Tokens  # noqa: E402
from handlers.contract.messages import Address  # noqa: E402
from handlers.contract.ports import ChatAdapter, SystemClock  # noqa: E402
from scheduler.dispatcher import Dispatcher  # noqa: E402
from scheduler.pacing import BACK_OFF  # noqa: E402
from scheduler.runner import build_scheduler  # noqa: E402
from settings import Settings  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.repositories.conversation_refs import ConversationRefs  # noqa: E402
from storage.store import Store  # noqa: E402
from tests.slack.fake_slack import FakeSlack, free_port  # noqa: E402
from tests.teams.fake_connector import FakeConnector  # noqa: E402

SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


@dataclass(frozen=True)
class Scenario:
    name: str
    platform: str
    workspaces: int
    per_workspace: int
    limit_per_second: float
    """Slack: L/60 per workspace; Teams: per tenant."""


@dataclass
class Outcome:
    seconds: dict[str, float]
    delivered: Counter[str]
    throttled: int
    rates: dict[str, float]
    """The pace at the end (it probes upward slowly after each 429)."""
    refused: dict[str, float | None]
    """The rate that went out when the last 429 came."""
    cpu: float
    """Seconds of this process's CPU time while the fan-out ran."""


LATENCY = 0.0
"""Teams: seconds the fake connector takes to answer each call (Microsoft's takes tens to hundreds of milliseconds)."""

FAKE_IN_PROCESS = False
"""Teams: run the fake connector in the bot's process (as before) instead of a process of its own."""

TEAMS_CLIENT = "rest"
"""How the Teams adapter sends: "rest" (bot/teams/proactive.py) or "botbuilder"."""

COLD = False
"""Slack: nobody's DM channel is kept yet (each is opened with conversations.open first)."""


def scenarios(quick: bool, tenant_rate: float | None = None, per_tenant: int | None = None) -> list[Scenario]:
    if quick:
        return [
            Scenario("slack-1", "slack", 1, 200, 600 / 60),
            Scenario("slack-10", "slack", 10, 150, 450 / 60),
            Scenario("teams-1", "teams", 1, 500, 25.0),
            Scenario("teams-10", "teams", 10, per_tenant or 100, tenant_rate or 5.0),
        ]
    return [
        Scenario("slack-1", "slack", 1, 2000, 600 / 60),
        Scenario("slack-10", "slack", 10, 2000, 600 / 60),
        Scenario("teams-1", "teams", 1, 2000, 50.0),
        Scenario("teams-10", "teams", 10, per_tenant or 2000, tenant_rate or 50.0),
    ]


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner, f"http://127.0.0.1:{port}/"


async def run(scenario: Scenario, url: str) -> Outcome:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    store = Store(sessions)
    clock = SystemClock()
    workspaces = [f"W{scenario.name.replace('-', '')}n{w}" for w in range(scenario.workspaces)]
    for workspace in workspaces:
        await queue_fanout(sessions, scenario.platform, workspace, scenario.per_workspace, clock.now(), kept_dms=not COLD)
    builder = slack_world if scenario.platform == "slack" else teams_world
    adapter, delivered, throttled, close = await builder(scenario, workspaces, store)
    dispatcher = Dispatcher(store, {scenario.platform: adapter}, clock, SETTINGS.outbox_concurrency)
    scheduler = build_scheduler(store, dispatcher, clock)
    minimum = scenario.per_workspace / scenario.limit_per_second
    cpu = time.process_time()
    print(f"  queued {scenario.workspaces * scenario.per_workspace} messages; sending", flush=True)
    try:
        scheduler.start()
        seconds = await watch(sessions, workspaces, timeout=minimum * 3 + 30)
        cpu = time.process_time() - cpu
        counted = await delivered()
    finally:
        scheduler.shutdown(wait=False)
        await close()
        await engine.dispose()
    paces = {w: dispatcher.pacing.pace(scenario.platform, w) for w in workspaces}
    rates = {w: pace.rate for w, pace in paces.items()}
    refused = {w: pace.refused for w, pace in paces.items()}
    return Outcome(seconds, counted, throttled(), rates, refused, cpu)


Built = tuple[ChatAdapter, Callable[[], Awaitable[Counter[str]]], Callable[[], int], Callable[[], Any]]


async def slack_world(scenario: Scenario, workspaces: list[str], store: Store) -> Built:
    fake = FakeSlack(channel_rate=1.0, workspace_per_minute=scenario.limit_per_second * 60, open_per_minute=50)
    for workspace in workspaces:
        fake.tokens[f"xoxb-{workspace}"] = workspace
    await fake.start()
    client = make_client(fake.api_url)

    async def token_for(team: str) -> str | None:
        return f"xoxb-{team}"

    adapter = SlackChat(
        client, Directory(client, token_for, dms=DmChannels(store.conversation_refs, SystemClock())),
        workspace_rate=SETTINGS.slack_workspace_rate, channel_rate=SETTINGS.slack_channel_rate,
    )

    async def delivered() -> Counter[str]:
        return Counter(str(c.params["channel"]) + "|" + str(c.params.get("text")) for c in fake.calls_to("chat.postMessage"))

    async def close() -> None:
        if client.session is not None:
            await client.session.close()
        await fake.stop()

    return adapter, delivered, lambda: fake.throttled, close


async def teams_world(scenario: Scenario, workspaces: list[str], store: Store) -> Built:
    fake = await FakeConnectorProcess.start(7.0, scenario.limit_per_second) if not FAKE_IN_PROCESS else None
    local = FakeConnector(conversation_rate=7.0, tenant_rate=scenario.limit_per_second) if fake is None else None
    runner = None
    if local is not None:
        runner, local.url = await serve(local.app())
    url = fake.url if fake is not None else local.url  # type: ignore[union-attr]
    references = References(ConversationRefs(store.sessions))
    now = datetime.now(UTC)
    for workspace in workspaces:
        for i in range(scenario.per_workspace):
            user = f"U{workspace}x{i}"
            reference = ConversationReference(
                bot=ChannelAccount(id="28:bot", name="Follow-Through"), user=ChannelAccount(id=user, name=f"Rep {i}"),
                conversation=ConversationAccount(id=f"a:{user}", tenant_id=workspace, conversation_type="personal"),
                channel_id="msteams", service_url=url,
            )
            await references.save(Address("teams", workspace, user), reference, now)
    settings = Settings(_env_file=None, teams_enabled=True, microsoft_app_id=None)  # type: ignore[call-arg]
    cloud = CloudAdapter(ConfigurationBotFrameworkAuthentication(bot_framework_config(settings)))
    connector = Connector(Tokens()) if TEAMS_CLIENT == "rest" else None
    adapter = TeamsChat(
        cloud, references, SystemClock(), "", settings.teams_tenant_rate, settings.teams_conversation_rate, connector,
    )
    outcome: dict[str, Any] = {}

    async def delivered() -> Counter[str]:
        if fake is not None:
            outcome.update(await fake.outcome())
            return Counter(outcome["delivered"])
        assert local is not None
        return delivered_by(local)

    def throttled() -> int:
        return int(outcome.get("throttled", 0)) if fake is not None else local.throttled  # type: ignore[union-attr]

    async def close() -> None:
        if connector is not None:
            await connector.close()
        if runner is not None:
            await runner.cleanup()
        if fake is not None:
            await fake.stop()

    return adapter, delivered, throttled, close


class FakeConnectorProcess:
    """benchmarks/fake_connector_process.py, started and stopped around a run."""

    def __init__(self, process: asyncio.subprocess.Process, url: str) -> None:
        self.process = process
        self.url = url

    @classmethod
    async def start(cls, conversation_rate: float, tenant_rate: float) -> FakeConnectorProcess:
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(Path(__file__).with_name("fake_connector_process.py")),
            "--conversation-rate", str(conversation_rate), "--tenant-rate", str(tenant_rate), "--latency", str(LATENCY),
            stdout=asyncio.subprocess.PIPE,
        )
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 60)).decode().strip()
        if not line.startswith("ready "):
            process.kill()
            raise RuntimeError(f"the fake connector did not start: {line!r}")
        return cls(process, line.removeprefix("ready "))

    async def outcome(self) -> dict[str, Any]:
        async with aiohttp.ClientSession() as http, http.get(f"{self.url}_bench/outcome") as response:
            answer: dict[str, Any] = await response.json()
            return answer

    async def stop(self) -> None:
        self.process.terminate()
        await self.process.wait()


def report(scenario: Scenario, outcome: Outcome) -> bool:
    minimum = scenario.per_workspace / scenario.limit_per_second
    expected = scenario.workspaces * scenario.per_workspace
    duplicated = sum(n - 1 for n in outcome.delivered.values() if n > 1)
    lost = expected - len(outcome.delivered)
    unit = "/min" if scenario.platform == "slack" else "/s"
    limit = scenario.limit_per_second * (60 if scenario.platform == "slack" else 1)
    print(f"\n{scenario.name}: {scenario.workspaces} workspace(s) x {scenario.per_workspace} messages, limit {limit:g}{unit} each")
    worst = 0.0
    for workspace in sorted(outcome.rates):
        took = outcome.seconds.get(workspace)
        ratio = took / minimum if took is not None else float("inf")
        worst = max(worst, ratio)
        shown = f"{took:7.1f} s" if took is not None else "   unfinished"
        refused = outcome.refused[workspace]
        print(f"  {workspace:>14}: delivered all in {shown}, minimum {minimum:6.1f} s, ratio {ratio:5.3f};"
              f" last 429 at {refused or 0:6.2f}/s, backed off to {(refused or 0) * BACK_OFF:6.2f}/s,"
              f" pace at the end {outcome.rates[workspace]:6.2f}/s (limit {scenario.limit_per_second:g}/s)")
    print(f"  worst ratio {worst:.3f} (target <= 1.1); lost {lost} (not delivered by the end), duplicated {duplicated}"
          f" (targets 0); 429s answered {outcome.throttled}")
    last = max(outcome.seconds.values(), default=0.0)
    finished = len(outcome.seconds) == len(outcome.rates)
    pace = f"{len(outcome.delivered) / last:.0f}" if finished and last > 0 else "n/a (not all finished)"
    print(f"  {len(outcome.delivered)} delivered at {pace} messages/s in all;"
          f" CPU {outcome.cpu:.1f} s, {outcome.cpu / max(1, len(outcome.delivered)) * 1000:.2f} ms a message delivered")
    return worst <= 1.1 and lost == 0 and duplicated == 0


async def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="CI-size runs (about 20 s each)")
    parser.add_argument("--only", action="append", help="run only these scenarios (slack-1, slack-10, teams-1, teams-10)")
    parser.add_argument("--database-url", help="an empty database to use instead of a throwaway SQLite file")
    parser.add_argument("--postgresql", action="store_true", help="a throwaway PostgreSQL cluster (or TEST_DATABASE_URL's server) instead of SQLite")
    parser.add_argument("--latency", type=float, default=0.0, help="Teams: seconds the fake connector (in its own process) takes to answer")
    parser.add_argument("--fake-in-process", action="store_true", help="Teams: the fake connector in this process (its CPU counted in)")
    parser.add_argument("--teams-client", choices=("rest", "botbuilder"), default="rest", help="how Teams messages are sent")
    parser.add_argument("--cold", action="store_true", help="Slack: no DM channel kept yet (each opened first, at 50 a minute)")
    parser.add_argument("--tenant-rate", type=float, help="teams-10: each tenant's limit a second (default 50; 5 with --quick)")
    parser.add_argument("--per-tenant", type=int, help="teams-10: messages to each tenant (default 2,000; 100 with --quick)")
    args = parser.parse_args()
    global TEAMS_CLIENT, FAKE_IN_PROCESS, LATENCY, COLD
    TEAMS_CLIENT = args.teams_client
    COLD = args.cold
    LATENCY = args.latency
    FAKE_IN_PROCESS = args.fake_in_process
    ok = True
    async with AsyncExitStack() as stack:
        fresh = await stack.enter_async_context(postgresql_databases()) if args.postgresql else None
        for scenario in scenarios(args.quick, args.tenant_rate, args.per_tenant):
            if args.only and scenario.name not in args.only:
                continue
            with tempfile.TemporaryDirectory() as tmp:
                url = args.database_url or (await fresh() if fresh is not None else f"sqlite+aiosqlite:///{tmp}/fanout.db")
                print(f"\n(database: {url.split(':', 1)[0]})")
                await asyncio.to_thread(upgrade, url)
                ok = report(scenario, await run(scenario, url)) and ok
    print("\n(figures from a shared machine: noisy)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
