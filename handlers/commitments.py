"""Commitments: log (`/commit`), list, edit, done, drop, pause and resume; manager proposals."""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.contract.messages import (
    Address,
    Button,
    Field,
    Form,
    FormErrors,
    FormValue,
    Message,
    OpenForm,
    Result,
)
from handlers import escalation, reschedule
from handlers.rules.commit_text import (
    ParsedCommitment,
    ParseProblem,
    describe_when,
    parse_commitment,
)
from handlers.terms import current_spec
from storage.models import Commitment, Person
from storage.repositories import (
    active_manager_link,
    commitment_by_seq,
    commitments_of,
    enqueue,
    find_person,
    next_commitment_seq,
)

PROPOSAL_ACTION = "proposal"
LIVE = ("active", "paused", "proposed")
COMMIT_FORM = Form(
    form_id="commit",
    title="Add a commitment",
    intro="What will you do, and when? Recurring or one-off, in your own words.",
    submit_label="Commit",
    fields=(
        Field("text", "I commit to", "text", hint="e.g. 20 calls every weekday · send Acme the proposal by Friday"),
    ),
)


def line(c: Commitment) -> str:
    status = {"active": "", "paused": " (paused)", "proposed": " (waiting for your OK)", "done": " (done)", "dropped": " (dropped)"}[c.status]
    extra = ""
    if c.status == "active" and c.yes_run >= 2:
        extra = f" · {c.yes_run} in a row"
    elif c.status == "active" and c.miss_run >= 1:
        extra = f" · missed {c.miss_run} in a row"
    return f"#{c.seq} {c.title}: {describe_when(c.cadence, c.due_date)}{status}{extra}"


def today_for(person: Person, now: datetime) -> datetime:
    return now.astimezone(reschedule.zone(person))


async def commit(
    s: AsyncSession, person: Person, text: str, mentions: tuple[Address, ...], now: datetime
) -> Result:
    result = Result()
    stripped = text.strip()
    if mentions and stripped.startswith("@") or (mentions and stripped.startswith("<@")):
        return await _propose(s, person, stripped, mentions[0], now)
    parsed = parse_commitment(stripped, today_for(person, now).date())
    if isinstance(parsed, ParseProblem):
        return result.reply(parsed.message())
    commitment = await _create(s, person, stripped, parsed, now, status="active")
    spec, chosen = await current_spec(s, person)
    await reschedule.reschedule_checkins(s, person, spec, now)
    lines = [f"Logged #{commitment.seq}: {commitment.title}, {parsed.describe_when()}."]
    if person.next_checkin_at is not None:
        lines.append(f"I'll ask about it at your check-ins; the next one is {reschedule.describe_instant(person.next_checkin_at, person)}.")
    if not chosen:
        lines.append("You're on the default terms; answer the two questions with `/accountability terms` to set your own.")
    return result.reply("\n".join(lines))


def open_form() -> OpenForm:
    return OpenForm(COMMIT_FORM)


async def submit_form(s: AsyncSession, person: Person, values: dict[str, FormValue], now: datetime) -> Result:
    """The "Add a commitment" form: like `/commit`, but a text that can't be read is shown on the field."""
    raw = values.get("text", "")
    text = (raw if isinstance(raw, str) else " ".join(raw)).strip()
    if not text:
        return Result().add(FormErrors({"text": "Write what you commit to, e.g. 20 calls every weekday."}))
    parsed = parse_commitment(text, today_for(person, now).date())
    if isinstance(parsed, ParseProblem):
        return Result().add(FormErrors({"text": parsed.message()}))
    return await commit(s, person, text, (), now)


async def _create(
    s: AsyncSession, person: Person, text: str, parsed: ParsedCommitment, now: datetime, *, status: str,
    proposed_by: Person | None = None,
) -> Commitment:
    commitment = Commitment(
        person_id=person.id,
        seq=await next_commitment_seq(s, person.id),
        text=text,
        title=parsed.title,
        cadence=parsed.cadence,
        due_date=parsed.due_date,
        status=status,
        proposed_by_id=proposed_by.id if proposed_by else None,
        created_at=now,
        updated_at=now,
        miss_run=0,
        yes_run=0,
        escalated_in_run=False,
    )
    s.add(commitment)
    await s.flush()
    return commitment


async def _propose(s: AsyncSession, manager: Person, text: str, rep_address: Address, now: datetime) -> Result:
    result = Result()
    rep = await find_person(s, rep_address)
    body = re.sub(r"^(<@[^>]+>|@\S+)\s*", "", text)
    if rep is None:
        return result.reply("I don't know that person yet; they need to say hello to me first. Nothing was saved.")
    link = await active_manager_link(s, rep.id)
    if link is None or link.manager_id != manager.id:
        return result.reply(
            f"Only {rep.display_name}'s accountability partner can log commitments for them, and that isn't you. "
            f"Nothing was saved. {rep.display_name} can name you with `/accountability manager @you`."
        )
    parsed = parse_commitment(body, today_for(rep, now).date())
    if isinstance(parsed, ParseProblem):
        return result.reply(parsed.message())
    commitment = await _create(s, rep, body, parsed, now, status="proposed", proposed_by=manager)
    await enqueue(
        s, rep,
        Message.text(
            f"{manager.display_name} logged a commitment from your coaching session for you: "
            f"“{commitment.title}”, {parsed.describe_when()}. It only counts if you accept it.",
            Button("Accept", PROPOSAL_ACTION, f"{commitment.id}:accept", "primary"),
            Button("Decline", PROPOSAL_ACTION, f"{commitment.id}:decline"),
        ),
        now,
        message_key=f"proposal:{commitment.id}",
    )
    return result.reply(
        f"Sent to {rep.display_name} to accept: “{commitment.title}”, {parsed.describe_when()}."
    )


async def on_proposal_click(s: AsyncSession, person: Person, value: str, now: datetime) -> Result:
    result = Result()
    raw_id, _, choice = value.partition(":")
    commitment = await s.get(Commitment, int(raw_id)) if raw_id.isdigit() else None
    if commitment is None or commitment.person_id != person.id:
        return result.reply("That proposal isn't yours to answer. Nothing changed.")
    if commitment.status != "proposed":
        return result.reply(f"You already answered that one: {line(commitment)}.")
    proposer = await s.get(Person, commitment.proposed_by_id) if commitment.proposed_by_id else None
    if choice == "accept":
        commitment.status = "active"
        commitment.updated_at = now
        spec, _ = await current_spec(s, person)
        await reschedule.reschedule_checkins(s, person, spec, now)
        text = f"Accepted: #{commitment.seq} {commitment.title}, {describe_when(commitment.cadence, commitment.due_date)}."
        verdict = "accepted"
    else:
        commitment.status = "dropped"
        commitment.updated_at = now
        text = f"Declined: “{commitment.title}”. Nothing will be asked about it."
        verdict = "declined"
    if proposer is not None:
        await enqueue(s, proposer, Message.text(f"{person.display_name} {verdict} “{commitment.title}”."), now)
    return result.reply(text)


async def list_(s: AsyncSession, person: Person) -> Result:
    items = await commitments_of(s, person.id, LIVE)
    if not items:
        return Result().reply("You have no open commitments. Log one with " "`/commit 20 calls every weekday`.")
    return Result().reply("Your commitments:\n" + "\n".join(line(c) for c in items))


async def _by_number(s: AsyncSession, person: Person, raw: str, verb: str) -> Commitment | str:
    raw = raw.strip().lstrip("#")
    if not raw.isdigit():
        return f"Which one? Give its number, like `/accountability {verb} 2`. `/accountability list` shows the numbers."
    commitment = await commitment_by_seq(s, person.id, int(raw))
    if commitment is None or commitment.status in ("dropped",):
        return f"You have no commitment #{raw}. `/accountability list` shows your commitments."
    return commitment


async def done(s: AsyncSession, person: Person, raw: str, now: datetime) -> Result:
    found = await _by_number(s, person, raw, "done")
    if isinstance(found, str):
        return Result().reply(found)
    if found.status == "done":
        return Result().reply(f"#{found.seq} is already done.")
    if found.status == "proposed":
        return Result().reply(f"#{found.seq} is waiting for you to accept it first.")
    found.status = "done"
    found.updated_at = now
    spec, _ = await current_spec(s, person)
    await reschedule.reschedule_checkins(s, person, spec, now)
    if found.due_date is not None:
        await escalation.oneoff_kept(s, person, found, spec, now)
        return Result().reply(f"Done: #{found.seq} {found.title}. A promise kept! 🎉")
    return Result().reply(f"Finished: #{found.seq} {found.title}. I won't ask about it any more.")


async def drop(s: AsyncSession, person: Person, raw: str, now: datetime) -> Result:
    found = await _by_number(s, person, raw, "drop")
    if isinstance(found, str):
        return Result().reply(found)
    found.status = "dropped"
    found.updated_at = now
    spec, _ = await current_spec(s, person)
    await reschedule.reschedule_checkins(s, person, spec, now)
    return Result().reply(f"Dropped #{found.seq} {found.title}. Its history stays; I won't ask about it again.")


async def set_paused(s: AsyncSession, person: Person, raw: str, now: datetime, *, paused: bool) -> Result:
    verb = "pause" if paused else "resume"
    found = await _by_number(s, person, raw, verb)
    if isinstance(found, str):
        return Result().reply(found)
    if found.status not in ("active", "paused"):
        return Result().reply(f"#{found.seq} is {found.status}; only open commitments can be paused or resumed.")
    found.status = "paused" if paused else "active"
    found.updated_at = now
    spec, _ = await current_spec(s, person)
    await reschedule.reschedule_checkins(s, person, spec, now)
    return Result().reply(("Paused " if paused else "Resumed ") + line(found))


async def edit(s: AsyncSession, person: Person, raw: str, now: datetime) -> Result:
    number, _, text = raw.strip().partition(" ")
    found = await _by_number(s, person, number, "edit")
    if isinstance(found, str):
        return Result().reply(found + " For example `/accountability edit 2 25 calls every weekday`.")
    if found.status not in ("active", "paused"):
        return Result().reply(f"#{found.seq} is {found.status}; only open commitments can be edited.")
    parsed = parse_commitment(text, today_for(person, now).date())
    if isinstance(parsed, ParseProblem):
        return Result().reply(parsed.message())
    found.text, found.title, found.cadence, found.due_date = text.strip(), parsed.title, parsed.cadence, parsed.due_date
    found.updated_at = now
    spec, _ = await current_spec(s, person)
    await reschedule.reschedule_checkins(s, person, spec, now)
    return Result().reply("Updated " + line(found))
