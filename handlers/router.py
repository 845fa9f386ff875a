"""The single entry point adapters call: one incoming action in, one Result out.

Each call is one database transaction: the change and the messages it queues commit
together, or not at all. A database that is briefly unreachable gets a clear reply and
changes nothing.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.contract.messages import Button, OpenForm, Result
from handlers import (
    checkins,
    commitments,
    digest,
    help,
    managers,
    reschedule,
    terms,
    terms_form,
)
from handlers.context import Context
from handlers.contract.incoming import (
    ButtonClick,
    Command,
    FormSubmit,
    Incoming,
    Opened,
    TextMessage,
)
from storage.models import Person
from storage.repositories import get_or_create_person, reps_of

log = logging.getLogger(__name__)

DATABASE_DOWN = (
    "Sorry, I couldn't reach my database just now, so nothing was saved. Please try again in a minute."
)

BUSY = "Sorry, that collided with another change of yours and nothing was saved. Please try again."

GREETING = (
    "Hi {name}! I'm Follow-Through. I help you keep the commitments you make, on your own terms: "
    "I check in when you choose, in the tone you choose, and your manager hears only what you decide."
)


CONFLICT_RETRIES = 3


async def handle(ctx: Context, incoming: Incoming) -> Result:
    now = ctx.clock.now()
    for attempt in range(1, CONFLICT_RETRIES + 1):
        try:
            async with ctx.sessions() as s, s.begin():
                return await _dispatch(s, incoming, now, ctx.forms)
        except IntegrityError as error:
            # Two requests from one person raced (a first message and App Home at once, two
            # commits in a row): the loser's transaction rolled back whole, so run it again.
            if attempt == CONFLICT_RETRIES:
                log.warning("gave up on %s after %s conflicting writes: %s", type(incoming).__name__, attempt, error)
                return Result(unavailable=True).reply(BUSY)
            await asyncio.sleep(random.uniform(0, 0.05 * attempt))
        except (OperationalError, DBAPIError, OSError) as error:
            log.warning("database unavailable while handling %s: %s", type(incoming).__name__, error)
            return Result(unavailable=True).reply(DATABASE_DOWN)
    raise AssertionError("unreachable")


async def ensure_person(s: AsyncSession, incoming: Incoming, now: datetime) -> tuple[Person, bool]:
    actor = incoming.actor
    person, created = await get_or_create_person(s, actor.address, actor.display_name, actor.tz, now)
    person.reachable = True  # they just reached us, so we can reach them
    if actor.tz and person.tz != actor.tz:
        person.tz = actor.tz
        spec, _ = await terms.current_spec(s, person)
        await reschedule.reschedule_checkins(s, person, spec, now)
    return person, created


def _invite(person: Person) -> Result:
    """First contact where forms exist: the greeting and one button that opens the two questions."""
    return Result().reply(
        GREETING.format(name=person.display_name) + " Two questions first, so I follow up the way you want.\n"
        + terms.defaults_notice(),
        Button("Answer the two questions", terms_form.OPEN_ACTION, terms_form.FORM_ID, "primary"),
    )


async def _dispatch(s: AsyncSession, incoming: Incoming, now: datetime, forms: bool) -> Result:
    person, _ = await ensure_person(s, incoming, now)
    first_contact = not person.greeted
    person.greeted = True
    if isinstance(incoming, Opened):
        if not first_contact:
            return Result()
        # Where a form can simply be shown (a Teams card), the two questions come right away;
        # where it needs a click to open (a Slack modal), the invitation's button does it.
        return _invite(person).add(await terms_form.open_form(s, person))
    if isinstance(incoming, FormSubmit):
        return await _form(s, person, incoming, now)
    if isinstance(incoming, ButtonClick):
        return await _click(s, person, incoming, now)
    if isinstance(incoming, TextMessage):
        if first_contact and forms:
            return _invite(person)
        if first_contact:
            return terms.start(person, Result(), GREETING.format(name=person.display_name) + " Two questions first.")
        if checkins.awaiting_note(person):
            return await checkins.on_note(s, person, incoming.text, now)
        if terms.in_flow(person):
            return await terms.on_text(s, person, incoming.text, now)
        command = as_command(incoming)
        if command is None:
            return help.help_text("I only understand commands; nothing was changed.")
        return await _command(s, person, command, now, forms)
    result = await _command(s, person, incoming, now, forms)
    if first_contact and forms and not any(isinstance(item, OpenForm) for item in result.items):
        result.items[:0] = _invite(person).items
    elif first_contact and not forms:
        intro = GREETING.format(name=person.display_name) + " " + terms.defaults_notice()
        result.items.insert(0, Result().reply(intro).items[0])
    return result


COMMAND_WORDS = frozenset({"help", "terms", "list", "done", "drop", "edit", "pause", "resume", "manager", "team", "digest"})


def as_command(message: TextMessage) -> Command | None:
    """A typed message that reads as a command (`commit 20 calls every weekday`, `done 2`), as one."""
    text = message.text.strip()
    word, _, rest = text.partition(" ")
    word = word.lower().lstrip("/")
    if word in ("commit", "accountability"):
        return Command(message.actor, word, rest.strip(), message.mentions, message.mentioned)
    if word in COMMAND_WORDS:
        return Command(message.actor, "accountability", f"{word} {rest.strip()}".strip(), message.mentions, message.mentioned)
    return None


async def _click(s: AsyncSession, person: Person, click: ButtonClick, now: datetime) -> Result:
    handlers = {
        checkins.ANSWER_ACTION: checkins.on_answer,
        checkins.NUDGE_ACTION: checkins.on_nudge,
        terms.ACTION: terms.on_click,
        managers.LINK_ACTION: managers.on_link_click,
        commitments.PROPOSAL_ACTION: commitments.on_proposal_click,
        terms_form.OPEN_ACTION: _open_form,
    }
    handler = handlers.get(click.action)
    if handler is None:
        return Result().reply("That button is from an older version of me and no longer works. Nothing changed.")
    return await handler(s, person, click.value, now)


async def _open_form(s: AsyncSession, person: Person, form_id: str, now: datetime) -> Result:
    if form_id == terms_form.FORM_ID:
        return Result().add(await terms_form.open_form(s, person))
    if form_id == commitments.COMMIT_FORM.form_id:
        return Result().add(commitments.open_form())
    return Result().reply("That button is from an older version of me and no longer works. Nothing changed.")


async def _form(s: AsyncSession, person: Person, submit: FormSubmit, now: datetime) -> Result:
    if submit.form_id == terms_form.FORM_ID:
        return await terms_form.submit(s, person, submit.values, now)
    if submit.form_id == commitments.COMMIT_FORM.form_id:
        return await commitments.submit_form(s, person, submit.values, now)
    return Result().reply("That form is from an older version of me; nothing was saved. Please open it again.")


async def _command(s: AsyncSession, person: Person, command: Command, now: datetime, forms: bool) -> Result:
    if command.name == "commit":
        return await commitments.commit(s, person, command.text, command.mentions, now)
    if command.name != "accountability":
        return help.help_text(f"I don't know the command `/{command.name}`.")
    verb, _, rest = command.text.strip().partition(" ")
    verb = verb.lower()
    rest = rest.strip()
    if verb == "":
        return await help.overview(s, person)
    if verb == "help":
        return help.help_text()
    if verb == "terms" and forms:
        return Result().add(await terms_form.open_form(s, person))
    if verb == "terms":
        return terms.start(person, Result(), "Let's set your terms. Every answer is yours to change later.")
    if verb == "list":
        return await commitments.list_(s, person)
    if verb == "done":
        return await commitments.done(s, person, rest, now)
    if verb == "drop":
        return await commitments.drop(s, person, rest, now)
    if verb == "edit":
        return await commitments.edit(s, person, rest, now)
    if verb == "pause":
        if rest.lstrip("#").isdigit():
            return await commitments.set_paused(s, person, rest, now, paused=True)
        return await managers.pause(s, person, rest, now)
    if verb == "resume":
        if rest.lstrip("#").isdigit():
            return await commitments.set_paused(s, person, rest, now, paused=False)
        return await managers.resume(s, person, now)
    if verb == "manager":
        return await managers.name_manager(s, person, command.mentions, now, command.mentioned)
    if verb == "digest" and rest:
        return await digest.set_cadence(s, person, rest, now)
    if verb in ("team", "digest"):
        if not await reps_of(s, person.id):
            return Result().reply("Nobody has named you as their accountability partner yet, so there's no team to show.")
        return await digest.show(s, person, now, "Your team right now." if verb == "team" else "Your digest.")
    return help.help_text(f"I didn't understand `/accountability {command.text.strip()}`. Nothing was changed.")
