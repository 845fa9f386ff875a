"""Signing in to the served dashboard over real HTTP with a link a chat platform delivered:
used by the Slack and Teams tests of the "Dashboard" button.

The link names `DASHBOARD_URL` (the public address); the tests reach the same server on
127.0.0.1, so `local` swaps the one for the other, as a reverse proxy would."""

from __future__ import annotations

import re

import aiohttp

from tests.web.dashboard_world import CSRF, LINK

DASHBOARD_URL = "http://dashboard.example.test"


def links_in(texts: list[str]) -> list[str]:
    """Every sign-in link in these texts, in order."""
    return [found.group(1) for text in texts for found in LINK.finditer(text)]


def local(link: str, server_url: str) -> str:
    """The link as reached on the server under test."""
    assert link.startswith(DASHBOARD_URL + "/app/sign-in/"), link
    return server_url + link.removeprefix(DASHBOARD_URL)


async def sign_in_with(link: str, server_url: str) -> tuple[str, aiohttp.ClientSession]:
    """Open the link, press "Sign in", and return the signed-in home page and the browser
    (its cookie jar; the caller closes it)."""
    url = local(link, server_url)
    browser = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        async with browser.get(url) as response:
            page = await response.text()
            assert response.status == 200, page
        csrf = CSRF.search(page)
        assert csrf, page
        async with browser.post(url, data={"csrf": csrf.group(1)}, allow_redirects=False) as response:
            assert (response.status, response.headers.get("Location")) == (303, "/app/"), await response.text()
        async with browser.get(server_url + "/app/") as response:
            home = await response.text()
            assert response.status == 200, home
    except BaseException:
        await browser.close()
        raise
    return home, browser


async def spent(link: str, server_url: str) -> bool:
    """The link no longer signs anyone in (opened again: "used already")."""
    async with aiohttp.ClientSession() as browser, browser.get(local(link, server_url)) as response:
        page = await response.text()
    return response.status == 410 and re.search(r"used already", page) is not None
