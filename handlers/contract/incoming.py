"""Neutral incoming actions: what a platform hands the core (`handlers.pipeline.deliver`)."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from handlers.contract.messages import Address, FormValue


@dataclass(frozen=True)
class Actor:
    """The person who acted, as the platform knows them."""

    address: Address
    display_name: str
    tz: str | None = None


@dataclass(frozen=True)
class Command:
    """A slash command (`commit` or `accountability`) with its text; `mentions` are the people
    the text names, already resolved to addresses by the adapter, in order."""

    actor: Actor
    name: str
    text: str
    mentions: tuple[Address, ...] = ()
    mentioned: tuple[Actor, ...] = ()
    """What the platform knows of the people mentioned (name, zone), so someone who has
    never talked to the bot can still be named as a manager and messaged."""


@dataclass(frozen=True)
class SharedFile:
    """A file someone shared with the bot (a Slack file share, a Teams attachment): its name,
    media type and where the platform keeps it."""

    name: str
    media_type: str
    url: str


@dataclass(frozen=True)
class TextMessage:
    """A plain message to the bot (a direct message, or a console line). A message that starts
    with a command word (`commit ...`, `list`, `done 2`) is run as that command."""

    actor: Actor
    text: str
    mentions: tuple[Address, ...] = ()
    mentioned: tuple[Actor, ...] = ()
    files: tuple[SharedFile, ...] = ()


@dataclass(frozen=True)
class ButtonClick:
    """A click on a button the bot sent: `action` and `value` come from the Button."""

    actor: Actor
    action: str
    value: str


@dataclass(frozen=True)
class FormSubmit:
    """A filled-in form (`handlers.contract.messages.Form`): values by field name, as the adapter read them."""

    actor: Actor
    form_id: str
    values: dict[str, FormValue]


@dataclass(frozen=True)
class OpenedHome:
    """The person opened the bot's own space (Slack's App Home, installing the Teams app): a
    first contact, not a message."""

    actor: Actor


Incoming = Command | TextMessage | ButtonClick | FormSubmit | OpenedHome


_UNSAFE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text as the core keeps it: control characters (but line breaks and tabs) and lone
    surrogates, which no database stores, become U+FFFD."""
    return _UNSAFE.sub("\ufffd", text)


def cleaned(incoming: Incoming) -> Incoming:
    """The same action with every text a person typed made safe to store (`clean_text`)."""
    actor = replace(incoming.actor, display_name=clean_text(incoming.actor.display_name))
    match incoming:
        case Command() | TextMessage():
            return replace(incoming, actor=actor, text=clean_text(incoming.text))
        case FormSubmit():
            values = {
                key: clean_text(value) if isinstance(value, str) else tuple(clean_text(v) for v in value)
                for key, value in incoming.values.items()
            }
            return replace(incoming, actor=actor, values=values)
        case ButtonClick():
            return replace(incoming, actor=actor, value=clean_text(incoming.value))
        case OpenedHome():
            return replace(incoming, actor=actor)
