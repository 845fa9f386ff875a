"""The coaching-session record as one form (a Slack modal, an Adaptive Card): the rep it is
with, the framework's questions in order, and the actions agreed, one per line. Every problem
is shown on its own field and nothing is saved until all of it reads."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from handlers import coaching_sessions as coaching
from handlers.contract.messages import Field, Form, FormValue, Option
from handlers.contract.outcomes import FormErrors, OpenForm, Result
from storage.models import Person
from storage.store import Tx

FORM_ID = "session"

SESSION_FORM = Form(
    form_id=FORM_ID,
    title="Coaching session",
    intro=(
        "A record you both keep. Ask, then listen: the rep's own plan comes before yours. "
        "Each action goes to the rep to accept; nothing is checked in on until they do."
    ),
    submit_label="Save and send",
    fields=(
        Field("rep", "Coaching session with", "choice"),
        Field(coaching.STEPS[0][0], coaching.STEPS[0][1], "text", hint=coaching.STEPS[0][2], max_length=coaching.MAX_TEXT),
        *(
            Field(name, question, "text", optional=True, multiline=True, hint=hint, max_length=coaching.MAX_TEXT)
            for name, question, hint in coaching.STEPS[1:]
        ),
        Field("actions", "Actions agreed", "text", multiline=True, hint=coaching.ACTIONS_HINT, max_length=2000),
    ),
)


def _choice(rep_id: int, notice_id: int | None) -> str:
    return f"{rep_id}:{notice_id}" if notice_id else str(rep_id)


def _read_choice(raw: str) -> tuple[int, int | None] | None:
    head, _, tail = raw.partition(":")
    if not head.isascii() or not head.isdigit() or len(head) > 15 or (tail and (not tail.isascii() or not tail.isdigit() or len(tail) > 15)):
        return None
    return int(head), int(tail) if tail else None


async def open_for(tx: Tx, manager: Person, rep: Person, notice_id: int | None) -> OpenForm:
    """The form for a session with `rep` (checked `coachable`), any of the manager's reps to pick."""
    options = [Option(_choice(r.id, notice_id if r.id == rep.id else None), r.display_name) for r in await tx.people.reps_of(manager.id)]
    form = replace(SESSION_FORM, fields=(replace(SESSION_FORM.fields[0], options=tuple(options)), *SESSION_FORM.fields[1:]))
    return OpenForm(form, {"rep": _choice(rep.id, notice_id)})


def _text(values: dict[str, FormValue], name: str) -> str:
    raw = values.get(name, "")
    return (raw[0] if raw else "") if isinstance(raw, tuple) else raw


async def submit(tx: Tx, manager: Person, values: dict[str, FormValue], now: datetime) -> Result:
    chosen = _read_choice(_text(values, "rep").strip())
    if chosen is None:
        return Result().add(FormErrors({"rep": "Pick the rep this session was with."}))
    rep_id, notice_id = chosen
    rep = await coaching.coachable(tx, manager, await tx.people.get(rep_id))
    if isinstance(rep, str):
        return Result().add(FormErrors({"rep": rep}))
    errors: dict[str, str] = {}
    texts = {name: coaching.clean(_text(values, name)) for name, _, _ in coaching.STEPS}
    for name, text in texts.items():
        if problem := coaching.too_long(text):
            errors[name] = problem
    topic = texts["topic"]
    if topic is None:
        errors["topic"] = "Name the topic or the deal, e.g. Acme renewal."
    actions = coaching.read_actions(_text(values, "actions"), rep, now)
    if isinstance(actions, str):
        errors["actions"] = actions
    elif problem := await coaching.room_for(tx, rep, len(actions)):
        errors["actions"] = problem
    if errors or topic is None or isinstance(actions, str):
        return Result().add(FormErrors(errors))
    record = coaching.Record(topic, texts["evidence"], texts["buyer_view"], texts["loss_reasons"], texts["rep_plan"])
    return await coaching.save(tx, manager, rep, record, actions, notice_id, now)
