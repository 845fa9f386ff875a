"""The dashboard's pages: the start page, a rep's page and a manager's team page. Who may see
which is the core's decision (`handlers.dashboard_pages.check`); a page refused is a 403 that
shows nothing of it."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session

from handlers.dashboard_leader import leader_view
from handlers.dashboard_pages import PERIODS, home, period
from handlers.dashboard_rep import rep_view
from handlers.dashboard_team import team_view
from web.security import context, csrf_token, message, page, signed_in

NOT_SIGNED_IN = (401, "Please sign in", "Sign in from the chat: send me /accountability dashboard and open the link I send you.")
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


async def rep(request: web.Request) -> web.Response:
    viewer = await signed_in(request)
    if viewer is None:
        return message(request, *NOT_SIGNED_IN)
    ctx = context(request)
    view = await rep_view(ctx.store, viewer, _id(request), period(request.query.get("days")), ctx.clock.now())
    if view is None:
        return message(request, *REFUSED)
    csrf = await csrf_token(await get_session(request))
    return page(request, "rep.html", view=view, nav=view.nav, csrf=csrf, periods=PERIODS)


async def team(request: web.Request) -> web.Response:
    viewer = await signed_in(request)
    if viewer is None:
        return message(request, *NOT_SIGNED_IN)
    ctx = context(request)
    view = await team_view(ctx.store, viewer, _id(request), period(request.query.get("days")), ctx.clock.now())
    if view is None:
        return message(request, *REFUSED)
    csrf = await csrf_token(await get_session(request))
    return page(request, "team.html", view=view, nav=view.nav, csrf=csrf, periods=PERIODS)


async def leader(request: web.Request) -> web.StreamResponse:
    viewer = await signed_in(request)
    if viewer is None:
        return message(request, *NOT_SIGNED_IN)
    ctx = context(request)
    view = await leader_view(ctx.store, viewer, _id(request), period(request.query.get("days")), ctx.clock.now())
    if view is None:
        return message(request, *REFUSED)
    if request.match_info.get("format") == ".csv":
        name = f"coaching-{view.since:%Y-%m-%d}-to-{view.until:%Y-%m-%d}.csv"
        return web.Response(
            text=view.csv, content_type="text/csv", charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )
    csrf = await csrf_token(await get_session(request))
    return page(request, "leader.html", view=view, nav=view.nav, csrf=csrf, periods=PERIODS)


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", start)
    app.router.add_get("/people/{person_id}", rep)
    app.router.add_get("/teams/{person_id}", team)
    app.router.add_get("/leaders/{person_id:[0-9]+}{format:(\\.csv)?}", leader)
