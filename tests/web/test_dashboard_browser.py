"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright): a team
lives a week on the console's platform, the bot sends sign-in links on the console, and the rep
and the manager open them in the browser against `python app.py serve`: the charts are drawn
(Chart.js has data points), the period filter is followed, the injected `<script>` commitment
shows as text, and nothing breaks the Content-Security-Policy. On failure each page's
screenshot is saved under tests/artifacts/ (the fixtures: tests/web/browser_world.py)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from playwright.sync_api import Browser

from handlers.report_format import FORMULA_STARTS
from tests.web.browser_world import chart_points, sign_in
from tests.web.dashboard_world import SCRIPT_TITLE


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
        unguarded = [[c[1:] if c[:1] == "'" and c[1:2] in FORMULA_STARTS else c for c in row] for row in rows[1:]]  # the CSV guard's quote
        assert unguarded == shown and [row[0] for row in rows[1:]] == ["Dana", "All teams"]
        assert leader.problems == []
    except BaseException:
        leader.shoot()
        raise
