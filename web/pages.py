"""The dashboard's pages: the start page, a rep's page and a manager's team page. Who may see
which is the core's decision (`handlers.dashboard_pages.check`); a page refused is a 403 that
shows nothing of it."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from aiohttp_session import get_session

from handlers.dashboard_leader import leader_view
from handlers.dashboard_pages import PERIODS, home, period
from handlers.dashboard_rep import rep_view
from handlers.dashboard_team import team_view
from web.security import context, csrf_token, message, page, signed_in

NOT_SIGNED_IN = (401, "Please sign in", "Sign in from the chat: send me /accountability dashboard and open the link I send you.")
V = TypeVar("V")
ViewBuilder = Callable[..., Awaitable[V | None]]
"""`rep_view`, `team_view`, `leader_view`: (store, viewer, id, days, now) -> the view, or None."""
REFUSED = (403, "Not yours to see", "This page belongs to someone whose data you can't see. Nothing of it is shown.")


def _id(request: web.Request) -> int:
    raw = request.match_info["person_id"]
    if not raw.isdigit() or len(raw) > 18:
        raise web.HTTPNotFound()
    return int(raw)


async def start(request: web.Request) -> web.Response:
    viewer = await signed_in(request)
    found = await home(context(request).store, viewer) if viewer is not None else None
    if found is None:
        return message(request, *NOT_SIGNED_IN)
    nav, person = found
    csrf = await csrf_token(await get_session(request))
    return page(request, "home.html", nav=nav, csrf=csrf, name=person.display_name)


async def _view(request: web.Request, build: ViewBuilder[V]) -> V | web.Response:
    """The page's view for the signed-in viewer, or the page that says why there is none
    (not signed in; not theirs to see)."""
    viewer = await signed_in(request)
    if viewer is None:
        return message(request, *NOT_SIGNED_IN)
    ctx = context(request)
    view = await build(ctx.store, viewer, _id(request), period(request.query.get("days")), ctx.clock.now())
    return view if view is not None else message(request, *REFUSED)


async def _page(request: web.Request, template: str, view: Any) -> web.Response:
    csrf = await csrf_token(await get_session(request))
    return page(request, template, view=view, nav=view.nav, csrf=csrf, periods=PERIODS)


async def rep(request: web.Request) -> web.StreamResponse:
    view = await _view(request, rep_view)
    return view if isinstance(view, web.StreamResponse) else await _page(request, "rep.html", view)


async def team(request: web.Request) -> web.StreamResponse:
    view = await _view(request, team_view)
    return view if isinstance(view, web.StreamResponse) else await _page(request, "team.html", view)


async def leader(request: web.Request) -> web.StreamResponse:
    view = await _view(request, leader_view)
    if isinstance(view, web.StreamResponse):
        return view
    if request.match_info.get("format") == ".csv":
        name = f"coaching-{view.since:%Y-%m-%d}-to-{view.until:%Y-%m-%d}.csv"
        return web.Response(
            text=view.csv, content_type="text/csv", charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    return await _page(request, "leader.html", view)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", start)
    app.router.add_get("/people/{person_id}", rep)
    app.router.add_get("/teams/{person_id}", team)
    app.router.add_get("/leaders/{person_id:[0-9]+}{format:(\\.csv)?}", leader)
