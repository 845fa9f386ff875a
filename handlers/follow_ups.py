"""Coaching that is itself accountable: every escalation owes a follow-up within three working
days of the manager's own calendar. The manager answers with "I'll follow up" or by logging a
coaching session; either way the rep is asked, once, whether it was the kind of follow-up they
asked for. A follow-up nobody acted on gets one reminder (`follow_up_reminders`)."""

from __future__ import annotations

from datetime import datetime

from handlers import reschedule
from handlers.buttons import FollowUpVerdictAnswer, LogSession, WillFollowUp, button
from handlers.contract.messages import Button, Message
from handlers.contract.outcomes import Result, Update
from handlers.current_terms import current_spec
from handlers.days_off import days_off
from handlers.delivery import queue
from handlers.rules.terms_text import describe_followup
from handlers.rules.working_days import follow_up_due, one_working_day_later
from storage.coaching_models import FollowUp
from storage.models import Notice, Person
from storage.states import FollowUpAction, FollowUpVerdict, NoticeKind
from storage.store import Tx

NOT_FOUND = "I couldn't find that escalation any more. Nothing changed."


def notice_key(notice_id: int) -> str:
    """The message key of what a manager was told (edited in place when they act on it)."""
    return f"notice:{notice_id}"


def reminder_key(follow_up_id: int) -> str:
    return f"followup-reminder:{follow_up_id}"


def verdict_key(follow_up_id: int) -> str:
    return f"followup-verdict:{follow_up_id}"


def manager_buttons(rep_id: int, notice_id: int) -> tuple[Button, ...]:
    return (
        button("I'll follow up", WillFollowUp(notice_id), "primary"),
        button("Logged a session", LogSession(rep_id, notice_id)),
    )


def due_for(manager: Person, at: datetime) -> datetime:
    """The end of the third working day after `at` in the manager's zone and calendar."""
    return follow_up_due(at, reschedule.zone(manager), manager.paused_until, days_off(manager))


async def owe(tx: Tx, notice: Notice, manager: Person, now: datetime) -> FollowUp:
    """The follow-up an escalation asks of the manager."""
    return await tx.follow_ups.add(
        FollowUp(notice_id=notice.id, rep_id=notice.rep_id, manager_id=manager.id, created_at=now, due_at=due_for(manager, now))
    )


async def how_they_asked(tx: Tx, rep: Person) -> str:
    """The rep's own words about being followed up, or their terms in plain words."""
    spec, _ = await current_spec(tx, rep)
    if spec.followup_words:
        return spec.followup_words
    return f"after a miss, {describe_followup(spec)}"


async def commitment_title(tx: Tx, notice: Notice | None) -> str:
    commitment = await tx.commitments.get(notice.commitment_id) if notice and notice.commitment_id else None
    return commitment.title if commitment is not None else "a commitment"


async def on_will_follow_up(tx: Tx, person: Person, clicked: WillFollowUp, now: datetime) -> Result:
    """The manager clicks "I'll follow up" on an escalation (or on its reminder)."""
    follow_up = await tx.follow_ups.for_notice(clicked.notice_id)
    notice = await tx.follow_ups.notice(clicked.notice_id)
    if follow_up is None and notice is not None and notice.kind == NoticeKind.ESCALATION and notice.manager_id == person.id:
        follow_up = await owe(tx, notice, person, notice.created_at)  # told before follow-ups were kept
    rep = await tx.people.get(follow_up.rep_id) if follow_up is not None else None
    if follow_up is None or notice is None or rep is None:
        return Result().reply(NOT_FOUND)
    if follow_up.manager_id != person.id:
        return Result().reply("That escalation went to someone else; only they can answer it. Nothing changed.")
    if follow_up.action is not None:
        return Result().reply(f"Already noted: you {_did(follow_up)} with {rep.display_name}. Nothing changed.")
    follow_up.action = FollowUpAction.PROMISED
    follow_up.acted_at = now
    when = one_working_day_later(now, reschedule.zone(person), person.paused_until, days_off(person))
    await _ask_rep(tx, follow_up, person, rep, notice, now, not_before=when)
    marked = f"{notice.text}\n✅ You said you'll follow up ({now.astimezone(reschedule.zone(person)):%a %-d %b})."
    result = Result().reply(
        f"Thank you. Noted that you'll follow up with {rep.display_name}. "
        f"A working day from now I'll ask {rep.display_name} whether it was the kind of follow-up they asked for."
    )
    result.add(Update(notice_key(notice.id), Message.text(marked, button("Logged a session", LogSession(rep.id, notice.id)))))
    if follow_up.reminded_at is not None:
        result.add(Update(reminder_key(follow_up.id), Message.text(f"✅ You said you'll follow up with {rep.display_name}.")))
    return result


async def session_logged(tx: Tx, manager: Person, rep_id: int, notice_id: int | None, now: datetime) -> None:
    """A coaching session with the rep was saved: it answers the follow-up of that escalation (or the
    rep's oldest open one with this manager), and the rep is asked about it right away."""
    if notice_id is not None:
        follow_up = await tx.follow_ups.for_notice(notice_id)
    else:
        follow_up = await tx.follow_ups.oldest_open(rep_id, manager.id)
    if follow_up is None or follow_up.manager_id != manager.id or follow_up.rep_id != rep_id:
        return
    if follow_up.action == FollowUpAction.SESSION:
        return
    follow_up.action = FollowUpAction.SESSION
    follow_up.acted_at = follow_up.acted_at or now
    rep = await tx.people.get(rep_id)
    if rep is None:
        return
    await _ask_rep(tx, follow_up, manager, rep, await tx.follow_ups.notice(follow_up.notice_id), now, not_before=now)


async def _ask_rep(
    tx: Tx, follow_up: FollowUp, manager: Person, rep: Person, notice: Notice | None, now: datetime, *, not_before: datetime
) -> None:
    """One question to the rep per follow-up; asked already but not yet sent, it is brought forward."""
    once = verdict_key(follow_up.id)
    if await tx.follow_ups.queued(once):
        await tx.follow_ups.bring_forward(once, not_before)
        return
    title = await commitment_title(tx, notice)
    asked = await how_they_asked(tx, rep)
    text = (
        f"{manager.display_name} followed up on “{title}”. "
        f"Was it the kind of follow-up you asked for (“{asked}”)?"
    )
    await queue(
        tx, rep,
        Message.text(
            text,
            button("It was", FollowUpVerdictAnswer(follow_up.id, True), "primary"),
            button("Not quite", FollowUpVerdictAnswer(follow_up.id, False)),
        ),
        now, key=verdict_key(follow_up.id), once=once, not_before=not_before,
    )


async def on_verdict(tx: Tx, person: Person, clicked: FollowUpVerdictAnswer, now: datetime) -> Result:
    """The rep's one click: was the follow-up the kind they asked for?"""
    follow_up = await tx.follow_ups.get(clicked.follow_up_id)
    if follow_up is None:
        return Result().reply("I couldn't find that follow-up any more. Nothing changed.")
    if follow_up.rep_id != person.id:
        return Result().reply("That question was for someone else; only they can answer it. Nothing changed.")
    if follow_up.verdict is not None:
        return Result().reply(f"Already noted: {_verdict_words(follow_up.verdict)}. Nothing changed.")
    follow_up.verdict = FollowUpVerdict.AS_ASKED if clicked.as_asked else FollowUpVerdict.NOT_AS_ASKED
    follow_up.verdict_at = now
    manager = await tx.people.get(follow_up.manager_id)
    title = await commitment_title(tx, await tx.follow_ups.notice(follow_up.notice_id))
    who = manager.display_name if manager is not None else "Your manager"
    result = Result().reply(
        "Thank you, noted. It helps your manager follow up the way you asked."
        if clicked.as_asked
        else "Thank you for saying so. Your terms are yours to sharpen any time with /accountability terms."
    )
    return result.add(Update(verdict_key(follow_up.id), Message.text(
        f"{who} followed up on “{title}”. You said: {_verdict_words(follow_up.verdict)}."
    )))


def _did(follow_up: FollowUp) -> str:
    return "logged a coaching session" if follow_up.action == FollowUpAction.SESSION else "said you'll follow up"


def _verdict_words(verdict: FollowUpVerdict) -> str:
    return "it was the kind of follow-up you asked for" if verdict == FollowUpVerdict.AS_ASKED else "not quite what you asked for"
