"""Follow-Through's composition root: builds settings, the store, the clock, the platforms and
the scheduler, and runs the command `cli.py` parsed: console, serve, socket and migrate here;
the one-shot tick, report and teams-package in oneshot.py.

Everything with state (settings, engine, clock, adapters, scheduler) is built here and
passed in; no module keeps globals.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from aiohttp import web

import logs
import oneshot
from cli import build_parser
from handlers.context import Context
from handlers.contract.metrics import NO_METRICS, Metrics
from handlers.contract.ports import ChatAdapter, Clock
from handlers.dashboard_sign_in import links_for
from settings import Settings
from storage.store import Store

if TYPE_CHECKING:
    from bot.slack.platform import SlackPlatform
    from ops.metrics import PrometheusMetrics

log = logging.getLogger("followthrough")


class Platform(Protocol):
    """What a chat platform folder (`bot/slack`, `bot/teams`) gives the composition root: its
    `build(settings, ctx, ...)` returns one of these, or None when it is not configured."""

    @property
    def adapter(self) -> ChatAdapter:
        """Delivers the outbox's messages on this platform."""
        ...

    def mount(self, app: web.Application) -> None:
        """Add this platform's HTTP routes to the server."""
        ...

    async def close(self) -> None:
        """Release clients and connections."""
        ...


def migrate(settings: Settings) -> None:
    from storage.migrate import upgrade

    upgrade(settings.database_url)


async def run_console(settings: Settings, start: datetime | None, echo: bool | None) -> int:
    from bot.console.adapter import (
        ConsoleChat,
        ConsoleJobs,
        ConsoleOutput,
        ConsoleSession,
        machine_zone,
        stdin,
    )
    from handlers.contract.ports import FixedClock
    from scheduler.dispatcher import Dispatcher
    from scheduler.jobs import next_wakeup_after, run_due
    from storage.db import make_engine, make_sessionmaker

    tz = machine_zone()
    if start is not None and start.tzinfo is None:
        start = start.replace(tzinfo=tz)
    clock = FixedClock(start or datetime.now(UTC))
    engine = make_engine(settings.database_url)
    store = Store(make_sessionmaker(engine))
    output = ConsoleOutput(sys.stdout, clock, tz)
    dispatcher = Dispatcher(store, {"console": ConsoleChat(output)}, clock)
    jobs = ConsoleJobs(
        run_due=lambda now: run_due(store, now),
        next_wakeup_after=lambda after: next_wakeup_after(store, after),
        send_queued=lambda: dispatcher.drain(real_sleep=False),
    )
    stream = stdin()
    session = ConsoleSession(
        ctx=Context(store=store, clock=clock, sign_in=links_for(settings.session_secret, settings.dashboard_base, clock, console=True)),
        clock=clock, output=output, jobs=jobs, tz=tz,
        speaker=default_speaker(),
        echo=(not stream.isatty()) if echo is None else echo,
    )
    if stream.isatty():
        output.line(
            f"Follow-Through console ({tz.key}). Type a message or /commit, /accountability help; "
            ":as NAME to switch person, :time / :advance to move the clock. Ctrl-D exits."
        )
    try:
        await session.run(stream)
    finally:
        await engine.dispose()
    return 0


def default_speaker() -> str:
    """Who is typing before any `:as`: the login name, unless that is root (then "rep")."""
    import getpass
    import re

    try:
        name = getpass.getuser().lower()
    except (KeyError, OSError):
        name = ""
    return name if re.fullmatch(r"[a-z][a-z0-9_.-]{0,39}", name) and name != "root" else "rep"


def build_platforms(settings: Settings, ctx: Context, metrics: Metrics = NO_METRICS) -> list[Platform]:
    """Every chat platform the settings configure (Slack, Teams), ready to mount and send."""
    from bot.teams import platform as teams

    candidates: list[Platform | None] = [
        _build_slack(settings, ctx, metrics),
        teams.build(settings, ctx, ctx.store.conversation_refs),
    ]
    return [p for p in candidates if p is not None]


def _build_slack(settings: Settings, ctx: Context, metrics: Metrics = NO_METRICS) -> SlackPlatform | None:
    from bot.slack import platform as slack
    from storage.db import engine_of
    from storage.slack_tables import BOTS_TABLE, INSTALLATIONS_TABLE, OAUTH_STATES_TABLE

    tables = slack.OAuthTables(
        engine=engine_of(ctx.store.sessions), installations=INSTALLATIONS_TABLE, bots=BOTS_TABLE, states=OAUTH_STATES_TABLE
    )
    return slack.build(settings, ctx, tables, metrics)


def build_web_app(settings: Settings, ctx: Context, platforms: Sequence[Platform], metrics: PrometheusMetrics | None = None, *, scheduler_here: bool = False) -> web.Application:
    """The one HTTP server: /healthz, /readyz, /metrics (ops/health.py) plus each platform's routes."""
    from ops import health
    app = web.Application()
    health.install(app, settings, ctx.store, ctx.clock, metrics, scheduler_here=scheduler_here)
    for platform in platforms:
        platform.mount(app)
    if ctx.sign_in is not None and settings.session_secret:
        import web as dashboard
        dashboard.mount(app, ctx, secret=settings.session_secret, secure=settings.dashboard_base.startswith("https://"))
    return app


async def _run_until_stopped(
    store: Store, adapters: dict[str, ChatAdapter], clock: Clock, settings: Settings, with_scheduler: bool, metrics: Metrics = NO_METRICS,
) -> None:
    """Run the scheduler (unless left out) until SIGINT or SIGTERM, then stop it."""
    from scheduler.dispatcher import Dispatcher
    from scheduler.runner import build_scheduler

    scheduler = None
    if with_scheduler:
        scheduler = build_scheduler(store, Dispatcher(store, adapters, clock, settings.outbox_concurrency, lease=settings.outbox_lease), clock, metrics=metrics)
        scheduler.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
        log.info("shutting down")
    finally:
        if scheduler is not None:
            scheduler.shutdown(wait=False)


async def run_serve(settings: Settings, with_scheduler: bool) -> int:
    from handlers.contract.ports import SystemClock
    from storage.db import make_engine, make_sessionmaker

    engine = make_engine(settings.database_url)
    store = Store(make_sessionmaker(engine))
    clock = SystemClock()
    from ops.metrics import MeteredChat, new_metrics
    sign_in = links_for(settings.session_secret, settings.dashboard_base, clock)
    ctx, metrics = Context(store=store, clock=clock, forms=True, sign_in=sign_in), new_metrics()
    platforms = build_platforms(settings, ctx, metrics)
    if not platforms:
        log.warning("neither Slack nor Teams is configured: serving /healthz and the scheduler only (see README)")
    runner = web.AppRunner(build_web_app(settings, ctx, platforms, metrics, scheduler_here=with_scheduler))
    await runner.setup()
    site = web.TCPSite(runner, "0.0.0.0", settings.port)
    await site.start()
    gc.freeze()  # what start-up built is never collected: shorter collector pauses between acks
    log.info("serving on port %s (%s)", settings.port, ", ".join(p.adapter.platform for p in platforms) or "no platforms")
    try:
        adapters: dict[str, ChatAdapter] = {p.adapter.platform: MeteredChat(p.adapter, metrics) for p in platforms}
        await _run_until_stopped(store, adapters, clock, settings, with_scheduler, metrics)
    finally:
        await runner.cleanup()
        for platform in platforms:
            await platform.close()
        await engine.dispose()
    return 0


async def run_socket(settings: Settings, with_scheduler: bool) -> int:
    """Slack over Socket Mode (no public URL needed), with the scheduler."""
    from handlers.contract.ports import SystemClock
    from storage.db import make_engine, make_sessionmaker

    if not settings.slack_app_token:
        log.error("socket needs SLACK_APP_TOKEN (an xapp-... app-level token with connections:write); see README")
        return 2
    engine = make_engine(settings.database_url)
    store = Store(make_sessionmaker(engine))
    clock = SystemClock()
    platform = _build_slack(settings, Context(store=store, clock=clock, forms=True))
    if platform is None:
        log.error("socket needs SLACK_BOT_TOKEN (or SLACK_CLIENT_ID and SLACK_CLIENT_SECRET); see README")
        await engine.dispose()
        return 2
    handler = platform.socket_mode(settings.slack_app_token)
    await handler.connect_async()
    platform.bot.inbox.start()  # requests a stopped process acked and left in the inbox
    log.info("connected to Slack over Socket Mode")
    try:
        await _run_until_stopped(store, {"slack": platform.adapter}, clock, settings, with_scheduler)
    finally:
        await handler.close_async()
        await platform.close()
        await engine.dispose()
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    quiet = args.verb == "console" and settings.log_level.upper() == "INFO"
    logs.configure("WARNING" if quiet else settings.log_level, settings.log_format)
    if args.verb == "teams-package":
        return oneshot.run_teams_package(settings, args.out)
    migrate(settings)
    if args.verb == "migrate":
        print("database is at the newest schema")
        return 0
    if args.verb == "console":
        return asyncio.run(run_console(settings, args.start, args.echo))
    if args.verb == "tick":
        return asyncio.run(oneshot.run_tick(settings, args.at, build_platforms))
    if args.verb == "serve":
        return asyncio.run(run_serve(settings, not args.no_scheduler))
    if args.verb == "socket":
        return asyncio.run(run_socket(settings, not args.no_scheduler))
    if args.verb == "report":
        return asyncio.run(oneshot.run_report(settings, args))
    return 2


if __name__ == "__main__":
    sys.exit(main())
