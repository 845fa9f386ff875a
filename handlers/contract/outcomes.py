"""What the core hands back to a platform for the person who acted: a `Result` of outcomes
(a reply, an in-place update, a form to open, errors on a submitted form).

Every platform renders every outcome: `handlers.pipeline.render` matches them exhaustively,
so a new outcome type is a type error until each `Renderer` can show it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from handlers.contract.messages import Button, Form, FormValue, Message


@dataclass(frozen=True)
class Reply:
    """A message shown to the person who acted, right away (ephemeral where the platform allows)."""

    message: Message


@dataclass(frozen=True)
class Update:
    """Replace a message the bot sent earlier (identified by its message key) with a new rendering."""

    message_key: str
    message: Message


@dataclass(frozen=True)
class OpenForm:
    """Show `form` to the actor, pre-filled with `values` (field name -> value)."""

    form: Form
    values: dict[str, FormValue] = field(default_factory=dict)


@dataclass(frozen=True)
class FormErrors:
    """A submitted form was not accepted: field name -> what is wrong. Nothing was saved."""

    errors: dict[str, str]


Outcome = Reply | Update | OpenForm | FormErrors


@dataclass
class Result:
    """What a handler returns to the adapter: replies and in-place updates for the actor.

    Messages to anyone else go through the outbox, never through the result.
    """

    items: list[Outcome] = field(default_factory=list)
    nothing_saved: bool = False
    """The database was down or the write collided: nothing was saved (a submitted form stays open)."""

    def reply(self, text: str, *buttons: Button) -> Result:
        self.items.append(Reply(Message.text(text, *buttons)))
        return self

    def add(self, item: Outcome) -> Result:
        self.items.append(item)
        return self
