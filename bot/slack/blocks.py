"""Neutral messages and forms rendered as Block Kit, and modal submissions read back.

Buttons carry the neutral `action` in their `action_id` (`action:index`, unique per
message) and the neutral `value` as their value. A form becomes a modal whose
`callback_id` is `form:<form_id>` and whose blocks are named after the fields.

Slack's limits are kept here, so nothing is ever cut: a section's text longer than
3,000 characters becomes several sections (cut after a line, else at a space), more than
25 buttons become several actions blocks, and a message of more than 50 blocks becomes
several Slack messages (`messages`), each neutral section kept whole in one of them where
it fits. A view (App Home, a modal) can't be split; it holds up to 100 blocks.
"""

from __future__ import annotations

import re
from typing import Any

from handlers.contract import messages as neutral
from handlers.contract.messages import Button, Field, Form, FormValue, Message
from handlers.contract.outcomes import OpenForm

FORM_CALLBACK_PREFIX = "form:"
INPUT_ACTION = "value"
BLOCKS_PER_MESSAGE = 50
"""Slack refuses a message (`chat.postMessage`, `chat.update`, a `response_url` post) of more blocks."""
BLOCKS_PER_VIEW = 100
"""Slack refuses a modal or an App Home of more blocks."""
SECTION_TEXT_LIMIT = 3000
"""Slack refuses a section whose text is longer."""
ELEMENTS_PER_ACTIONS = 25
"""Slack refuses an actions block with more elements."""
CONTINUED = "(continued above)"
"""What a Slack message of a split message shows once a new rendering no longer needs it."""
_BUTTON_LABEL_LIMIT = 75
_MODAL_TITLE_LIMIT = 24

Block = dict[str, Any]
Unit = list[Block]
"""The blocks of one neutral section (or of one 50-block slice of a huge one): kept in one message."""


def slack_length(text: str) -> int:
    """The length Slack counts, taken in UTF-16 code units: never less than Python's `len`, so an
    emoji or any character outside the BMP can't push a text over a limit unnoticed."""
    return len(text.encode("utf-16-le")) // 2


def split_text(text: str, limit: int = SECTION_TEXT_LIMIT) -> list[str]:
    """`text` in pieces of at most `limit` (as Slack counts), cut where a reader would cut it;
    pieces of only white space are left out (Slack refuses an empty section)."""
    return neutral.split_text(text, lambda piece: slack_length(piece) <= limit)


def _plain(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


def _mrkdwn(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button_action_id(button: Button, index: int) -> str:
    return f"{button.action}:{index}"


def neutral_action(action_id: str) -> str:
    """The neutral action a Block Kit `action_id` carries."""
    return action_id.rsplit(":", 1)[0]


def _button(button: Button, index: int) -> dict[str, Any]:
    element: dict[str, Any] = {
        "type": "button",
        "text": _plain(button.label, _BUTTON_LABEL_LIMIT),
        "action_id": button_action_id(button, index),
        "value": button.value,
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def _units(message: Message) -> list[Unit]:
    """Each neutral section as its blocks: its text (in pieces within the section limit), then
    its buttons (in actions blocks of at most 25); a section of more than 50 blocks is sliced."""
    units: list[Unit] = []
    index = 0
    for section in message.sections:
        unit: Unit = [_mrkdwn(piece) for piece in split_text(section.text)]
        elements = [_button(button, index + n) for n, button in enumerate(section.buttons)]
        index += len(elements)
        unit += [
            {"type": "actions", "elements": elements[start:start + ELEMENTS_PER_ACTIONS]}
            for start in range(0, len(elements), ELEMENTS_PER_ACTIONS)
        ]
        units += [unit[start:start + BLOCKS_PER_MESSAGE] for start in range(0, len(unit), BLOCKS_PER_MESSAGE)]
    return units


def blocks(message: Message) -> list[Block]:
    """Every block of a message, unsplit: one or more sections per neutral section, then its buttons."""
    return [block for unit in _units(message) for block in unit]


def messages(message: Message, at_least: int = 1) -> list[list[Block]]:
    """The message as the blocks of one or more Slack messages, each within 50 blocks, in order.

    Sections fill each message in turn; a section that no longer fits starts the next one. With
    `at_least` (an edit of a message already sent as that many), sections are spread over that
    many where they can be: the last ones move into messages of their own, so a section stays in
    the message it was in when the new rendering shrank (an answered check-in loses its buttons)."""
    parts: list[list[Unit]] = [[]]
    for unit in _units(message):
        if parts[-1] and sum(len(u) for u in parts[-1]) + len(unit) > BLOCKS_PER_MESSAGE:
            parts.append([])
        parts[-1].append(unit)
    while len(parts) < at_least:
        splittable = [n for n, part in enumerate(parts) if len(part) > 1]
        if not splittable:
            break
        parts.insert(splittable[-1] + 1, [parts[splittable[-1]].pop()])
    return [[block for unit in part for block in unit] for part in parts]


def continued() -> list[Block]:
    """The blocks of a Slack message a new rendering no longer needs (see `CONTINUED`)."""
    return [{"type": "context", "elements": [{"type": "mrkdwn", "text": CONTINUED}]}]


def fallback_text(message: Message, part: int = 0, parts: int = 1) -> str:
    """The notification text Slack shows where blocks can't be (and screen readers read); the
    parts of a split message say which part they are."""
    text = next(iter(split_text(message.summary or message.plain_text)), "")
    return text if parts <= 1 else f"{text} ({part + 1}/{parts})"


def home_view(message: Message) -> dict[str, Any]:
    """App Home: the blocks with a divider between sections, within the view's 100 blocks (without
    dividers if need be; past that, the last block says where the rest is)."""
    units = _units(message)
    items: list[Block] = []
    for unit in units:
        if items:
            items.append({"type": "divider"})
        items += unit
    if len(items) > BLOCKS_PER_VIEW:
        items = [block for unit in units for block in unit]
    if len(items) > BLOCKS_PER_VIEW:
        more = {"type": "context", "elements": [{"type": "mrkdwn", "text": "There is more: `/accountability` shows all of it."}]}
        items = items[:BLOCKS_PER_VIEW - 1] + [more]
    return {"type": "home", "blocks": items}


def _options(field: Field) -> list[dict[str, Any]]:
    return [{"text": _plain(option.label, 75), "value": option.value} for option in field.options]


def _element(field: Field, value: FormValue | None) -> dict[str, Any]:
    options = {o["value"]: o for o in _options(field)}
    if field.kind == "multi":
        element: dict[str, Any] = {"type": "checkboxes", "action_id": INPUT_ACTION, "options": list(options.values())}
        chosen = [options[v] for v in (value or ()) if isinstance(value, tuple) and v in options]
        if chosen:
            element["initial_options"] = chosen
        return element
    if field.kind == "choice":
        element = {"type": "static_select", "action_id": INPUT_ACTION, "options": list(options.values())}
        if isinstance(value, str) and value in options:
            element["initial_option"] = options[value]
        return element
    if field.kind == "time":
        element = {"type": "timepicker", "action_id": INPUT_ACTION}
        if isinstance(value, str) and value:
            element["initial_time"] = value
        return element
    if field.kind == "channel":
        element = {
            "type": "conversations_select", "action_id": INPUT_ACTION,
            "filter": {"include": ["public", "private"], "exclude_bot_users": True, "exclude_external_shared_channels": True},
        }
        if isinstance(value, str) and re.fullmatch(r"[CG][A-Z0-9]+", value):
            element["initial_conversation"] = value
        return element
    element = {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": field.multiline, "max_length": field.max_length}
    if isinstance(value, str) and value:
        element["initial_value"] = value
    return element


def modal(opened: OpenForm) -> dict[str, Any]:
    form: Form = opened.form
    items: list[dict[str, Any]] = [_mrkdwn(piece) for piece in split_text(form.intro)]
    for field in form.fields:
        block: dict[str, Any] = {
            "type": "input",
            "block_id": field.name,
            "label": _plain(field.label, 2000),
            "optional": field.optional,
            "element": _element(field, opened.values.get(field.name)),
        }
        if field.hint:
            block["hint"] = _plain(field.hint, 2000)
        items.append(block)
    return {
        "type": "modal",
        "callback_id": FORM_CALLBACK_PREFIX + form.form_id,
        "title": _plain(form.title, _MODAL_TITLE_LIMIT),
        "submit": _plain(form.submit_label, _MODAL_TITLE_LIMIT),
        "close": _plain("Cancel", _MODAL_TITLE_LIMIT),
        "blocks": items,
    }


def submitted_values(view: dict[str, Any]) -> dict[str, FormValue]:
    """A modal's `state.values`, as neutral field values (multi-selects become tuples)."""
    values: dict[str, FormValue] = {}
    for block_id, actions in (view.get("state", {}).get("values", {}) or {}).items():
        state: dict[str, Any] = actions.get(INPUT_ACTION) or next(iter(actions.values()), {})
        kind = state.get("type")
        if kind == "checkboxes" or "selected_options" in state:
            values[block_id] = tuple(o["value"] for o in state.get("selected_options") or ())
        elif kind in ("static_select", "radio_buttons") or "selected_option" in state:
            selected = state.get("selected_option") or {}
            values[block_id] = str(selected.get("value", ""))
        elif kind == "timepicker" or "selected_time" in state:
            values[block_id] = str(state.get("selected_time") or "")
        elif kind == "conversations_select" or "selected_conversation" in state:
            values[block_id] = str(state.get("selected_conversation") or "")
        else:
            values[block_id] = str(state.get("value") or "")
    return values
