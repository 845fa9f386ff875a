"""Signing in with the link the bot sent, and signing out.

Opening the link shows whom it signs in and a button; the button's POST uses the link. Two
steps, so that a link preview (a chat app fetching the URL to show a card) can't spend it."""

from __future__ import annotations

from aiohttp import web
from aiohttp_session import get_session, new_session

from handlers.dashboard_sign_in import LinkHolder, LinkProblem, SignInLinks
from web.security import context, csrf_ok, csrf_token, message, page

PROBLEMS = {
    LinkProblem.INVALID: (400, "This link doesn't work",
                          "This sign-in link isn't one of mine, or it was changed on the way. Ask me for a fresh one with /accountability dashboard."),
    LinkProblem.EXPIRED: (410, "This link has expired",
                          "Sign-in links work for 10 minutes. Ask me for a fresh one with /accountability dashboard."),
    LinkProblem.USED: (410, "This link was used already",
                       "Each sign-in link works once. Ask me for a fresh one with /accountability dashboard."),
    LinkProblem.FOREIGN: (403, "This link isn't for this workspace",
                          "This sign-in link belongs to someone in another workspace. Ask me for your own with /accountability dashboard."),
}
REFUSED_FORM = (403, "Please try again", "That form had expired or didn't come from this page, so nothing happened. Open the page again and retry.")


def _links(request: web.Request) -> SignInLinks:
    links = context(request).sign_in
    if links is None:
        raise web.HTTPNotFound()
    return links


def _problem(request: web.Request, problem: LinkProblem) -> web.Response:
    status, title, text = PROBLEMS[problem]
    return message(request, status, title, text)


async def confirm(request: web.Request) -> web.Response:
    holder = await _links(request).look(context(request).store, request.match_info["token"])
    if isinstance(holder, LinkProblem):
        return _problem(request, holder)
    session = await get_session(request)
    return page(request, "sign_in.html", name=holder.display_name, csrf=await csrf_token(session), nav=None)


async def use(request: web.Request) -> web.Response:
    if not await csrf_ok(request):
        return message(request, *REFUSED_FORM)
    holder = await _links(request).redeem(context(request).store, request.match_info["token"])
    if isinstance(holder, LinkProblem):
        return _problem(request, holder)
    await _start_session(request, holder)
    raise web.HTTPSeeOther("/app/")


async def _start_session(request: web.Request, holder: LinkHolder) -> None:
    session = await new_session(request)
    session["person_id"] = holder.person_id
    session["signed_in_at"] = context(request).clock.now().timestamp()
    await csrf_token(session)


async def sign_out(request: web.Request) -> web.Response:
    if not await csrf_ok(request):
        return message(request, *REFUSED_FORM)
    (await get_session(request)).invalidate()
    return message(request, 200, "Signed out", "You're signed out. Ask me for a fresh link with /accountability dashboard any time.")


def add_routes(app: web.Application) -> None:
    app.router.add_get("/sign-in/{token}", confirm)
    app.router.add_post("/sign-in/{token}", use)
    app.router.add_post("/sign-out", sign_out)
