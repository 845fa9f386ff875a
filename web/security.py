"""What every dashboard request and response goes through: the signed-in person (a session of
at most 12 hours on the app's clock), the CSRF token every POST must carry, the security
headers on every response, and a clear page instead of a stack trace."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiohttp_jinja2
from aiohttp import web
from aiohttp_session import Session, get_session

from handlers.context import Context
from handlers.dashboard_access import Viewer
from handlers.dashboard_sign_in import SESSION_LIFETIME

log = logging.getLogger(__name__)

CONTEXT = web.AppKey("context", Context)
SESSION_SECONDS = int(SESSION_LIFETIME.total_seconds())
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def cookie_key(secret: str) -> bytes:
    """The session cookie's 32-byte encryption key, derived from SESSION_SECRET (kept apart
    from the key that signs sign-in links)."""
    return hashlib.sha256(b"follow-through session cookie\0" + secret.encode()).digest()


def context(request: web.Request) -> Context:
    return request.config_dict[CONTEXT]


async def add_headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.update(HEADERS)
    if not request.path.startswith("/app/static/"):
        response.headers["Cache-Control"] = "no-store"


def page(request: web.Request, template: str, status: int = 200, **values: object) -> web.Response:
    return aiohttp_jinja2.render_template(template, request, values, status=status)


def message(request: web.Request, status: int, title: str, text: str) -> web.Response:
    return page(request, "message.html", status, title=title, text=text, csrf=None, nav=None)


@web.middleware
async def errors_as_pages(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status == 404:
            return message(request, 404, "Not found", "There's no page here.")
        raise
    except Exception:
        error_id = uuid.uuid4().hex[:8]
        log.exception("dashboard page failed (error id %s)", error_id)
        return message(request, 503, "Not available just now",
                       f"I couldn't load this page just now. Please try again in a minute. (Error id {error_id}.)")


async def csrf_token(session: Session) -> str:
    token = session.get("csrf")
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


async def csrf_ok(request: web.Request) -> bool:
    """The POST carries the token of this browser's session."""
    session = await get_session(request)
    form = await request.post()
    sent, kept = form.get("csrf"), session.get("csrf")
    return isinstance(sent, str) and isinstance(kept, str) and bool(kept) and hmac.compare_digest(sent, kept)


async def signed_in(request: web.Request) -> Viewer | None:
    """The signed-in person, or None (never signed in, signed out, or the 12 hours are over)."""
    session = await get_session(request)
    person_id, since = session.get("person_id"), session.get("signed_in_at")
    if not isinstance(person_id, int) or not isinstance(since, int | float):
        return None
    if context(request).clock.now().timestamp() - since > SESSION_SECONDS:
        session.invalidate()
        return None
    return Viewer(person_id, datetime.fromtimestamp(since, UTC))
