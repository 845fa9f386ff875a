"""The web dashboard, a front like a chat platform: aiohttp routes and Jinja2 templates under
`/app/`, served by the same `serve` process. It translates HTTP into calls to the core
(`handlers.dashboard_*`) and renders what comes back; it never reaches storage itself.

Usage (app.py)::

    web.mount(app, ctx, secret=settings.session_secret, secure=settings.dashboard_url_is_https)
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web
from aiohttp_session import setup as setup_sessions
from aiohttp_session.cookie_storage import EncryptedCookieStorage

from handlers.context import Context
from web import pages, security, sign_in

HERE = Path(__file__).resolve().parent
PREFIX = "/app/"


def build(ctx: Context, *, secret: str, secure: bool) -> web.Application:
    """The dashboard as an aiohttp sub-application (sessions, CSRF and headers are its own)."""
    if ctx.sign_in is None:
        raise ValueError("the dashboard needs sign-in links (SESSION_SECRET)")
    dashboard = web.Application()
    dashboard[security.CONTEXT] = ctx
    setup_sessions(dashboard, EncryptedCookieStorage(
        security.cookie_key(secret), cookie_name="followthrough_session", max_age=security.SESSION_SECONDS,
        httponly=True, secure=secure, samesite="Lax", path=PREFIX,
    ))
    dashboard.middlewares.append(security.errors_as_pages)
    dashboard.on_response_prepare.append(security.add_headers)
    aiohttp_jinja2.setup(
        dashboard, loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=jinja2.select_autoescape(default=True),
    )
    dashboard.router.add_static("/static/", HERE / "static", name="static")
    sign_in.add_routes(dashboard)
    pages.add_routes(dashboard)
    return dashboard


def mount(app: web.Application, ctx: Context, *, secret: str, secure: bool) -> None:
    """Serve the dashboard under /app/ of `app`."""
    app.add_subapp(PREFIX, build(ctx, secret=secret, secure=secure))
