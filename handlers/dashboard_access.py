"""Who may see which dashboard page, decided in one place for every request.

`may_see` is a pure function over ids: a rep sees their own page; a manager sees the pages of
the reps who named them (active links) and their own team page; a leader, whom managers named
as their partner, sees those managers' team pages and their reps' pages (rep -> manager ->
leader), and nobody else; a leader page is its leader's alone. Nobody sees anything of another
workspace or tenant. `reach_of` reads the ids it needs through the repositories."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from storage.store import Tx


class Page(StrEnum):
    REP = "rep"
    """One person's own page (their terms, commitments, check-ins)."""
    TEAM = "team"
    """A manager's page about the reps who named them."""
    LEADER = "leader"
    """A leader's page about the managers who named them (the coaching report for their teams)."""


@dataclass(frozen=True)
class Viewer:
    """Who is signed in, and since when (a person created after that is someone else who got
    a forgotten person's id, and is refused)."""

    person_id: int
    signed_in_at: datetime


@dataclass(frozen=True)
class Who:
    id: int
    platform: str
    workspace_id: str


@dataclass(frozen=True)
class Reach:
    """The people below a viewer: `reps` named them; `teams` maps each of those reps who is a
    manager in turn to the reps who named them."""

    reps: frozenset[int] = frozenset()
    teams: Mapping[int, frozenset[int]] = field(default_factory=dict)


def may_see(viewer: Who, target: Who, page: Page, reach: Reach) -> bool:
    if (viewer.platform, viewer.workspace_id) != (target.platform, target.workspace_id):
        return False
    if target.id == viewer.id:
        return True
    if page is Page.REP:
        return target.id in reach.reps or any(target.id in team for team in reach.teams.values())
    if page is Page.TEAM:
        return target.id in reach.teams
    return False


async def reach_of(tx: Tx, viewer_id: int) -> Reach:
    links = await tx.dashboard.chain(viewer_id)
    reps = frozenset(rep for rep, partner in links if partner == viewer_id)
    teams: dict[int, set[int]] = {}
    for rep, partner in links:
        if partner != viewer_id and partner in reps and rep != viewer_id:
            teams.setdefault(partner, set()).add(rep)
    return Reach(reps, {manager: frozenset(team) for manager, team in teams.items()})
