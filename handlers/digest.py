"""The manager's digest: who needs help with what, follow-through rates and trends, streaks."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.contract.messages import Message, Result
from handlers import reschedule
from handlers.rules import tone
from handlers.rules.due_times import local_date_of
from handlers.terms import current_spec
from handlers.rules.terms_text import read_days, read_time
from storage.models import CheckIn, Commitment, Person
from storage.repositories import compare_and_set_next_digest, enqueue, reps_of

WEEK = timedelta(days=7)
BATCH = 200


async def _rate(s: AsyncSession, rep: Person, start: datetime, end: datetime, no_answer_is_miss: bool) -> tuple[int, int]:
    """(kept, counted) check-ins of `rep` that fell due in [start, end)."""
    rows = await s.scalars(
        select(CheckIn.status)
        .join(Commitment, Commitment.id == CheckIn.commitment_id)
        .where(Commitment.person_id == rep.id, CheckIn.settled_at.is_not(None), CheckIn.due_at >= start, CheckIn.due_at < end)
    )
    kept = counted = 0
    for status in rows:
        if status == "yes":
            kept += 1
            counted += 1
        elif status == "no" or (status == "no_answer" and no_answer_is_miss):
            counted += 1
    return kept, counted


async def build(s: AsyncSession, manager: Person, now: datetime, title: str = "Your weekly digest.") -> Message:
    reps = await reps_of(s, manager.id)
    if not reps:
        return Message.text("Digest: nobody has named you as their accountability partner yet.")
    needs_help: list[str] = []
    needing: list[str] = []
    praise: list[str] = []
    rates: list[str] = []
    for rep in reps:
        spec, _ = await current_spec(s, rep)
        kept, counted = await _rate(s, rep, now - WEEK, now, spec.no_answer_is_miss)
        prev_kept, prev_counted = await _rate(s, rep, now - 2 * WEEK, now - WEEK, spec.no_answer_is_miss)
        rate = f"{kept}/{counted}" if counted else "no check-ins"
        trend = ""
        if counted and prev_counted:
            delta = kept / counted - prev_kept / prev_counted
            trend = " ↑" if delta > 0.05 else " ↓" if delta < -0.05 else " →"
        rates.append(f"{rep.display_name} {rate}{trend}")
        if not rep.reachable:
            needs_help.append(
                f"• {rep.display_name} can't be reached by Follow-Through (the app was removed or blocked); "
                "check in with them directly."
            )
        commitments = list(
            await s.scalars(select(Commitment).where(Commitment.person_id == rep.id, Commitment.status == "active").order_by(Commitment.seq))
        )
        for c in commitments:
            if c.miss_run >= 1:
                last_note = await s.scalar(
                    select(CheckIn.note)
                    .where(CheckIn.commitment_id == c.id, CheckIn.note.is_not(None))
                    .order_by(CheckIn.due_at.desc())
                    .limit(1)
                )
                words = f" In their words: “{last_note}”" if last_note else ""
                needs_help.append(f"• {rep.display_name}: “{c.title}”, missed {c.miss_run} in a row.{words}")
                needing.append(rep.display_name)
            elif c.yes_run >= 3:
                praise.append(f"• {rep.display_name}: “{c.title}”, {c.yes_run} in a row.")
    summary = "Follow-through, last 7 days: " + ", ".join(rates) + "."
    if not needs_help:
        text = f"{title} All on track. {summary}"
        if praise:
            text += "\nWorth praising:\n" + "\n".join(praise)
        return Message.text(text)
    lines = [f"{title} Needs your help:", *needs_help]
    if praise:
        lines += ["Worth praising:", *praise]
    lines.append(summary)
    lines.append("Coaching prompt: " + tone.coaching_prompt(len(needs_help), needing[0] if needing else "them"))
    return Message(sections=(Message.text("\n".join(lines)).sections[0],), summary=lines[0])


async def set_cadence(s: AsyncSession, manager: Person, text: str, now: datetime) -> Result:
    """`digest off`, `digest on`, or `digest friday 16:00`: when the manager's weekly digest comes."""
    low = text.strip().lower()
    if low == "off":
        manager.digest_enabled = False
        manager.digest_next_at = None
        return Result().reply("Weekly digest off. `/accountability digest` still shows it any time; `digest on` brings it back.")
    if low != "on":
        days = read_days(low)
        at = read_time(low)
        if days is None or len(days) != 1 or at is None:
            return Result().reply(
                "I didn't understand that. Name one day and a time, like `/accountability digest monday 08:00`, "
                "or `digest off` / `digest on`. Nothing changed."
            )
        manager.digest_weekday = next(iter(days))
        manager.digest_time = f"{at:%H:%M}"
    manager.digest_enabled = True
    manager.digest_next_at = reschedule.next_digest_after(manager, now)
    assert manager.digest_next_at is not None
    return Result().reply(f"Your digest comes {reschedule.describe_instant(manager.digest_next_at, manager)} and weekly after that.")


async def show(s: AsyncSession, manager: Person, now: datetime, title: str) -> Result:
    message = await build(s, manager, now, title)
    return Result().reply(message.plain_text)


async def send_due(s_factory: async_sessionmaker[AsyncSession], now: datetime) -> int:
    """Queue the digest of every manager whose digest time has come (each once per slot)."""
    sent = 0
    async with s_factory() as s:
        rows = await s.execute(
            select(Person.id, Person.digest_next_at)
            .where(Person.digest_next_at.is_not(None), Person.digest_next_at <= now)
            .limit(BATCH)
        )
        due = [(person_id, at) for person_id, at in rows if at is not None]
    for person_id, expected in due:
        async with s_factory() as s, s.begin():
            manager = await s.get(Person, person_id)
            if manager is None:
                continue
            if not await compare_and_set_next_digest(s, person_id, expected, reschedule.next_digest_after(manager, now)):
                continue
            if now - expected > timedelta(days=1):
                continue  # a digest more than a day late is stale; the next one covers the week
            local_day = local_date_of(expected, reschedule.zone(manager))
            message = await build(s, manager, now)
            if await enqueue(s, manager, message, now, dedupe_key=f"digest:{manager.id}:{local_day.isoformat()}"):
                sent += 1
    return sent
