"""Neutral incoming actions: what an adapter hands to `handlers.router.handle`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.messages import Address


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


@dataclass(frozen=True)
class TextMessage:
    """A plain message to the bot (a direct message, or a console line)."""

    actor: Actor
    text: str


@dataclass(frozen=True)
class ButtonClick:
    """A click on a button the bot sent: `action` and `value` come from the Button."""

    actor: Actor
    action: str
    value: str


Incoming = Command | TextMessage | ButtonClick
