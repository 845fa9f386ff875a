"""Commitments a manager logs for a rep after a coaching session (`/commit @rep TEXT`, or the
actions of a recorded session): they count only once the rep accepts them. The rep accepts
as proposed and changes one afterwards with `edit N TEXT`, like any of their commitments."""

from __future__ import annotations

import re
from datetime import datetime

from handlers import reschedule
from handlers.buttons import ProposalAnswer, ProposalChoice, button
from handlers.commitments import (
    MAKE_ROOM,
    MAX_OPEN,
    at_cap,
    create,
    describe_commitment,
    local_today,
)
from handlers.contract.messages import Address, Button, Message
from handlers.contract.outcomes import Result
from handlers.delivery import proposal_key, queue
from handlers.rules.commit_text import (
    ParsedCommitment,
    ParseProblem,
    describe_when,
    parse_commitment,
)
from storage.models import Commitment, Person
from storage.states import CommitmentStatus
from storage.store import Tx

_LEADING_MENTION = re.compile(r"^(<@[^>]+>|@\S+)\s*")


EDIT_LATER = "Accept each as it is, and change any of them afterwards with `/accountability edit N TEXT`."


def answer_buttons(commitment: Commitment) -> tuple[Button, Button]:
    """Accept / Decline on one proposed commitment."""
    return (
        button("Accept", ProposalAnswer(commitment.id, ProposalChoice.ACCEPT), "primary"),
        button("Decline", ProposalAnswer(commitment.id, ProposalChoice.DECLINE)),
    )


async def offer(
    tx: Tx, manager: Person, rep: Person, text: str, parsed: ParsedCommitment, now: datetime, session_id: int | None = None,
) -> Commitment:
    """Save one commitment proposed by `manager` for `rep` (from session `session_id`, if any)."""
    commitment = await create(tx, rep, text, parsed, now, status=CommitmentStatus.PROPOSED, proposed_by=manager)
    commitment.session_id = session_id
    return commitment


def is_proposal(text: str, mentions: tuple[Address, ...]) -> bool:
    """`/commit @rep TEXT`: the text starts with a mention of someone."""
    stripped = text.strip()
    return bool(mentions) and (stripped.startswith("@") or stripped.startswith("<@"))


async def propose(tx: Tx, manager: Person, text: str, rep_address: Address, now: datetime) -> Result:
    result = Result()
    rep = await tx.people.find(rep_address.platform, rep_address.workspace_id, rep_address.user_id)
    body = _LEADING_MENTION.sub("", text.strip())
    if rep is None:
        return result.reply("I don't know that person yet; they need to say hello to me first. Nothing was saved.")
    link = await tx.links.active_for_rep(rep.id)
    if link is None or link.manager_id != manager.id:
        return result.reply(
            f"Only {rep.display_name}'s accountability partner can log commitments for them, and that isn't you. "
            f"Nothing was saved. {rep.display_name} can name you with `/accountability manager @you`."
        )
    if await at_cap(tx, rep):
        return result.reply(
            f"{rep.display_name} already has {MAX_OPEN} open commitments, the most I keep for one person, "
            f"so I can't add this one. Nothing was saved. They can make room: {MAKE_ROOM}"
        )
    parsed = parse_commitment(body, local_today(rep, now).date())
    if isinstance(parsed, ParseProblem):
        return result.reply(parsed.message())
    commitment = await offer(tx, manager, rep, body, parsed, now)
    await queue(
        tx, rep,
        Message.text(
            f"{manager.display_name} logged a commitment from your coaching session for you: "
            f"“{commitment.title}”, {parsed.describe_when()}. It only counts if you accept it.",
            *answer_buttons(commitment),
        ),
        now, key=proposal_key(commitment.id),
    )
    return result.reply(f"Sent to {rep.display_name} to accept: “{commitment.title}”, {parsed.describe_when()}.")


async def on_answer(tx: Tx, person: Person, answer: ProposalAnswer, now: datetime) -> Result:
    result = Result()
    commitment = await tx.commitments.get(answer.commitment_id)
    if commitment is None or commitment.person_id != person.id:
        return result.reply("That proposal isn't yours to answer. Nothing changed.")
    if commitment.status != CommitmentStatus.PROPOSED:
        return result.reply(f"You already answered that one: {describe_commitment(commitment)}.")
    proposer = await tx.people.get(commitment.proposed_by_id) if commitment.proposed_by_id else None
    commitment.updated_at = now
    if answer.choice == ProposalChoice.ACCEPT:
        commitment.status = CommitmentStatus.ACTIVE
        await reschedule.reschedule(tx, person, now)
        text = (
            f"Accepted: #{commitment.seq} {commitment.title}, {describe_when(commitment.cadence, commitment.due_date)}. "
            f"I'll ask about it at your check-ins. To change it: `/accountability edit {commitment.seq} TEXT`."
        )
        verdict = "accepted"
    else:
        commitment.status = CommitmentStatus.DROPPED
        text = f"Declined: “{commitment.title}”. Nothing will be asked about it."
        verdict = "declined"
    if proposer is not None:
        await queue(tx, proposer, Message.text(f"{person.display_name} {verdict} “{commitment.title}”."), now)
    return result.reply(text)
