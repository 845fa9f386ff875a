"""Everything the digests of a batch of managers are made of, gathered by a fixed number of
batched reads (seven) whatever the number of managers or the size of their teams."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from handlers import digest_schedule
from handlers.current_terms import spec_of
from handlers.digest_schedule import Window
from handlers.rules.follow_through import SILENT_AFTER
from handlers.rules.terms_text import TermsSpec
from storage.coaching_models import FollowUp
from storage.models import Commitment, Notice, Person
from storage.states import CheckInStatus
from storage.store import Tx

StatusCounts = dict[CheckInStatus, int]


@dataclass(frozen=True)
class RepFacts:
    """One rep as their manager's digest sees them."""

    rep: Person
    spec: TermsSpec
    commitments: list[Commitment]
    """Active commitments, by number."""
    this: dict[int, StatusCounts]
    """Settled check-ins by commitment (any status, done and dropped ones too) in this period."""
    before: dict[int, StatusCounts]
    latest: list[CheckInStatus]
    """The rep's last settled check-ins' statuses (void left out), newest first."""


@dataclass(frozen=True)
class TeamFacts:
    """One manager's digest, unwritten: the periods, the reps, run notes and notices."""

    manager: Person
    this: Window
    before: Window
    reps: list[RepFacts]
    notes: Mapping[int, str]
    """The latest note of each commitment's ongoing run, by commitment id."""
    notices: list[tuple[Notice, FollowUp | None]] = field(default_factory=list)
    """This manager's wins since this period began and escalations of ongoing runs, oldest first."""


def _split(counts: Mapping[tuple[int, int], StatusCounts], person_id: int) -> dict[int, StatusCounts]:
    return {commitment_id: c for (pid, commitment_id), c in counts.items() if pid == person_id}


async def gather(tx: Tx, manager_ids: Collection[int], now: datetime) -> dict[int, TeamFacts]:
    """The facts for each of `manager_ids` somebody names as partner (the others are absent)."""
    managers = await tx.digest_facts.people(manager_ids)
    teams = await tx.people.teams_of(list(managers))
    if not teams:
        return {}
    periods = {manager_id: digest_schedule.periods(managers[manager_id], now) for manager_id in teams}
    windows = {rep.id: periods[manager_id] for manager_id, team in teams.items() for rep, _ in team}
    rep_ids = sorted(windows)
    this, before = await tx.digest_facts.counts_by_commitment(windows)
    active = await tx.commitments.active_of(rep_ids)
    latest = await tx.digest_facts.latest_statuses(rep_ids, SILENT_AFTER)
    slipping = [c.id for cs in active.values() for c in cs if c.escalated_in_run and c.miss_run > 0]
    notes = await tx.digest_facts.run_notes(slipping)
    since = min(this_window[0] for this_window, _ in periods.values())
    notices = await tx.digest_facts.notices(list(teams), since, slipping)
    found: dict[int, TeamFacts] = {}
    for manager_id, team in teams.items():
        reps = [
            RepFacts(rep, spec_of(terms), active.get(rep.id, []), _split(this, rep.id), _split(before, rep.id), latest.get(rep.id, []))
            for rep, terms in team
        ]
        this_window, before_window = periods[manager_id]
        mine = [(n, f) for n, f in notices if n.manager_id == manager_id]
        found[manager_id] = TeamFacts(managers[manager_id], this_window, before_window, reps, notes, mine)
    return found
