"""Regenerates the README's dashboard pictures: docs/dashboard-team.png, docs/dashboard-rep.png
and docs/dashboard-leader.png.

A team lives 60 days through the real bot (the core's entry point, the scheduler's jobs and the
outbox, on a throwaway SQLite file, on a simulated clock): Dana coaches 8 reps and Sam 3; both
named Lea. Reps answer their check-ins at 16:30 in Berlin, mostly Yes, sometimes No (saying
what got in the way) or not at all; Olga has been missing her calls for the last two weeks.
Dana says she'll follow up on escalations, logs coaching sessions and sends kudos. The
dashboard is served on 127.0.0.1; each person signs in with the link the bot sent them, and
Debian's Chromium (Playwright) takes the pictures (of each page's top, 1280 pixels wide;
Debian's fonts-noto-color-emoji draws the bot's emoji).

    .venv/bin/python scripts/dashboard_screenshots.py [--out docs]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.async_api import Browser, async_playwright  # noqa: E402

from handlers.contract.incoming import Actor, TextMessage  # noqa: E402
from handlers.contract.messages import Address, Message  # noqa: E402
from handlers.router import handle  # noqa: E402
from tests.flow_world import World, button  # noqa: E402
from tests.web.dashboard_world import Dashboard, open_dashboard  # noqa: E402

BERLIN = ZoneInfo("Europe/Berlin")
FIRST_DAY = datetime(2026, 9, 28, 8, 0, tzinfo=BERLIN)  # a Monday; 60 days later is Friday 27 November
DAYS = 60
CHROMIUM = "/usr/bin/chromium"
MOST_HEIGHT = 1300
"""Pixels of a page the picture keeps (from the top), so each PNG stays small."""
LEADER = ("lea", "Lea Hoffmann")
MANAGERS = {"dana": "Dana Brooks", "sam": "Sam Keller"}
REPS = {
    # user id: (name, manager, commitments, how often they keep them)
    "mona": ("Mona Reyes", "dana", ("20 calls every weekday", "update CRM every weekday"), 0.85),
    "olga": ("Olga Petrova", "dana", ("20 calls every weekday",), 0.8),
    "raj": ("Raj Patel", "dana", ("15 calls every weekday", "follow up on every demo every weekday"), 0.9),
    "ines": ("Ines Duarte", "dana", ("update CRM every weekday",), 0.95),
    "tomas": ("Tomás Silva", "dana", ("25 calls every weekday", "log notes every weekday"), 0.7),
    "aiko": ("Aiko Tanaka", "dana", ("10 LinkedIn messages every weekday",), 0.9),
    "ben": ("Ben Okafor", "dana", ("20 calls every weekday",), 0.75),
    "chloe": ("Chloé Martin", "dana", ("prospect 5 accounts every weekday", "update CRM every weekday"), 0.88),
    "lena": ("Lena Vogel", "sam", ("20 calls every weekday",), 0.8),
    "yusuf": ("Yusuf Demir", "sam", ("update CRM every weekday",), 0.65),
    "priya": ("Priya Nair", "sam", ("15 calls every weekday",), 0.92),
}
IN_A_RUN = "olga"
ANSWERED: set[int] = set()
"""The follow-up verdict questions a rep has answered (by message)."""
SESSIONS = {15: "tomas", 30: "ben", 45: "mona"}
"""Days (from the first) on which Dana logs a coaching session with a rep."""
PRACTICE_DAY = 38
RUN_DAYS = 10
REASONS = ["Back-to-back demos all afternoon.", "Customer escalation ate the day.", "Travel to the Hamburg office.",
           "Spent the day on a proposal.", "Sick in the morning."]
SESSION = ("Call volume", "Two weeks of misses on calls.", "skip", "Meetings, no call block, admin.",
           "Block 9-10 every morning for calls.", "block 9-10 for calls every weekday", "done")
KUDOS = ["Great week, thank you!", "Lovely persistence on the Acme account.", "Five in a row: well done."]


async def first_contact(world: World, user: str, name: str) -> None:
    actor = Actor(Address("test", "T1", user), name, "Europe/Berlin")
    await world._handled(user, await handle(world.ctx, TextMessage(actor, "hi")))
    await world.choose(user, "Keep the defaults for now")


async def set_up(world: World) -> None:
    await first_contact(world, *LEADER)
    for user, name in MANAGERS.items():
        await first_contact(world, user, name)
        await world.command(user, "accountability", "manager @lea", "lea")
    for user, (name, manager, commitments, _) in REPS.items():
        await first_contact(world, user, name)
        await world.command(user, "accountability", f"manager @{manager}", manager)
        for text in commitments:
            await world.command(user, "commit", text)


def latest_check_in(world: World, user: str) -> Message | None:
    return next((m for m in reversed(world.chat.inbox.get(user, [])) if any(b.label == "Yes" for b in m.buttons)), None)


async def answer(world: World, rng: random.Random, user: str, day: int) -> None:
    """The rep answers today's check-in: Yes, No (with a reason, some days) or not at all."""
    keeps = REPS[user][3]
    message = latest_check_in(world, user)
    for asked in world.chat.inbox.get(user, [])[-6:]:
        verdict = next((b for b in asked.buttons if b.label in ("It was", "Not quite")), None)
        if verdict is not None and id(asked) not in ANSWERED:
            ANSWERED.add(id(asked))
            await world.click(user, button(asked, "It was" if rng.random() < 0.8 else "Not quite"))
    if message is None or rng.random() < 0.06:
        return
    for index in range(sum(b.label == "Yes" for b in message.buttons)):
        missing = user == IN_A_RUN and day >= DAYS - RUN_DAYS and index == 0
        kept = not missing and rng.random() < keeps
        await world.click(user, button(message, "Yes" if kept else "No", index))
        if not kept and rng.random() < 0.7:
            await world.say(user, rng.choice(REASONS))


async def manage(world: World, rng: random.Random, day: int, seen: dict[str, int]) -> None:
    """The managers, in the morning, read what came in since: they say they'll follow up on
    most escalations; Dana logs sessions, asks Mona to practise and sends kudos now and then."""
    for manager in MANAGERS:
        inbox = world.chat.inbox.get(manager, [])
        for message in inbox[seen.get(manager, 0):]:
            if any(b.label == "I'll follow up" for b in message.buttons) and rng.random() < 0.75:
                await world.click(manager, button(message, "I'll follow up"))
        seen[manager] = len(world.chat.inbox.get(manager, []))
    if day in SESSIONS:
        rep = SESSIONS[day]
        await world.command("dana", "accountability", f"coach @{rep}", rep)
        for line in SESSION:
            await world.say("dana", line.replace("Call volume", f"Call volume with {REPS[rep][0].split()[0]}"))
        offer = next((m for m in reversed(world.chat.inbox.get(rep, [])) if any(b.label == "Accept" for b in m.buttons)), None)
        if offer is not None:
            await world.click(rep, button(offer, "Accept"))
    if day == PRACTICE_DAY:
        await practise(world)
    if day % 9 == 4:
        rep = rng.choice([u for u, r in REPS.items() if r[1] == "dana" and u != IN_A_RUN])
        await world.command("dana", "accountability", f"kudos @{rep} {rng.choice(KUDOS)}", rep)


async def practise(world: World) -> None:
    """Dana asks Mona to practise an objection; Mona answers; Dana rates it 4."""
    await world.command("dana", "accountability", "practice @mona the too-expensive objection", "mona")
    await world.click("mona", button(world.last("mona"), "Answer"))
    await world.say("mona", "Price is what you pay; let me show you the payback in month four.")
    rating = next(m for m in reversed(world.chat.inbox["dana"]) if any(b.label == "4" for b in m.buttons))
    await world.click("dana", button(rating, "4"))


async def live(world: World) -> None:
    rng = random.Random(11)
    seen: dict[str, int] = {}
    for day in range(DAYS):
        date = (FIRST_DAY + timedelta(days=day)).date()
        await world.at(datetime(date.year, date.month, date.day, 8, 0, tzinfo=BERLIN).astimezone(UTC))
        if date.weekday() >= 5:
            continue
        await manage(world, rng, day, seen)
        await world.at(datetime(date.year, date.month, date.day, 16, 30, tzinfo=BERLIN).astimezone(UTC))
        for user in REPS:
            await answer(world, rng, user, day)
    last = (FIRST_DAY + timedelta(days=DAYS - 1)).date()
    await world.at(datetime(last.year, last.month, last.day, 17, 30, tzinfo=BERLIN).astimezone(UTC))


async def shoot(dashboard: Dashboard, browser: Browser, user: str, path: str, out: Path) -> None:
    page = await browser.new_page(viewport={"width": 1280, "height": 900}, device_scale_factor=1)
    await page.goto(await dashboard.link_for(user))
    await page.click("#sign-in")
    await page.wait_for_url("**/app/")
    await page.goto(dashboard.base + path)
    await page.wait_for_function("() => [...document.querySelectorAll('canvas')].every(c => window.Chart && Chart.getChart(c))")
    height = await page.evaluate("() => document.documentElement.scrollHeight")
    await page.screenshot(path=str(out), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": min(height, MOST_HEIGHT)})
    await page.close()


async def run(out: Path) -> None:
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="dashboard-pictures-") as folder:
        await take_pictures(f"sqlite+aiosqlite:///{folder}/team.db", out, began)


async def take_pictures(url: str, out: Path, began: float) -> None:
    async with open_dashboard(url, start=FIRST_DAY.astimezone(UTC)) as dashboard:
        await set_up(dashboard.world)
        await live(dashboard.world)
        print(f"seeded 60 days in {time.monotonic() - began:.0f} s")
        ids = {user: await dashboard.person_id(user) for user in ("dana", "mona", "lea")}
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
            for user, path, name in (("dana", f"/app/teams/{ids['dana']}", "team"),
                                     ("mona", f"/app/people/{ids['mona']}", "rep"),
                                     ("lea", f"/app/leaders/{ids['lea']}", "leader")):
                target = out / f"dashboard-{name}.png"
                await shoot(dashboard, browser, user, path, target)
                print(f"{target.relative_to(ROOT) if target.is_relative_to(ROOT) else target}: {target.stat().st_size // 1024} KB")
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="folder for the PNGs (default: docs/)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    asyncio.run(run(args.out.resolve()))


if __name__ == "__main__":
    main()
