"""A person's own page (Slack's App Home): their terms, commitments, recent check-ins and
everything their manager was told, with buttons to change terms and add a commitment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.contract.messages import Address, Button, Message, Section
from handlers import reschedule
from handlers.commitments import COMMIT_FORM, LIVE, line
from handlers.context import Context
from handlers.managers import notices_for_rep
from handlers.terms import current_spec
from handlers.terms_form import OPEN_ACTION, TERMS_FORM
from handlers.rules.terms_text import describe
from storage.models import Person
from storage.repositories import (
    active_manager_link,
    commitments_of,
    find_person,
    recent_checkins,
    reps_of,
)

_ANSWERS = {"yes": "✅ yes", "no": "❌ no", "no_answer": "— no answer"}


async def build(s: AsyncSession, person: Person, now: datetime) -> Message:
    spec, chosen = await current_spec(s, person)
    tz = reschedule.zone(person)
    sections: list[Section] = []

    terms_lines = ["Your terms:" if chosen else "Your terms (the defaults, until you answer the two questions):", describe(spec)]
    if person.paused_until:
        terms_lines.append(f"Paused through {person.paused_until:%a %-d %b %Y}.")
    elif person.next_checkin_at:
        terms_lines.append(f"Next check-in: {reschedule.describe_instant(person.next_checkin_at, person)}.")
    sections.append(Section(
        "\n".join(terms_lines),
        (
            Button("Edit my terms" if chosen else "Answer the two questions", OPEN_ACTION, TERMS_FORM.form_id, "primary"),
            Button("Add a commitment", OPEN_ACTION, COMMIT_FORM.form_id),
        ),
    ))

    items = await commitments_of(s, person.id, LIVE)
    sections.append(Section(
        "Your commitments:\n" + ("\n".join(line(c) for c in items) if items else "None yet. Add one with the button or `/commit 20 calls every weekday`.")
    ))

    recent = await recent_checkins(s, person.id)
    if recent:
        rows = [
            f"{checkin.due_at.astimezone(tz):%a %-d %b}: {commitment.title}: {_ANSWERS.get(checkin.status, checkin.status)}"
            for checkin, commitment in recent
        ]
        sections.append(Section("Recent check-ins:\n" + "\n".join(rows)))

    link = await active_manager_link(s, person.id)
    if link is None:
        sections.append(Section("Your accountability partner: nobody yet. Name one with `/accountability manager @name`."))
    else:
        manager = await s.get(Person, link.manager_id)
        notices = await notices_for_rep(s, person, limit=10)
        told = [f"{n.created_at.astimezone(tz):%a %-d %b}: {n.text.split(chr(10), 1)[0]}" for n in notices]
        sections.append(Section(
            f"What {manager.display_name if manager else 'your manager'} was told:\n"
            + ("\n".join(told) if told else "Nothing yet: no news is good news.")
        ))

    reps = await reps_of(s, person.id)
    if reps:
        names = ", ".join(r.display_name for r in reps)
        sections.append(Section(f"Your team: you are the accountability partner of {names}. `/accountability team` shows how they are doing."))
    return Message(sections=tuple(sections), summary="Follow-Through")


async def for_address(ctx: Context, address: Address) -> Message | None:
    """The page for the person at `address`, or None if we don't know them yet."""
    async with ctx.sessions() as s:
        person = await find_person(s, address)
        if person is None:
            return None
        return await build(s, person, ctx.clock.now())
