"""Where the router hands coaching over: the buttons (log a session, answer or rate a practice),
the forms (session record, practice answer, feedback), and the typed messages a coaching
conversation awaits (the session questions, a practice answer or file, a feedback note)."""

from __future__ import annotations

from datetime import datetime

from handlers import coaching_sessions as sessions
from handlers import practice, practice_feedback, session_chat, session_form
from handlers.buttons import (
    LogSession,
    PracticeAction,
    PracticeRating,
    PracticeStep,
    decode,
)
from handlers.contract.incoming import ButtonClick, FormSubmit, TextMessage
from handlers.contract.messages import Address
from handlers.contract.outcomes import Result
from storage.models import Person
from storage.store import Tx

FORM_IDS = frozenset({session_form.FORM_ID, practice.ANSWER_FORM_ID, practice_feedback.FEEDBACK_FORM_ID})


async def start_session(tx: Tx, manager: Person, mentions: tuple[Address, ...], forms: bool) -> Result:
    """`/accountability coach @rep`: open the session record (form or conversation)."""
    rep = await sessions.mentioned_rep(tx, manager, mentions, "coach")
    if isinstance(rep, str):
        return Result().reply(rep)
    return await session_chat.begin(tx, manager, rep, None, forms)


async def on_click(tx: Tx, person: Person, click: ButtonClick, now: datetime, forms: bool) -> Result | None:
    """The coaching buttons; None for any other button."""
    match decode(click.action, click.value):
        case LogSession(rep_id, notice_id):
            rep = await sessions.coachable(tx, person, await tx.people.get(rep_id))
            if isinstance(rep, str):
                return Result().reply(rep)
            return await session_chat.begin(tx, person, rep, notice_id, forms)
        case PracticeAction(practice_id, PracticeStep.RESPOND):
            return await practice.on_respond(tx, person, practice_id, forms)
        case PracticeAction(practice_id, PracticeStep.FEEDBACK):
            return await practice_feedback.on_click(tx, person, practice_id, forms)
        case PracticeRating(practice_id, rating):
            return await practice_feedback.on_rating(tx, person, practice_id, rating, now)
    return None


async def on_form(tx: Tx, person: Person, submit: FormSubmit, now: datetime) -> Result:
    if submit.form_id == session_form.FORM_ID:
        return await session_form.submit(tx, person, submit.values, now)
    if submit.form_id == practice.ANSWER_FORM_ID:
        return await practice.submit_answer(tx, person, submit.values, now)
    return await practice_feedback.submit(tx, person, submit.values, now)


def awaiting(person: Person) -> bool:
    """Whether a coaching conversation awaits this person's next message."""
    return bool(session_chat.interview(person) or practice.awaited(person) is not None or practice_feedback.awaiting(person))


async def on_text(tx: Tx, person: Person, message: TextMessage, now: datetime) -> Result | None:
    """The awaited message (or a shared file, which can only be a practice answer); None if no
    coaching conversation awaits it."""
    if session_chat.interview(person):
        return await session_chat.on_text(tx, person, message.text, now)
    if practice_feedback.awaiting(person):
        return await practice_feedback.on_text(tx, person, message.text, now)
    if practice.awaited(person) is not None or message.files:
        return await practice.on_message(tx, person, message.text, message.files, now)
    return None
