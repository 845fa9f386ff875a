"""Benchmark: every manager's digest and the leader report on a big coaching history, on SQLite.

Seeds a throwaway SQLite file (bulk core inserts, explicit ids): `--managers` managers with
`--team` reps each and `--days` days of weekday check-ins (one commitment per rep), plus what
coaching leaves behind, varied by manager so that every cadence shows up: coaching sessions
(and the actions agreed in them, with their own check-ins), escalations with their follow-ups
(some acted on in time, some late, some never), practice requests with feedback, and kudos.
Then it builds every digest with the digest's batch builder (`digest.build_many`, in batches)
and the leader report for the last 28 days, and prints seconds and the peak memory of the process.

    .venv/bin/python benchmarks/coaching.py [--managers 1000] [--team 10] [--days 90]

Targets: all digests under 10 s, the report under 5 s, peak memory under 500 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from handlers import digest, report  # noqa: E402
from storage.coaching_models import CoachingSession, FollowUp, Kudos, PracticeRequest  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import CheckIn, Commitment, ManagerLink, Notice, Person  # noqa: E402
from storage.store import Store  # noqa: E402

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin
STATUSES = ["yes"] * 14 + ["no"] * 3 + ["no_answer"] * 2 + ["void"]
MANAGERS_PER_CHUNK = 50
DIGEST_BATCH = 200
TABLES: tuple[tuple[str, Any], ...] = (
    ("person", Person), ("link", ManagerLink), ("session", CoachingSession), ("commitment", Commitment),
    ("checkin", CheckIn), ("notice", Notice), ("follow_up", FollowUp), ("practice", PracticeRequest), ("kudos", Kudos),
)


class Ids:
    """Explicit ids per table, so no row is read back while seeding."""

    def __init__(self) -> None:
        self.last: Counter[str] = Counter()

    def next(self, table: str) -> int:
        self.last[table] += 1
        return self.last[table]


def _person(pid: int, name: str) -> dict[str, Any]:
    return dict(id=pid, platform="bench", workspace_id="T1", user_id=f"U{pid}", display_name=name, tz="Europe/Berlin",
                created_at=NOW - timedelta(days=120), reachable=True, greeted=True, digest_next_at=NOW,
                digest_weekday=0, digest_time="08:00", digest_enabled=True)


def _checkins(rows: dict[str, list[dict[str, Any]]], rng: random.Random, commitment_id: int, slots: list[datetime]) -> None:
    for slot in slots:
        status = rng.choice(STATUSES)
        rows["checkin"].append(dict(commitment_id=commitment_id, period=f"{slot:%Y-%m-%d}", due_at=slot, closes_at=slot + timedelta(hours=7),
                                    status=status, settled_at=slot + timedelta(hours=1), note=None, awaiting_note=False,
                                    awaiting_nudge=False, recovered=False))


def _commitment(ids: Ids, rep_id: int, seq: int, title: str, session_id: int | None) -> dict[str, Any]:
    return dict(id=ids.next("commitment"), person_id=rep_id, seq=seq, text=title, title=title, cadence="days:0,1,2,3,4",
                status="active", created_at=NOW - timedelta(days=100), updated_at=NOW - timedelta(days=1), session_id=session_id)


def _coaching(rows: dict[str, list[dict[str, Any]]], rng: random.Random, ids: Ids, style: int, manager_id: int, rep_id: int,
              slots: list[datetime]) -> None:
    """What one rep's coaching left behind: style 0 coaches every three weeks and follows up every
    escalation within two days; 1 coaches every six weeks and follows up late or not at all; 2 never."""
    session_days = {0: range(3, 90, 21), 1: range(10, 90, 45), 2: range(0)}[style]
    for day in session_days:
        when = NOW - timedelta(days=day, hours=rng.randint(0, 8))
        session_id = ids.next("session")
        rows["session"].append(dict(id=session_id, rep_id=rep_id, manager_id=manager_id, topic="pipeline review", created_at=when))
        action = _commitment(ids, rep_id, 10 + day, "call the champion", session_id)
        rows["commitment"].append(action)
        _checkins(rows, rng, action["id"], [s for s in slots if when < s < when + timedelta(days=14)])
    for day in range(5, 90, 30):
        when = NOW - timedelta(days=day)
        notice_id = ids.next("notice")
        rows["notice"].append(dict(id=notice_id, rep_id=rep_id, manager_id=manager_id, kind="escalation", commitment_id=None,
                                   text="missed twice", created_at=when))
        if style == 0:
            acted: datetime | None = when + timedelta(days=rng.choice((1, 2)))
        else:
            acted = when + timedelta(days=rng.choice((1, 2, 6))) if style == 1 and rng.random() < 0.8 else None
        rows["follow_up"].append(dict(id=ids.next("follow_up"), notice_id=notice_id, rep_id=rep_id, manager_id=manager_id, created_at=when,
                                      due_at=when + timedelta(days=4), action="session" if acted and style == 0 else ("promised" if acted else None),
                                      acted_at=acted, reminded_at=None if acted else when + timedelta(days=4),
                                      verdict=rng.choice(("as_asked", "not_as_asked")) if acted else None, verdict_at=acted))
    if style != 2:
        asked = NOW - timedelta(days=rng.randint(1, 80))
        rows["practice"].append(dict(id=ids.next("practice"), rep_id=rep_id, manager_id=manager_id, skill="discovery questions",
                                     status="reviewed", created_at=asked, responded_at=asked + timedelta(hours=5),
                                     rating=4, feedback_at=asked + timedelta(hours=5 + rng.randint(1, 48))))
        rows["kudos"].append(dict(id=ids.next("kudos"), rep_id=rep_id, manager_id=manager_id, created_at=NOW - timedelta(days=rng.randint(1, 80))))


def chunks(managers: int, team: int, days: int, seed: int = 11) -> Iterator[dict[str, list[dict[str, Any]]]]:
    """The rows of every team, `MANAGERS_PER_CHUNK` managers at a time (memory stays flat)."""
    rng = random.Random(seed)
    ids = Ids()
    slots = [s for s in (NOW.replace(hour=15, minute=30) - timedelta(days=d) for d in range(days, 0, -1)) if s.weekday() < 5]
    for first in range(0, managers, MANAGERS_PER_CHUNK):
        rows: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in TABLES}
        for m in range(first, min(first + MANAGERS_PER_CHUNK, managers)):
            manager_id = m + 1
            rows["person"].append(_person(manager_id, f"Manager {m:04}"))
            for r in range(team):
                rep_id = managers + m * team + r + 1
                rows["person"].append(_person(rep_id, f"Rep {rep_id}"))
                rows["link"].append(dict(rep_id=rep_id, manager_id=manager_id, status="active", created_at=NOW - timedelta(days=100)))
                calls = _commitment(ids, rep_id, 1, "20 calls", None)
                rows["commitment"].append(calls)
                _checkins(rows, rng, calls["id"], slots)
                _coaching(rows, rng, ids, m % 3, manager_id, rep_id, slots)
        yield rows


async def populate(engine: AsyncEngine, managers: int, team: int, days: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    for rows in chunks(managers, team, days):
        async with engine.begin() as conn:
            await conn.exec_driver_sql("PRAGMA synchronous = OFF")  # a throwaway file: no fsync per chunk
            for name, model in TABLES:
                if rows[name]:
                    await conn.execute(insert(model), rows[name])
                    counts[name] += len(rows[name])
    return counts


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


async def main(managers: int, team: int, days: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/coaching.db"
        await asyncio.to_thread(upgrade, url)
        engine = make_engine(url)
        started = time.perf_counter()
        counts = await populate(engine, managers, team, days)
        seeded = time.perf_counter() - started
        print(f"seeded in {seeded:.1f} s: " + ", ".join(f"{n:,} {name}" for name, n in counts.items()))
        print(f"peak memory after seeding: {peak_mb():.0f} MB")
        store = Store(make_sessionmaker(engine))

        started, cpu = time.perf_counter(), time.process_time()
        built = 0
        async with store.reading() as tx:
            ids = list(range(1, managers + 1))
            for first in range(0, managers, DIGEST_BATCH):
                built += len(await digest.build_many(tx, ids[first:first + DIGEST_BATCH], NOW))
        digests, digests_cpu = time.perf_counter() - started, time.process_time() - cpu
        print(f"digests: {built:,} built in {digests:.2f} s (target < 10 s; {digests_cpu:.2f} s of CPU), batches of {DIGEST_BATCH}")

        started, cpu = time.perf_counter(), time.process_time()
        leader = await report.build(store, NOW - report.DEFAULT_PERIOD, NOW)
        reported, reported_cpu = time.perf_counter() - started, time.process_time() - cpu
        labels = Counter(f.cadence for f in leader.managers)
        print(f"report: {len(leader.managers):,} managers in {reported:.2f} s (target < 5 s; {reported_cpu:.2f} s of CPU); "
              f"cadence {dict(sorted((str(k), v) for k, v in labels.items()))}; "
              f"all teams follow-through {leader.all_teams.follow_through} % (trend {leader.all_teams.trend} points)")
        print(f"peak memory: {peak_mb():.0f} MB (target < 500 MB)")
        await engine.dispose()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--managers", type=int, default=1000)
    parser.add_argument("--team", type=int, default=10)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()
    asyncio.run(main(args.managers, args.team, args.days))
