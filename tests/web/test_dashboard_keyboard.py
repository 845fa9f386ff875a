"""The dashboard with the keyboard alone, in a real headless Chromium against `python app.py
serve`: from the top of each page, Tab visits a "Skip to content" link first (shown when
focused), then the pages' links, the sign-out button, the period filter, the CSV download and
each scrollable table, every stop with a visible focus outline. People sign in with Enter,
follow a page and the period filter with Enter, download the CSV with Enter and sign out with
Space. Each chart has an accessible name and is described by the caption of its table, which
Tab reaches. Without JavaScript the tables are the page."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page, expect

from tests.web.browser_world import Served, chart_points

MOST_TABS = 80
DESCRIBE_FOCUSED = """() => {
  const e = document.activeElement;
  if (!e || e === document.body) { return null; }
  const style = getComputedStyle(e);
  const role = e.getAttribute("role");
  const name = role === "region" ? "region:" + e.getAttribute("aria-labelledby")
    : e.tagName.toLowerCase() === "button" ? "button:" + e.innerText.trim()
    : e.tagName.toLowerCase() === "a" ? "link:" + e.innerText.trim()
    : e.tagName.toLowerCase() + (e.id ? "#" + e.id : "");
  const box = e.getBoundingClientRect();
  return { name: name, outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
           visible: box.width > 0 && box.height > 0 && box.bottom > 0 && box.right > 0 };
}"""
CHARTS = """() => [...document.querySelectorAll("canvas")].map(c => {
  const described = document.getElementById(c.getAttribute("aria-describedby") || "");
  const table = described && described.closest("table");
  const region = table && table.closest("[role=region]");
  return { id: c.id, region: region ? "region:" + region.getAttribute("aria-labelledby") : null,
           focusable: !!region && region.tabIndex === 0, rows: table ? table.rows.length : 0 };
})"""


def focused(page: Page) -> dict[str, Any] | None:
    described: dict[str, Any] | None = page.evaluate(DESCRIBE_FOCUSED)
    return described


def tab_stops(page: Page) -> list[dict[str, Any]]:
    """Each element Tab focuses, from the top of the page until focus leaves the page or comes
    round again."""
    from_the_top(page)
    stops: list[dict[str, Any]] = []
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if now is None or (stops and now["name"] == stops[0]["name"]):
            return stops
        stops.append(now)
    raise AssertionError(f"Tab never left the page: {[s['name'] for s in stops]}")


def from_the_top(page: Page) -> None:
    """The page as just opened: nothing focused, Tab starts at its top."""
    page.reload()


def names(stops: list[dict[str, Any]]) -> list[str]:
    return [stop["name"] for stop in stops]


def in_order(seen: list[str], expected: list[str]) -> bool:
    """`expected` appears in `seen` in this order (other stops may come between)."""
    rest = iter(seen)
    return all(any(name == wanted for name in rest) for wanted in expected)


def tab_to(page: Page, name: str) -> None:
    """Press Tab until the element called `name` has the focus."""
    for _ in range(MOST_TABS):
        page.keyboard.press("Tab")
        now = focused(page)
        if now is not None and now["name"] == name:
            return
    raise AssertionError(f"Tab never reached {name}")


def assert_focus_is_visible(stops: list[dict[str, Any]]) -> None:
    hidden = [s["name"] for s in stops if s["outline"] == "none" or s["width"] < 2 or not s["visible"]]
    assert hidden == [], f"no visible focus on {hidden}"


def sign_in_by_keyboard(browser: Browser, link: str, *, javascript: bool = True) -> Page:
    context = browser.new_context(java_script_enabled=javascript, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(5000)
    page.goto(link)
    stops = tab_stops(page)
    assert names(stops) == ["link:Skip to content", "link:Follow-Through", "button:Sign in"]
    assert_focus_is_visible(stops)
    tab_to(page, "button:Sign in")
    page.keyboard.press("Enter")
    page.wait_for_url("**/app/")
    return page


def follow(page: Page, name: str, key: str = "Enter") -> None:
    """Tab to `name` and press `key` on it, which opens another page."""
    tab_to(page, name)
    with page.expect_navigation():
        page.keyboard.press(key)


def test_the_skip_link_comes_first_shows_when_focused_and_skips_the_header(serving: Served, browser: Browser) -> None:
    page = sign_in_by_keyboard(browser, serving.take("mona"))
    follow(page, "link:Your page")
    skip = page.locator("a.skip")
    assert skip.bounding_box() is not None and skip.bounding_box()["y"] + skip.bounding_box()["height"] <= 0, "hidden until focused"  # type: ignore[index]
    from_the_top(page)
    page.keyboard.press("Tab")
    assert (focused(page) or {}).get("name") == "link:Skip to content"
    box = skip.bounding_box()
    assert box is not None and box["y"] >= 0 and box["width"] > 0, "shown when focused"
    page.keyboard.press("Enter")
    assert (focused(page) or {}).get("name") == "main#content"
    page.keyboard.press("Tab")
    assert (focused(page) or {}).get("name") == "link:last 90 days", "the header's links are skipped"


def test_a_rep_moves_through_their_page_changes_the_period_and_signs_out_with_the_keyboard(serving: Served, browser: Browser) -> None:
    page = sign_in_by_keyboard(browser, serving.take("mona"))
    home = tab_stops(page)
    assert names(home)[:5] == ["link:Skip to content", "link:Follow-Through", "link:My page", "button:Sign out Mona", "link:Your page"]
    follow(page, "link:Your page")
    assert page.locator("h1").inner_text() == "Mona"
    stops = tab_stops(page)
    assert names(stops)[:4] == ["link:Skip to content", "link:Follow-Through", "link:My page", "button:Sign out Mona"]
    assert in_order(names(stops), ["button:Sign out Mona", "link:last 90 days", "region:heat-caption"]), names(stops)
    assert len(names(stops)) == len(set(names(stops))), "each control once"
    assert_focus_is_visible(stops)
    assert_charts_are_named_and_their_tables_reachable(page, names(stops))

    follow(page, "link:last 90 days")
    assert page.url.endswith("?days=90")
    assert page.locator("strong[aria-current=page]").inner_text() == "last 90 days"
    assert len(chart_points(page, "checkins-chart")["Yes"]) == 90
    assert "link:last 30 days" in names(tab_stops(page))

    follow(page, "button:Sign out Mona", key="Space")
    assert page.locator("h1").inner_text() == "Signed out"
    page.goto(serving.base + "/app/")
    assert page.locator("h1").inner_text() == "Please sign in"


def test_a_manager_reaches_the_team_its_table_and_each_rep_with_the_keyboard(serving: Served, browser: Browser) -> None:
    page = sign_in_by_keyboard(browser, serving.take("dana"))
    follow(page, "link:My team")
    assert page.locator("h1").inner_text() == "Dana's team"
    stops = tab_stops(page)
    assert in_order(names(stops), [
        "link:Skip to content", "link:Follow-Through", "link:My page", "link:My team", "button:Sign out Dana",
        "link:last 90 days", "region:rates-caption", "link:Mona", "link:Olga",
    ]), names(stops)
    assert_focus_is_visible(stops)
    assert_charts_are_named_and_their_tables_reachable(page, names(stops))
    expect(page.locator("#team-chart")).to_have_accessible_name("Each rep's follow-through per week, in percent")

    follow(page, "link:last 90 days")
    assert page.url.endswith("?days=90") and len(chart_points(page, "team-chart")["Mona"]) == 13
    follow(page, "link:Olga")
    assert page.locator("h1").inner_text() == "Olga"
    follow(page, "button:Sign out Dana")
    assert page.locator("h1").inner_text() == "Signed out"


def test_a_leader_downloads_the_csv_with_the_keyboard(serving: Served, browser: Browser) -> None:
    page = sign_in_by_keyboard(browser, serving.take("lea"))
    follow(page, "link:Leader view")
    stops = tab_stops(page)
    assert in_order(names(stops), [
        "link:Skip to content", "link:My page", "link:Leader view", "link:Dana's team", "button:Sign out Lea",
        "link:last 90 days", "link:Download this table as CSV", "region:leader-caption",
    ]), names(stops)
    assert_focus_is_visible(stops)
    assert_charts_are_named_and_their_tables_reachable(page, names(stops))
    tab_to(page, "link:Download this table as CSV")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    assert download.value.suggested_filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    shown = [[cell.inner_text() for cell in row.locator("td").all()] for row in page.locator("#leader-table tbody tr").all()]
    assert len(rows) == 1 + len(shown) and [row[0] for row in rows[1:]] == [row[0] for row in shown] == ["Dana", "All teams"]


def test_without_javascript_the_tables_are_the_page(serving: Served, browser: Browser) -> None:
    page = sign_in_by_keyboard(browser, serving.take("dana"), javascript=False)
    follow(page, "link:My team")
    assert page.locator(".chart").first.is_hidden(), "no empty chart box"
    assert page.locator("#rates").is_visible()
    assert re.search(r"\d+/\d+ \(\d+%\)", page.locator("#rates tbody").inner_text())
    follow(page, "link:Mona")
    assert page.locator("#heat").is_visible() and page.locator("#commitments").is_visible()
    assert page.locator("#heat td.s-yes").count() == 8 and page.locator("#heat td.s-no").count() == 2
    stops = tab_stops(page)
    assert in_order(names(stops), ["link:Skip to content", "button:Sign out Dana", "link:last 90 days", "region:heat-caption"])


def assert_charts_are_named_and_their_tables_reachable(page: Page, stops: list[str]) -> None:
    charts = page.evaluate(CHARTS)
    assert charts, "the page has a chart"
    for chart in charts:
        canvas = page.locator(f"#{chart['id']}")
        assert (canvas.get_attribute("role"), bool(canvas.get_attribute("aria-label"))) == ("img", True), chart
        expect(canvas).to_have_accessible_description(re.compile(r"\S"))
        assert chart["focusable"] and chart["region"] in stops and chart["rows"] > 1, chart
