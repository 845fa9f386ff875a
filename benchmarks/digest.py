"""Benchmark: the manager's digest costs a fixed number of queries, whatever the team's size.

Builds teams in a throwaway SQLite file (weekday check-ins at 16:30 Berlin for the past `--days`
days, two commitments per rep, a mix of yes / no / no answer / void, notes on some misses; half
the reps chose terms), counts every statement with a `before_cursor_execute` listener on the
engine, and prints two tables:

(a) one manager per team size: queries for `digest.build` (seven reads, all of `digest.build_many`'s), queries for one digest sent by
    `digest.send_due` (finding it due, moving the slot, the digest, the outbox row), and time;
(b) `--managers` managers with `--team` reps each, all due at once: `digest.send_due` until
    nothing is left, with queries per digest and the seconds for all of them.

    .venv/bin/python benchmarks/digest.py [--sizes 1 10 50] [--managers 1000] [--team 10] [--days 90]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event, func, insert, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from handlers import digest  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import CheckIn, Commitment, ManagerLink, Outbox, Person, Terms  # noqa: E402
from storage.store import Store  # noqa: E402

NOW = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)  # Monday 08:00 in Berlin: every digest is due
CHUNK = 20_000
STATUSES = ["yes"] * 14 + ["no"] * 3 + ["no_answer"] * 2 + ["void"]


def _person(pid: int, name: str, due: bool) -> dict[str, Any]:
    return dict(id=pid, platform="bench", workspace_id="T1", user_id=f"U{pid}", display_name=name, tz="Europe/Berlin",
                created_at=NOW - timedelta(days=120), reachable=pid % 23 != 0, greeted=True,
                digest_next_at=NOW if due else None, digest_weekday=0, digest_time="08:00", digest_enabled=True)


def _runs(statuses: list[str]) -> tuple[int, int]:
    """(miss_run, yes_run) at the end of a commitment's history (void check-ins skipped)."""
    misses = yeses = 0
    for status in statuses:
        if status == "yes":
            misses, yeses = 0, yeses + 1
        elif status in ("no", "no_answer"):
            misses, yeses = misses + 1, 0
    return misses, yeses


def rows_for(managers: int, team: int, days: int, seed: int = 7) -> dict[str, list[dict[str, Any]]]:
    """Every row of `managers` teams of `team` reps, with explicit ids (no read-backs needed)."""
    rng = random.Random(seed)
    slots = [NOW.replace(hour=15, minute=30) - timedelta(days=d) for d in range(days, 0, -1)]
    slots = [s for s in slots if s.weekday() < 5]
    rows: dict[str, list[dict[str, Any]]] = {"person": [], "link": [], "terms": [], "commitment": [], "checkin": []}
    rows["person"] = [_person(m + 1, f"Manager {m}", True) for m in range(managers)]
    next_commitment = 1
    for m in range(managers):
        for r in range(team):
            rep_id = managers + m * team + r + 1
            rows["person"].append(_person(rep_id, f"Rep {r:03}", False))
            rows["link"].append(dict(rep_id=rep_id, manager_id=m + 1, status="active", created_at=NOW - timedelta(days=100)))
            if r % 2:
                rows["terms"].append(dict(person_id=rep_id, version=1, created_at=NOW - timedelta(days=100),
                                          checkin_days="0,1,2,3,4", checkin_time="16:30", tone="encouraging",
                                          reflect_on_miss=True, nudge_later=False, escalate_after=2,
                                          no_answer_is_miss=bool(r % 4 == 1), share_streak_every=5,
                                          share_oneoff_wins=True, support_words=None, followup_words=None))
            for seq, title in ((1, "20 calls"), (2, "update CRM")):
                statuses = [rng.choice(STATUSES) for _ in slots]
                miss_run, yes_run = _runs(statuses)
                rows["commitment"].append(dict(id=next_commitment, person_id=rep_id, seq=seq, text=title, title=title,
                                               cadence="days:0,1,2,3,4", status="active", created_at=NOW - timedelta(days=100),
                                               updated_at=NOW - timedelta(days=1), miss_run=miss_run, yes_run=yes_run,
                                               escalated_in_run=miss_run >= 2))
                for slot, status in zip(slots, statuses, strict=True):
                    note = "a client called" if status == "no" and rng.random() < 0.5 else None
                    rows["checkin"].append(dict(commitment_id=next_commitment, period=f"{slot:%Y-%m-%d}", due_at=slot,
                                                closes_at=slot + timedelta(hours=7), status=status, settled_at=slot + timedelta(hours=1),
                                                answered_at=slot + timedelta(minutes=5) if status in ("yes", "no") else None,
                                                note=note, awaiting_note=False, awaiting_nudge=False, recovered=False))
                next_commitment += 1
    return rows


async def populate(engine: AsyncEngine, managers: int, team: int, days: int) -> int:
    """Bulk-insert the teams with core `insert()`; returns the number of check-ins."""
    rows = rows_for(managers, team, days)
    async with engine.begin() as conn:
        for model, name in ((Person, "person"), (ManagerLink, "link"), (Terms, "terms"), (Commitment, "commitment"), (CheckIn, "checkin")):
            for start in range(0, len(rows[name]), CHUNK):
                await conn.execute(insert(model), rows[name][start:start + CHUNK])
    return len(rows["checkin"])


@contextmanager
def counting(engine: AsyncEngine) -> Iterator[list[str]]:
    """Every statement sent to the database while the block runs."""
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    event.listen(engine.sync_engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", record)


async def send_all(store: Store) -> int:
    """`digest.send_due` until every due digest is queued (it takes a batch per call)."""
    total = 0
    while sent := await digest.send_due(store, NOW):
        total += sent
    return total


async def one_team(url: str, size: int, days: int) -> tuple[int, int, float, int]:
    """(queries per build, queries per digest sent, ms per build, check-ins) for one team."""
    engine = make_engine(url)
    checkins = await populate(engine, 1, size, days)
    store = Store(make_sessionmaker(engine))
    async with store.reading() as tx:
        manager = await tx.people.get(1)
        assert manager is not None
        await digest.build(tx, manager, NOW)  # warm the statement cache
        with counting(engine) as built:
            started = time.perf_counter()
            await digest.build(tx, manager, NOW)
            build_ms = 1000 * (time.perf_counter() - started)
    with counting(engine) as sent:
        assert await digest.send_due(store, NOW) == 1
    await engine.dispose()
    return len(built), len(sent), build_ms, checkins


async def many_teams(url: str, managers: int, team: int, days: int) -> tuple[int, float, float, int]:
    """(queries, seconds to populate, seconds for every digest, check-ins) for `managers` teams."""
    engine = make_engine(url)
    started = time.perf_counter()
    checkins = await populate(engine, managers, team, days)
    populate_s = time.perf_counter() - started
    store = Store(make_sessionmaker(engine))
    with counting(engine) as statements:
        started = time.perf_counter()
        sent = await send_all(store)
        seconds = time.perf_counter() - started
    async with make_sessionmaker(engine)() as s:
        queued = int(await s.scalar(select(func.count()).select_from(Outbox)) or 0)
    await engine.dispose()
    if sent != managers or queued != managers:
        raise RuntimeError(f"expected {managers} digests, sent {sent}, queued {queued}")
    return len(statements), populate_s, seconds, checkins


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--managers", type=int, default=1000)
    parser.add_argument("--team", type=int, default=10)
    parser.add_argument("--days", type=int, default=90)
    args = parser.parse_args()

    print(f"(a) one manager, {args.days} days of weekday check-ins, 2 commitments per rep")
    print(f"{'reps':>6} {'check-ins':>10} {'queries/build':>14} {'queries/digest sent':>20} {'ms/build':>9}")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite+aiosqlite:///{tmp}/bench.db"
            await asyncio.to_thread(upgrade, url)
            built, sent, build_ms, checkins = await one_team(url, size, args.days)
        print(f"{size:>6} {checkins:>10} {built:>14} {sent:>20} {build_ms:>9.1f}")

    print(f"\n(b) {args.managers} managers x {args.team} reps x {args.days} days, every digest due at once (digest.send_due)")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await asyncio.to_thread(upgrade, url)
        queries, populate_s, seconds, checkins = await many_teams(url, args.managers, args.team, args.days)
    print(f"{'managers':>9} {'check-ins':>10} {'queries/digest':>15} {'all digests s':>14} {'ms/digest':>10} {'(populate s)':>13}")
    print(f"{args.managers:>9} {checkins:>10} {queries / args.managers:>15.2f} {seconds:>14.2f} "
          f"{1000 * seconds / args.managers:>10.2f} {populate_s:>13.1f}")


if __name__ == "__main__":
    asyncio.run(main())
