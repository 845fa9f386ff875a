"""The one path every platform takes: run the router (which drops a retried delivery, in the
same transaction as the work), render the result through the platform's `Renderer`, with one
error policy for all.

Usage (in a platform's request handler)::

    renderer = MyRenderer(...)                       # implements handlers.contract.ports.Renderer
    await pipeline.deliver(ctx, incoming, renderer, delivery_id=event_id)

The error policy: a database that is down, or a write that collided, saves nothing and
gets a clear reply; a submitted form stays open with that reply under its first field.
Anything else the router raises (a bug) is answered the same way, never passed on to the
platform: the router's transaction rolled back whole, the person hears that nothing was
saved and gets a short error id, and the log has that id with the traceback.
"""

from __future__ import annotations

import logging
import secrets
from typing import assert_never

from handlers import forms, rep_page, router
from handlers.context import Context
from handlers.contract.incoming import Actor, FormSubmit, Incoming, cleaned
from handlers.contract.messages import Address, Message
from handlers.contract.outcomes import FormErrors, OpenForm, Reply, Result, Update
from handlers.contract.ports import Renderer
from storage.store import StoreUnavailable

log = logging.getLogger(__name__)

FORM_NOT_SAVED = "I couldn't save just now (my database is briefly unavailable). Please press Save again in a minute."
SOMETHING_WENT_WRONG = (
    "Sorry, something went wrong on my side and nothing was saved. "
    "If it happens again, tell your admin this code: {error_id}"
)


async def deliver(
    ctx: Context, incoming: Incoming, renderer: Renderer, *, platform: str = "", delivery_id: str | None = None
) -> Result | None:
    """Handle one inbound action and show the result; None when the delivery was a retry of one
    already handled (`delivery_id`: the platform's id for this delivery, unique per `platform`)."""
    delivery = (platform or incoming.actor.address.platform, delivery_id) if delivery_id else None
    incoming = cleaned(incoming)
    try:
        result, reason = await router.handle(ctx, incoming, delivery=delivery), FORM_NOT_SAVED
    except router.Repeated:
        log.info("dropping a repeated delivery %s", delivery_id)
        return None
    except Exception:  # a bug: the transaction rolled back, so say that nothing was saved
        code = error_id()
        address = incoming.actor.address
        log.exception("error %s while handling %s from %s/%s/%s", code, type(incoming).__name__,
                      address.platform, address.workspace_id, address.user_id,
                      extra={"error_id": code, "workspace": address.workspace_id, "action": type(incoming).__name__})
        reason = SOMETHING_WENT_WRONG.format(error_id=code)
        result = Result(nothing_saved=True).reply(reason)
    if result.nothing_saved and isinstance(incoming, FormSubmit):
        result = keep_form_open(incoming.form_id, result, reason)
    await render(ctx, result, renderer)
    return result


def error_id() -> str:
    """A short random id that ties what the person was told to the traceback in the log."""
    return secrets.token_hex(4)


def keep_form_open(form_id: str, result: Result, reason: str = FORM_NOT_SAVED) -> Result:
    """A form whose submit saved nothing stays open, with the reason under its first field."""
    if any(isinstance(item, FormErrors) for item in result.items):
        return result
    return Result(nothing_saved=True).add(FormErrors({forms.first_field(form_id): reason}))


async def render(ctx: Context, result: Result, renderer: Renderer) -> None:
    """Show every outcome, in order. A new outcome type fails type checking here until it is handled."""
    for item in result.items:
        match item:
            case Reply():
                await renderer.reply(item.message)
            case Update():
                await renderer.update(await sent_ref(ctx, item.message_key), item.message)
            case OpenForm():
                await renderer.open_form(item)
            case FormErrors():
                await renderer.form_errors(item)
            case _:
                assert_never(item)


async def sent_ref(ctx: Context, message_key: str) -> str | None:
    """Where the message sent under `message_key` lives on its platform (to edit it in place)."""
    try:
        async with ctx.store.reading() as tx:
            return await tx.outbox.sent_ref(message_key)
    except StoreUnavailable:
        log.warning("could not look up message %s to update it", message_key)
        return None


async def home_page(ctx: Context, address: Address) -> Message | None:
    """The person's own page (Slack's App Home), or None if we don't know them yet."""
    async with ctx.store.reading() as tx:
        person = await tx.people.find(address.platform, address.workspace_id, address.user_id)
        if person is None:
            return None
        return rep_page.home(await rep_page.gather(tx, person, ctx.clock.now()), dashboard=ctx.sign_in is not None)


async def meet(ctx: Context, actor: Actor) -> None:
    """Make sure the person exists (so others can name them) without saying anything to them."""
    address = actor.address
    async with ctx.store.transaction() as tx:
        await tx.people.get_or_create(
            address.platform, address.workspace_id, address.user_id, actor.display_name, actor.tz, ctx.clock.now()
        )
