"""The neutral message model: what the core says and what platforms render.

A message is a list of sections; each section has text and optional buttons.
Adapters render it (Block Kit, Adaptive Cards, numbered console buttons); handlers
never see platform types.  Messages round-trip through JSON so the outbox can
store them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

ButtonStyle = Literal["primary", "danger", "default"]


@dataclass(frozen=True)
class Button:
    """A choice the recipient can click: `action` names the handler, `value` its argument."""

    label: str
    action: str
    value: str
    style: ButtonStyle = "default"


@dataclass(frozen=True)
class Section:
    """One block of text with the buttons that belong to it."""

    text: str
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class Message:
    """A whole message: sections in order, and a one-line summary for notifications."""

    sections: tuple[Section, ...]
    summary: str = ""

    @classmethod
    def text(cls, text: str, *buttons: Button) -> Message:
        return cls(sections=(Section(text=text, buttons=tuple(buttons)),), summary=text.split("\n", 1)[0])

    @property
    def plain_text(self) -> str:
        return "\n".join(section.text for section in self.sections)

    @property
    def buttons(self) -> tuple[Button, ...]:
        return tuple(button for section in self.sections for button in section.buttons)

    def to_json(self) -> str:
        return json.dumps(
            {
                "summary": self.summary,
                "sections": [
                    {"text": s.text, "buttons": [[b.label, b.action, b.value, b.style] for b in s.buttons]}
                    for s in self.sections
                ],
            }
        )

    @classmethod
    def from_json(cls, raw: str) -> Message:
        data: dict[str, Any] = json.loads(raw)
        return cls(
            summary=data.get("summary", ""),
            sections=tuple(
                Section(
                    text=s["text"],
                    buttons=tuple(Button(label=b[0], action=b[1], value=b[2], style=b[3]) for b in s["buttons"]),
                )
                for s in data["sections"]
            ),
        )


@dataclass(frozen=True)
class Address:
    """Who a person is on one platform: (platform, workspace or tenant id, user id)."""

    platform: str
    workspace_id: str
    user_id: str


@dataclass(frozen=True)
class Option:
    """One choice in a form field."""

    value: str
    label: str


FieldKind = Literal["choice", "multi", "time", "text"]


@dataclass(frozen=True)
class Field:
    """One input of a form. `choice` and `multi` pick from `options`; `time` is HH:MM local."""

    name: str
    label: str
    kind: FieldKind
    options: tuple[Option, ...] = ()
    optional: bool = False
    hint: str = ""
    multiline: bool = False
    max_length: int = 500


@dataclass(frozen=True)
class Form:
    """A whole form (a Slack modal, an Adaptive Card): platforms that can show one do."""

    form_id: str
    title: str
    intro: str
    fields: tuple[Field, ...]
    submit_label: str = "Save"


FormValue = str | tuple[str, ...]
