"""Saving a new version of a rep's terms and saying them back: one place for both the
step-by-step questions and the form."""

from __future__ import annotations

from datetime import datetime

from handlers import conversation_state, reschedule
from handlers.current_terms import columns_of
from handlers.rules.terms_text import DEFAULT_TERMS, TermsSpec, describe
from storage.models import Person, Terms
from storage.store import Tx


async def save(tx: Tx, person: Person, spec: TermsSpec, now: datetime) -> str:
    """Store `spec` as the rep's new terms, reschedule, end any questions in progress, and
    return the confirmation to show them."""
    row = await tx.terms.add(Terms(person_id=person.id, created_at=now, **columns_of(spec)))
    conversation_state.write(person, None)
    await reschedule.reschedule(tx, person, now)
    lines = [f"Thanks, {person.display_name}. Your terms (version {row.version}):", describe(spec)]
    if person.next_checkin_at is not None:
        lines.append(f"Next check-in: {reschedule.describe_instant(person.next_checkin_at, person)}.")
    lines.append("Change them any time with `/accountability terms`.")
    return "\n".join(lines)


def defaults_notice() -> str:
    return (
        "Until you answer the two questions (`/accountability terms`), these defaults apply:\n"
        + describe(DEFAULT_TERMS)
    )
