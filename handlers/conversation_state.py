"""What the bot is waiting for from a person in a typed conversation, read and written in one
place (stored as JSON on the person's row; anything unreadable means "nothing").

- `AwaitingNotes`: their next messages answer "what got in the way?", one per check-in, in
  the order the Nos came (the first id is the one being asked now).
- `TermsInterview`: they are answering the two questions step by step; `draft` holds the
  answers so far (see `handlers.terms_chat`).
- `SessionInterview`: a manager is recording a coaching session with `rep_id` step by step
  (platforms without forms); `draft` holds the answers so far (see `handlers.session_chat`).
- `AwaitingPractice`: their next message (text or a file) answers practice request `practice_id`.
- `AwaitingFeedback`: their next message is a manager's note (and rating) on a practice answer.
- `ForgetAsked`: they asked to be forgotten and the Confirm / Cancel question is open;
  `before` is the state it replaced (as stored), given back on Cancel.
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


@dataclass(frozen=True)
class SessionInterview:
    rep_id: int
    notice_id: int | None = None
    draft: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AwaitingPractice:
    practice_id: int


@dataclass(frozen=True)
class AwaitingFeedback:
    practice_id: int


@dataclass(frozen=True)
class ForgetAsked:
    before: str | None = None


State = AwaitingNotes | TermsInterview | SessionInterview | AwaitingPractice | AwaitingFeedback | ForgetAsked | None


def _id(raw: object) -> int | None:
    return raw if isinstance(raw, int) and not isinstance(raw, bool) else None


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
    if data.get("flow") == "forget":
        before = data.get("before")
        return ForgetAsked(before if isinstance(before, str) else None)
    return _read_coaching(data)


def _read_coaching(data: dict[str, Any]) -> State:
    flow, row_id = data.get("flow"), _id(data.get("id"))
    if row_id is None:
        return None
    if flow == "session":
        draft = data.get("draft")
        return SessionInterview(row_id, _id(data.get("notice")), draft if isinstance(draft, dict) else {})
    if flow == "practice":
        return AwaitingPractice(row_id)
    if flow == "feedback":
        return AwaitingFeedback(row_id)
    return None


def write(person: Person, state: State) -> None:
    match state:
        case None:
            person.conversation_state = None
        case AwaitingNotes(checkin_ids):
            person.conversation_state = json.dumps({"flow": "note", "checkins": list(checkin_ids)})
        case TermsInterview(draft):
            person.conversation_state = json.dumps({"flow": "terms", "draft": draft})
        case ForgetAsked(before):
            person.conversation_state = json.dumps({"flow": "forget", "before": before})
        case SessionInterview(rep_id, notice_id, draft):
            person.conversation_state = json.dumps({"flow": "session", "id": rep_id, "notice": notice_id, "draft": draft})
        case AwaitingPractice(practice_id):
            person.conversation_state = json.dumps({"flow": "practice", "id": practice_id})
        case AwaitingFeedback(practice_id):
            person.conversation_state = json.dumps({"flow": "feedback", "id": practice_id})


def awaiting_notes(person: Person) -> AwaitingNotes | None:
    state = read(person)
    return state if isinstance(state, AwaitingNotes) else None


def stop_awaiting_note(person: Person, checkin_id: int) -> None:
    """The rep no longer owes a note for this check-in (it settled some other way)."""
    notes = awaiting_notes(person)
    if notes is not None:
        write(person, notes.without(checkin_id))


def ask_to_forget(person: Person) -> None:
    """The Confirm / Cancel question about forgetting them is open (whatever was awaited waits)."""
    current = read(person)
    before = current.before if isinstance(current, ForgetAsked) else person.conversation_state
    write(person, ForgetAsked(before))


def close_forget_question(person: Person) -> bool:
    """Close the question (what was awaited before is awaited again); False if none was open."""
    current = read(person)
    if not isinstance(current, ForgetAsked):
        return False
    person.conversation_state = current.before
    return True
