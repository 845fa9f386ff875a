"""Adaptive Card rendering: neutral messages and forms as Teams cards, and card submits read back.

Every button is an `Action.Submit` whose data says what it is (`{"ft": "click", ...}` or
`{"ft": "form", ...}`); Teams posts that data back, merged with the card's input values,
as the `value` of a message activity. A button works wherever its card is: its data names
what it answers, not the card.

Teams refuses a message of more than about 28 KB, so a neutral message is rendered as one
or more cards (`message_cards`), each within `CARD_BYTES` of JSON as the connector client
sends it (non-ASCII escaped): sections fill a card in turn, a text too long for one card is
cut after a line (else at a space), and nothing is dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from handlers.contract import messages as neutral
from handlers.contract.messages import Button, Field, Form, FormValue, Message
from handlers.forms import KNOWN_FORMS as _FORMS

CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.4"

CLICK = "click"
FORM = "form"

_STYLES = {"primary": "positive", "danger": "destructive"}
CARD_BYTES = 24_000
"""The most JSON one card may take: the activity around it (ids, addresses, summary) stays well
within the 28 KB Teams takes."""
TEXT_BYTES = 8_000
"""The most JSON one TextBlock may take; a longer text becomes several."""
ACTIONS_PER_SET = 6
"""Teams shows at most 6 actions in a set (its host config's `maxActions`); more go in another set."""
CONTINUED = "(continued above)"
"""What a card of a split message shows once a new rendering no longer needs it."""

Block = dict[str, Any]
Unit = list[Block]
"""The card elements of one neutral section (or of a slice of one too big for a card)."""

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


def size(node: Any) -> int:
    """Bytes of `node` as JSON, as the connector client sends it (`json.dumps`: non-ASCII escaped)."""
    return len(json.dumps(node))


def _list_size(items_size: int, count: int) -> int:
    """Bytes of a JSON list of `count` items whose own sizes add up to `items_size` (`json.dumps`
    puts ", " between items), so a growing list is measured without dumping it again."""
    return 2 + items_size + 2 * max(0, count - 1)


def split_text(text: str, limit: int = TEXT_BYTES) -> list[str]:
    """`text` in pieces whose JSON takes at most `limit` bytes, cut where a reader would cut it;
    read in order they are the whole text."""
    return neutral.split_text(text, lambda piece: size(piece) <= limit) or [""]


def _units(message: Message) -> list[Unit]:
    """Each section's text, with its buttons right under it (in sets of at most 6); a section
    too big for one card is sliced, element by element."""
    room = CARD_BYTES - size(_card([]))
    units: list[Unit] = []
    for index, section in enumerate(message.sections):
        unit: Unit = []
        for piece in split_text(section.text):
            block = _text(piece)
            if index and not section.buttons:
                block["spacing"] = "small"
            elif index:
                block["separator"] = True
            unit.append(block)
        actions = [_submit(b) for b in section.buttons]
        unit += [
            {"type": "ActionSet", "actions": actions[start:start + ACTIONS_PER_SET]}
            for start in range(0, len(actions), ACTIONS_PER_SET)
        ]
        units += _slices(unit, room)
    return units


def _slices(unit: Unit, room: int) -> list[Unit]:
    """`unit` whole if it fits in `room` bytes, else in consecutive slices that each do."""
    slices: list[Unit] = [[]]
    filled = 0
    for block in unit:
        block_size = size(block)
        if slices[-1] and _list_size(filled + block_size, len(slices[-1]) + 1) > room:
            slices.append([])
            filled = 0
        slices[-1].append(block)
        filled += block_size
    return slices


def message_card(message: Message) -> dict[str, Any]:
    """The whole message as one card, whatever its size (`message_cards` keeps within Teams' limit)."""
    return _card([block for unit in _units(message) for block in unit])


def message_cards(message: Message, at_least: int = 1) -> list[dict[str, Any]]:
    """The message as one or more cards, each within `CARD_BYTES`, sections in order.

    With `at_least` (an edit of a message already sent as that many cards), sections are spread
    over that many where they can be: the last ones move into cards of their own, so a section
    stays on the card it was on when the new rendering shrank."""
    room = CARD_BYTES - size(_card([]))
    cards: list[list[Unit]] = [[]]
    filled = blocks = 0
    for unit in _units(message):
        unit_size = sum(size(block) for block in unit)
        if cards[-1] and _list_size(filled + unit_size, blocks + len(unit)) > room:
            cards.append([])
            filled = blocks = 0
        cards[-1].append(unit)
        filled += unit_size
        blocks += len(unit)
    while len(cards) < at_least:
        splittable = [n for n, card in enumerate(cards) if len(card) > 1]
        if not splittable:
            break
        cards.insert(splittable[-1] + 1, [cards[splittable[-1]].pop()])
    return [_card([block for unit in card for block in unit]) for card in cards]


def continued_card() -> dict[str, Any]:
    """The card a message's left-over card shows (see `CONTINUED`)."""
    return _card([_text(CONTINUED, isSubtle=True, size="small")])


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
        if field.kind == "choice" and isinstance(value, str) and value and value not in {o.value for o in field.options}:
            # A form shown again with errors has the template's options; one chosen from options
            # made for the person (which rep, which practice) stays chosen.
            choice["choices"].append({"title": value, "value": value})
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


_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def valid_text(raw: object) -> str:
    """A field Teams sent, as text: "" if it is not a string; a lone surrogate (JSON can carry
    one, no UTF-8 text can, so no database keeps it) becomes U+FFFD."""
    return _LONE_SURROGATE.sub("\ufffd", raw) if isinstance(raw, str) else ""


def _scalar(raw: object) -> str:
    """A submitted input's value as text (a number or a flag as typed; a list or object is no input's value)."""
    return valid_text(raw) if isinstance(raw, str) else ("" if raw is None or isinstance(raw, list | dict) else str(raw))


def _split(raw: object) -> tuple[str, ...]:
    if isinstance(raw, list):
        return tuple(_scalar(item).strip() for item in raw if _scalar(item).strip())
    return tuple(part.strip() for part in _scalar(raw).split(",") if part.strip())


def read_submit(value: object) -> Click | Submitted | None:
    """What a card submit means, from the activity's `value`; None for anything we didn't send."""
    if not isinstance(value, dict):
        return None
    kind = value.get("ft")
    if kind == CLICK and isinstance(value.get("action"), str):
        return Click(action=valid_text(value["action"]), value=_scalar(value.get("value", "")))
    if kind != FORM or not isinstance(value.get("form"), str):
        return None
    form = KNOWN_FORMS.get(value["form"])
    values: dict[str, FormValue] = {}
    fields = form.fields if form is not None else ()
    kinds = {field.name: field.kind for field in fields}
    for name, raw in value.items():
        if name in ("ft", "form", "msteams") or (form is not None and name not in kinds):
            continue
        values[name] = _split(raw) if kinds.get(name) == "multi" else _scalar(raw)
    for name, field_kind in kinds.items():
        values.setdefault(name, () if field_kind == "multi" else "")
    return Submitted(form_id=valid_text(value["form"]), values=values)
