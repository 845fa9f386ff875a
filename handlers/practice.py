"""Microcoaching: a manager asks one of their reps to practise one skill (`/accountability
practice @rep handling the "too expensive" objection`); the rep answers in their own time
with a short text or a recording or file shared in their chat with the bot; the manager gets
it with one-click feedback (`handlers.practice_feedback`)."""

from __future__ import annotations

import re
from datetime import datetime

from handlers import coaching_sessions as coaching
from handlers import conversation_state
from handlers.buttons import PracticeAction, PracticeRating, PracticeStep, button
from handlers.contract.incoming import SharedFile
from handlers.contract.messages import (
    Address,
    Field,
    Form,
    FormValue,
    Message,
    Option,
    Section,
)
from handlers.contract.outcomes import FormErrors, OpenForm, Result
from handlers.conversation_state import AwaitingNotes, AwaitingPractice, TermsInterview
from handlers.delivery import queue
from storage.coaching_models import PracticeRequest
from storage.models import Person
from storage.states import PracticeStatus
from storage.store import Tx

ANSWER_FORM_ID = "practice"
MAX_SKILL = 300
MAX_ANSWER = 3000
_LEADING_MENTION = re.compile(r"^(<@[^>]+>|@\S+)\s*")

ANSWER_FORM = Form(
    form_id=ANSWER_FORM_ID,
    title="Your practice",
    intro="Answer as you would with the buyer, in your own words. A recording or file works too: share it in our chat.",
    submit_label="Send",
    fields=(
        Field("practice", "Practising", "choice"),
        Field("answer", "Your answer", "text", multiline=True, max_length=MAX_ANSWER),
    ),
)


def practice_choice(request: PracticeRequest) -> Field:
    """The form field naming the request a form is about (its one option, chosen)."""
    return Field("practice", "Practising", "choice", options=(Option(str(request.id), request.skill[:70]),))


def _skill(text: str, rep: Person) -> str:
    rest = text.strip()
    named = "@" + rep.display_name
    if rest.lower().startswith(named.lower()):
        return rest[len(named):].strip()
    return _LEADING_MENTION.sub("", rest, count=1).strip()


async def request(tx: Tx, manager: Person, text: str, mentions: tuple[Address, ...], now: datetime) -> Result:
    """`/accountability practice @rep SKILL`."""
    rep = await coaching.mentioned_rep(tx, manager, mentions, 'practice @rita handling the "too expensive" objection')
    if isinstance(rep, str):
        return Result().reply(rep.replace("coach them here", "ask them to practise"))
    skill = _skill(text, rep).strip(" :-")
    if not skill:
        return Result().reply(
            f'What should {rep.display_name} practise? e.g. `/accountability practice @{rep.display_name} handling the "too expensive" objection`. '
            "Nothing was saved."
        )
    if len(skill) > MAX_SKILL:
        return Result().reply(f"Please keep the skill under {MAX_SKILL} characters (it is {len(skill)}). Nothing was saved.")
    asked = await tx.practice.add(PracticeRequest(rep_id=rep.id, manager_id=manager.id, skill=skill, created_at=now))
    await queue(tx, rep, Message.text(
        f"{manager.display_name} asked you to practise: {skill}\n"
        "Answer in your own time: a short text, or a recording or file shared here. A few minutes is plenty.",
        button("Answer", PracticeAction(asked.id, PracticeStep.RESPOND), "primary"),
    ), now)
    return Result().reply(f"Asked {rep.display_name} to practise: {skill}. I'll bring you their answer.")


async def on_respond(tx: Tx, rep: Person, practice_id: int, forms: bool) -> Result:
    """The rep clicked "Answer": their next message (or the form) is the answer."""
    asked = await tx.practice.get(practice_id)
    if asked is None or asked.rep_id != rep.id:
        return Result().reply("That practice request isn't yours to answer. Nothing changed.")
    if asked.status != PracticeStatus.REQUESTED:
        return Result().reply(f"You already answered that one ({asked.skill}). Thank you!")
    result = Result()
    if forms:
        result.add(OpenForm(_answer_form(asked), {"practice": str(asked.id)}))
    if isinstance(conversation_state.read(rep), AwaitingNotes | TermsInterview):
        busy = "I'm still waiting for your answer to my last question; answer it first, then click Answer again."
        return result if forms else result.reply(busy)
    conversation_state.write(rep, AwaitingPractice(asked.id))
    return result.reply(
        f"Practising: {asked.skill}\nType your answer here, or share a recording or file in this chat. "
        "Commands still work meanwhile."
    )


def _answer_form(asked: PracticeRequest) -> Form:
    return Form(ANSWER_FORM.form_id, ANSWER_FORM.title, ANSWER_FORM.intro, (practice_choice(asked), ANSWER_FORM.fields[1]),
                ANSWER_FORM.submit_label)


def awaited(person: Person) -> int | None:
    state = conversation_state.read(person)
    return state.practice_id if isinstance(state, AwaitingPractice) else None


async def on_message(tx: Tx, rep: Person, text: str, files: tuple[SharedFile, ...], now: datetime) -> Result:
    """A message while an answer is awaited, or a file shared while a request is open."""
    practice_id = awaited(rep)
    asked = await tx.practice.get_locked(practice_id) if practice_id is not None else await tx.practice.latest_open(rep.id)
    if asked is None or asked.rep_id != rep.id or asked.status != PracticeStatus.REQUESTED:
        if practice_id is not None:
            conversation_state.write(rep, None)
        return Result().reply("There's no practice request waiting for your answer, so I kept nothing. Nothing changed.")
    return await answer(tx, rep, asked, text, files, now)


async def answer(tx: Tx, rep: Person, asked: PracticeRequest, text: str, files: tuple[SharedFile, ...], now: datetime) -> Result:
    body = text.strip()
    if not body and not files:
        return Result().reply(f"Your answer is empty. Type it, or share a recording or file. I'm still waiting for it ({asked.skill}).")
    if len(body) > MAX_ANSWER:
        return Result().reply(f"Please keep it under {MAX_ANSWER} characters (it is {len(body)}), or share a recording. Nothing was saved.")
    asked.response_text = body or None
    if files:
        asked.response_file_name, asked.response_file_url = files[0].name[:300], files[0].url
    asked.status, asked.responded_at = PracticeStatus.ANSWERED, now
    if awaited(rep) == asked.id:
        conversation_state.write(rep, None)
    manager = await tx.people.get(asked.manager_id)
    if manager is not None:
        await queue(tx, manager, answer_message(rep, asked), now)
    return Result().reply(f"Sent to {manager.display_name if manager else 'your manager'}. Well done for practising!")


def describe_answer(asked: PracticeRequest) -> str:
    parts = [f"“{asked.response_text}”"] if asked.response_text else []
    if asked.response_file_name:
        parts.append(f"📎 {asked.response_file_name}: {asked.response_file_url}")
    return "\n".join(parts)


def answer_message(rep: Person, asked: PracticeRequest) -> Message:
    ratings = tuple(button(str(n), PracticeRating(asked.id, n)) for n in range(1, 6))
    return Message((
        Section(f"{rep.display_name} practised: {asked.skill}\n{describe_answer(asked)}"),
        Section("Quick feedback, 1 (keep working on it) to 5 (ready for the buyer):", ratings),
        Section("Or say more:", (button("Add a note", PracticeAction(asked.id, PracticeStep.FEEDBACK)),)),
    ), summary=f"{rep.display_name} practised: {asked.skill}")


def _value(values: dict[str, FormValue], name: str) -> str:
    raw = values.get(name, "")
    return ((raw[0] if raw else "") if isinstance(raw, tuple) else raw).strip()


async def submit_answer(tx: Tx, rep: Person, values: dict[str, FormValue], now: datetime) -> Result:
    """The answer form: like a typed answer, but problems show on the form."""
    raw = _value(values, "practice")
    asked = await tx.practice.get_locked(int(raw)) if raw.isascii() and raw.isdigit() and len(raw) < 16 else None
    if asked is None or asked.rep_id != rep.id:
        return Result().add(FormErrors({"practice": "That practice request isn't yours to answer."}))
    if asked.status != PracticeStatus.REQUESTED:
        return Result().add(FormErrors({"practice": "You already answered this one."}))
    text = _value(values, "answer")
    if not text:
        return Result().add(FormErrors({"answer": "Your answer is empty. Type it, or close this and share a recording in our chat."}))
    return await answer(tx, rep, asked, text, (), now)
