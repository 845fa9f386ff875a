"""The fake Bot Framework connector (tests/teams/fake_connector.py) in a process of its own,
for the fan-out benchmark: Microsoft's connector is not in the bot's process, so its CPU
should not be counted in (or slow) the bot's.

    .venv/bin/python benchmarks/fake_connector_process.py --conversation-rate 7 --tenant-rate 50 [--latency 0.1]

(`--latency`: seconds each answer waits, as a connector across the internet takes; a 429 too)
prints `ready http://127.0.0.1:PORT/` once it listens; `GET /_bench/outcome` answers
{"delivered": {"conversation|text": count, ...}, "throttled": n}. It stops on SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from aiohttp import web  # noqa: E402
from aiohttp.typedefs import Handler  # noqa: E402

from tests.slack.fake_slack import free_port  # noqa: E402
from tests.teams.fake_connector import FakeConnector  # noqa: E402


def delivered(fake: FakeConnector) -> Counter[str]:
    """Each new message the fake took, by conversation and text (a duplicate counts twice)."""
    return Counter(
        f"{c.conversation_id}|{c.text or c.body.get('text')}" for c in fake.calls if c.method == "POST" and c.status == 200
    )


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversation-rate", type=float, default=7.0)
    parser.add_argument("--tenant-rate", type=float, default=50.0)
    parser.add_argument("--latency", type=float, default=0.0)
    args = parser.parse_args()
    fake = FakeConnector(conversation_rate=args.conversation_rate, tenant_rate=args.tenant_rate)

    @web.middleware
    async def slow(request: web.Request, handler: Handler) -> web.StreamResponse:
        answer = await handler(request)  # the limits count the call when it arrives, as the service does
        if args.latency > 0 and not request.path.startswith("/_bench/"):
            await asyncio.sleep(args.latency)
        return answer

    async def outcome(request: web.Request) -> web.Response:
        return web.json_response({"delivered": delivered(fake), "throttled": fake.throttled})

    app = fake.app()
    app.middlewares.append(slow)
    app.router.add_get("/_bench/outcome", outcome)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    port = free_port()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    fake.url = f"http://127.0.0.1:{port}/"
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    print(f"ready {fake.url}", flush=True)
    await stop.wait()
    await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
