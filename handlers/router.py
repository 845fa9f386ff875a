"""The core's entry point: one incoming action in, one Result out.

Each call is one database transaction: the change and the messages it queues commit
together, or not at all. A database that is briefly unreachable gets a clear reply and
changes nothing; a write that collided with a concurrent one runs again.
"""

from __future__ import annotations

import asyncio
import logging
import random
from datetime import datetime

from handlers import (
    checkin_answers,
    coaching,
    commands,
    commitments,
    dashboard_sign_in,
    follow_ups,
    help,
    kudos,
    my_data,
    partners,
    proposals,
    terms,
    terms_chat,
    terms_form,
    time_zone,
)
from handlers.buttons import (
    CheckInAnswer,
    DeclinePartner,
    FollowUpVerdictAnswer,
    ForgetAnswer,
    NudgeAnswer,
    OpenDashboard,
    OpenFormRequest,
    ProposalAnswer,
    SendKudos,
    TermsStep,
    WillFollowUp,
    button,
    decode,
)
from handlers.context import Context
from handlers.contract.incoming import (
    ButtonClick,
    Command,
    FormSubmit,
    Incoming,
    OpenedHome,
    TextMessage,
)
from handlers.contract.outcomes import OpenForm, Result
from handlers.dashboard_sign_in import SignInLinks
from handlers.escalation import MissingRow
from handlers.rules.time_zones import is_zone
from storage.models import Person
from storage.store import StoreUnavailable, Tx, WriteConflict

log = logging.getLogger(__name__)

DATABASE_DOWN = (
    "Sorry, I couldn't reach my database just now, so nothing was saved. Please try again in a minute."
)
BUSY = "Sorry, that collided with another change of yours and nothing was saved. Please try again."
OLD_BUTTON = "That button is from an older version of me and no longer works. Nothing changed."
GREETING = (
    "Hi {name}! I'm Follow-Through. I help you keep the commitments you make, on your own terms: "
    "I check in when you choose, in the tone you choose, and your manager hears only what you decide."
)
CONFLICT_RETRIES = 3


class Repeated(Exception):
    """The platform delivered this again: it was handled (and committed) before."""


async def handle(ctx: Context, incoming: Incoming, *, delivery: tuple[str, str] | None = None) -> Result:
    """Handle one inbound action in one transaction. `delivery` (platform, the platform's id
    for this delivery) is recorded in that same transaction, so a delivery counts as handled
    exactly when its work committed; one handled before raises `Repeated`."""
    now = ctx.clock.now()
    for attempt in range(1, CONFLICT_RETRIES + 1):
        try:
            async with ctx.store.transaction() as tx:
                if delivery is not None and not await tx.deliveries.first_time(*delivery, now):
                    raise Repeated(delivery[1])
                return await _dispatch(tx, incoming, now, ctx.forms, ctx.sign_in)
        except (WriteConflict, MissingRow) as error:
            # Two requests from one person raced (a first message and App Home at once, two
            # commits in a row): the loser's transaction rolled back whole, so run it again.
            if attempt == CONFLICT_RETRIES:
                log.warning("gave up on %s after %s conflicting writes: %s", type(incoming).__name__, attempt, error)
                return Result(nothing_saved=True).reply(BUSY)
            await asyncio.sleep(random.uniform(0, 0.05 * attempt))
        except StoreUnavailable as error:
            log.warning("database unavailable while handling %s: %s", type(incoming).__name__, error)
            return Result(nothing_saved=True).reply(DATABASE_DOWN)
    return Result(nothing_saved=True).reply(BUSY)


async def ensure_person(tx: Tx, incoming: Incoming, now: datetime) -> tuple[Person, str | None]:
    """The person who acted (created on first contact, zone kept current), and anything to tell
    them about their time zone."""
    actor = incoming.actor
    address = actor.address
    known_zone = actor.tz if is_zone(actor.tz) else None
    person, created = await tx.people.get_or_create(
        address.platform, address.workspace_id, address.user_id, actor.display_name, known_zone, now
    )
    person.reachable = True  # they just reached us, so we can reach them
    if known_zone and not person.tz_chosen and person.tz != known_zone:
        await time_zone.move_to(tx, person, known_zone, now, chosen=False)
    if actor.tz and known_zone is None:
        log.warning("unknown time zone %r for %s/%s; keeping %s", actor.tz[:64], address.platform, address.user_id, person.tz)
    if not created:
        return person, None
    if actor.tz and known_zone is None:
        return person, (
            f"Your chat app says your time zone is “{actor.tz[:64]}”, which I don't know, so I'm using {person.tz}. "
            f"Set yours with {time_zone.EXAMPLE}."
        )
    if known_zone is None:
        return person, f"I don't know your time zone yet, so I'm using {person.tz}. Tell me yours with {time_zone.EXAMPLE}."
    return person, None


def _invite(person: Person, sign_in: SignInLinks | None = None) -> Result:
    """First contact where forms exist: the greeting and one button that opens the two questions
    (and one that sends a sign-in link for the web dashboard, when it is on)."""
    buttons = [button("Answer the two questions", OpenFormRequest(terms_form.FORM_ID), "primary")]
    if sign_in is not None:
        buttons.append(button("Dashboard", OpenDashboard()))
    return Result().reply(
        GREETING.format(name=person.display_name) + " Two questions first, so I follow up the way you want.\n"
        + terms.defaults_notice(),
        *buttons,
    )


async def _dispatch(tx: Tx, incoming: Incoming, now: datetime, forms: bool, sign_in: SignInLinks | None = None) -> Result:
    person, zone_note = await ensure_person(tx, incoming, now)
    result = await _answer(tx, person, incoming, now, forms, sign_in)
    if zone_note:
        result.reply(zone_note)
    return result


async def _answer(tx: Tx, person: Person, incoming: Incoming, now: datetime, forms: bool, sign_in: SignInLinks | None = None) -> Result:
    first_contact = not person.greeted
    person.greeted = True
    match incoming:
        case OpenedHome():
            if not first_contact:
                return Result()
            # Where a form can simply be shown (a Teams card), the two questions come right away;
            # where it needs a click to open (a Slack modal), the invitation's button does it.
            return _invite(person, sign_in).add(await terms_form.open_form(tx, person))
        case FormSubmit():
            return await _form(tx, person, incoming, now)
        case ButtonClick():
            coached = await coaching.on_click(tx, person, incoming, now, forms)
            return coached if coached is not None else await _click(tx, person, incoming, now, forms, sign_in)
        case TextMessage():
            if first_contact and forms:
                return _invite(person, sign_in)
            if first_contact:
                return terms_chat.start(person, Result(), GREETING.format(name=person.display_name) + " Two questions first.")
            # A command always runs as one, even while an answer is awaited (which stays awaited);
            # while one is, only text that is unmistakably a command counts as one.
            awaiting = checkin_answers.awaiting_note(person) or terms_chat.in_progress(person) or coaching.awaiting(person)
            command = commands.as_command(incoming, strict=awaiting)
            if command is not None:
                return await commands.run(tx, person, command, now, forms, sign_in)
            if checkin_answers.awaiting_note(person):
                return await checkin_answers.on_note(tx, person, incoming.text, now)
            if terms_chat.in_progress(person):
                return await terms_chat.on_text(tx, person, incoming.text, now)
            if (coached := await coaching.on_text(tx, person, incoming, now)) is not None:
                return coached
            return help.help_text("I only understand commands; nothing was changed.")
        case Command():
            result = await commands.run(tx, person, incoming, now, forms, sign_in)
            if first_contact and forms and not any(isinstance(item, OpenForm) for item in result.items):
                result.items[:0] = _invite(person, sign_in).items
            elif first_contact and not forms:
                intro = GREETING.format(name=person.display_name) + " " + terms.defaults_notice()
                result.items.insert(0, Result().reply(intro).items[0])
            return result


async def _click(
    tx: Tx, person: Person, click: ButtonClick, now: datetime, forms: bool = True, sign_in: SignInLinks | None = None
) -> Result:
    match decode(click.action, click.value):
        case CheckInAnswer() as answer:
            return await checkin_answers.on_answer(tx, person, answer, now)
        case NudgeAnswer() as nudge:
            return await checkin_answers.on_nudge(tx, person, nudge, now)
        case TermsStep() as step:
            return await terms_chat.on_click(tx, person, step, now)
        case DeclinePartner() as decline:
            return await partners.on_decline(tx, person, decline, now)
        case ProposalAnswer() as proposal:
            return await proposals.on_answer(tx, person, proposal, now)
        case ForgetAnswer() as forget:
            return await my_data.on_forget_answer(tx, person, forget, now)
        case OpenFormRequest(form_id) if form_id == terms_form.FORM_ID:
            return Result().add(await terms_form.open_form(tx, person))
        case OpenFormRequest(form_id) if form_id == commitments.COMMIT_FORM.form_id:
            return Result().add(commitments.open_form())
        case WillFollowUp() as promise:
            return await follow_ups.on_will_follow_up(tx, person, promise, now)
        case FollowUpVerdictAnswer() as verdict:
            return await follow_ups.on_verdict(tx, person, verdict, now)
        case SendKudos() as kudos_click:
            return await kudos.on_click(tx, person, kudos_click, now, forms=forms)
        case OpenDashboard():
            # The link is always the clicker's own, whoever the button was shown to.
            return await dashboard_sign_in.command(tx, person, now, sign_in)
        case _:
            return Result().reply(OLD_BUTTON)


async def _form(tx: Tx, person: Person, submit: FormSubmit, now: datetime) -> Result:
    if submit.form_id == terms_form.FORM_ID:
        return await terms_form.submit(tx, person, submit.values, now)
    if submit.form_id == commitments.COMMIT_FORM.form_id:
        return await commitments.submit_form(tx, person, submit.values, now)
    if submit.form_id in coaching.FORM_IDS:
        return await coaching.on_form(tx, person, submit, now)
    if submit.form_id.startswith(kudos.FORM_PREFIX):
        return await kudos.on_submit(tx, person, submit.form_id, submit.values, now)
    return Result().reply("That form is from an older version of me; nothing was saved. Please open it again.")
