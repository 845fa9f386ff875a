"""Six weeks of a team, lived through the real core (commands, clicks on the check-in buttons the
bot sent, a reflection typed after a No, the scheduler's jobs): each Monday's digest is checked
against its full text, and its buttons against the payloads they must carry."""

from __future__ import annotations

from datetime import date, timedelta

from handlers.buttons import LogSession, Payload, SendKudos, WillFollowUp, decode
from handlers.contract.messages import Message
from handlers.contract.outcomes import Reply
from storage.models import Notice
from storage.states import NoticeKind
from tests.flow_world import World, berlin, button, onboard_with_defaults, open_world

REPS = ("bob", "cat", "eve")
Day = dict[str, str]
"""What each rep does on one day: Y (clicks Yes), N (clicks No), "" (doesn't answer)."""


def week(**plans: str) -> list[Day]:
    """Monday to Friday: `eve="YYNYY"` is Eve's five days."""
    return [{rep: plans.get(rep, "YYYYY")[d] if plans.get(rep, "YYYYY")[d] != "-" else "" for rep in REPS} for d in range(5)]


WEEKS = [
    week(),
    week(bob="NYNYY"),
    week(bob="NNNNN", cat="YY---"),
    week(),
    week(eve="YYYNN"),
    week(eve="N----"),
]
NOTES = {2: {"bob": "Pipeline review ate my afternoons"}}
"""What a rep types when asked what got in the way, by week (after their first No that week)."""


async def _live_a_day(world: World, day: date, plan: Day, notes: dict[str, str]) -> None:
    at = berlin(1, 16, 30) + timedelta(days=(day - date(2026, 11, 1)).days)
    await world.at(at)
    for rep, answer in plan.items():
        if not answer:
            continue
        await world.click(rep, button(world.last(rep), "Yes" if answer == "Y" else "No"))
        if answer == "N" and rep in notes:
            await world.say(rep, notes.pop(rep))
    await world.at(at + timedelta(hours=8))


async def test_six_weeks_of_digests(sqlite_database_url: str) -> None:
    async with open_world(sqlite_database_url) as world:
        for name in ("dana", *REPS):
            await onboard_with_defaults(world, name)
        for rep, text in (("bob", "update CRM every weekday"), ("cat", "2 demos every weekday"), ("eve", "20 calls every weekday")):
            await world.command(rep, "commit", text)
            await world.command(rep, "accountability", "manager @dana", "dana")
        digests: list[Message] = []
        monday = date(2026, 11, 23)
        for index, plan in enumerate(WEEKS):
            notes = dict(NOTES.get(index, {}))
            for offset, day_plan in enumerate(plan):
                await _live_a_day(world, monday + timedelta(days=offset), day_plan, notes)
            monday += timedelta(days=7)
            before = len(world.chat.inbox["dana"])
            await world.at(berlin(1, 8) + timedelta(days=(monday - date(2026, 11, 1)).days))
            found = [m for m in world.chat.inbox["dana"][before:] if m.plain_text.startswith("Your weekly digest.")]
            assert len(found) == 1, [m.plain_text for m in world.chat.inbox["dana"][before:]]
            digests.append(found[0])
            if index == 4:
                await world.click("dana", button(found[0], "I'll follow up"))
        asked = (await world.command("dana", "accountability", "digest")).items
        notices = await world.db.all(Notice, order_by=Notice.id)
        ids = {name: (await world.person(name)).id for name in REPS}

    def notice(kind: NoticeKind, rep: str, nth: int) -> int:
        """The id of `rep`'s `nth` (1-based) notice of `kind` to Dana."""
        return [n.id for n in notices if n.kind == kind and n.rep_id == ids[rep]][nth - 1]

    def win(rep: str, nth: int) -> SendKudos:
        return SendKudos(ids[rep], notice(NoticeKind.WIN, rep, nth))

    def told(rep: str, nth: int) -> int:
        return notice(NoticeKind.ESCALATION, rep, nth)

    assert [d.plain_text for d in digests] == TEXTS
    assert [buttons_of(d) for d in digests] == [
        [("Bob kept", "Send kudos", win("bob", 1)), ("Cat kept", "Send kudos", win("cat", 1)),
         ("Eve kept", "Send kudos", win("eve", 1))],
        [("Bob: “update CRM” kept", "Log a session", LogSession(ids["bob"])),
         ("Cat kept", "Send kudos", win("cat", 2)), ("Eve kept", "Send kudos", win("eve", 2))],
        [("Bob: “update CRM”, missed", "Log a session", LogSession(ids["bob"], told("bob", 1))),
         ("Bob: “update CRM”, missed", "I'll follow up", WillFollowUp(told("bob", 1))),
         ("Cat: “2 demos”, missed", "Log a session", LogSession(ids["cat"], told("cat", 1))),
         ("Cat: “2 demos”, missed", "I'll follow up", WillFollowUp(told("cat", 1))),
         ("Cat hasn't answered", "Log a session", LogSession(ids["cat"])),
         ("Eve kept", "Send kudos", win("eve", 3))],
        [("Bob kept", "Send kudos", win("bob", 2)), ("Cat kept", "Send kudos", win("cat", 3)),
         ("Eve kept", "Send kudos", win("eve", 4))],
        [("Eve: “20 calls”, missed", "Log a session", LogSession(ids["eve"], told("eve", 1))),
         ("Eve: “20 calls”, missed", "I'll follow up", WillFollowUp(told("eve", 1))),
         ("Bob kept", "Send kudos", win("bob", 3)), ("Cat kept", "Send kudos", win("cat", 4))],
        [("Eve: “20 calls”, missed", "Log a session", LogSession(ids["eve"], told("eve", 1))),
         ("Eve hasn't answered", "Log a session", LogSession(ids["eve"])),
         ("Bob kept", "Send kudos", win("bob", 4)), ("Cat kept", "Send kudos", win("cat", 5))],
    ], "after Dana's \"I'll follow up\" on Eve (week 5), week 6 offers only a session"
    (shown,) = [item.message for item in asked if isinstance(item, Reply)]
    assert shown.plain_text == TEXTS[-1].replace("Your weekly digest.", "Your digest.", 1), "asked for by hand: the same"
    assert buttons_of(shown) == buttons_of(digests[-1]), "with the same buttons"


def buttons_of(message: Message) -> list[tuple[str, str, Payload | None]]:
    """(how the item begins, label, decoded payload) of every button, in order."""
    found: list[tuple[str, str, Payload | None]] = []
    for section in message.sections:
        for b in section.buttons:
            start = next(p for p in PREFIXES if section.text.removeprefix("• ").startswith(p))
            found.append((start, b.label, decode(b.action, b.value)))
    return found


PREFIXES = (
    "Bob kept", "Cat kept", "Eve kept", "Bob: “update CRM” kept", "Bob: “update CRM”, missed", "Cat: “2 demos”, missed",
    "Eve: “20 calls”, missed", "Cat hasn't answered", "Eve hasn't answered",
)
TEXTS = [
    "\n".join([
        "Your weekly digest. All on track: nothing slipped and nothing is sliding. Team follow-through this week: 100%.",
        "Worth praising:",
        "• Bob kept “update CRM” (weekdays) 5 check-ins in a row.",
        "• Cat kept “2 demos” (weekdays) 5 check-ins in a row.",
        "• Eve kept “20 calls” (weekdays) 5 check-ins in a row.",
    ]),
    "\n".join([
        "Your weekly digest. Needs your help: Bob.",
        "Worth a word before it slips:",
        "• Bob: “update CRM” kept 3 of 5 this week, down from 5 of 5 the week before.",
        "Worth praising:",
        "• Cat kept “2 demos” (weekdays) 10 check-ins in a row.",
        "• Eve kept “20 calls” (weekdays) 10 check-ins in a row.",
        "Team follow-through this week: 87% (down 13 points on the week before).",
        "By person: Bob 3/5 ↓, Cat 5/5 →, Eve 5/5 →.",
    ]),
    "\n".join([
        "Your weekly digest. Needs your help: Bob and Cat.",
        "• Bob: “update CRM”, missed 5 in a row. In their words: “Pipeline review ate my afternoons”",
        "• Cat: “2 demos”, missed 3 in a row.",
        "Coaching prompt: Ask Bob: what would make this commitment easier to keep next week, and what support do they need from you?",
        "Worth a word before it slips:",
        "• Cat hasn't answered the last 3 check-ins; a friendly hello may help.",
        "Worth praising:",
        "• Eve kept “20 calls” (weekdays) 15 check-ins in a row.",
        "Team follow-through this week: 47% (down 40 points on the week before).",
        "By person: Bob 0/5 ↓, Cat 2/5 ↓, Eve 5/5 →.",
    ]),
    "\n".join([
        "Your weekly digest. All on track: nothing slipped and nothing is sliding. "
        "Team follow-through this week: 100% (up 53 points on the week before).",
        "Worth praising:",
        "• Bob kept “update CRM” (weekdays) 5 check-ins in a row.",
        "• Cat kept “2 demos” (weekdays) 5 check-ins in a row.",
        "• Eve kept “20 calls” (weekdays) 20 check-ins in a row.",
    ]),
    "\n".join([
        "Your weekly digest. Needs your help: Eve.",
        "• Eve: “20 calls”, missed 2 in a row.",
        "Coaching prompt: What evidence would tell you both this is back on track? Ask Eve to name it.",
        "Worth praising:",
        "• Bob kept “update CRM” (weekdays) 10 check-ins in a row.",
        "• Cat kept “2 demos” (weekdays) 10 check-ins in a row.",
        "Team follow-through this week: 87% (down 13 points on the week before).",
        "By person: Bob 5/5 →, Cat 5/5 →, Eve 3/5 ↓.",
    ]),
    "\n".join([
        "Your weekly digest. Needs your help: Eve.",
        "• Eve: “20 calls”, missed 7 in a row.",
        "Coaching prompt: What evidence would tell you both this is back on track? Ask Eve to name it.",
        "Worth a word before it slips:",
        "• Eve hasn't answered the last 3 check-ins; a friendly hello may help.",
        "Worth praising:",
        "• Bob kept “update CRM” (weekdays) 15 check-ins in a row.",
        "• Cat kept “2 demos” (weekdays) 15 check-ins in a row.",
        "Team follow-through this week: 67% (down 20 points on the week before).",
        "By person: Bob 5/5 →, Cat 5/5 →, Eve 0/5 ↓.",
    ]),
]
