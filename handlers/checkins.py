"""Check-ins: create what is due at each rep's slot, render the message, record Yes / No,
run the follow-up the rep chose, and close the day with `no answer`."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.contract.messages import Button, Message, Result, Section, Update
from handlers import escalation, reschedule
from handlers.rules import tone
from handlers.rules.commit_text import describe_when
from handlers.rules.due_times import (
    WEEKDAY_NAMES,
    cadence_days,
    end_of_local_day,
    latest_slot_at_or_before,
    local_date_of,
    next_slot_after,
    period_for,
)
from handlers.terms import current_spec
from handlers.rules.terms_text import TermsSpec
from storage.models import CheckIn, Commitment, Person, Prompt
from storage.repositories import compare_and_set_next_checkin, enqueue

ANSWER_ACTION = "checkin"
NUDGE_ACTION = "nudge"
NUDGE_DELAY = timedelta(hours=3)
NUDGE_MARGIN = timedelta(hours=1)
BATCH = 500

_STATUS_WORDS = {"yes": "✅ Yes", "no": "❌ No", "no_answer": "— no answer"}


def prompt_key(prompt_id: int) -> str:
    return f"prompt:{prompt_id}"


async def create_due(s_factory: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """For every rep whose next check-in is at or before `now`, create that slot's check-ins and
    queue its message. Each rep is claimed atomically, so overlapping ticks never double up.
    Returns how many check-in messages were queued."""
    queued = 0
    async with s_factory() as s:
        rows = await s.execute(
            select(Person.id, Person.next_checkin_at)
            .where(Person.next_checkin_at.is_not(None), Person.next_checkin_at <= now)
            .order_by(Person.next_checkin_at)
            .limit(BATCH)
        )
        due = [(person_id, at) for person_id, at in rows if at is not None]
    for person_id, expected in due:
        async with s_factory() as s, s.begin():
            person = await s.get(Person, person_id)
            if person is None:
                continue
            spec, _ = await current_spec(s, person)
            tz = reschedule.zone(person)
            new_next = next_slot_after(now, tz, spec.checkin_days, spec.checkin_time, person.paused_until)
            if not await compare_and_set_next_checkin(s, person_id, expected, new_next):
                continue
            slot = latest_slot_at_or_before(now, tz, spec.checkin_days, spec.checkin_time, person.paused_until)
            if slot is None or slot < expected or end_of_local_day(local_date_of(slot, tz), tz) <= now:
                continue  # the slot's day is over (downtime): don't ask about a day that has ended
            if await _open_slot(s, person, spec, slot, now):
                queued += 1
    return queued


async def _open_slot(s: AsyncSession, person: Person, spec: TermsSpec, slot: datetime, now: datetime) -> bool:
    tz = reschedule.zone(person)
    slot_date = local_date_of(slot, tz)
    if await s.scalar(select(Prompt.id).where(Prompt.person_id == person.id, Prompt.slot_at == slot)) is not None:
        return False
    commitments = list(
        await s.scalars(
            select(Commitment)
            .where(Commitment.person_id == person.id, Commitment.status == "active", Commitment.created_at <= slot)
            .order_by(Commitment.seq)
        )
    )
    due: list[tuple[Commitment, str]] = []
    for c in commitments:
        period = period_for(
            cadence_days=cadence_days(c.cadence),
            weekly=c.cadence == "weekly",
            due_date=c.due_date,
            slot_date=slot_date,
            checkin_days=spec.checkin_days,
        )
        if period is None:
            continue
        exists = await s.scalar(select(CheckIn.id).where(CheckIn.commitment_id == c.id, CheckIn.period == period))
        if exists is None:
            due.append((c, period))
    if not due:
        return False
    prompt = Prompt(person_id=person.id, slot_at=slot, local_date=slot_date, created_at=now)
    s.add(prompt)
    await s.flush()
    closes = end_of_local_day(slot_date, tz)
    for c, period in due:
        s.add(CheckIn(commitment_id=c.id, prompt_id=prompt.id, period=period, due_at=slot, closes_at=closes, status="pending"))
    await s.flush()
    message = await render_prompt(s, person, prompt, spec)
    await enqueue(s, person, message, now, message_key=prompt_key(prompt.id), dedupe_key=f"prompt:{prompt.id}")
    return True


async def render_prompt(s: AsyncSession, person: Person, prompt: Prompt, spec: TermsSpec) -> Message:
    rows = list(
        await s.execute(
            select(CheckIn, Commitment)
            .join(Commitment, Commitment.id == CheckIn.commitment_id)
            .where(CheckIn.prompt_id == prompt.id)
            .order_by(Commitment.seq)
        )
    )
    day = prompt.local_date
    header = tone.say(spec.tone, "checkin", name=person.display_name) + f" ({WEEKDAY_NAMES[day.weekday()]} {day:%-d %b})"
    sections = [Section(text=header)]
    for checkin, c in rows:
        label = f"#{c.seq} {c.title} ({_period_words(c, checkin)})"
        if checkin.status == "pending":
            sections.append(
                Section(
                    text=label,
                    buttons=(
                        Button("Yes", ANSWER_ACTION, f"{checkin.id}:yes", "primary"),
                        Button("No", ANSWER_ACTION, f"{checkin.id}:no", "danger"),
                    ),
                )
            )
        else:
            suffix = " (done later)" if checkin.recovered else ""
            sections.append(Section(text=f"{label}: {_STATUS_WORDS[checkin.status]}{suffix}"))
    return Message(sections=tuple(sections), summary=header)


def _period_words(c: Commitment, checkin: CheckIn) -> str:
    if c.due_date is not None:
        return f"due {WEEKDAY_NAMES[c.due_date.weekday()]} {c.due_date:%-d %b}"
    if c.cadence == "weekly":
        return "this week"
    return describe_when(c.cadence, None)


async def on_answer(s: AsyncSession, person: Person, value: str, now: datetime) -> Result:
    """A Yes / No click on a check-in message."""
    result = Result()
    raw_id, _, answer = value.partition(":")
    checkin = await s.get(CheckIn, int(raw_id)) if raw_id.isdigit() else None
    commitment = await s.get(Commitment, checkin.commitment_id) if checkin else None
    if checkin is None or commitment is None or answer not in ("yes", "no"):
        return result.reply("I couldn't find that check-in any more. Nothing changed.")
    if commitment.person_id != person.id:
        return result.reply("That check-in belongs to someone else; only they can answer it. Nothing changed.")
    if checkin.status != "pending":
        return result.reply(f"Already recorded for “{commitment.title}”: {_STATUS_WORDS[checkin.status]}. Nothing changed.")
    if checkin.closes_at <= now:
        return result.reply(f"That check-in closed at the end of its day; “{commitment.title}” is recorded as no answer.")
    if not await _record_answer(s, checkin, answer, now):
        return result.reply(f"Already recorded for “{commitment.title}”: {_STATUS_WORDS[checkin.status]}. Nothing changed.")
    spec, _ = await current_spec(s, person)
    if answer == "yes":
        result.reply(tone.say(spec.tone, "yes", title=commitment.title))
        await escalation.settle(s, checkin, now, spec)
    else:
        result.reply(tone.say(spec.tone, "no", title=commitment.title))
        await _follow_up(s, person, checkin, commitment, spec, now, result)
    await _refresh(s, person, checkin, spec, result)
    return result


async def _record_answer(s: AsyncSession, checkin: CheckIn, status: str, now: datetime | None) -> bool:
    """Move a pending check-in to `status` atomically: of two racing answers (a double click,
    a click as the day closes) exactly one wins; the loser sees the winner's answer."""
    changed = await s.execute(
        update(CheckIn)
        .where(CheckIn.id == checkin.id, CheckIn.status == "pending")
        .values(status=status, answered_at=now)
        .execution_options(synchronize_session=False)
    )
    await s.refresh(checkin)
    return bool(changed.rowcount == 1)  # type: ignore[attr-defined]


async def _follow_up(
    s: AsyncSession, person: Person, checkin: CheckIn, commitment: Commitment, spec: TermsSpec, now: datetime, result: Result
) -> None:
    """After a No: ask what got in the way and/or queue a later nudge, as the rep chose. The
    check-in settles when those are done (or when the day closes), so the manager sees the rep's words."""
    nudge_at = min(now + NUDGE_DELAY, checkin.closes_at - NUDGE_MARGIN)
    if spec.nudge_later and nudge_at > now:
        checkin.awaiting_nudge = True
        await enqueue(
            s, person,
            Message.text(
                tone.say(spec.tone, "nudge", title=commitment.title),
                Button("Done it now", NUDGE_ACTION, f"{checkin.id}:yes", "primary"),
                Button("Not today", NUDGE_ACTION, f"{checkin.id}:no"),
            ),
            now, not_before=nudge_at, message_key=f"nudge:{checkin.id}", dedupe_key=f"nudge:{checkin.id}",
        )
    if spec.reflect_on_miss:
        checkin.awaiting_note = True
        person.conversation_state = json.dumps({"flow": "note", "checkin": checkin.id})
        result.reply(tone.say(spec.tone, "reflect", title=commitment.title))
    if not checkin.awaiting_note and not checkin.awaiting_nudge:
        await escalation.settle(s, checkin, now, spec)


async def on_note(s: AsyncSession, person: Person, text: str, now: datetime) -> Result:
    """The rep's answer to "what got in the way?"."""
    state = json.loads(person.conversation_state or "{}")
    person.conversation_state = None
    checkin = await s.get(CheckIn, int(state.get("checkin", 0)))
    result = Result()
    if checkin is None:
        return result
    spec, _ = await current_spec(s, person)
    checkin.note = text.strip()[:2000]
    checkin.awaiting_note = False
    result.reply(tone.say(spec.tone, "note_thanks"))
    if not checkin.awaiting_nudge and checkin.settled_at is None:
        await escalation.settle(s, checkin, now, spec)
    return result


def awaiting_note(person: Person) -> bool:
    """Is the rep's next plain message their answer to "what got in the way?"."""
    if not person.conversation_state:
        return False
    state = json.loads(person.conversation_state)
    return isinstance(state, dict) and state.get("flow") == "note"


async def on_nudge(s: AsyncSession, person: Person, value: str, now: datetime) -> Result:
    """"Done it now" / "Not today" on the later nudge."""
    result = Result()
    raw_id, _, answer = value.partition(":")
    checkin = await s.get(CheckIn, int(raw_id)) if raw_id.isdigit() else None
    commitment = await s.get(Commitment, checkin.commitment_id) if checkin else None
    if checkin is None or commitment is None:
        return result.reply("I couldn't find that check-in any more. Nothing changed.")
    if commitment.person_id != person.id:
        return result.reply("That nudge belongs to someone else; only they can answer it. Nothing changed.")
    if not checkin.awaiting_nudge or checkin.settled_at is not None:
        return result.reply(f"“{commitment.title}” is already settled for that day: {_STATUS_WORDS[checkin.status]}.")
    spec, _ = await current_spec(s, person)
    checkin.awaiting_nudge = False
    if answer == "yes":
        checkin.status = "yes"
        checkin.recovered = True
        checkin.answered_at = now
        result.reply(tone.say(spec.tone, "yes", title=commitment.title))
        if checkin.awaiting_note and awaiting_note(person):
            person.conversation_state = None
        await escalation.settle(s, checkin, now, spec)
    else:
        result.reply("OK, recorded as not today.")
        if not checkin.awaiting_note:
            await escalation.settle(s, checkin, now, spec)
    result.add(Update(f"nudge:{checkin.id}", Message.text(f"“{commitment.title}”: {_STATUS_WORDS[checkin.status]}")))
    await _refresh(s, person, checkin, spec, result)
    return result


async def _refresh(s: AsyncSession, person: Person, checkin: CheckIn, spec: TermsSpec, result: Result) -> None:
    if checkin.prompt_id is None:
        return
    prompt = await s.get(Prompt, checkin.prompt_id)
    if prompt is not None:
        result.add(Update(prompt_key(prompt.id), await render_prompt(s, person, prompt, spec)))


async def _update_prompt_later(s: AsyncSession, person: Person, checkin: CheckIn, now: datetime) -> None:
    """Queue an in-place edit of the check-in message so its closed buttons show `no answer`."""
    if checkin.prompt_id is None:
        return
    prompt = await s.get(Prompt, checkin.prompt_id)
    if prompt is None:
        return
    await s.flush()
    spec, _ = await current_spec(s, person)
    await enqueue(
        s, person, await render_prompt(s, person, prompt, spec), now,
        operation="update", message_key=prompt_key(prompt.id), dedupe_key=f"closed:{checkin.id}",
    )


async def close_days(s_factory: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Settle every check-in whose day has ended: unanswered ones become `no answer`."""
    closed = 0
    async with s_factory() as s:
        ids = list(
            await s.scalars(
                select(CheckIn.id)
                .where(CheckIn.settled_at.is_(None), CheckIn.closes_at <= now)
                .order_by(CheckIn.due_at)
                .limit(BATCH)
            )
        )
    for checkin_id in ids:
        async with s_factory() as s, s.begin():
            checkin = await s.scalar(select(CheckIn).where(CheckIn.id == checkin_id).with_for_update())
            if checkin is None or checkin.settled_at is not None:
                continue
            commitment = await s.get(Commitment, checkin.commitment_id)
            person = await s.get(Person, commitment.person_id) if commitment else None
            if person is None:
                continue
            if checkin.status == "pending":
                if await _record_answer(s, checkin, "no_answer", None):
                    await _update_prompt_later(s, person, checkin, now)
                elif checkin.settled_at is not None:
                    continue
            if checkin.awaiting_note and awaiting_note(person):
                person.conversation_state = None
            spec, _ = await current_spec(s, person)
            await escalation.settle(s, checkin, now, spec)
            closed += 1
    return closed
