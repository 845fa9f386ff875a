"""The manager's dashboard page: the team's follow-through week by week (a line per rep), who
needs help now (ongoing runs of misses), each escalation and how soon it was followed up, the
coaching sessions and the actions agreed, and the kudos sent, over the chosen period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers.dashboard_access import Page, Viewer
from handlers.dashboard_pages import (
    COMMITMENT_STATES,
    Nav,
    check,
    nav_of,
    short_date,
    zone,
)
from storage.states import CheckInStatus, CommitmentStatus, FollowUpAction
from storage.store import Store

COUNTED = (CheckInStatus.YES, CheckInStatus.NO, CheckInStatus.NO_ANSWER)
ACTIONS = {FollowUpAction.PROMISED: "said they'd follow up", FollowUpAction.SESSION: "logged a session"}


@dataclass(frozen=True)
class TeamView:
    nav: Nav
    manager_id: int
    name: str
    days: int
    reps: list[tuple[int, str]]
    week_labels: list[str]
    rates: list[tuple[str, list[tuple[int, int]]]]
    """Per rep: (name, per week (kept, counted))."""
    chart: dict[str, Any]
    needs_help: list[tuple[str, str, int]]
    """(rep, commitment, misses in a row), longest run first."""
    escalations: list[tuple[str, str, str, str, str]]
    """(date, rep, what they were told, what was done and when, "in time" / "late" / "open")."""
    sessions: list[tuple[str, str, str, list[str]]]
    kudos: list[tuple[str, str, str]]


def _percent(kept: int, counted: int) -> float | None:
    return round(100 * kept / counted, 1) if counted else None


def _hours(start: datetime, end: datetime) -> str:
    hours = (end - start).total_seconds() / 3600
    return f"{hours:.0f} h" if hours < 48 else f"{hours / 24:.1f} days"


async def team_view(store: Store, viewer: Viewer, manager_id: int, days: int, now: datetime) -> TeamView | None:
    """The manager's page as `viewer` may see it, or None when they may not."""
    async with store.reading() as tx:
        access = await check(tx, viewer, manager_id, Page.TEAM)
        if access is None:
            return None
        manager, nav = access.target, await nav_of(tx, access)
        links = await tx.dashboard.chain(manager.id)
        rep_ids = sorted({rep for rep, partner in links if partner == manager.id})
        people = await tx.dashboard.people(rep_ids)
        start = now - timedelta(days=days)
        facts = await tx.dashboard.checkins(rep_ids, start, now + timedelta(days=1))
        commitments = await tx.dashboard.commitments(rep_ids)
        escalations = await tx.dashboard.escalations(manager.id, start)
        sessions = await tx.dashboard.sessions(rep_ids, start, manager.id)
        actions = await tx.dashboard.actions([s.id for s in sessions])
        kudos = await tx.dashboard.kudos_sent(manager.id, start)
        named = await tx.dashboard.people({n.rep_id for n, _ in escalations} | {k.rep_id for k in kudos})
    names = {**named, **people}
    tz = zone(manager)
    weeks = [start + timedelta(days=7 * n) for n in range((days + 6) // 7)]
    reps = sorted(((r, people[r].display_name) for r in rep_ids if r in people), key=lambda r: r[1])
    tally: dict[int, list[list[int]]] = {r: [[0, 0] for _ in weeks] for r, _ in reps}
    for fact in facts:
        if fact.status in COUNTED and fact.person_id in tally:
            week = min(int((fact.due_at - start).total_seconds() // (7 * 86400)), len(weeks) - 1)
            tally[fact.person_id][week][1] += 1
            tally[fact.person_id][week][0] += fact.status is CheckInStatus.YES
    labels = [f"week of {short_date(w, tz)}" for w in weeks]
    rates = [(name, [(k, c) for k, c in tally[r]]) for r, name in reps]
    chart = {
        "type": "line", "labels": labels, "percent": True,
        "datasets": [{"label": name, "data": [_percent(k, c) for k, c in weeks_]} for name, weeks_ in rates],
    }
    runs = [c for c in commitments if c.status is CommitmentStatus.ACTIVE and c.miss_run > 0]
    follow: list[tuple[str, str, str, str, str]] = []
    for notice, owed in escalations:
        rep = names[notice.rep_id].display_name if notice.rep_id in names else "someone who left"
        if owed is None or owed.action is None or owed.acted_at is None:
            state = "late" if owed is not None and owed.due_at < now else "open"
            done = f"not yet (due {short_date(owed.due_at, tz)})" if owed is not None else "not yet"
        else:
            state = "in time" if owed.acted_at <= owed.due_at else "late"
            done = f"{ACTIONS[owed.action]} after {_hours(notice.created_at, owed.acted_at)}"
        follow.append((short_date(notice.created_at, tz), rep, notice.text.split("\n", 1)[0], done, state))
    return TeamView(
        nav=nav, manager_id=manager.id, name=manager.display_name, days=days, reps=reps,
        week_labels=labels, rates=rates, chart=chart,
        needs_help=sorted(
            ((people[c.person_id].display_name, f"#{c.seq} {c.title}", c.miss_run) for c in runs if c.person_id in people),
            key=lambda row: (-row[2], row[0]),
        ),
        escalations=follow,
        sessions=[
            (short_date(s.created_at, tz), names[s.rep_id].display_name if s.rep_id in names else "", s.topic,
             [f"{a.title} ({COMMITMENT_STATES[a.status]})" for a in actions if a.session_id == s.id])
            for s in sessions
        ],
        kudos=[(short_date(k.created_at, tz), names[k.rep_id].display_name if k.rep_id in names else "", k.note or "") for k in kudos],
    )
