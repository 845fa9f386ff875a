"""The leader report (`python app.py report`): per manager and across all teams, how coaching
is followed through, from the figures the database counted (`storage/repositories/report.py`).
This module decides what the counts mean: rates, trends and a coaching-cadence label per
manager from measured facts. `report_format.py` writes it as Markdown, CSV or JSON.

Cadence (after the coaching-maturity levels sales research uses):
- random: no coaching session in the period;
- formal: regular sessions (every rep on the team had at least one, and at least one per rep
  per 30 days of the period) whose agreed actions are followed up (at least one action with a
  settled check-in), and no escalation whose follow-up was missed;
- informal: sessions, but not both of those.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.repositories.report import ManagerCounts
from storage.store import Store, StoreUnavailable

MONTH_DAYS = 30
DEFAULT_PERIOD = timedelta(days=28)


class Cadence(StrEnum):
    RANDOM = "random"
    INFORMAL = "informal"
    FORMAL = "formal"


@dataclass(frozen=True)
class Figures:
    """What a row of the report says, for one manager or for all teams."""

    name: str
    user_id: str
    counts: ManagerCounts
    follow_through: float | None
    previous_follow_through: float | None
    trend: float | None
    followed_up_share: float | None
    sessions_per_rep_month: float | None
    action_follow_through: float | None
    feedback_hours: float | None
    as_asked_share: float | None
    cadence: Cadence | None


@dataclass(frozen=True)
class LeaderReport:
    since: datetime
    until: datetime
    managers: list[Figures]
    all_teams: Figures

    @property
    def previous_since(self) -> datetime:
        return self.since - (self.until - self.since)


def percent(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def months_in(since: datetime, until: datetime) -> float:
    return (until - since).total_seconds() / 86400 / MONTH_DAYS


def cadence(counts: ManagerCounts, months: float) -> Cadence:
    """The coaching cadence a manager's measured facts show (see the module's docstring)."""
    if counts.sessions == 0:
        return Cadence.RANDOM
    regular = counts.reps > 0 and counts.reps_with_session >= counts.reps and counts.sessions >= counts.reps * months
    followed_up = counts.actions_settled > 0 and counts.missed == 0
    return Cadence.FORMAL if regular and followed_up else Cadence.INFORMAL


def figures(counts: ManagerCounts, months: float, label: Cadence | None) -> Figures:
    now_rate = percent(counts.kept, counts.settled)
    before = percent(counts.prev_kept, counts.prev_settled)
    per_rep_month = round(counts.sessions / counts.reps / months, 2) if counts.reps and months > 0 else None
    hours = round(counts.feedback_seconds / counts.feedback_given / 3600, 1) if counts.feedback_given else None
    return Figures(
        name=counts.name, user_id=counts.user_id, counts=counts,
        follow_through=now_rate, previous_follow_through=before,
        trend=round(now_rate - before, 1) if now_rate is not None and before is not None else None,
        followed_up_share=percent(counts.followed_in_time, counts.escalations),
        sessions_per_rep_month=per_rep_month,
        action_follow_through=percent(counts.actions_kept, counts.actions_settled),
        feedback_hours=hours,
        as_asked_share=percent(counts.as_asked, counts.verdicts),
        cadence=label,
    )


def total(rows: list[ManagerCounts]) -> ManagerCounts:
    """All teams together: the sum of every manager's counts."""
    numbers = {
        name: sum(getattr(row, name) for row in rows)
        for name in ManagerCounts.__dataclass_fields__
        if name not in ("manager_id", "name", "user_id")
    }
    return ManagerCounts(manager_id=0, name="All teams", user_id="", **numbers)


class UnknownManager(LookupError):
    """`--team` named nobody who is a manager."""


async def build(store: Store, since: datetime, until: datetime, team: str | None = None) -> LeaderReport:
    """The report for [since, until), for every manager or for the one `team` names (display name or user id)."""
    async with store.reading() as tx:
        ids: list[int] | None = None
        if team is not None:
            ids = await tx.report.managers_matching(team)
            if not ids:
                raise UnknownManager(team)
        rows = await tx.report.counts(since, until, ids)
    months = months_in(since, until)
    return LeaderReport(
        since=since, until=until,
        managers=[figures(row, months, cadence(row, months)) for row in rows],
        all_teams=figures(total(rows), months, None),
    )


async def run(
    store: Store, now: datetime, since: datetime | None, until: datetime | None, team: str | None, fmt: str
) -> tuple[int, str]:
    """`python app.py report`: (exit status, what to print): the report, or what is wrong."""
    from handlers.report_format import render

    end = until or now
    start = since or end - DEFAULT_PERIOD
    if start >= end:
        return 2, f"--since ({start:%Y-%m-%d %H:%M}) must be before --until ({end:%Y-%m-%d %H:%M})\n"
    try:
        return 0, render(await build(store, start, end, team), fmt)
    except UnknownManager:
        return 2, f"no manager is called or has the user id “{team}”; a manager is someone a rep named\n"
    except StoreUnavailable as error:
        return 1, f"couldn't read the database ({error}); nothing was changed, please try again\n"
