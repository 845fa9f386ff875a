"""What the bot is waiting for from a person in a typed conversation, read and written in one
place (stored as JSON on the person's row; anything unreadable means "nothing").

- `AwaitingNotes`: their next messages answer "what got in the way?", one per check-in, in
  the order the Nos came (the first id is the one being asked now).
- `TermsInterview`: they are answering the two questions step by step; `draft` holds the
  answers so far (see `handlers.terms_chat`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from storage.models import Person


@dataclass(frozen=True)
class AwaitingNotes:
    checkin_ids: tuple[int, ...]

    @property
    def current(self) -> int:
        return self.checkin_ids[0]

    def adding(self, checkin_id: int) -> AwaitingNotes:
        return self if checkin_id in self.checkin_ids else AwaitingNotes((*self.checkin_ids, checkin_id))

    def without(self, checkin_id: int) -> AwaitingNotes | None:
        rest = tuple(i for i in self.checkin_ids if i != checkin_id)
        return AwaitingNotes(rest) if rest else None


@dataclass(frozen=True)
class TermsInterview:
    draft: dict[str, Any] = field(default_factory=dict)


State = AwaitingNotes | TermsInterview | None


def read(person: Person) -> State:
    if not person.conversation_state:
        return None
    try:
        data = json.loads(person.conversation_state)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if data.get("flow") == "note":
        ids = data.get("checkins", [data.get("checkin")])  # one id: stored before notes queued
        valid = tuple(i for i in ids if isinstance(i, int)) if isinstance(ids, list) else ()
        return AwaitingNotes(valid) if valid else None
    if data.get("flow") == "terms":
        draft = data.get("draft")
        return TermsInterview(draft if isinstance(draft, dict) else {})
    return None


def write(person: Person, state: State) -> None:
    match state:
        case None:
            person.conversation_state = None
        case AwaitingNotes(checkin_ids):
            person.conversation_state = json.dumps({"flow": "note", "checkins": list(checkin_ids)})
        case TermsInterview(draft):
            person.conversation_state = json.dumps({"flow": "terms", "draft": draft})


def awaiting_notes(person: Person) -> AwaitingNotes | None:
    state = read(person)
    return state if isinstance(state, AwaitingNotes) else None


def stop_awaiting_note(person: Person, checkin_id: int) -> None:
    """The rep no longer owes a note for this check-in (it settled some other way)."""
    notes = awaiting_notes(person)
    if notes is not None:
        write(person, notes.without(checkin_id))
