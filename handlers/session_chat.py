"""The coaching-session record asked one question at a time, for platforms without forms (the
console): the same framework as `handlers.session_form`, then the actions one per message,
each read at once, until the manager types `done`. `cancel` stops and saves nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from handlers import coaching_sessions as coaching
from handlers import conversation_state, session_form
from handlers.contract.outcomes import Result
from handlers.conversation_state import AwaitingNotes, SessionInterview, TermsInterview
from handlers.rules.commit_text import ParsedCommitment
from storage.models import Person
from storage.store import Tx

_FINISH = ("done", "save", "that's all")


def interview(person: Person) -> SessionInterview | None:
    state = conversation_state.read(person)
    return state if isinstance(state, SessionInterview) else None


async def begin(tx: Tx, manager: Person, rep: Person, notice_id: int | None, forms: bool) -> Result:
    """Open the record of a session with `rep` (checked `coachable`): the form where forms exist,
    else this conversation."""
    if forms:
        return Result().add(await session_form.open_for(tx, manager, rep, notice_id))
    if isinstance(conversation_state.read(manager), AwaitingNotes | TermsInterview):
        return Result().reply("I'm still waiting for your answer to my last question; answer it first, then start the session again.")
    conversation_state.write(manager, SessionInterview(rep.id, notice_id, {}))
    return _ask(rep, {}, Result().reply(
        f"Let's record your coaching session with {rep.display_name}, one question at a time "
        "(`skip` leaves one out, `cancel` stops and saves nothing)."
    ))


def _ask(rep: Person, draft: dict[str, Any], result: Result) -> Result:
    step = int(draft.get("step", 0))
    if step < len(coaching.STEPS):
        _, question, hint = coaching.STEPS[step]
        return result.reply(f"{question} ({hint})")
    if not draft.get("actions"):
        return result.reply("What actions did you agree? One per message, each with when, e.g. `call the CFO by Friday`, `2 demos every week`.")
    return result.reply("Another action? Or type `done` to save and send the record to " + rep.display_name + ".")


async def on_text(tx: Tx, manager: Person, text: str, now: datetime) -> Result:
    state = interview(manager)
    if state is None:
        return Result()
    rep = await coaching.coachable(tx, manager, await tx.people.get(state.rep_id))
    if isinstance(rep, str):
        conversation_state.write(manager, None)
        return Result().reply(rep)
    answer = text.strip()
    if answer.lower() == "cancel":
        conversation_state.write(manager, None)
        return Result().reply("Stopped. Nothing was saved.")
    draft = dict(state.draft)
    step = int(draft.get("step", 0))
    if step < len(coaching.STEPS):
        return _answer_step(manager, rep, state, draft, step, answer)
    actions: list[str] = list(draft.get("actions", []))
    if answer.lower() in _FINISH:
        return await _finish(tx, manager, rep, state, draft, actions, now)
    parsed = coaching.read_action(answer, rep, now)
    if isinstance(parsed, str):
        return Result().reply(f"{parsed} Nothing was added. Write the action with when, e.g. `call the CFO by Friday`.")
    if len(actions) >= coaching.MAX_ACTIONS:
        return Result().reply(f"That's {coaching.MAX_ACTIONS} actions already, the most for one session. Type `done` to save.")
    draft["actions"] = [*actions, answer]
    conversation_state.write(manager, SessionInterview(state.rep_id, state.notice_id, draft))
    return _ask(rep, draft, Result().reply(f"Noted: {parsed.title}, {parsed.describe_when()}."))


def _answer_step(manager: Person, rep: Person, state: SessionInterview, draft: dict[str, Any], step: int, answer: str) -> Result:
    name = coaching.STEPS[step][0]
    value = None if answer.lower() == "skip" else coaching.clean(answer)
    if name == "topic" and value is None:
        return Result().reply("The topic is the one answer I need: a deal, a skill or a goal.")
    if problem := coaching.too_long(value):
        return Result().reply(problem)
    draft[name] = value
    draft["step"] = step + 1
    conversation_state.write(manager, SessionInterview(state.rep_id, state.notice_id, draft))
    return _ask(rep, draft, Result())


async def _finish(
    tx: Tx, manager: Person, rep: Person, state: SessionInterview, draft: dict[str, Any], lines: list[str], now: datetime,
) -> Result:
    if not lines:
        return Result().reply("Add at least one action first, with when, e.g. `call the CFO by Friday`.")
    actions: list[tuple[str, ParsedCommitment]] = []
    for line in lines:
        parsed = coaching.read_action(line, rep, now)
        if isinstance(parsed, str):  # a date that was fine when typed has passed since
            return Result().reply(f"“{line}” no longer reads: {parsed} Type `cancel` and start again.")
        actions.append((line, parsed))
    if problem := await coaching.room_for(tx, rep, len(actions)):
        return Result().reply(problem + " Type `cancel` to stop, or `done` once they have.")
    conversation_state.write(manager, None)
    record = coaching.Record(
        str(draft.get("topic")), draft.get("evidence"), draft.get("buyer_view"), draft.get("loss_reasons"), draft.get("rep_plan")
    )
    return await coaching.save(tx, manager, rep, record, actions, state.notice_id, now)
