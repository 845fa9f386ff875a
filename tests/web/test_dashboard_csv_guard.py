"""A manager whose name is a spreadsheet formula: the dashboard's leader page shows the name as
text, and both CSVs guard it (the leader CSV over real HTTP into the served app, and
`python app.py report --format csv` as an operator runs it), with the same row in each."""

from __future__ import annotations

import csv
import html
import io
import os
import re
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

from handlers.contract.incoming import Actor, TextMessage
from handlers.contract.messages import Address
from handlers.report_format import FORMULA_STARTS
from handlers.router import handle
from tests.flow_world import onboard_with_defaults
from tests.web.dashboard_world import open_dashboard

ROOT = Path(__file__).resolve().parents[2]
HYPERLINK = '=HYPERLINK("http://x","y")'


def as_shown(cell: str) -> str:
    """A CSV cell as the page shows it: without the guard's leading quote."""
    return cell[1:] if cell[:1] == "'" and cell[1:2] in FORMULA_STARTS else cell


async def test_a_formula_for_a_name_comes_out_guarded_in_the_dashboard_csv_and_the_report(tmp_path: Path) -> None:
    async with open_dashboard(f"sqlite+aiosqlite:///{tmp_path}/guard.db") as dash:
        world = dash.world
        actor = Actor(Address("test", "T1", "hyper"), HYPERLINK, "Europe/Berlin")
        await world._handled("hyper", await handle(world.ctx, TextMessage(actor, "hi")))
        await world.choose("hyper", "Keep the defaults for now")
        for name in ("lea", "mona"):
            await onboard_with_defaults(world, name)
        await world.command("mona", "accountability", "manager @hyper", "hyper")
        await world.command("hyper", "accountability", "manager @lea", "lea")
        assert (await world.person("hyper")).display_name == HYPERLINK

        await dash.sign_in("lea")
        lea = await dash.person_id("lea")
        status, page = await dash.get("lea", f"/app/leaders/{lea}?days=30")
        assert status == 200
        table = re.search(r'<table id="leader-table">(.*?)</table>', page, re.S)
        assert table, page
        shown = [[html.unescape(cell) for cell in re.findall(r"<td>(.*?)</td>", tr)] for tr in re.findall(r"<tr>(<td>.*?)</tr>", table.group(1))]
        assert [row[0] for row in shown] == [HYPERLINK, "All teams"], "the page shows the name as it is"
        async with dash.browser("lea").get(f"/app/leaders/{lea}.csv?days=30") as response:
            assert response.status == 200
            downloaded = list(csv.reader(io.StringIO(await response.text())))
        assert downloaded[1][0] == "'" + HYPERLINK
        assert [[as_shown(cell) for cell in row] for row in downloaded[1:]] == shown, "the CSV is the table, guarded"

        now = world.clock.now()
        env = {**os.environ, "DATABASE_URL": world.db.url}
        printed = subprocess.run(
            [sys.executable, "app.py", "report", "--since", (now - timedelta(days=30)).isoformat(), "--until", now.isoformat(),
             "--team", "hyper", "--format", "csv"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
        )
        assert printed.returncode == 0, printed.stderr
        reported = list(csv.reader(io.StringIO(printed.stdout)))
        assert reported[1][0] == "'" + HYPERLINK and reported[:2] == downloaded[:2], "the same guarded row as the dashboard's"
