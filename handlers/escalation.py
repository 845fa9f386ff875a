"""Settling check-ins: update the commitment's runs and tell the manager only what the rep chose."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.contract.messages import Message
from handlers.rules import runs, tone
from handlers.rules.commit_text import describe_when
from handlers.rules.runs import RunState
from handlers.reschedule import zone
from handlers.rules.due_times import WEEKDAY_NAMES
from handlers.rules.terms_text import TermsSpec
from storage.models import CheckIn, Commitment, Notice, Person
from storage.repositories import active_manager_link, enqueue


async def settle(s: AsyncSession, checkin: CheckIn, now: datetime, spec: TermsSpec) -> None:
    """Make `checkin` final, move its commitment's runs, and notify the manager if the rules say so."""
    if checkin.settled_at is not None:
        return
    commitment = await s.scalar(select(Commitment).where(Commitment.id == checkin.commitment_id).with_for_update())
    assert commitment is not None
    checkin.settled_at = now
    checkin.awaiting_note = False
    checkin.awaiting_nudge = False
    decision = runs.settle(
        RunState(commitment.miss_run, commitment.yes_run, commitment.escalated_in_run),
        checkin.status,  # type: ignore[arg-type]
        spec.policy,
        one_off=commitment.due_date is not None,
    )
    commitment.miss_run = decision.state.miss_run
    commitment.yes_run = decision.state.yes_run
    commitment.escalated_in_run = decision.state.escalated_in_run
    rep = await s.get(Person, commitment.person_id)
    assert rep is not None
    if commitment.due_date is not None and checkin.status == "yes" and commitment.status == "active":
        commitment.status = "done"
        commitment.updated_at = now
    if decision.escalate:
        await _escalate(s, rep, commitment, checkin, spec, now)
    if decision.streak_win:
        await _tell_manager(
            s, rep, commitment, "win", now,
            f"🎉 {rep.display_name} kept “{commitment.title}” ({describe_when(commitment.cadence, commitment.due_date)}) "
            f"{decision.streak_win} check-ins in a row.",
            checkin.note, tone.win_prompt(checkin.id, rep.display_name),
            dedupe=f"win:{commitment.id}:{checkin.id}",
        )
    if decision.oneoff_win:
        await oneoff_kept(s, rep, commitment, spec, now, checkin=checkin)


async def oneoff_kept(
    s: AsyncSession, rep: Person, commitment: Commitment, spec: TermsSpec, now: datetime, checkin: CheckIn | None = None
) -> None:
    if not spec.share_oneoff_wins:
        return
    due = commitment.due_date
    when = f" (due {WEEKDAY_NAMES[due.weekday()]} {due:%-d %b})" if due else ""
    await _tell_manager(
        s, rep, commitment, "win", now,
        f"🎉 {rep.display_name} kept a promise: “{commitment.title}”{when}.",
        checkin.note if checkin else None, tone.kept_prompt(commitment.id, rep.display_name),
        dedupe=f"kept:{commitment.id}",
    )


async def _escalate(
    s: AsyncSession, rep: Person, commitment: Commitment, checkin: CheckIn, spec: TermsSpec, now: datetime
) -> None:
    recent = list(
        await s.scalars(
            select(CheckIn)
            .where(CheckIn.commitment_id == commitment.id, CheckIn.settled_at.is_not(None))
            .order_by(CheckIn.due_at.desc())
            .limit(commitment.miss_run)
        )
    )
    days = ", ".join(f"{c.due_at.astimezone(zone(rep)):%a %-d %b}" for c in reversed(recent))
    notes = [c.note for c in reversed(recent) if c.note]
    n = commitment.miss_run
    headline = (
        f"{rep.display_name} has missed “{commitment.title}” ({describe_when(commitment.cadence, commitment.due_date)}) "
        f"{n} time{'s' if n != 1 else ''} in a row ({days}). "
        f"{rep.display_name} asked me to tell you after {spec.escalate_after} in a row."
    )
    words = " / ".join(notes) if notes else None
    await _tell_manager(
        s, rep, commitment, "escalation", now, headline, words, tone.coaching_prompt(checkin.id, rep.display_name),
        dedupe=f"escalation:{commitment.id}:{checkin.id}", followup_words=spec.followup_words,
    )


async def _tell_manager(
    s: AsyncSession,
    rep: Person,
    commitment: Commitment,
    kind: str,
    now: datetime,
    headline: str,
    rep_words: str | None,
    prompt: str,
    *,
    dedupe: str,
    followup_words: str | None = None,
) -> None:
    link = await active_manager_link(s, rep.id)
    if link is None:
        return
    manager = await s.get(Person, link.manager_id)
    assert manager is not None
    lines = [headline]
    if rep_words:
        lines.append(f"In {rep.display_name}'s words: “{rep_words}”")
    if followup_words:
        lines.append(f"How {rep.display_name} wants to be followed up: “{followup_words}”")
    lines.append(f"Coaching prompt: {prompt}")
    text = "\n".join(lines)
    queued = await enqueue(s, manager, Message.text(text), now, dedupe_key=dedupe)
    if queued is not None:
        s.add(Notice(rep_id=rep.id, manager_id=manager.id, kind=kind, commitment_id=commitment.id, text=text, created_at=now))
