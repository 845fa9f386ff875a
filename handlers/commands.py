"""Commands: which typed text is a command, and what each `/commit` and `/accountability VERB`
does (one case per verb, each calling the handler module that owns it)."""

from __future__ import annotations

from datetime import datetime

from handlers import (
    coaching,
    coaching_sessions,
    commitments,
    dashboard_sign_in,
    digest,
    digest_schedule,
    help,
    holiday_calendar,
    kudos,
    my_data,
    out_of_office,
    partners,
    practice,
    proposals,
    rep_page,
    terms_chat,
    terms_form,
    time_zone,
)
from handlers.buttons import read_id
from handlers.contract.incoming import Command, TextMessage
from handlers.contract.outcomes import Result
from handlers.rules.time_zones import is_zone
from storage.models import Person
from storage.store import Tx

COMMAND_WORDS = frozenset({
    "help", "terms", "list", "done", "drop", "edit", "pause", "resume", "manager", "team", "digest", "timezone", "holidays",
    "export", "forget",
    "coach", "practice", "sessions",
    "kudos",
    "dashboard",
})


def as_command(message: TextMessage, *, strict: bool = False) -> Command | None:
    """A typed message that reads as a command (`commit 20 calls every weekday`, `done 2`), as one.
    `strict`: only text that can't be meant otherwise (a note that starts "done by noon, but..."
    is a note; `done 2` is a command)."""
    text = message.text.strip()
    word, _, rest = text.partition(" ")
    slash = word.startswith("/")
    word, rest = word.lower().lstrip("/"), rest.strip()
    if word in ("commit", "accountability"):
        return Command(message.actor, word, rest, message.mentions, message.mentioned)
    if word not in COMMAND_WORDS or (strict and not slash and not _unmistakable(word, rest, message)):
        return None
    return Command(message.actor, "accountability", f"{word} {rest}".strip(), message.mentions, message.mentioned)


def _unmistakable(word: str, rest: str, message: TextMessage) -> bool:
    match word:
        case "help" | "list" | "team" | "terms":
            return rest == ""
        case "export" | "forget" | "dashboard":
            return rest == ""
        case "coach" | "practice":
            return bool(message.mentions)
        case "kudos":
            return bool(message.mentions) or rest.startswith("@")
        case "sessions":
            return rest == "" or bool(message.mentions)
        case "done" | "drop":
            return read_id(rest) is not None
        case "edit":
            number, _, text = rest.partition(" ")
            return read_id(number) is not None and text.strip() != ""
        case "pause":
            return read_id(rest) is not None or rest.lower().startswith("until ")
        case "resume":
            return rest == "" or read_id(rest) is not None
        case "manager":
            return bool(message.mentions)
        case "digest":
            return rest.lower() in ("", "on", "off") or digest_schedule.read_choice(rest) is not None
        case "timezone":
            return rest == "" or is_zone(rest.replace(" ", "_"))
        case "holidays":
            return rest == "" or len(rest) <= 24 and rest.replace(" ", "").replace("-", "").isalpha()
    return False


def _numbered(rest: str) -> bool:
    return rest.lstrip("#").isdigit()


async def run(
    tx: Tx, person: Person, command: Command, now: datetime, forms: bool, sign_in: dashboard_sign_in.SignInLinks | None = None
) -> Result:
    if command.name == "commit":
        if proposals.is_proposal(command.text, command.mentions):
            return await proposals.propose(tx, person, command.text, command.mentions[0], now)
        return await commitments.commit(tx, person, command.text, now)
    if command.name != "accountability":
        return help.help_text(f"I don't know the command `/{command.name}`.")
    verb, _, rest = command.text.strip().partition(" ")
    verb, rest = verb.lower(), rest.strip()
    match verb:
        case "":
            return Result().reply(rep_page.overview(await rep_page.gather(tx, person, now)))
        case "help":
            return help.help_text()
        case "terms" if forms:
            return Result().add(await terms_form.open_form(tx, person))
        case "terms":
            return terms_chat.start(person, Result(), "Let's set your terms. Every answer is yours to change later.")
        case "list":
            return await commitments.list_commitments(tx, person)
        case "done":
            return await commitments.done(tx, person, rest, now)
        case "drop":
            return await commitments.drop(tx, person, rest, now)
        case "edit":
            return await commitments.edit(tx, person, rest, now)
        case "pause" if _numbered(rest):
            return await commitments.set_paused(tx, person, rest, now, paused=True)
        case "pause":
            return await out_of_office.pause(tx, person, rest, now)
        case "resume" if _numbered(rest):
            return await commitments.set_paused(tx, person, rest, now, paused=False)
        case "resume":
            return await out_of_office.resume(tx, person, now)
        case "manager":
            return await partners.name_partner(tx, person, command.mentions, now, command.mentioned)
        case "digest" if rest:
            return await digest.set_cadence(person, rest, now)
        case "kudos":
            return await kudos.command(tx, person, command.mentions, rest, now)
        case "timezone":
            return await time_zone.set_zone(tx, person, rest, now)
        case "holidays":
            return await holiday_calendar.set_calendar(tx, person, rest, now)
        case "export" if not rest:
            return await my_data.export(tx, person, now)
        case "forget" if not rest:
            return my_data.ask_forget(person)
        case "dashboard" if not rest:
            return await dashboard_sign_in.command(tx, person, now, sign_in)
        case "coach":
            return await coaching.start_session(tx, person, command.mentions, forms)
        case "practice":
            return await practice.request(tx, person, rest, command.mentions, now)
        case "sessions":
            return await coaching_sessions.list_sessions(tx, person, command.mentions, now)
        case "team" | "digest":
            if not await tx.people.reps_of(person.id):
                return Result().reply("Nobody has named you as their accountability partner yet, so there's no team to show.")
            return await digest.show(tx, person, now, "Your team right now." if verb == "team" else "Your digest.", roster=verb == "team")
    return help.help_text(f"I didn't understand `/accountability {command.text.strip()}`. Nothing was changed.")
