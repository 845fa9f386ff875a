"""Commitments: log (`/commit`, the "Add a commitment" form), list, edit, done, drop, pause and resume."""

from __future__ import annotations

from datetime import datetime

from handlers import escalation, reschedule
from handlers.contract.messages import Field, Form, FormValue
from handlers.contract.outcomes import FormErrors, OpenForm, Result
from handlers.current_terms import current_spec
from handlers.rules.commit_text import (
    ParsedCommitment,
    ParseProblem,
    describe_when,
    parse_commitment,
)
from handlers.rules.due_times import cadence_days, describe_days
from storage.models import Commitment, Person
from storage.states import CommitmentStatus
from storage.store import Tx

OPEN = (CommitmentStatus.ACTIVE, CommitmentStatus.PAUSED, CommitmentStatus.PROPOSED)
"""Commitments a rep still has in hand (listed, on their page)."""

MAX_OPEN = 25
"""The most open commitments (active, paused and proposed) a rep may have at once: beyond it,
`/commit`, the form and a manager's proposal save nothing and say how to make room."""

MAKE_ROOM = (
    "Finish one with `/accountability done N` or drop one with `/accountability drop N` to make room; "
    "`/accountability list` shows the numbers."
)

COMMIT_FORM = Form(
    form_id="commit",
    title="Add a commitment",
    intro="What will you do, and when? Recurring or one-off, in your own words.",
    submit_label="Commit",
    fields=(
        Field("text", "I commit to", "text", hint="e.g. 20 calls every weekday · send Acme the proposal by Friday"),
    ),
)

_STATUS_SUFFIX = {
    CommitmentStatus.ACTIVE: "", CommitmentStatus.PAUSED: " (paused)", CommitmentStatus.PROPOSED: " (waiting for your OK)",
    CommitmentStatus.DONE: " (done)", CommitmentStatus.DROPPED: " (dropped)",
}


def describe_commitment(c: Commitment) -> str:
    """One line: number, title, when, state and the current run (`#1 20 calls: weekdays · 3 in a row`)."""
    extra = ""
    if c.status == CommitmentStatus.ACTIVE and c.yes_run >= 2:
        extra = f" · {c.yes_run} in a row"
    elif c.status == CommitmentStatus.ACTIVE and c.miss_run >= 1:
        extra = f" · missed {c.miss_run} in a row"
    return f"#{c.seq} {c.title}: {describe_when(c.cadence, c.due_date)}{_STATUS_SUFFIX[c.status]}{extra}"


def local_today(person: Person, now: datetime) -> datetime:
    return now.astimezone(reschedule.zone(person))


async def create(
    tx: Tx, person: Person, text: str, parsed: ParsedCommitment, now: datetime, *,
    status: CommitmentStatus, proposed_by: Person | None = None,
) -> Commitment:
    return await tx.commitments.add(
        Commitment(
            person_id=person.id, text=text, title=parsed.title, cadence=parsed.cadence, due_date=parsed.due_date,
            status=status, proposed_by_id=proposed_by.id if proposed_by else None,
            created_at=now, updated_at=now, miss_run=0, yes_run=0, escalated_in_run=False,
        )
    )


async def at_cap(tx: Tx, person: Person) -> bool:
    """Whether `person` already has `MAX_OPEN` open commitments."""
    await tx.people.lock(person.id)  # two commits at once count in turn, so neither passes the cap
    return await tx.commitments.count(person.id, OPEN) >= MAX_OPEN


def cap_reached() -> str:
    """What a rep hears when a new commitment would take them past `MAX_OPEN`."""
    return f"You already have {MAX_OPEN} open commitments, the most I keep at once. {MAKE_ROOM} Nothing was saved."


async def commit(tx: Tx, person: Person, text: str, now: datetime) -> Result:
    """`/commit TEXT`: log a commitment for yourself (unless that would pass `MAX_OPEN`)."""
    result = Result()
    if await at_cap(tx, person):
        return result.reply(cap_reached())
    stripped = text.strip()
    parsed = parse_commitment(stripped, local_today(person, now).date())
    if isinstance(parsed, ParseProblem):
        return result.reply(parsed.message())
    commitment = await create(tx, person, stripped, parsed, now, status=CommitmentStatus.ACTIVE)
    await reschedule.reschedule(tx, person, now)
    lines = [f"Logged #{commitment.seq}: {commitment.title}, {parsed.describe_when()}."]
    if person.next_checkin_at is not None:
        lines.append(f"I'll ask about it at your check-ins; the next one is {reschedule.describe_instant(person.next_checkin_at, person)}.")
    spec, chosen = await current_spec(tx, person)
    days = cadence_days(commitment.cadence)
    if days and not days & spec.checkin_days:
        lines.append(
            f"It falls on none of your check-in days ({describe_days(spec.checkin_days)}), "
            "so I'll ask about it at your first check-in after each time."
        )
    if not chosen:
        lines.append("You're on the default terms; answer the two questions with `/accountability terms` to set your own.")
    return result.reply("\n".join(lines))


def open_form() -> OpenForm:
    return OpenForm(COMMIT_FORM)


async def submit_form(tx: Tx, person: Person, values: dict[str, FormValue], now: datetime) -> Result:
    """The "Add a commitment" form: like `/commit`, but what stops it (a text that can't be read,
    `MAX_OPEN` reached) is shown on the field, and the form stays open."""
    if await at_cap(tx, person):
        return Result().add(FormErrors({"text": cap_reached()}))
    raw = values.get("text", "")
    text = (raw if isinstance(raw, str) else " ".join(raw)).strip()
    if not text:
        return Result().add(FormErrors({"text": "Write what you commit to, e.g. 20 calls every weekday."}))
    parsed = parse_commitment(text, local_today(person, now).date())
    if isinstance(parsed, ParseProblem):
        return Result().add(FormErrors({"text": parsed.message()}))
    return await commit(tx, person, text, now)


async def list_commitments(tx: Tx, person: Person) -> Result:
    items = await tx.commitments.of_person(person.id, OPEN)
    if not items:
        return Result().reply("You have no open commitments. Log one with `/commit 20 calls every weekday`.")
    return Result().reply("Your commitments:\n" + "\n".join(describe_commitment(c) for c in items))


async def _by_number(tx: Tx, person: Person, raw: str, verb: str) -> Commitment | str:
    """The rep's commitment numbered `raw`, or what to tell them when there is none."""
    number = raw.strip().lstrip("#")
    if not number.isascii() or not number.isdigit():
        return f"Which one? Give its number, like `/accountability {verb} 2`. `/accountability list` shows the numbers."
    commitment = await tx.commitments.by_number(person.id, int(number[:15]))
    if commitment is None or commitment.status == CommitmentStatus.DROPPED:
        return f"You have no commitment #{number}. `/accountability list` shows your commitments."
    return commitment


async def done(tx: Tx, person: Person, raw: str, now: datetime) -> Result:
    found = await _by_number(tx, person, raw, "done")
    if isinstance(found, str):
        return Result().reply(found)
    if found.status == CommitmentStatus.DONE:
        return Result().reply(f"#{found.seq} is already done.")
    if found.status == CommitmentStatus.PROPOSED:
        return Result().reply(f"#{found.seq} is waiting for you to accept it first.")
    found.status = CommitmentStatus.DONE
    found.updated_at = now
    await reschedule.reschedule(tx, person, now)
    if found.due_date is not None:
        spec, _ = await current_spec(tx, person)
        await escalation.oneoff_kept(tx, person, found, spec, now)
        return Result().reply(f"Done: #{found.seq} {found.title}. A promise kept! 🎉")
    return Result().reply(f"Finished: #{found.seq} {found.title}. I won't ask about it any more.")


async def drop(tx: Tx, person: Person, raw: str, now: datetime) -> Result:
    found = await _by_number(tx, person, raw, "drop")
    if isinstance(found, str):
        return Result().reply(found)
    found.status = CommitmentStatus.DROPPED
    found.updated_at = now
    await reschedule.reschedule(tx, person, now)
    return Result().reply(f"Dropped #{found.seq} {found.title}. Its history stays; I won't ask about it again.")


async def set_paused(tx: Tx, person: Person, raw: str, now: datetime, *, paused: bool) -> Result:
    found = await _by_number(tx, person, raw, "pause" if paused else "resume")
    if isinstance(found, str):
        return Result().reply(found)
    if found.status not in (CommitmentStatus.ACTIVE, CommitmentStatus.PAUSED):
        return Result().reply(f"#{found.seq} is {found.status}; only open commitments can be paused or resumed.")
    found.status = CommitmentStatus.PAUSED if paused else CommitmentStatus.ACTIVE
    found.updated_at = now
    await reschedule.reschedule(tx, person, now)
    return Result().reply(("Paused " if paused else "Resumed ") + describe_commitment(found))


async def edit(tx: Tx, person: Person, raw: str, now: datetime) -> Result:
    number, _, text = raw.strip().partition(" ")
    found = await _by_number(tx, person, number, "edit")
    if isinstance(found, str):
        return Result().reply(found + " For example `/accountability edit 2 25 calls every weekday`.")
    if found.status not in (CommitmentStatus.ACTIVE, CommitmentStatus.PAUSED):
        return Result().reply(f"#{found.seq} is {found.status}; only open commitments can be edited.")
    parsed = parse_commitment(text, local_today(person, now).date())
    if isinstance(parsed, ParseProblem):
        return Result().reply(parsed.message())
    found.text, found.title, found.cadence, found.due_date = text.strip(), parsed.title, parsed.cadence, parsed.due_date
    found.updated_at = now
    await reschedule.reschedule(tx, person, now)
    return Result().reply("Updated " + describe_commitment(found))
