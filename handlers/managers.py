"""Naming an accountability partner (manager), who is told and may decline; pausing the rep."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import dateparser
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.contract.messages import Address, Button, Message, Result
from handlers import reschedule
from handlers.contract.incoming import Actor
from handlers.rules.due_times import WEEKDAY_NAMES
from handlers.terms import current_spec
from handlers.rules.terms_text import describe_escalation, describe_wins
from storage.models import ManagerLink, Notice, Person
from storage.repositories import (
    active_manager_link,
    enqueue,
    find_person,
    get_or_create_person,
)

LINK_ACTION = "link"


async def name_manager(
    s: AsyncSession, rep: Person, mentions: tuple[Address, ...], now: datetime, known: tuple[Actor, ...] = ()
) -> Result:
    """`known` is what the platform told us of the people mentioned; with it, a manager who
    has never talked to the bot can be named (and messaged) all the same."""
    result = Result()
    if not mentions:
        return result.reply("Who? Name them with a mention, like `/accountability manager @dana`.")
    manager = await find_person(s, mentions[0])
    profile = next((actor for actor in known if actor.address == mentions[0]), None)
    if manager is None and profile is not None:
        manager, _ = await get_or_create_person(s, profile.address, profile.display_name, profile.tz, now)
    if manager is None:
        return result.reply(
            "I don't know that person yet: they need to say hello to me once before I can message them. Nothing changed."
        )
    if manager.id == rep.id:
        return result.reply("You can't be your own accountability partner here; name your manager or a peer. Nothing changed.")
    current = await active_manager_link(s, rep.id)
    if current is not None and current.manager_id == manager.id:
        return result.reply(f"{manager.display_name} is already your accountability partner.")
    if current is not None:
        current.status = "ended"
        current.responded_at = now
    link = ManagerLink(rep_id=rep.id, manager_id=manager.id, status="active", created_at=now)
    s.add(link)
    await s.flush()
    if manager.digest_next_at is None and manager.digest_enabled:
        manager.digest_next_at = reschedule.next_digest_after(manager, now)
    spec, _ = await current_spec(s, rep)
    await enqueue(
        s, manager,
        Message.text(
            f"{rep.display_name} named you as their accountability partner. On {rep.display_name}'s own terms, "
            f"{describe_escalation(spec, to_manager=True)}, and {describe_wins(spec, to_manager=True)}. "
            f"Nothing else: no news is good news. You'll also get a digest "
            f"{WEEKDAY_NAMES[manager.digest_weekday]}days at {manager.digest_time} your time.",
            Button("Decline", LINK_ACTION, f"{link.id}:decline", "danger"),
        ),
        now, message_key=f"link:{link.id}",
    )
    return result.reply(
        f"{manager.display_name} is now your accountability partner; I've told them, and they can decline. "
        "They hear only what your terms say, and you can see everything they are told with `/accountability`."
    )


async def on_link_click(s: AsyncSession, person: Person, value: str, now: datetime) -> Result:
    result = Result()
    raw_id, _, choice = value.partition(":")
    link = await s.get(ManagerLink, int(raw_id)) if raw_id.isdigit() else None
    if link is None or link.manager_id != person.id:
        return result.reply("That request wasn't sent to you. Nothing changed.")
    if link.status != "active":
        return result.reply("That request is no longer open. Nothing changed.")
    if choice != "decline":
        return result.reply("Nothing changed.")
    link.status = "declined"
    link.responded_at = now
    rep = await s.get(Person, link.rep_id)
    assert rep is not None
    await enqueue(
        s, rep,
        Message.text(
            f"{person.display_name} declined to be your accountability partner, so nobody hears about your check-ins. "
            "Name someone else with `/accountability manager @name`."
        ),
        now,
    )
    return result.reply(f"Declined. I've told {rep.display_name}, and you won't hear about them.")


async def pause(s: AsyncSession, rep: Person, text: str, now: datetime) -> Result:
    """`pause until DATE`: nothing is due through DATE (inclusive)."""
    result = Result()
    phrase = text.strip()
    phrase = phrase[len("until"):].strip() if phrase.lower().startswith("until") else phrase
    today = now.astimezone(reschedule.zone(rep)).date()
    until = _read_until(phrase, today)
    if until is None:
        return result.reply(
            f"I couldn't read “{phrase}” as a date. Try `/accountability pause until 2026-12-24` or `pause until Friday`. Nothing changed."
        )
    if until < today:
        return result.reply(f"{until:%a %-d %b %Y} is in the past. Pick today or a later day. Nothing changed.")
    rep.paused_until = until
    spec, _ = await current_spec(s, rep)
    await reschedule.reschedule_checkins(s, rep, spec, now)
    resume = until + timedelta(days=1)
    return result.reply(
        f"Paused through {until:%a %-d %b %Y}: nothing is due and nothing counts as a miss. "
        f"Check-ins start again {resume:%a %-d %b}. `/accountability resume` ends the pause early."
    )


def _read_until(phrase: str, today: date) -> date | None:
    if not phrase:
        return None
    try:
        parsed = dateparser.parse(
            phrase, languages=["en"],
            settings={"PREFER_DATES_FROM": "future", "RELATIVE_BASE": datetime.combine(today, datetime.min.time()).replace(hour=12)},
        )
    except Exception:  # third-party parser: odd input means "not understood"
        return None
    return parsed.date() if parsed else None


async def resume(s: AsyncSession, rep: Person, now: datetime) -> Result:
    if rep.paused_until is None:
        return Result().reply("You're not paused. (To resume one commitment: `/accountability resume N`.)")
    rep.paused_until = None
    spec, _ = await current_spec(s, rep)
    await reschedule.reschedule_checkins(s, rep, spec, now)
    nxt = f" Next check-in: {reschedule.describe_instant(rep.next_checkin_at, rep)}." if rep.next_checkin_at else ""
    return Result().reply("Welcome back: check-ins are on again." + nxt)


async def notices_for_rep(s: AsyncSession, rep: Person, limit: int = 5) -> list[Notice]:
    return list(
        await s.scalars(select(Notice).where(Notice.rep_id == rep.id).order_by(Notice.id.desc()).limit(limit))
    )
