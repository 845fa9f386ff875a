"""The check-in message: one section per commitment asked about, with Yes / No while it is
open and the answer once it is settled."""

from __future__ import annotations

from collections.abc import Sequence

from handlers.buttons import Answer, CheckInAnswer, button
from handlers.contract.messages import Message, Section
from handlers.rules import tone
from handlers.rules.commit_text import describe_when
from handlers.rules.due_times import WEEKDAY_NAMES
from handlers.rules.terms_text import TermsSpec
from storage.models import CheckIn, Commitment, Person, Prompt
from storage.states import CheckInStatus
from storage.store import Tx

STATUS_WORDS = {
    CheckInStatus.PENDING: "waiting for your answer",
    CheckInStatus.YES: "✅ Yes",
    CheckInStatus.NO: "❌ No",
    CheckInStatus.NO_ANSWER: "— no answer",
    CheckInStatus.VOID: "— void (no longer asked; doesn't count)",
}


async def render(tx: Tx, person: Person, prompt: Prompt, spec: TermsSpec) -> Message:
    return compose(person, prompt, spec, await tx.checkins.of_prompt(prompt.id))


def compose(
    person: Person, prompt: Prompt, spec: TermsSpec, asked: Sequence[tuple[CheckIn, Commitment]]
) -> Message:
    """The message from the prompt's check-ins at hand (by commitment number), without a query."""
    day = prompt.local_date
    header = tone.say(spec.tone, "checkin", name=person.display_name) + f" ({WEEKDAY_NAMES[day.weekday()]} {day:%-d %b})"
    sections = [Section(text=header)]
    for checkin, c in asked:
        label = f"#{c.seq} {c.title} ({_period_words(c)})"
        if checkin.status == CheckInStatus.PENDING:
            sections.append(Section(text=label, buttons=(
                button("Yes", CheckInAnswer(checkin.id, Answer.YES), "primary"),
                button("No", CheckInAnswer(checkin.id, Answer.NO), "danger"),
            )))
        else:
            suffix = " (done later)" if checkin.recovered else ""
            sections.append(Section(text=f"{label}: {STATUS_WORDS[checkin.status]}{suffix}"))
    return Message(sections=tuple(sections), summary=header)


def _period_words(c: Commitment) -> str:
    if c.due_date is not None:
        return f"due {WEEKDAY_NAMES[c.due_date.weekday()]} {c.due_date:%-d %b}"
    if c.cadence == "weekly":
        return "this week"
    return describe_when(c.cadence, None)


def describe_answer(checkin: CheckIn) -> str:
    return STATUS_WORDS[checkin.status]
