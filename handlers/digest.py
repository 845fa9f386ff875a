"""The manager's digest: who needs help with what, follow-through rates and trends, streaks."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from handlers import reschedule
from handlers.contract.messages import Message
from handlers.contract.outcomes import Result
from handlers.current_terms import spec_of
from handlers.delivery import queue
from handlers.rules import tone
from handlers.rules.due_times import local_date_of
from handlers.rules.terms_text import read_days, read_time
from storage.models import Commitment, Person, Terms
from storage.states import CheckInStatus
from storage.store import Store, Tx

WEEK = timedelta(days=7)
STALE = timedelta(days=1)
"""A digest more than this late is not sent; the next one covers the week."""
BATCH = 200
"""Due digests taken per `send_due` call."""
GROUP = 50
"""Due managers whose digests are gathered by one set of batched reads."""
WEEKLY = "Your weekly digest."
NO_TEAM = "Digest: nobody has named you as their accountability partner yet."

Team = list[tuple[Person, Terms | None]]
"""A manager's reps, by name, each with their latest terms (None: the defaults)."""


def _rate(counts: Mapping[CheckInStatus, int], no_answer_is_miss: bool) -> tuple[int, int]:
    """(kept, counted) from one rep's settled check-ins by status. A void check-in stopped
    mattering: it is neither kept nor counted."""
    kept = counts.get(CheckInStatus.YES, 0)
    counted = kept + counts.get(CheckInStatus.NO, 0)
    if no_answer_is_miss:
        counted += counts.get(CheckInStatus.NO_ANSWER, 0)
    return kept, counted


async def build(tx: Tx, manager: Person, now: datetime, title: str = WEEKLY) -> Message:
    """The manager's digest as of `now`, in a fixed number of queries whatever the team's size."""
    team = (await tx.people.teams_of([manager.id])).get(manager.id)
    if not team:
        return Message.text(NO_TEAM)
    return (await _compose(tx, {manager.id: team}, now, title))[manager.id]


async def _compose(tx: Tx, teams: Mapping[int, Team], now: datetime, title: str) -> dict[int, Message]:
    """The digest of each manager's (non-empty) team. Each query covers every rep of every team
    at once, so their number depends neither on the teams' sizes nor on how many there are."""
    rep_ids = sorted({rep.id for team in teams.values() for rep, _ in team})
    if not rep_ids:
        return {}
    this_week, last_week = await tx.checkins.settled_counts_for(rep_ids, [(now - WEEK, now), (now - 2 * WEEK, now - WEEK)])
    commitments = await tx.commitments.active_of(rep_ids)
    notes = await tx.checkins.latest_notes([c.id for cs in commitments.values() for c in cs if c.miss_run >= 1])
    return {
        manager_id: _digest(team, title, this_week, last_week, commitments, notes) for manager_id, team in teams.items()
    }


def _digest(
    team: Team,
    title: str,
    this_week: Mapping[int, Mapping[CheckInStatus, int]],
    last_week: Mapping[int, Mapping[CheckInStatus, int]],
    commitments: Mapping[int, list[Commitment]],
    notes: Mapping[int, str],
) -> Message:
    """One team's digest from what was read: check-in counts by rep and status for the last
    7 days and the 7 before, active commitments by rep, the latest note by commitment."""
    needs_help: list[str] = []
    needing: list[str] = []
    praise: list[str] = []
    rates: list[str] = []
    for rep, terms in team:
        no_answer_is_miss = spec_of(terms).no_answer_is_miss
        kept, counted = _rate(this_week.get(rep.id, {}), no_answer_is_miss)
        prev_kept, prev_counted = _rate(last_week.get(rep.id, {}), no_answer_is_miss)
        rate = f"{kept}/{counted}" if counted else "no check-ins"
        trend = ""
        if counted and prev_counted:
            delta = kept / counted - prev_kept / prev_counted
            trend = " ↑" if delta > 0.05 else " ↓" if delta < -0.05 else " →"
        void = this_week.get(rep.id, {}).get(CheckInStatus.VOID, 0)
        rates.append(f"{rep.display_name} {rate}{trend}" + (f" ({void} void, not counted)" if void else ""))
        if not rep.reachable:
            needs_help.append(
                f"• {rep.display_name} can't be reached by Follow-Through (the app was removed or blocked); "
                "check in with them directly."
            )
        for c in commitments.get(rep.id, []):
            if c.miss_run >= 1:
                last_note = notes.get(c.id)
                words = f" In their words: “{last_note}”" if last_note else ""
                needs_help.append(f"• {rep.display_name}: “{c.title}”, missed {c.miss_run} in a row.{words}")
                needing.append(rep.display_name)
            elif c.yes_run >= 3:
                praise.append(f"• {rep.display_name}: “{c.title}”, {c.yes_run} in a row.")
    summary = "Follow-through, last 7 days: " + ", ".join(rates) + "."
    if not needs_help:
        text = f"{title} All on track. {summary}"
        if praise:
            text += "\nWorth praising:\n" + "\n".join(praise)
        return Message.text(text)
    lines = [f"{title} Needs your help:", *needs_help]
    if praise:
        lines += ["Worth praising:", *praise]
    lines.append(summary)
    lines.append("Coaching prompt: " + tone.coaching_prompt(len(needs_help), needing[0] if needing else "them"))
    return Message(sections=(Message.text("\n".join(lines)).sections[0],), summary=lines[0])


async def set_cadence(manager: Person, text: str, now: datetime) -> Result:
    """`digest off`, `digest on`, or `digest friday 16:00`: when the manager's weekly digest comes."""
    low = text.strip().lower()
    if low == "off":
        manager.digest_enabled = False
        manager.digest_next_at = None
        return Result().reply("Weekly digest off. `/accountability digest` still shows it any time; `digest on` brings it back.")
    if low != "on":
        days = read_days(low)
        at = read_time(low)
        if days is None or len(days) != 1 or at is None:
            return Result().reply(
                "I didn't understand that. Name one day and a time, like `/accountability digest monday 08:00`, "
                "or `digest off` / `digest on`. Nothing changed."
            )
        manager.digest_weekday = next(iter(days))
        manager.digest_time = f"{at:%H:%M}"
    manager.digest_enabled = True
    next_at = reschedule.next_digest_after(manager, now)
    manager.digest_next_at = next_at
    when = reschedule.describe_instant(next_at, manager) if next_at else "weekly"
    return Result().reply(f"Your digest comes {when} and weekly after that.")


async def show(tx: Tx, manager: Person, now: datetime, title: str) -> Result:
    message = await build(tx, manager, now, title)
    return Result().reply(message.plain_text)


async def send_due(store: Store, now: datetime) -> int:
    """Queue the digest of every manager whose digest time has come (each once per slot); a
    batch per call. The digests of a group of managers are read together; each is then queued
    in its own transaction, which first moves the manager's slot (so two ticks never both send).
    A manager nobody names as partner any more gets nothing, and no further digest is scheduled
    until someone names them again (`partners.name_partner` sets it)."""
    sent = 0
    async with store.reading() as tx:
        due = await tx.people.due_for_digest(now, BATCH)
    for start in range(0, len(due), GROUP):
        group = due[start:start + GROUP]
        async with store.reading() as tx:
            teams = await tx.people.teams_of([person_id for person_id, expected in group if now - expected <= STALE])
            digests = await _compose(tx, teams, now, WEEKLY)
        for person_id, expected in group:
            if await _send_one(store, person_id, expected, digests.get(person_id), now):
                sent += 1
    return sent


async def _send_one(store: Store, person_id: int, expected: datetime, message: Message | None, now: datetime) -> bool:
    """Move one manager's digest slot on from `expected` and queue `message` (None: it was not
    composed, because the digest is stale or nobody named them when the group was read)."""
    async with store.transaction() as tx:
        manager = await tx.people.get(person_id)
        if manager is None:
            return False
        next_at = reschedule.next_digest_after(manager, now)
        # Moving the slot first takes the manager's row lock before their team is read again.
        if not await tx.people.move_next_digest(person_id, expected, next_at):
            return False
        if message is None:
            team = (await tx.people.teams_of([person_id])).get(person_id)
            if not team:
                if next_at is not None:
                    await tx.people.move_next_digest(person_id, next_at, None)
                return False
            if now - expected > STALE:
                return False
            message = (await _compose(tx, {person_id: team}, now, WEEKLY))[person_id]
        local_day = local_date_of(expected, reschedule.zone(manager))
        return await queue(tx, manager, message, now, once=f"digest:{manager.id}:{local_day.isoformat()}")
