"""What the bot is waiting for from a person in a typed conversation, read and written in one
place (stored as JSON on the person's row; anything unreadable means "nothing").

- `AwaitingNote`: their next message answers "what got in the way?" for one check-in.
- `TermsInterview`: they are answering the two questions step by step; `draft` holds the
  answers so far (see `handlers.terms_chat`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from storage.models import Person


@dataclass(frozen=True)
class AwaitingNote:
    checkin_id: int


@dataclass(frozen=True)
class TermsInterview:
    draft: dict[str, Any] = field(default_factory=dict)


State = AwaitingNote | TermsInterview | None


def read(person: Person) -> State:
    if not person.conversation_state:
        return None
    try:
        data = json.loads(person.conversation_state)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    if data.get("flow") == "note" and isinstance(data.get("checkin"), int):
        return AwaitingNote(data["checkin"])
    if data.get("flow") == "terms":
        draft = data.get("draft")
        return TermsInterview(draft if isinstance(draft, dict) else {})
    return None


def write(person: Person, state: State) -> None:
    match state:
        case None:
            person.conversation_state = None
        case AwaitingNote(checkin_id):
            person.conversation_state = json.dumps({"flow": "note", "checkin": checkin_id})
        case TermsInterview(draft):
            person.conversation_state = json.dumps({"flow": "terms", "draft": draft})
