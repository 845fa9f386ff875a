"""The dashboard's rep, manager and leader pages over real HTTP: what they show (terms, the day-by-day
calendar, streaks, what the manager was told; the team's weekly follow-through, runs,
escalations and their follow-up), the chart data beside each table, the period filter, the
security headers on every response, and user text shown as text."""

from __future__ import annotations

import csv
import html
import io
import json
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.web.dashboard_world import SCRIPT_TITLE, Dashboard, open_dashboard, seed_team

ROOT = Path(__file__).resolve().parents[2]
CHART = re.compile(r'<script type="application/json" data-chart-for="([a-z-]+)">(.*?)</script>', re.S)


def charts(page: str) -> dict[str, Any]:
    return {name: json.loads(body) for name, body in CHART.findall(page)}


@pytest.fixture
async def team(tmp_path: Path) -> AsyncIterator[Dashboard]:
    async with open_dashboard(f"sqlite+aiosqlite:///{tmp_path}/pages.db") as dashboard:
        await seed_team(dashboard.world)
        await dashboard.world.command("mona", "accountability", "terms")
        yield dashboard


async def test_the_rep_page_shows_the_week_as_the_rep_lived_it(team: Dashboard) -> None:
    await team.sign_in("mona")
    status, page = await team.get("mona", f"/app/people/{await team.person_id('mona')}")
    assert status == 200
    assert "No terms chosen yet, so the defaults apply" in page and "weekdays at 16:30" in page
    row = re.search(r"<tr><td>1</td><td class=\"title\">20 calls</td><td>(.*?)</td><td>(\d+)</td><td>(\d+)</td><td>(.*?)</td></tr>", page)
    assert row and row.groups() == ("active", "2", "2", "3 of 5")
    heat = re.search(r'<th scope="row" class="title">#1 20 calls</th>(.*?)</tr>', page, re.S)
    assert heat is not None
    assert re.findall(r'class="s-(yes|no)"', heat.group(1)) == ["yes", "no", "no", "yes", "yes"]
    chart = charts(page)["checkins-chart"]
    assert len(chart["labels"]) == 30 and chart["labels"][-1] == "2026-11-27"
    by_status = {d["key"]: d["data"][-5:] for d in chart["datasets"]}
    assert by_status["yes"] == [2, 1, 1, 2, 2] and by_status["no"] == [0, 1, 1, 0, 0]
    assert "Mona has missed “20 calls”" in page, "the rep sees what their manager was told"


async def test_user_text_shows_as_text(team: Dashboard) -> None:
    for name, path in (("mona", "/app/people/{mona}"), ("dana", "/app/teams/{dana}")):
        await team.sign_in(name)
        ids = {"mona": await team.person_id("mona"), "dana": await team.person_id("dana")}
        status, page = await team.get(name, path.format(**ids))
        assert status == 200
        assert SCRIPT_TITLE not in page
        if name == "mona":
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>" not in page.replace('<script type="application/json"', "").replace('<script src="/app/static/', "")


async def test_the_team_page_shows_each_rep_week_by_week_and_who_needs_help(team: Dashboard) -> None:
    await team.sign_in("dana")
    dana = await team.person_id("dana")
    status, page = await team.get("dana", f"/app/teams/{dana}")
    assert status == 200
    chart = charts(page)["team-chart"]
    assert [d["label"] for d in chart["datasets"]] == ["Mona", "Olga"]
    assert len(chart["labels"]) == 5
    mona, olga = (d["data"] for d in chart["datasets"])
    assert mona[-2:] == [75.0, 83.3] and olga[-2:] == [0.0, 0.0]
    assert "<td>3/4 (75%)</td><td>5/6 (83%)</td>" in page and "<td>0/2 (0%)</td><td>0/3 (0%)</td>" in page
    # five Nos, the last still open for its reflection until the day ends: a run of 4 so far
    assert "<tr><td>Olga</td><td class=\"title\">#1 update CRM</td><td>4</td></tr>" in page
    assert "Zed" not in page, "zed's own run is nobody's business here"
    assert page.count("has missed") == 2 and "not yet (due" in page

    status, wider = await team.get("dana", f"/app/teams/{dana}?days=90")
    assert status == 200 and len(charts(wider)["team-chart"]["labels"]) == 13
    assert '<strong aria-current="page">last 90 days</strong>' in wider
    status, odd = await team.get("dana", f"/app/teams/{dana}?days=7000")
    assert status == 200 and len(charts(odd)["team-chart"]["labels"]) == 5, "an unknown period is the default one"


async def test_a_follow_up_shows_how_soon_it_came(team: Dashboard) -> None:
    escalation = next(m for m in team.world.chat.inbox["dana"] if "Olga has missed" in m.plain_text)
    from tests.flow_world import button

    await team.world.click("dana", button(escalation, "I'll follow up"))
    await team.sign_in("dana")
    status, page = await team.get("dana", f"/app/teams/{await team.person_id('dana')}")
    row = re.search(r"<td>Olga</td><td>Olga has missed[^<]*</td><td>([^<]*)</td><td class=\"state-([a-z-]+)\">", page)
    assert row and row.group(1).startswith("said they&#39;d follow up after ") and row.group(2) == "in-time"


async def test_every_response_carries_the_security_headers(team: Dashboard) -> None:
    await team.sign_in("mona")
    mona = await team.person_id("mona")
    for who, path, expected in (
        ("mona", f"/app/people/{mona}", 200), ("mona", f"/app/teams/{await team.person_id('dana')}", 403),
        ("nobody", "/app/", 401), ("nobody", "/app/sign-in/nonsense", 400), ("mona", "/app/static/dashboard.js", 200),
        ("mona", "/app/nowhere", 404),
    ):
        async with team.browser(who).get(path) as response:
            assert response.status == expected, path
            csp = response.headers.get("Content-Security-Policy", "")
            assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, path
            assert response.headers.get("X-Content-Type-Options") == "nosniff", path
            assert response.headers.get("Referrer-Policy") == "no-referrer", path


async def test_the_leader_page_its_csv_and_the_report_agree(team: Dashboard, tmp_path: Path) -> None:
    await team.sign_in("lea")
    lea = await team.person_id("lea")
    status, page = await team.get("lea", f"/app/leaders/{lea}?days=30")
    assert status == 200
    chart = charts(page)["leader-chart"]
    assert chart["labels"] == ["Dana"] and chart["datasets"][0]["data"] == [50.0]
    table = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr>(<td>.*?)</tr>", re.search(r'<table id="leader-table">(.*?)</table>', page, re.S).group(1))]  # type: ignore[union-attr]
    async with team.browser("lea").get(f"/app/leaders/{lea}.csv?days=30") as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
        assert response.headers["Content-Disposition"].startswith("attachment;")
        downloaded = list(csv.reader(io.StringIO(await response.text())))
    assert downloaded[1:] == [[html.unescape(cell) for cell in row] for row in table], "the CSV is exactly the table"
    assert [row[0] for row in downloaded[1:]] == ["Dana", "All teams"]

    now = team.world.clock.now()
    since = now - timedelta(days=30)
    env = {**os.environ, "DATABASE_URL": team.world.db.url}
    printed = subprocess.run(
        [sys.executable, "app.py", "report", "--since", since.isoformat(), "--until", now.isoformat(), "--team", "dana", "--format", "csv"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert printed.returncode == 0, printed.stderr
    reported = list(csv.reader(io.StringIO(printed.stdout)))
    assert reported[0] == downloaded[0] and reported[1] == downloaded[1], "the same figures as `app.py report`"
