"""Help text and the rep's own view: terms, commitments, and what their manager was told."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.contract.messages import Result
from handlers import reschedule
from handlers.commitments import LIVE, line
from handlers.managers import notices_for_rep
from handlers.terms import current_spec, defaults_notice
from handlers.rules.terms_text import describe
from storage.models import Person
from storage.repositories import active_manager_link, commitments_of

HELP = """Here's what I understand:
• `/commit 20 calls every weekday`, `/commit send Acme the proposal by Friday`: log a commitment
• `/accountability`: your terms, your commitments, and everything your manager was told
• `/accountability terms`: answer the two questions again to change your terms
• `/accountability list`, `done N`, `drop N`, `edit N TEXT`, `pause N`, `resume N`
• `/accountability pause until DATE`, `/accountability resume`: out of office, holidays
• `/accountability manager @name`: name your accountability partner
• `/accountability team`, `/accountability digest`: for managers, your reps at a glance
• `/accountability digest friday 16:00`, `digest off`, `digest on`: when your weekly digest comes
• `/commit @rep TEXT`: for managers, log a commitment from a coaching session for a rep to accept
In Teams, or in a direct message, type the same without the slash: `commit 20 calls every weekday`, `list`, `done 2`."""


def help_text(prefix: str = "") -> Result:
    return Result().reply((prefix + "\n" if prefix else "") + HELP)


async def overview(s: AsyncSession, person: Person) -> Result:
    spec, chosen = await current_spec(s, person)
    lines = ["Your terms:" if chosen else defaults_notice(), describe(spec) if chosen else ""]
    lines = [ln for ln in lines if ln]
    if person.paused_until:
        lines.append(f"Paused through {person.paused_until:%a %-d %b %Y}.")
    elif person.next_checkin_at:
        lines.append(f"Next check-in: {reschedule.describe_instant(person.next_checkin_at, person)}.")
    items = await commitments_of(s, person.id, LIVE)
    lines.append("Commitments:" if items else "No open commitments.")
    lines += [line(c) for c in items]
    link = await active_manager_link(s, person.id)
    if link is None:
        lines.append("No accountability partner named (`/accountability manager @name`).")
    else:
        manager = await s.get(Person, link.manager_id)
        assert manager is not None
        notices = await notices_for_rep(s, person)
        lines.append(f"Your accountability partner: {manager.display_name}. What they were told:")
        if not notices:
            lines.append("Nothing yet: no news is good news.")
        for n in reversed(notices):
            first = n.text.split("\n", 1)[0]
            when = n.created_at.astimezone(reschedule.zone(person))
            lines.append(f"• {when:%a %-d %b}: {first}")
    return Result().reply("\n".join(lines))
