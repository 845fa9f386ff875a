"""Adaptive Card rendering: neutral messages and forms as Teams cards, and card submits read back.

Every button is an `Action.Submit` whose data says what it is (`{"ft": "click", ...}` or
`{"ft": "form", ...}`); Teams posts that data back, merged with the card's input values,
as the `value` of a message activity.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from handlers.contract.messages import Button, Field, Form, FormValue, Message
from handlers.forms import KNOWN_FORMS as _FORMS

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"

CLICK = "click"
FORM = "form"

_STYLES = {"primary": "positive", "danger": "destructive"}

KNOWN_FORMS: dict[str, Form] = _FORMS
"""The forms the bot can show, by id: a submitted card is read (and re-shown with errors) with these."""


def _card(body: list[dict[str, Any]], actions: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    card: dict[str, Any] = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        card["actions"] = actions
    return card


def _text(text: str, **style: Any) -> dict[str, Any]:
    return {"type": "TextBlock", "text": text, "wrap": True, **style}


def _submit(button: Button) -> dict[str, Any]:
    action: dict[str, Any] = {
        "type": "Action.Submit",
        "title": button.label,
        "data": {"ft": CLICK, "action": button.action, "value": button.value},
    }
    if button.style in _STYLES:
        action["style"] = _STYLES[button.style]
    return action


def message_card(message: Message) -> dict[str, Any]:
    """A message as a card: each section's text, with its buttons right under it."""
    body: list[dict[str, Any]] = []
    for index, section in enumerate(message.sections):
        block = _text(section.text)
        if index and not section.buttons:
            block["spacing"] = "small"
        elif index:
            block["separator"] = True
        body.append(block)
        if section.buttons:
            body.append({"type": "ActionSet", "actions": [_submit(b) for b in section.buttons]})
    return _card(body)


def _joined(value: FormValue | None) -> str:
    if value is None:
        return ""
    return ",".join(value) if isinstance(value, tuple) else value


def _input(field: Field, value: FormValue | None) -> dict[str, Any]:
    common: dict[str, Any] = {"id": field.name, "label": field.label, "isRequired": not field.optional}
    if field.kind in ("choice", "multi"):
        choice: dict[str, Any] = {
            "type": "Input.ChoiceSet",
            **common,
            "choices": [{"title": option.label, "value": option.value} for option in field.options],
            "style": "expanded" if field.kind == "multi" else "compact",
            "isMultiSelect": field.kind == "multi",
        }
        if value:
            choice["value"] = _joined(value)
        return choice
    if field.kind == "time":
        return {"type": "Input.Time", **common, "value": _joined(value)}
    text: dict[str, Any] = {
        "type": "Input.Text", **common, "value": _joined(value), "isMultiline": field.multiline, "maxLength": field.max_length,
    }
    if field.hint:
        text["placeholder"] = field.hint
    return text


def form_card(form: Form, values: Mapping[str, FormValue], errors: Mapping[str, str] | None = None) -> dict[str, Any]:
    """A form as a card, pre-filled with `values`; each error is shown right under its field."""
    errors = errors or {}
    body: list[dict[str, Any]] = [_text(form.title, size="large", weight="bolder"), _text(form.intro)]
    if errors:
        body.append(_text("Please fix the fields marked below; nothing was saved yet.", color="attention", weight="bolder"))
    for field in form.fields:
        body.append(_input(field, values.get(field.name)))
        if field.hint and field.kind != "text":
            body.append(_text(field.hint, isSubtle=True, size="small", spacing="none"))
        if field.name in errors:
            body.append(_text(errors[field.name], color="attention", size="small", spacing="none"))
    submit = {"type": "Action.Submit", "title": form.submit_label, "style": "positive", "data": {"ft": FORM, "form": form.form_id}}
    return _card(body, [submit])


@dataclass(frozen=True)
class Click:
    """A card button was clicked."""

    action: str
    value: str


@dataclass(frozen=True)
class Submitted:
    """A form card was submitted: values by field name, as neutral form values."""

    form_id: str
    values: dict[str, FormValue]


def _split(raw: object) -> tuple[str, ...]:
    if isinstance(raw, list):
        return tuple(str(item).strip() for item in raw if str(item).strip())
    return tuple(part.strip() for part in str(raw or "").split(",") if part.strip())


def read_submit(value: object) -> Click | Submitted | None:
    """What a card submit means, from the activity's `value`; None for anything we didn't send."""
    if not isinstance(value, dict):
        return None
    kind = value.get("ft")
    if kind == CLICK and isinstance(value.get("action"), str):
        return Click(action=value["action"], value=str(value.get("value", "")))
    if kind != FORM or not isinstance(value.get("form"), str):
        return None
    form = KNOWN_FORMS.get(value["form"])
    values: dict[str, FormValue] = {}
    fields = form.fields if form is not None else ()
    kinds = {field.name: field.kind for field in fields}
    for name, raw in value.items():
        if name in ("ft", "form", "msteams") or (form is not None and name not in kinds):
            continue
        values[name] = _split(raw) if kinds.get(name) == "multi" else ("" if raw is None else str(raw))
    for name, field_kind in kinds.items():
        values.setdefault(name, () if field_kind == "multi" else "")
    return Submitted(form_id=value["form"], values=values)
