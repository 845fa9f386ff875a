"""The manager's digest: who needs help with what, follow-through rates and trends, streaks."""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers import reschedule
from handlers.contract.messages import Message
from handlers.contract.outcomes import Result
from handlers.current_terms import current_spec
from handlers.delivery import queue
from handlers.rules import tone
from handlers.rules.due_times import local_date_of
from handlers.rules.terms_text import read_days, read_time
from storage.models import Person
from storage.states import CheckInStatus, CommitmentStatus
from storage.store import Store, Tx

WEEK = timedelta(days=7)
BATCH = 200


async def _rate(tx: Tx, rep: Person, start: datetime, end: datetime, no_answer_is_miss: bool) -> tuple[int, int]:
    """(kept, counted) check-ins of `rep` that fell due in [start, end)."""
    kept = counted = 0
    for status in await tx.checkins.settled_statuses(rep.id, start, end):
        if status == CheckInStatus.YES:
            kept += 1
            counted += 1
        elif status == CheckInStatus.NO or (status == CheckInStatus.NO_ANSWER and no_answer_is_miss):
            counted += 1
    return kept, counted


async def build(tx: Tx, manager: Person, now: datetime, title: str = "Your weekly digest.") -> Message:
    reps = await tx.people.reps_of(manager.id)
    if not reps:
        return Message.text("Digest: nobody has named you as their accountability partner yet.")
    needs_help: list[str] = []
    needing: list[str] = []
    praise: list[str] = []
    rates: list[str] = []
    for rep in reps:
        spec, _ = await current_spec(tx, rep)
        kept, counted = await _rate(tx, rep, now - WEEK, now, spec.no_answer_is_miss)
        prev_kept, prev_counted = await _rate(tx, rep, now - 2 * WEEK, now - WEEK, spec.no_answer_is_miss)
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
        for c in await tx.commitments.of_person(rep.id, (CommitmentStatus.ACTIVE,)):
            if c.miss_run >= 1:
                last_note = await tx.checkins.latest_note(c.id)
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


async def set_cadence(manager: Person, text: str, now: datetime) -> Result:
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
    next_at = reschedule.next_digest_after(manager, now)
    manager.digest_next_at = next_at
    when = reschedule.describe_instant(next_at, manager) if next_at else "weekly"
    return Result().reply(f"Your digest comes {when} and weekly after that.")


async def show(tx: Tx, manager: Person, now: datetime, title: str) -> Result:
    message = await build(tx, manager, now, title)
    return Result().reply(message.plain_text)


async def send_due(store: Store, now: datetime) -> int:
    """Queue the digest of every manager whose digest time has come (each once per slot)."""
    sent = 0
    async with store.reading() as tx:
        due = await tx.people.due_for_digest(now, BATCH)
    for person_id, expected in due:
        async with store.transaction() as tx:
            manager = await tx.people.get(person_id)
            if manager is None:
                continue
            if not await tx.people.move_next_digest(person_id, expected, reschedule.next_digest_after(manager, now)):
                continue
            if now - expected > timedelta(days=1):
                continue  # a digest more than a day late is stale; the next one covers the week
            local_day = local_date_of(expected, reschedule.zone(manager))
            message = await build(tx, manager, now)
            if await queue(tx, manager, message, now, once=f"digest:{manager.id}:{local_day.isoformat()}"):
                sent += 1
    return sent
