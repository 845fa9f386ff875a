"""Coaching sessions: a manager records a conversation with one of their reps in one framework
(topic, evidence, the buyer's view, the top three reasons it could be lost, the rep's own plan
first, then the actions agreed). Each action is proposed to the rep, who accepts it (and may
change it afterwards) or declines it: nothing is checked in on until the rep accepts.

The record is asked as a form (`handlers.session_form`) or step by step (`handlers.session_chat`);
both end in `save`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers import follow_ups, proposals, reschedule
from handlers.commitments import MAKE_ROOM, MAX_OPEN, OPEN, local_today
from handlers.contract.messages import Address, Message, Section
from handlers.contract.outcomes import Result
from handlers.delivery import queue
from handlers.rules.commit_text import (
    ParsedCommitment,
    ParseProblem,
    describe_when,
    parse_commitment,
)
from storage.coaching_models import CoachingSession
from storage.models import Commitment, Person
from storage.states import CommitmentStatus
from storage.store import Tx

STEPS: tuple[tuple[str, str, str], ...] = (
    ("topic", "Topic or deal", "What are you working on together? A deal, a skill, a goal."),
    ("evidence", "How do we know?", "The evidence: what the buyer said or did, what the numbers show."),
    ("buyer_view", "If I were the customer, would I buy?", "Look at it from the buyer's side."),
    ("loss_reasons", "If we lost this, what would be the top three reasons?", "One, two, three."),
    ("rep_plan", "What does the rep propose?", "Their own plan first, in their words."),
)
"""The framework, in order: (field, question, hint)."""

ACTIONS_HINT = "One per line, each with when: call the CFO by Friday · 2 demos every week"
MAX_TEXT = 1000
MAX_ACTIONS = 10
_STATE_WORDS = {
    CommitmentStatus.PROPOSED: "waiting for the rep's OK", CommitmentStatus.ACTIVE: "accepted",
    CommitmentStatus.PAUSED: "accepted, paused", CommitmentStatus.DONE: "done", CommitmentStatus.DROPPED: "declined or dropped",
}


@dataclass(frozen=True)
class Record:
    """What was said in the session (everything but the actions)."""

    topic: str
    evidence: str | None = None
    buyer_view: str | None = None
    loss_reasons: str | None = None
    rep_plan: str | None = None


async def coachable(tx: Tx, manager: Person, rep: Person | None) -> Person | str:
    """`rep` if `manager` is their active accountability partner, else what to tell the manager."""
    if rep is None:
        return "I don't know that person yet; they need to say hello to me first. Nothing was saved."
    link = await tx.links.active_for_rep(rep.id)
    same_place = (rep.platform, rep.workspace_id) == (manager.platform, manager.workspace_id)
    if link is None or link.manager_id != manager.id or not same_place or rep.id == manager.id:
        return (
            f"Only {rep.display_name}'s accountability partner can coach them here, and that isn't you. Nothing was saved. "
            f"{rep.display_name} can name you with `/accountability manager @you`."
        )
    return rep


async def mentioned_rep(tx: Tx, manager: Person, mentions: tuple[Address, ...], verb: str) -> Person | str:
    """The rep a command names (`coach @rep`), checked with `coachable`, or what to say."""
    if not mentions:
        return f"Whom? Name your rep, like `/accountability {verb} @rita`. Nothing was saved."
    who = mentions[0]
    return await coachable(tx, manager, await tx.people.find(who.platform, who.workspace_id, who.user_id))


def clean(raw: str | None) -> str | None:
    text = (raw or "").strip()
    return text or None


def too_long(text: str | None) -> str | None:
    if text is not None and len(text) > MAX_TEXT:
        return f"Please keep this under {MAX_TEXT} characters (it is {len(text)})."
    return None


def read_action(line: str, rep: Person, now: datetime) -> ParsedCommitment | str:
    """One agreed action, read like `/commit` in the rep's own calendar, or the problem."""
    parsed = parse_commitment(line.strip(), local_today(rep, now).date())
    return parsed.message().split("\n", 1)[0] if isinstance(parsed, ParseProblem) else parsed


def read_actions(text: str, rep: Person, now: datetime) -> list[tuple[str, ParsedCommitment]] | str:
    """Every line of `text` as an action, or what is wrong (naming the first line that can't be read)."""
    lines = [line.strip().lstrip("-•*").strip() for line in text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return "Write at least one action you agreed, with when, e.g. `call the CFO by Friday`."
    if len(lines) > MAX_ACTIONS:
        return f"Please agree at most {MAX_ACTIONS} actions in one session (there are {len(lines)})."
    actions = []
    for number, line in enumerate(lines, start=1):
        parsed = read_action(line, rep, now)
        if isinstance(parsed, str):
            return f"Line {number} (“{line[:80]}”): {parsed} Write each action with when, e.g. `call the CFO by Friday`."
        actions.append((line, parsed))
    return actions


async def room_for(tx: Tx, rep: Person, count: int) -> str | None:
    """Why `count` more proposals would take the rep past `MAX_OPEN`, or None."""
    await tx.people.lock(rep.id)
    if await tx.commitments.count(rep.id, OPEN) + count > MAX_OPEN:
        return (
            f"{rep.display_name} can have at most {MAX_OPEN} open commitments and this would pass that, "
            f"so nothing was saved. They can make room: {MAKE_ROOM}"
        )
    return None


def describe_record(session: CoachingSession, rep: Person, manager: Person, actions: list[Commitment]) -> str:
    when = session.created_at.astimezone(reschedule.zone(rep))
    lines = [f"Coaching session, {manager.display_name} with {rep.display_name}, {when:%a %-d %b}: {session.topic}"]
    answers = (session.evidence, session.buyer_view, session.loss_reasons, session.rep_plan)
    for (_, question, _), answer in zip(STEPS[1:], answers, strict=True):
        if answer:
            lines.append(f"• {question} {answer}")
    if actions:
        lines.append("Actions agreed:")
        lines += [describe_action(c) for c in actions]
    return "\n".join(lines)


def describe_action(c: Commitment) -> str:
    return f"  #{c.seq} {c.title}, {describe_when(c.cadence, c.due_date)} ({_STATE_WORDS[c.status]})"


async def save(
    tx: Tx, manager: Person, rep: Person, record: Record, actions: list[tuple[str, ParsedCommitment]],
    notice_id: int | None, now: datetime,
) -> Result:
    """Save the session and propose its actions to the rep; the caller has checked `coachable`,
    the texts and `room_for`."""
    notice = await tx.sessions.notice(notice_id) if notice_id is not None else None
    if notice is None or (notice.rep_id, notice.manager_id) != (rep.id, manager.id):
        notice_id = None  # a session follows up only an escalation about this rep told to this manager
    session = await tx.sessions.add(CoachingSession(
        rep_id=rep.id, manager_id=manager.id, notice_id=notice_id, topic=record.topic, evidence=record.evidence,
        buyer_view=record.buyer_view, loss_reasons=record.loss_reasons, rep_plan=record.rep_plan, created_at=now,
    ))
    proposed = [await proposals.offer(tx, manager, rep, text, parsed, now, session.id) for text, parsed in actions]
    record_text = describe_record(session, rep, manager, [])
    sections = [Section(
        f"{manager.display_name} logged your coaching session. Here is what you talked about, so you both have "
        f"the same record:\n{record_text}\nThe actions you agreed count only once you accept them. "
        f"{proposals.EDIT_LATER}"
    )]
    sections += [
        Section(f"#{c.seq} {c.title}, {describe_when(c.cadence, c.due_date)}", proposals.answer_buttons(c)) for c in proposed
    ]
    await queue(tx, rep, Message(tuple(sections), summary=f"{manager.display_name} logged your coaching session"), now)
    await follow_ups.session_logged(tx, manager, rep.id, notice_id, now)
    return Result().reply(
        f"Saved, and sent to {rep.display_name} to accept each action:\n"
        + describe_record(session, rep, manager, proposed)
    )


async def list_sessions(tx: Tx, person: Person, mentions: tuple[Address, ...], now: datetime) -> Result:
    """`/accountability sessions`: your own sessions; `sessions @rep`: a rep you coach."""
    rep = person
    if mentions:
        found = await mentioned_rep(tx, person, mentions, "sessions")
        if isinstance(found, str):
            return Result().reply(found.replace("coach them here", "see their coaching sessions").replace(" Nothing was saved.", ""))
        rep = found
    sessions = await tx.sessions.of_rep(rep.id, 10)
    if not sessions:
        return Result().reply(f"No coaching sessions recorded{'' if rep is person else ' with ' + rep.display_name} yet.")
    actions = await tx.sessions.actions_of([s.id for s in sessions])
    people = {p.id: p for p in (person, rep)}
    texts = []
    for session in sessions:
        manager = people.get(session.manager_id) or await tx.people.get(session.manager_id)
        if manager is not None:
            texts.append(describe_record(session, rep, manager, actions.get(session.id, [])))
    return Result().reply("\n\n".join(texts))
