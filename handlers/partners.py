"""Naming an accountability partner (usually the manager), who is told and may decline."""

from __future__ import annotations

from datetime import datetime

from handlers import reschedule
from handlers.buttons import DeclinePartner, button
from handlers.contract.incoming import Actor
from handlers.contract.messages import Address, Message
from handlers.contract.outcomes import Result
from handlers.current_terms import current_spec
from handlers.delivery import partner_key, queue
from handlers.rules.due_times import WEEKDAY_NAMES
from handlers.rules.terms_text import describe_escalation, describe_wins
from storage.models import ManagerLink, Person
from storage.states import LinkStatus
from storage.store import Tx

PARTNER_UNREACHABLE = (
    "I couldn't reach {name}, so they don't know you named them as your accountability partner. "
    "They must install Follow-Through first (in Teams: add the app); then name them again with "
    "`/accountability manager @name`."
)


async def name_partner(
    tx: Tx, rep: Person, mentions: tuple[Address, ...], now: datetime, known: tuple[Actor, ...] = ()
) -> Result:
    """`/accountability manager @name`. `known` is what the platform told us of the people
    mentioned; with it, a manager who has never talked to the bot can be named (and messaged)."""
    result = Result()
    if not mentions:
        return result.reply("Who? Name them with a mention, like `/accountability manager @dana`.")
    named = mentions[0]
    manager = await tx.people.find(named.platform, named.workspace_id, named.user_id)
    profile = next((actor for actor in known if actor.address == named), None)
    if manager is None and profile is not None:
        manager, _ = await tx.people.get_or_create(
            named.platform, named.workspace_id, named.user_id, profile.display_name, profile.tz, now
        )
    if manager is None:
        return result.reply(
            "I don't know that person yet: they need to say hello to me once before I can message them. Nothing changed."
        )
    if manager.id == rep.id:
        return result.reply("You can't be your own accountability partner here; name your manager or a peer. Nothing changed.")
    current = await tx.links.active_for_rep(rep.id)
    if current is not None and current.manager_id == manager.id:
        return result.reply(f"{manager.display_name} is already your accountability partner.")
    if current is not None:
        current.status = LinkStatus.ENDED
        current.responded_at = now
    link = await tx.links.add(ManagerLink(rep_id=rep.id, manager_id=manager.id, status=LinkStatus.ACTIVE, created_at=now))
    await tx.people.lock_fresh(manager)  # a digest falling due right now may be clearing its slot
    if manager.digest_next_at is None and manager.digest_enabled:
        manager.digest_next_at = reschedule.next_digest_after(manager, now)
    spec, _ = await current_spec(tx, rep)
    await queue(
        tx, manager,
        Message.text(
            f"{rep.display_name} named you as their accountability partner. On {rep.display_name}'s own terms, "
            f"{describe_escalation(spec, to_manager=True)}, and {describe_wins(spec, to_manager=True)}. "
            f"Nothing else: no news is good news. You'll also get a digest "
            f"{WEEKDAY_NAMES[manager.digest_weekday]}days at {manager.digest_time} your time.",
            button("Decline", DeclinePartner(link.id), "danger"),
        ),
        now, key=partner_key(link.id),
        if_undeliverable=(rep, Message.text(PARTNER_UNREACHABLE.format(name=manager.display_name))),
    )
    return result.reply(
        f"{manager.display_name} is now your accountability partner; I've told them, and they can decline. "
        "They hear only what your terms say, and you can see everything they are told with `/accountability`."
    )


async def on_decline(tx: Tx, person: Person, clicked: DeclinePartner, now: datetime) -> Result:
    result = Result()
    link = await tx.links.get(clicked.link_id)
    if link is None or link.manager_id != person.id:
        return result.reply("That request wasn't sent to you. Nothing changed.")
    if link.status != LinkStatus.ACTIVE:
        return result.reply("That request is no longer open. Nothing changed.")
    rep = await tx.people.get(link.rep_id)
    link.status = LinkStatus.DECLINED
    link.responded_at = now
    if rep is None:
        return result.reply("Declined. You won't hear about them.")
    await queue(
        tx, rep,
        Message.text(
            f"{person.display_name} declined to be your accountability partner, so nobody hears about your check-ins. "
            "Name someone else with `/accountability manager @name`."
        ),
        now,
    )
    return result.reply(f"Declined. I've told {rep.display_name}, and you won't hear about them.")
