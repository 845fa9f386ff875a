"""The rep's dashboard page: their terms with every version, their commitments with a per-day
calendar of Yes / No / no answer / void and their streaks, everything their partner was told,
their coaching sessions with the actions agreed, and the feedback on their practice."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers.commitments import describe_commitment
from handlers.current_terms import spec_of
from handlers.dashboard_access import Page, Viewer
from handlers.dashboard_pages import (
    CHART_STATUSES,
    COMMITMENT_STATES,
    STATUS_LABELS,
    Nav,
    check,
    day_of,
    local_days,
    nav_of,
    short_date,
    zone,
)
from handlers.practice_feedback import describe_feedback
from handlers.rules.terms_text import describe
from storage.repositories.dashboard import CheckInFact
from storage.states import CheckInStatus, CommitmentStatus, PracticeStatus
from storage.store import Store


@dataclass(frozen=True)
class CommitmentRow:
    number: int
    title: str
    line: str
    state: str
    streak: int
    """Yes in a row right now."""
    best_streak: int
    """The longest run of Yes in the period."""
    misses_in_a_row: int
    kept: int
    counted: int


@dataclass(frozen=True)
class HeatRow:
    title: str
    cells: list[tuple[str, str]]
    """Per day: (status key for the colour, the words shown)."""


@dataclass(frozen=True)
class RepView:
    nav: Nav
    person_id: int
    name: str
    zone: str
    days: int
    terms: list[tuple[int, str, str]]
    """(version, from, in plain words), newest first; empty: the defaults apply."""
    default_terms: str
    commitments: list[CommitmentRow]
    day_labels: list[str]
    heat: list[HeatRow]
    chart: dict[str, Any]
    told: list[tuple[str, str, str]]
    sessions: list[tuple[str, str, list[str]]]
    practice: list[tuple[str, str, str]]


def _streaks(facts: list[CheckInFact]) -> int:
    best = current = 0
    for fact in facts:
        if fact.status is CheckInStatus.YES:
            current += 1
            best = max(best, current)
        elif fact.status in (CheckInStatus.NO, CheckInStatus.NO_ANSWER):
            current = 0
    return best


def _chart(labels: list[str], facts: list[CheckInFact], tz: Any) -> dict[str, Any]:
    per_day: dict[str, Counter[CheckInStatus]] = {}
    for fact in facts:
        per_day.setdefault(short_date(day_of(fact, tz)), Counter())[fact.status] += 1
    return {
        "type": "bar",
        "labels": labels,
        "datasets": [
            {"label": STATUS_LABELS[s], "key": s.value, "data": [per_day.get(d, Counter())[s] for d in labels]}
            for s in CHART_STATUSES
        ],
        "stacked": True,
    }


async def rep_view(store: Store, viewer: Viewer, target_id: int, days: int, now: datetime) -> RepView | None:
    """The rep's page as `viewer` may see it, or None when they may not."""
    async with store.reading() as tx:
        access = await check(tx, viewer, target_id, Page.REP)
        if access is None:
            return None
        person, nav = access.target, await nav_of(tx, access)
        tz = zone(person)
        day_list = local_days(person, now, days)
        start = datetime.combine(day_list[0], datetime.min.time(), tz)
        facts = await tx.dashboard.checkins([person.id], start, now + timedelta(days=1))
        commitments = await tx.dashboard.commitments([person.id])
        versions = await tx.dashboard.terms_versions(person.id)
        told = await tx.dashboard.notices_about(person.id, 50)
        sessions = await tx.dashboard.sessions([person.id], start)
        actions = await tx.dashboard.actions([s.id for s in sessions])
        practice = await tx.dashboard.practice(person.id, 20)
        partners = await tx.dashboard.people({s.manager_id for s in sessions})
    labels = [short_date(d) for d in day_list]
    by_commitment: dict[int, list[CheckInFact]] = {}
    for fact in facts:
        by_commitment.setdefault(fact.commitment_id, []).append(fact)
    rows, heat = [], []
    for c in commitments:
        mine = by_commitment.get(c.id, [])
        counted = [f for f in mine if f.status in (CheckInStatus.YES, CheckInStatus.NO, CheckInStatus.NO_ANSWER)]
        if not mine and c.status in (CommitmentStatus.DONE, CommitmentStatus.DROPPED):
            continue
        rows.append(CommitmentRow(
            c.seq, c.title, describe_commitment(c), COMMITMENT_STATES[c.status], c.yes_run, _streaks(mine), c.miss_run,
            sum(1 for f in counted if f.status is CheckInStatus.YES), len(counted),
        ))
        on_day = {short_date(day_of(f, tz)): f.status for f in mine}
        heat.append(HeatRow(f"#{c.seq} {c.title}", [
            (on_day[d].value, STATUS_LABELS[on_day[d]]) if d in on_day else ("none", "") for d in labels
        ]))
    return RepView(
        nav=nav, person_id=person.id, name=person.display_name, zone=tz.key, days=days,
        terms=[(t.version, short_date(t.created_at, tz), describe(spec_of(t))) for t in versions],
        default_terms=describe(spec_of(None)),
        commitments=rows, day_labels=labels, heat=heat, chart=_chart(labels, facts, tz),
        told=[(short_date(n.created_at, tz), n.kind.value, n.text) for n in told],
        sessions=[
            (short_date(s.created_at, tz), f"{s.topic} (with {partners[s.manager_id].display_name})" if s.manager_id in partners else s.topic,
             [f"{a.title} ({COMMITMENT_STATES[a.status]})" for a in actions if a.session_id == s.id])
            for s in sessions
        ],
        practice=[
            (short_date(p.created_at, tz), p.skill,
             "waiting for your answer" if p.status is PracticeStatus.REQUESTED else describe_feedback(p) if p.rating or p.feedback_note else "answered, waiting for feedback")
            for p in practice
        ],
    )
