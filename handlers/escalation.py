"""Settling check-ins: update the commitment's runs and tell the manager only what the rep chose."""

from __future__ import annotations

from datetime import datetime

from handlers import follow_ups, reschedule
from handlers.buttons import SendKudos, button
from handlers.contract.messages import Message
from handlers.delivery import queue
from handlers.rules import runs, tone
from handlers.rules.commit_text import describe_when
from handlers.rules.due_times import WEEKDAY_NAMES
from handlers.rules.runs import RunState
from handlers.rules.terms_text import TermsSpec
from storage.models import CheckIn, Commitment, Notice, Person
from storage.states import CheckInStatus, CommitmentStatus, NoticeKind
from storage.store import Tx


class MissingRow(LookupError):
    """A row that a foreign key promises is gone (deleted under us): the transaction is abandoned."""


async def settle(tx: Tx, checkin: CheckIn, now: datetime, spec: TermsSpec) -> None:
    """Make `checkin` final, move its commitment's runs, and notify the manager if the rules say so."""
    if checkin.settled_at is not None:
        return
    commitment = await tx.commitments.get_locked(checkin.commitment_id)
    rep = await tx.people.get(commitment.person_id) if commitment is not None else None
    if commitment is None or rep is None:
        raise MissingRow(f"check-in {checkin.id} has no commitment or rep")
    checkin.settled_at = now
    checkin.awaiting_note = False
    checkin.awaiting_nudge = False
    decision = runs.settle(
        RunState(commitment.miss_run, commitment.yes_run, commitment.escalated_in_run),
        runs.Answer(checkin.status.value),
        spec.policy,
        one_off=commitment.due_date is not None,
    )
    commitment.miss_run = decision.state.miss_run
    commitment.yes_run = decision.state.yes_run
    commitment.escalated_in_run = decision.state.escalated_in_run
    if commitment.due_date is not None and checkin.status == CheckInStatus.YES and commitment.status == CommitmentStatus.ACTIVE:
        commitment.status = CommitmentStatus.DONE
        commitment.updated_at = now
    if decision.escalate:
        await _escalate(tx, rep, commitment, checkin, spec, now)
    if decision.streak_win:
        await _tell_manager(
            tx, rep, commitment, NoticeKind.WIN, now,
            f"🎉 {rep.display_name} kept “{commitment.title}” ({describe_when(commitment.cadence, commitment.due_date)}) "
            f"{decision.streak_win} check-ins in a row.",
            checkin.note if spec.share_reflections else None, tone.win_prompt(checkin.id, rep.display_name),
            once=f"win:{commitment.id}:{checkin.id}",
        )
    if decision.oneoff_win:
        await oneoff_kept(tx, rep, commitment, spec, now, checkin=checkin)


async def oneoff_kept(
    tx: Tx, rep: Person, commitment: Commitment, spec: TermsSpec, now: datetime, checkin: CheckIn | None = None
) -> None:
    if not spec.share_oneoff_wins:
        return
    due = commitment.due_date
    when = f" (due {WEEKDAY_NAMES[due.weekday()]} {due:%-d %b})" if due else ""
    await _tell_manager(
        tx, rep, commitment, NoticeKind.WIN, now,
        f"🎉 {rep.display_name} kept a promise: “{commitment.title}”{when}.",
        checkin.note if checkin and spec.share_reflections else None, tone.kept_prompt(commitment.id, rep.display_name),
        once=f"kept:{commitment.id}",
    )


async def _escalate(tx: Tx, rep: Person, commitment: Commitment, checkin: CheckIn, spec: TermsSpec, now: datetime) -> None:
    misses = (CheckInStatus.NO, CheckInStatus.NO_ANSWER) if spec.no_answer_is_miss else (CheckInStatus.NO,)
    recent = list(reversed(await tx.checkins.latest_settled(commitment.id, commitment.miss_run, misses)))
    days = ", ".join(f"{c.due_at.astimezone(reschedule.zone(rep)):%a %-d %b}" for c in recent)
    notes = [c.note for c in recent if c.note]
    n = commitment.miss_run
    headline = (
        f"{rep.display_name} has missed “{commitment.title}” ({describe_when(commitment.cadence, commitment.due_date)}) "
        f"{n} time{'s' if n != 1 else ''} in a row ({days}). "
        f"{rep.display_name} asked me to tell you after {spec.escalate_after} in a row."
    )
    words = " / ".join(notes) if notes and spec.share_reflections else None
    await _tell_manager(
        tx, rep, commitment, NoticeKind.ESCALATION, now, headline, words, tone.coaching_prompt(checkin.id, rep.display_name),
        once=f"escalation:{commitment.id}:{checkin.id}", followup_words=spec.followup_words,
    )


async def _tell_manager(
    tx: Tx,
    rep: Person,
    commitment: Commitment,
    kind: NoticeKind,
    now: datetime,
    headline: str,
    rep_words: str | None,
    prompt: str,
    *,
    once: str,
    followup_words: str | None = None,
) -> None:
    """Tell the rep's manager, once per `once`: the notice is stored first (its id goes into the
    buttons), and taken back if the message turns out to be queued already."""
    link = await tx.links.active_for_rep(rep.id)
    manager = await tx.people.get(link.manager_id) if link is not None else None
    if manager is None or await tx.follow_ups.queued(once):
        return
    lines = [headline]
    if rep_words:
        lines.append(f"In {rep.display_name}'s words: “{rep_words}”")
    if followup_words:
        lines.append(f"How {rep.display_name} wants to be followed up: “{followup_words}”")
    lines.append(f"Coaching prompt: {prompt}")
    text = "\n".join(lines)
    notice = await tx.follow_ups.add_notice(
        Notice(rep_id=rep.id, manager_id=manager.id, kind=kind, commitment_id=commitment.id, text=text, created_at=now)
    )
    if kind == NoticeKind.ESCALATION:
        message = Message.text(text, *follow_ups.manager_buttons(rep.id, notice.id))
    else:
        message = Message.text(text, button("Send kudos", SendKudos(rep.id, notice.id), "primary"))
    if not await queue(tx, manager, message, now, once=once, key=follow_ups.notice_key(notice.id)):
        await tx.follow_ups.discard_notice(notice)
        return
    if kind == NoticeKind.ESCALATION:
        await follow_ups.owe(tx, notice, manager, now)
