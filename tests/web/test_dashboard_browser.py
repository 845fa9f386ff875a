"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright): a team
lives a week on the console's platform, the bot sends sign-in links on the console, and the rep
and the manager open them in the browser against `python app.py serve`: the charts are drawn
(Chart.js has data points), the period filter is followed, the injected `<script>` commitment
shows as text, and nothing breaks the Content-Security-Policy. On failure each page's
screenshot is saved under tests/artifacts/."""

from __future__ import annotations

import asyncio
import csv
import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from handlers.context import Context
from handlers.contract.incoming import Actor, Command
from handlers.contract.messages import Address
from handlers.contract.ports import FixedClock
from handlers.router import handle
from scheduler.dispatcher import Dispatcher
from tests.flow_world import RecordingChat, Result, World
from tests.support import Database, migrate
from tests.test_serve import free_port
from tests.web.dashboard_world import LINK, SCRIPT_TITLE, SECRET, seed_team

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
BERLIN = ZoneInfo("Europe/Berlin")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"]


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


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A seeded database, `serve` on it, and the sign-in links the console printed for mona, dana
    and lea (one each, so the tests of this module share them)."""
    url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('browser')}/browser.db"
    asyncio.run(seed(url, last_week()))
    port = free_port()
    env = {**os.environ, "DATABASE_URL": url, "SESSION_SECRET": SECRET, "PORT": str(port),
           "DASHBOARD_URL": f"http://127.0.0.1:{port}", "TZ": "Europe/Berlin"}
    console = subprocess.run(
        [sys.executable, "app.py", "console"], cwd=ROOT, env=env, text=True, capture_output=True, timeout=60,
        input="".join(f":as {name}\n/accountability dashboard\n" for name in ("mona", "dana", "lea")),
    )
    assert console.returncode == 0, console.stderr
    links = {name: found.group(1) for name in ("mona", "dana", "lea")
             for found in [re.search(rf"bot → {name}: .*?{LINK.pattern}", console.stdout)] if found}
    assert set(links) == {"mona", "dana", "lea"}, console.stdout
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
        yield f"http://127.0.0.1:{port}", links
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=20)


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
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))

    def shoot(self) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{self.name}.png"), full_page=True)


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


def test_a_rep_signs_in_from_the_console_link_and_sees_their_week(served: tuple[str, dict[str, str]], browser: Browser) -> None:
    base, links = served
    rep = sign_in(browser, links["mona"], "rep-page")
    try:
        rep.page.click("text=Your page")
        points = chart_points(rep.page, "checkins-chart")
        assert sum(v or 0 for v in points["Yes"]) == 8 and sum(v or 0 for v in points["No"]) == 2
        title = rep.page.locator("#commitments td.title").nth(1).inner_text()
        assert title == SCRIPT_TITLE
        assert rep.dialogs == [] and rep.problems == []
        rep.page.click("a[data-days='90']")
        rep.page.wait_for_url("**?days=90")
        assert len(rep.page.evaluate("() => Chart.getChart(document.getElementById('checkins-chart')).data.labels")) == 90
        rep.page.goto(base + links["mona"].removeprefix(base))
        assert "used already" in rep.page.content()
    except BaseException:
        rep.shoot()
        raise


def test_a_manager_sees_the_team_and_follows_the_period_filter(served: tuple[str, dict[str, str]], browser: Browser) -> None:
    _, links = served
    manager = sign_in(browser, links["dana"], "manager-page")
    try:
        manager.page.click("text=Your team")
        points = chart_points(manager.page, "team-chart")
        assert set(points) == {"Mona", "Olga"}
        assert any(v for v in points["Mona"]) and any(v == 0 for v in points["Olga"])
        assert manager.page.locator("text=Who needs help now").count() == 1
        manager.page.click("a[data-days='90']")
        manager.page.wait_for_url("**?days=90")
        assert len(chart_points(manager.page, "team-chart")["Mona"]) == 13
        manager.page.click("main a:text-is('Mona')")
        assert manager.page.locator("#commitments td.title").nth(1).inner_text() == SCRIPT_TITLE
        assert manager.dialogs == [] and manager.problems == []
        manager.page.click("text=Sign out Dana")
        assert "signed out" in manager.page.content()
    except BaseException:
        manager.shoot()
        raise


def test_a_leader_sees_each_manager_and_downloads_exactly_the_table(served: tuple[str, dict[str, str]], browser: Browser) -> None:
    _, links = served
    leader = sign_in(browser, links["lea"], "leader-page")
    try:
        leader.page.click("text=Leader view")
        points = chart_points(leader.page, "leader-chart")
        shown = [[cell.inner_text() for cell in row.locator("td").all()] for row in leader.page.locator("#leader-table tbody tr").all()]
        assert points["Follow-through %"] == [float(shown[0][3])] and 0 < float(shown[0][3]) < 100, "the chart draws the table"
        with leader.page.expect_download() as download:
            leader.page.click("#csv")
        rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
        assert rows[1:] == shown and [row[0] for row in rows[1:]] == ["Dana", "All teams"]
        assert leader.problems == []
    except BaseException:
        leader.shoot()
        raise
