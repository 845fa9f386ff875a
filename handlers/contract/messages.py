"""The neutral message model: what the core says and what platforms render.

A message is a list of sections; each section has text and optional buttons.
Adapters render it (Block Kit, Adaptive Cards, numbered console buttons); handlers
never see platform types.  Messages round-trip through JSON so the outbox can
store them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
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
class Attachment:
    """A file sent with a message (e.g. a rep's data export): its name, media type and text."""

    name: str
    media_type: str
    content: str


@dataclass(frozen=True)
class Message:
    """A whole message: sections in order, a one-line summary for notifications, and at most
    one file."""

    sections: tuple[Section, ...]
    summary: str = ""
    attachment: Attachment | None = None

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
        data: dict[str, Any] = {
            "summary": self.summary,
            "sections": [
                {"text": s.text, "buttons": [[b.label, b.action, b.value, b.style] for b in s.buttons]}
                for s in self.sections
            ],
        }
        if self.attachment is not None:
            file = self.attachment
            data["attachment"] = {"name": file.name, "media_type": file.media_type, "content": file.content}
        return json.dumps(data)

    @classmethod
    def from_json(cls, raw: str) -> Message:
        data: dict[str, Any] = json.loads(raw)
        file = data.get("attachment")
        return cls(
            summary=data.get("summary", ""),
            attachment=Attachment(file["name"], file["media_type"], file["content"]) if file else None,
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
    channel_id: str | None = None
    """Set on a send: post in this channel of the workspace/team instead of the person's DM."""
    saved_reference: str | None = field(default=None, compare=False, repr=False)
    """Set on a send when the caller already read it: the platform's own saved way to reach the
    person proactively (a Teams conversation reference, as saved), so the adapter needn't read it again."""


@dataclass(frozen=True)
class Option:
    """One choice in a form field."""

    value: str
    label: str


FieldKind = Literal["choice", "multi", "time", "text", "channel"]


@dataclass(frozen=True)
class Field:
    """One input of a form. `choice` and `multi` pick from `options`; `time` is HH:MM local;
    `channel` is a team channel (a picker where the platform has one, else typed text)."""

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


def split_text(text: str, fits: Callable[[str], bool]) -> list[str]:
    """`text` in pieces that each `fits` (a platform's size limit), each cut after a line where one
    fits, else at the last space, else anywhere. Read in order, the pieces are the whole text;
    pieces of only white space are left out."""
    if fits(text):
        return [text] if text.strip() else []
    pieces: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        for chunk in _cut_line(line, fits):
            candidate = chunk if current is None else f"{current}\n{chunk}"
            if fits(candidate):
                current = candidate
            else:
                pieces.append(current or "")
                current = chunk
    pieces.append(current or "")
    return [piece for piece in pieces if piece.strip()]


def _cut_line(line: str, fits: Callable[[str], bool]) -> Iterator[str]:
    """One line in chunks that each fit: cut at the last space of the longest prefix that fits
    (if that keeps at least half of it), else right at that prefix's end."""
    while not fits(line):
        low, high = 1, len(line)  # the longest prefix that fits: line[:low] fits, line[:high + 1] doesn't
        while low < high:
            middle = (low + high + 1) // 2
            if fits(line[:middle]):
                low = middle
            else:
                high = middle - 1
        space = line.rfind(" ", 0, low + 1)
        if space > low // 2:
            yield line[:space]
            line = line[space + 1:]
        else:
            yield line[:low]
            line = line[low:]
    yield line
