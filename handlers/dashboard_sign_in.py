"""Signing in to the web dashboard from the chat, with no password: `/accountability dashboard`
queues the person, in their own direct message, a link that works once, for ten minutes.

The link carries a token signed with the app's secret (itsdangerous): the link's nonce, the
person and their workspace. A `sign_in_link` row makes it single-use. Reading a token checks,
in order: the signature (another app's secret or a changed character: invalid), its age on the
app's clock (expired), the row (unknown or someone else's: invalid; another workspace: foreign;
used: used). Redeeming marks the row used in the same step, so of two racing uses one wins.

Usage::

    links = SignInLinks(secret, "https://ft.example.com", clock)
    result = await links.send(tx, person, now)          # the command's reply, the DM queued
    outcome = await links.redeem(store, token)          # SignedIn(person_id) or a LinkProblem
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from itsdangerous import (
    BadData,
    SignatureExpired,
    TimestampSigner,
    URLSafeTimedSerializer,
)

from handlers import delivery
from handlers.contract.messages import Message, Section
from handlers.contract.outcomes import Result
from handlers.contract.ports import Clock
from storage.models import Person
from storage.store import Store, Tx

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=12)
SIGN_IN_PATH = "/app/sign-in/"
OFF = "The web dashboard isn't switched on here yet. Whoever runs me can turn it on (it needs SESSION_SECRET)."


class LinkProblem(StrEnum):
    """Why a sign-in link didn't sign anyone in."""

    INVALID = "invalid"
    """Not signed by this app (another secret, a changed character) or unknown here."""
    EXPIRED = "expired"
    USED = "used"
    FOREIGN = "foreign"
    """Signed for a person of another workspace than the one they belong to."""


@dataclass(frozen=True)
class LinkHolder:
    """Whom a readable, unused, fresh link would sign in."""

    person_id: int
    display_name: str


class _ClockSigner(TimestampSigner):
    """A timestamp signer on the app's clock (so tests can move time instead of sleeping)."""

    def __init__(self, *args: Any, clock: Clock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock.now().timestamp())


class SignInLinks:
    """Makes and reads the dashboard's sign-in links; built by app.py from the settings."""

    def __init__(self, secret: str, base_url: str, clock: Clock) -> None:
        self._serializer = URLSafeTimedSerializer(
            secret, salt="follow-through.sign-in", signer=_ClockSigner, signer_kwargs={"clock": clock}
        )
        self.base_url = base_url.rstrip("/")
        self._clock = clock

    async def send(self, tx: Tx, person: Person, now: datetime) -> Result:
        """The `dashboard` command: a fresh link to the person's own direct message."""
        nonce = secrets.token_urlsafe(24)
        await tx.sign_in_links.add(person.id, nonce, now)
        token = self._serializer.dumps({"n": nonce, "p": person.id, "w": [person.platform, person.workspace_id]})
        url = f"{self.base_url}{SIGN_IN_PATH}{token}"
        text = (
            f"Here's your link to the Follow-Through dashboard: {url}\n"
            "It works once, for the next 10 minutes, and only for you, so please don't forward it. "
            "Signed in, you stay in for 12 hours."
        )
        await delivery.queue(tx, person, Message(sections=(Section(text),), summary="Your sign-in link for the dashboard"), now)
        return Result().reply("I've sent you a sign-in link for the dashboard in our direct messages. It works once, for 10 minutes.")

    def _payload(self, token: str) -> dict[str, Any] | LinkProblem:
        try:
            data = self._serializer.loads(token, max_age=int(LINK_LIFETIME.total_seconds()))
        except SignatureExpired:
            return LinkProblem.EXPIRED
        except BadData:
            return LinkProblem.INVALID
        if not isinstance(data, dict) or not isinstance(data.get("n"), str) or not isinstance(data.get("p"), int):
            return LinkProblem.INVALID
        return data

    async def _check(self, tx: Tx, token: str) -> tuple[str, LinkHolder] | LinkProblem:
        data = self._payload(token)
        if isinstance(data, LinkProblem):
            return data
        row = await tx.sign_in_links.find(data["n"])
        person = await tx.dashboard.person(data["p"])
        if row is None or person is None or row.person_id != person.id:
            return LinkProblem.INVALID
        if data.get("w") != [person.platform, person.workspace_id]:
            return LinkProblem.FOREIGN
        if row.used_at is not None:
            return LinkProblem.USED
        if self._clock.now() - row.created_at > LINK_LIFETIME:
            return LinkProblem.EXPIRED
        return data["n"], LinkHolder(person.id, person.display_name)

    async def look(self, store: Store, token: str) -> LinkHolder | LinkProblem:
        """Whom the link would sign in, without using it (the page that asks to confirm)."""
        async with store.reading() as tx:
            checked = await self._check(tx, token)
        return checked if isinstance(checked, LinkProblem) else checked[1]

    async def redeem(self, store: Store, token: str) -> LinkHolder | LinkProblem:
        """Use the link: whom it signs in, or why not. It never works a second time."""
        async with store.transaction() as tx:
            checked = await self._check(tx, token)
            if isinstance(checked, LinkProblem):
                return checked
            nonce, holder = checked
            if not await tx.sign_in_links.use(nonce, self._clock.now()):
                return LinkProblem.USED
            return holder


def links_for(secret: str | None, base_url: str, clock: Clock, *, console: bool = False) -> SignInLinks | None:
    """The app's links: signed with SESSION_SECRET; without one, none (the dashboard is off), except
    on the console, which then signs with a random secret of its own process (links that a `serve`
    refuses: give both the same SESSION_SECRET and database to sign in from the console)."""
    if secret is None and not console:
        return None
    return SignInLinks(secret or secrets.token_urlsafe(32), base_url, clock)


async def command(tx: Tx, person: Person, now: datetime, links: SignInLinks | None) -> Result:
    """`/accountability dashboard`."""
    if links is None:
        return Result().reply(OFF)
    return await links.send(tx, person, now)
