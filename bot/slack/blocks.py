"""Neutral messages and forms rendered as Block Kit, and modal submissions read back.

Buttons carry the neutral `action` in their `action_id` (`action:index`, unique per
block) and the neutral `value` as their value. A form becomes a modal whose
`callback_id` is `form:<form_id>` and whose blocks are named after the fields.
"""

from __future__ import annotations

from typing import Any

from handlers.contract.messages import Button, Field, Form, FormValue, Message
from handlers.contract.outcomes import OpenForm

FORM_CALLBACK_PREFIX = "form:"
INPUT_ACTION = "value"
_SECTION_LIMIT = 3000
_BUTTON_LABEL_LIMIT = 75
_MODAL_TITLE_LIMIT = 24


def _plain(text: str, limit: int = 3000) -> dict[str, Any]:
    return {"type": "plain_text", "text": text[:limit], "emoji": True}


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


def blocks(message: Message) -> list[dict[str, Any]]:
    """One section per neutral section, followed by its buttons as an actions block."""
    out: list[dict[str, Any]] = []
    index = 0
    for section in message.sections:
        if section.text.strip():
            out.append({"type": "section", "text": {"type": "mrkdwn", "text": section.text[:_SECTION_LIMIT]}})
        if section.buttons:
            elements = []
            for button in section.buttons:
                elements.append(_button(button, index))
                index += 1
            out.append({"type": "actions", "elements": elements})
    return out


def fallback_text(message: Message) -> str:
    """The notification text Slack shows where blocks can't be (and screen readers read)."""
    return (message.summary or message.plain_text)[:_SECTION_LIMIT]


def home_view(message: Message) -> dict[str, Any]:
    return {"type": "home", "blocks": _with_dividers(blocks(message))}


def _with_dividers(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for block in items:
        if block["type"] == "section" and out:
            out.append({"type": "divider"})
        out.append(block)
    return out


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
    element = {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": field.multiline, "max_length": field.max_length}
    if isinstance(value, str) and value:
        element["initial_value"] = value
    return element


def modal(opened: OpenForm) -> dict[str, Any]:
    form: Form = opened.form
    items: list[dict[str, Any]] = [{"type": "section", "text": {"type": "mrkdwn", "text": form.intro}}]
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
        else:
            values[block_id] = str(state.get("value") or "")
    return values
