"""Feedback on a practice answer: one click (a rating from 1 to 5) or a note with a rating (a
form, or typed where there are no forms). Only the manager who asked gives it; a second
rating or note replaces the first, and the rep hears each."""

from __future__ import annotations

from datetime import datetime

from handlers import conversation_state
from handlers.buttons import RATINGS
from handlers.contract.messages import Field, Form, FormValue, Message, Option
from handlers.contract.outcomes import FormErrors, OpenForm, Result
from handlers.conversation_state import AwaitingFeedback, AwaitingNotes, TermsInterview
from handlers.delivery import queue
from handlers.practice import practice_choice
from storage.coaching_models import PracticeRequest
from storage.models import Person
from storage.states import PracticeStatus
from storage.store import Tx

FEEDBACK_FORM_ID = "practice_feedback"
MAX_NOTE = 1000
NOT_YOURS = "That practice answer isn't yours to give feedback on. Nothing changed."

FEEDBACK_FORM = Form(
    form_id=FEEDBACK_FORM_ID,
    title="Feedback on practice",
    intro="What worked, and one thing to try next time. Specific and kind lands best.",
    submit_label="Send feedback",
    fields=(
        Field("practice", "Practice", "choice"),
        Field("rating", "Rating", "choice", options=tuple(Option(str(n), f"{n} of 5") for n in RATINGS)),
        Field("note", "Your note", "text", optional=True, multiline=True, max_length=MAX_NOTE,
              hint="e.g. Great opener. Next time, ask what 'expensive' compares to before answering."),
    ),
)


async def _reviewable(tx: Tx, manager: Person, practice_id: int) -> PracticeRequest | str:
    asked = await tx.practice.get_locked(practice_id)
    if asked is None or asked.manager_id != manager.id:
        return NOT_YOURS
    if asked.status == PracticeStatus.REQUESTED:
        return "There's no answer to give feedback on yet; I'll bring it to you when it comes."
    return asked


async def on_click(tx: Tx, manager: Person, practice_id: int, forms: bool) -> Result:
    """"Add a note": the form, or (no forms) the next typed message is the note."""
    asked = await _reviewable(tx, manager, practice_id)
    if isinstance(asked, str):
        return Result().reply(asked)
    if forms:
        fields = (practice_choice(asked), *FEEDBACK_FORM.fields[1:])
        values: dict[str, FormValue] = {"practice": str(asked.id), "rating": str(asked.rating or ""), "note": asked.feedback_note or ""}
        return Result().add(OpenForm(Form(FEEDBACK_FORM_ID, FEEDBACK_FORM.title, FEEDBACK_FORM.intro, fields,
                                          FEEDBACK_FORM.submit_label), values))
    if isinstance(conversation_state.read(manager), AwaitingNotes | TermsInterview):
        return Result().reply("I'm still waiting for your answer to my last question; answer it first, then click again.")
    conversation_state.write(manager, AwaitingFeedback(asked.id))
    return Result().reply(
        f"Your note on “{asked.skill}”: type it now. Start with a rating from 1 to 5 if you like, "
        "e.g. `4 Great opener; slow down on price.`"
    )


async def on_rating(tx: Tx, manager: Person, practice_id: int, rating: int, now: datetime) -> Result:
    asked = await _reviewable(tx, manager, practice_id)
    if isinstance(asked, str):
        return Result().reply(asked)
    return await _give(tx, manager, asked, rating, asked.feedback_note, now)


def awaiting(person: Person) -> bool:
    return isinstance(conversation_state.read(person), AwaitingFeedback)


async def on_text(tx: Tx, manager: Person, text: str, now: datetime) -> Result:
    """The typed note (with an optional leading rating) a manager owes after "Add a note"."""
    state = conversation_state.read(manager)
    if not isinstance(state, AwaitingFeedback):
        return Result()
    asked = await _reviewable(tx, manager, state.practice_id)
    if isinstance(asked, str):
        conversation_state.write(manager, None)
        return Result().reply(asked)
    head, _, rest = text.strip().partition(" ")
    rating = int(head) if head in {str(n) for n in RATINGS} else None
    note = (rest if rating is not None else text).strip()
    if not note and rating is None:
        return Result().reply("Your note is empty. Type it, or `cancel`.")
    if note.lower() == "cancel" and rating is None:
        conversation_state.write(manager, None)
        return Result().reply("OK, no note. Nothing changed.")
    if len(note) > MAX_NOTE:
        return Result().reply(f"Please keep the note under {MAX_NOTE} characters (it is {len(note)}). Nothing was saved.")
    conversation_state.write(manager, None)
    return await _give(tx, manager, asked, rating or asked.rating, note or asked.feedback_note, now)


def _value(values: dict[str, FormValue], name: str) -> str:
    raw = values.get(name, "")
    return ((raw[0] if raw else "") if isinstance(raw, tuple) else raw).strip()


async def submit(tx: Tx, manager: Person, values: dict[str, FormValue], now: datetime) -> Result:
    raw = _value(values, "practice")
    found = await _reviewable(tx, manager, int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 16 else NOT_YOURS
    if isinstance(found, str):
        return Result().add(FormErrors({"practice": found}))
    errors = {}
    rating = _value(values, "rating")
    if rating not in {str(n) for n in RATINGS}:
        errors["rating"] = "Pick a rating from 1 to 5."
    note = _value(values, "note")
    if len(note) > MAX_NOTE:
        errors["note"] = f"Please keep the note under {MAX_NOTE} characters (it is {len(note)})."
    if errors:
        return Result().add(FormErrors(errors))
    return await _give(tx, manager, found, int(rating), note or None, now)


async def _give(tx: Tx, manager: Person, asked: PracticeRequest, rating: int | None, note: str | None, now: datetime) -> Result:
    again = asked.status == PracticeStatus.REVIEWED
    asked.rating, asked.feedback_note = rating, note
    asked.status, asked.feedback_at = PracticeStatus.REVIEWED, now
    rep = await tx.people.get(asked.rep_id)
    shown = describe_feedback(asked)
    if rep is not None:
        lead = f"{manager.display_name} {'updated their' if again else 'sent you'} feedback on your practice ({asked.skill}):"
        await queue(tx, rep, Message.text(f"{lead}\n{shown}"), now)
    name = rep.display_name if rep is not None else "the rep"
    return Result().reply(f"{'Updated' if again else 'Sent'} your feedback to {name}: {shown}")


def describe_feedback(asked: PracticeRequest) -> str:
    parts = [f"{'★' * asked.rating}{'☆' * (5 - asked.rating)} {asked.rating}/5"] if asked.rating else []
    if asked.feedback_note:
        parts.append(f"“{asked.feedback_note}”")
    return " ".join(parts)
