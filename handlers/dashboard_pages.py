"""The dashboard's pages, gathered and shaped in the core: the access check first (one place,
`dashboard_access.may_see`), then read-only repository reads, then plain values the web
front renders. A page the viewer may not see is `None`: the front answers 403 and shows nothing.

Usage::

    view = await rep_view(store, viewer, target_id, days, now)   # RepView | None
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from handlers import reschedule
from handlers.dashboard_access import Page, Reach, Viewer, Who, may_see, reach_of
from storage.models import Person
from storage.repositories.dashboard import CheckInFact
from storage.states import CheckInStatus, CommitmentStatus
from storage.store import Store, Tx

PERIODS = (30, 90)
STATUS_LABELS = {
    CheckInStatus.YES: "Yes", CheckInStatus.NO: "No", CheckInStatus.NO_ANSWER: "No answer",
    CheckInStatus.VOID: "Void", CheckInStatus.PENDING: "Waiting",
}
CHART_STATUSES = (CheckInStatus.YES, CheckInStatus.NO, CheckInStatus.NO_ANSWER, CheckInStatus.VOID)
COMMITMENT_STATES = {
    CommitmentStatus.ACTIVE: "active", CommitmentStatus.PAUSED: "paused", CommitmentStatus.DONE: "done",
    CommitmentStatus.DROPPED: "dropped", CommitmentStatus.PROPOSED: "proposed",
}


def period(raw: str | None) -> int:
    """The `?days=` filter: one of PERIODS, else the first."""
    return int(raw) if raw in {str(p) for p in PERIODS} else PERIODS[0]


@dataclass(frozen=True)
class Nav:
    """What the viewer can open from any page."""

    viewer_id: int
    viewer_name: str
    has_team: bool
    teams: list[tuple[int, str]]
    """Team pages of the managers under a leader: (manager id, name)."""


@dataclass(frozen=True)
class Access:
    viewer: Person
    target: Person
    reach: Reach


def _who(person: Person) -> Who:
    return Who(person.id, person.platform, person.workspace_id)


async def check(tx: Tx, signed_in: Viewer, target_id: int, page: Page) -> Access | None:
    """The viewer and the page's person, if the viewer may see that page; else None."""
    viewer = await tx.dashboard.person(signed_in.person_id)
    target = await tx.dashboard.person(target_id)
    if viewer is None or target is None or viewer.created_at > signed_in.signed_in_at:
        return None
    reach = await reach_of(tx, viewer.id)
    return Access(viewer, target, reach) if may_see(_who(viewer), _who(target), page, reach) else None


async def nav_of(tx: Tx, access: Access) -> Nav:
    names = await tx.dashboard.people(access.reach.teams.keys())
    teams = sorted(((m, names[m].display_name) for m in access.reach.teams if m in names), key=lambda t: t[1])
    return Nav(access.viewer.id, access.viewer.display_name, bool(access.reach.reps), teams)


async def home(store: Store, viewer: Viewer) -> tuple[Nav, Person] | None:
    """The signed-in person's start: who they are and what they can open."""
    async with store.reading() as tx:
        access = await check(tx, viewer, viewer.person_id, Page.REP)
        return (await nav_of(tx, access), access.viewer) if access is not None else None


def zone(person: Person) -> ZoneInfo:
    return reschedule.zone(person)


def local_days(person: Person, now: datetime, days: int) -> list[date]:
    today = now.astimezone(zone(person)).date()
    return [today - timedelta(days=n) for n in range(days - 1, -1, -1)]


def day_of(fact: CheckInFact, tz: ZoneInfo) -> date:
    return fact.due_at.astimezone(tz).date()


def short_date(when: datetime | date, tz: ZoneInfo | None = None) -> str:
    value = when.astimezone(tz).date() if isinstance(when, datetime) else when
    return value.isoformat()

