"""The leader's dashboard page: for each manager who named the leader as their partner, the
coaching report's figures for the chosen period (follow-through and its trend, escalations
followed up within three working days, sessions per rep per month, the coaching-cadence label,
practice turnaround, ...), the same figures `python app.py report` prints, and as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from handlers.dashboard_access import Page, Viewer
from handlers.dashboard_pages import Nav, check, nav_of
from handlers.report import LeaderReport, cadence, figures, months_in, total
from handlers.report_format import COLUMNS, as_csv, row
from storage.store import Store


@dataclass(frozen=True)
class LeaderView:
    nav: Nav
    leader_id: int
    name: str
    days: int
    since: datetime
    until: datetime
    headers: list[str]
    rows: list[list[str]]
    """One per manager, then all their teams together: the report's columns, as shown."""
    chart: dict[str, Any]
    csv: str
    """Exactly the table: the report's CSV of these managers."""


def _shown(value: object) -> str:
    return "" if value is None else str(value)


async def leader_view(store: Store, viewer: Viewer, leader_id: int, days: int, now: datetime) -> LeaderView | None:
    """The leader's page for [now - days, now), or None when `viewer` may not see it."""
    since = now - timedelta(days=days)
    async with store.reading() as tx:
        access = await check(tx, viewer, leader_id, Page.LEADER)
        if access is None:
            return None
        nav = await nav_of(tx, access)
        managers = sorted(access.reach.teams)
        counts = await tx.report.counts(since, now, managers) if managers else []
    months = months_in(since, now)
    report = LeaderReport(
        since=since, until=now,
        managers=[figures(c, months, cadence(c, months)) for c in counts],
        all_teams=figures(total(counts), months, None),
    )
    shown = [*report.managers, report.all_teams]
    return LeaderView(
        nav=nav, leader_id=access.target.id, name=access.target.display_name, days=days, since=since, until=now,
        headers=[label for _, label in COLUMNS],
        rows=[[_shown(value) for value in row(f).values()] for f in shown],
        chart={
            "type": "bar", "percent": True, "labels": [f.name for f in report.managers],
            "datasets": [
                {"label": "Follow-through %", "data": [f.follow_through for f in report.managers]},
                {"label": "Previous period %", "data": [f.previous_follow_through for f in report.managers]},
                {"label": "Followed up in 3 working days %", "data": [f.followed_up_share for f in report.managers]},
            ],
        },
        csv=as_csv(report),
    )
