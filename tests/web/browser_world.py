"""The dashboard's browser tests' world: a team seeded through the core as the console's people,
`python app.py console` asking the bot for sign-in links (printed as it prints them to a
person), `python app.py serve` on that database, and Debian's Chromium driven by Playwright.

Also a pytest plugin (tests/web/conftest.py takes it in): the `serving`, `served` and
`browser` fixtures, and a screenshot under tests/artifacts/ of every page a browser test had
open when it failed (`FOLLOW_THROUGH_ARTIFACTS` names another folder)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, BrowserContext, Dialog, Page, sync_playwright

from handlers.context import Context
from handlers.contract.incoming import Actor, Command
from handlers.contract.messages import Address
from handlers.contract.ports import FixedClock
from handlers.router import handle
from scheduler.dispatcher import Dispatcher
from tests.flow_world import RecordingChat, Result, World
from tests.support import Database, migrate
from tests.test_serve import free_port
from tests.web.dashboard_world import LINK, SECRET, seed_team

ROOT = Path(__file__).resolve().parents[2]
BERLIN = ZoneInfo("Europe/Berlin")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]
PEOPLE = ("mona", "dana", "lea")
LINKS_EACH = 3
"""Sign-in links the console asks for, per person, for the tests of one module."""
OPENED = pytest.StashKey[Callable[[], list[Page]]]()


def artifacts() -> Path:
    return Path(os.environ.get("FOLLOW_THROUGH_ARTIFACTS", ROOT / "tests" / "artifacts"))


class ConsoleWorld(World):
    """The seeding world, speaking as the console's people (platform "console", workspace "local")."""

    def actor(self, name: str) -> Actor:
        return Actor(Address("console", "local", name), name.capitalize(), "Europe/Berlin")

    async def command(self, name: str, command: str, text: str, *mentions: str) -> Result:
        incoming = Command(self.actor(name), command, text, tuple(Address("console", "local", m) for m in mentions))
        return await self._handled(name, await handle(self.ctx, incoming))


def last_week() -> list[datetime]:
    """16:30 in Berlin on Monday to Friday of the week before this one (so the pages' default
    30 days hold them, whenever the test runs)."""
    today = datetime.now(BERLIN).date()
    monday = today - timedelta(days=today.weekday() + 7)
    return [datetime.combine(monday + timedelta(days=n), clock_time(16, 30), BERLIN).astimezone(UTC) for n in range(5)]


async def seed(url: str, times: list[datetime]) -> None:
    await migrate(url)
    async with Database(url) as db:
        start = datetime.combine(date.fromisoformat(times[0].astimezone(BERLIN).date().isoformat()), clock_time(8), BERLIN)
        clock = FixedClock(start.astimezone(UTC))
        chat = RecordingChat(platform="console")
        world = ConsoleWorld(ctx=Context(store=db.store, clock=clock), clock=clock, chat=chat,
                             dispatcher=Dispatcher(db.store, {"console": chat}, clock), db=db)
        await seed_team(world, times)


@dataclass
class Served:
    """`serve` on the seeded database at `base`, and the unused sign-in links the console printed."""

    base: str
    links: dict[str, list[str]]

    def take(self, name: str) -> str:
        """A sign-in link for `name` that no test has used yet."""
        assert self.links[name], f"no sign-in link left for {name}: raise LINKS_EACH"
        return self.links[name].pop(0)


@pytest.fixture(scope="module")
def serving(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    """A seeded database, `serve` on it, and LINKS_EACH sign-in links the console printed for
    each of mona, dana and lea."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('browser')}/browser.db"
    asyncio.run(seed(url, last_week()))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SESSION_SECRET": SECRET, "PORT": str(port),
           "DASHBOARD_URL": f"http://127.0.0.1:{port}", "TZ": "Europe/Berlin"}
    console = subprocess.run(
        [sys.executable, "app.py", "console"], cwd=ROOT, env=env, text=True, capture_output=True, timeout=60,
        input="".join(f":as {name}\n/accountability dashboard\n" for name in PEOPLE * LINKS_EACH),
    )
    assert console.returncode == 0, console.stderr
    links: dict[str, list[str]] = {name: [] for name in PEOPLE}
    for found in re.finditer(rf"bot → ({'|'.join(PEOPLE)}): .*?{LINK.pattern}", console.stdout):
        links[found.group(1)].append(found.group(2))
    assert all(len(mine) == LINKS_EACH for mine in links.values()), console.stdout
    process = subprocess.Popen([sys.executable, "app.py", "serve", "--no-scheduler"], cwd=ROOT, env=env,
                               stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                assert process.poll() is None and time.monotonic() < deadline, process.stderr.read() if process.stderr else ""
                time.sleep(0.2)
        yield Served(f"http://127.0.0.1:{port}", links)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


@pytest.fixture(scope="module")
def served(serving: Served) -> tuple[str, dict[str, str]]:
    """The server's base URL and one unused sign-in link each for mona, dana and lea."""
    return serving.base, {name: serving.take(name) for name in PEOPLE}


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Watched:
    """A page that remembers what the browser complained about, and its screenshots on failure."""

    def __init__(self, page: Page, name: str) -> None:
        self.page, self.name = page, name
        page.set_default_timeout(5000)
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(str(e)))
        page.on("dialog", self._dismiss)

    def _dismiss(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def shoot(self) -> None:
        artifacts().mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(artifacts() / f"{self.name}.png"), full_page=True)


def chart_points(page: Page, canvas_id: str) -> dict[str, list[float | None]]:
    page.wait_for_function(f"() => window.Chart && Chart.getChart(document.getElementById('{canvas_id}'))", timeout=5000)
    return page.evaluate(
        f"() => Object.fromEntries(Chart.getChart(document.getElementById('{canvas_id}')).data.datasets.map(d => [d.label, d.data]))"
    )


def sign_in(browser: Browser, link: str, name: str) -> Watched:
    watched = Watched(browser.new_page(), name)
    watched.page.goto(link)
    watched.page.click("#sign-in")
    watched.page.wait_for_url("**/app/")
    return watched


@pytest.fixture(autouse=True)
def _pages_of_this_test(request: pytest.FixtureRequest) -> Iterator[None]:
    """For a test that uses the browser: remember the pages it opens (for the screenshots on
    failure) and close them after it."""
    if "browser" not in request.fixturenames:
        yield
        return
    browser: Browser = request.getfixturevalue("browser")
    before = set(browser.contexts)

    def opened() -> list[Page]:
        return [page for context in browser.contexts if context not in before for page in context.pages]

    request.node.stash[OPENED] = opened
    yield
    mine: list[BrowserContext] = [context for context in browser.contexts if context not in before]
    for context in mine:
        context.close()


def screenshot_pages(name: str, pages: list[Page]) -> list[Path]:
    """A full-page PNG of each page under the artifacts folder, named after the test."""
    folder = artifacts()
    folder.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-")
    saved = []
    for n, page in enumerate(pages):
        path = folder / f"{stem}{'' if len(pages) == 1 else f'-{n + 1}'}.png"
        try:
            page.screenshot(path=str(path), full_page=True)
        except Exception as error:  # a page that crashed or closed: the test's own failure matters more
            sys.stderr.write(f"no screenshot of {page.url}: {error}\n")
            continue
        saved.append(path)
    return saved


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report = yield
    opened = item.stash.get(OPENED, None)
    if report.when == "call" and report.failed and opened is not None:
        for path in screenshot_pages(item.name, opened()):
            report.sections.append(("Screenshot on failure", str(path)))
    return report
