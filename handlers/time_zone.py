"""`/accountability timezone ZONE`: a person sets their own time zone, which then wins over
what their chat platform says; check-ins and digests move to it."""

from __future__ import annotations

from datetime import datetime

from handlers import reschedule
from handlers.contract.outcomes import Result
from handlers.rules.time_zones import read_zone
from storage.models import Person
from storage.store import Tx

EXAMPLE = "`/accountability timezone Europe/Berlin`"


async def set_zone(tx: Tx, person: Person, text: str, now: datetime) -> Result:
    if not text.strip():
        return Result().reply(f"Your time zone is {person.tz}. To change it: {EXAMPLE} (an IANA name).")
    reading = read_zone(text)
    if reading.zone is None:
        hint = f" Did you mean {', '.join(f'`{s}`' for s in reading.suggestions)}?" if reading.suggestions else ""
        return Result().reply(
            f"I don't know the time zone “{text.strip()[:64]}”.{hint} Give its full name, like {EXAMPLE}. Nothing changed."
        )
    await move_to(tx, person, reading.zone, now, chosen=True)
    when = f" Next check-in: {reschedule.describe_instant(person.next_checkin_at, person)}." if person.next_checkin_at else ""
    return Result().reply(f"Your time zone is now {reading.zone}: check-ins and digests follow it.{when}")


async def move_to(tx: Tx, person: Person, zone: str, now: datetime, *, chosen: bool) -> None:
    """Put the person in `zone` and move their next check-in and digest to it."""
    person.tz = zone
    if chosen:
        person.tz_chosen = True
    await reschedule.reschedule(tx, person, now)
    if person.digest_enabled and person.digest_next_at is not None:
        person.digest_next_at = reschedule.next_digest_after(person, now)
