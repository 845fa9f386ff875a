"""Benchmark: the dashboard's pages for a team of 50 with 90 days of history, on SQLite.

Seeds a throwaway SQLite file (bulk core inserts): one manager with `--team` reps, two
commitments each and `--days` days of weekday check-ins, an escalation with its follow-up per
rep, a coaching session, a practice request (answered, rated) and kudos per rep each month,
and `--other-teams` other teams of 10 as background. A leader is the partner of the main
team's manager and of `--leader-teams` - 1 more managers with `--team` reps each. Serves the
real app (dashboard mounted) on 127.0.0.1, signs the manager and the leader in through sign-in
links, and times full HTTP requests (query, shaping, rendering) of the team page, a rep's page
and the leader page (and its CSV) at 30 and 90 days.

    .venv/bin/python benchmarks/dashboard.py [--team 50] [--days 90] [--other-teams 100] [--leader-teams 10] [--runs 20]

Target: every page under 300 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp  # noqa: E402
from aiohttp.test_utils import TestServer  # noqa: E402
from sqlalchemy import insert, select  # noqa: E402
from sqlalchemy.ext.asyncio import AsyncEngine  # noqa: E402

from app import build_web_app  # noqa: E402
from handlers.context import Context  # noqa: E402
from handlers.contract.ports import FixedClock  # noqa: E402
from handlers.dashboard_sign_in import SignInLinks  # noqa: E402
from settings import Settings  # noqa: E402
from storage.coaching_models import CoachingSession, FollowUp, Kudos, PracticeRequest  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import CheckIn, Commitment, ManagerLink, Notice, Outbox, Person  # noqa: E402
from storage.store import Store  # noqa: E402

NOW = datetime(2026, 11, 30, 17, 0, tzinfo=UTC)
SECRET = "benchmark-secret-" + "Zq8Lm2Xv7Pw4Nc9Rt1Yb6Hs3"
STATUSES = ["yes"] * 14 + ["no"] * 3 + ["no_answer"] * 2 + ["void"]
MODELS = (Person, ManagerLink, Commitment, CheckIn, Notice, FollowUp, CoachingSession, PracticeRequest, Kudos)


def seed_rows(team: int, days: int, other_teams: int, leader_teams: int) -> tuple[dict[type, list[dict[str, object]]], int, int]:
    """The rows to insert, by model, the main team's manager id and the leader's id."""
    rows: dict[type, list[dict[str, object]]] = {m: [] for m in MODELS}
    ids = {"person": 0, "commitment": 0, "checkin": 0, "notice": 0}
    start = NOW - timedelta(days=days)

    def person(name: str) -> int:
        ids["person"] += 1
        rows[Person].append({"id": ids["person"], "platform": "slack", "workspace_id": "T1", "user_id": f"U{ids['person']}",
                             "display_name": name, "tz": "Europe/Berlin", "created_at": start - timedelta(days=1)})
        return ids["person"]

    def a_team(size: int, label: str) -> int:
        manager = person(f"{label} manager")
        for r in range(size):
            rep = person(f"{label} rep {r}")
            rows[ManagerLink].append({"rep_id": rep, "manager_id": manager, "status": "active", "created_at": start})
            for seq in (1, 2):
                ids["commitment"] += 1
                cid = ids["commitment"]
                rows[Commitment].append({"id": cid, "person_id": rep, "seq": seq, "text": f"task {seq} every weekday",
                                         "title": f"task {seq}", "cadence": "weekdays", "status": "active",
                                         "created_at": start, "updated_at": start, "miss_run": (r + seq) % 3})
                for d in range(days):
                    due = start + timedelta(days=d)
                    if due.weekday() >= 5:
                        continue
                    status = STATUSES[(r * 7 + seq * 3 + d) % len(STATUSES)]
                    rows[CheckIn].append({"commitment_id": cid, "period": due.date().isoformat(), "due_at": due,
                                          "closes_at": due + timedelta(hours=8), "status": status, "settled_at": due + timedelta(hours=8)})
            ids["notice"] += 1
            told = start + timedelta(days=(r % days))
            rows[Notice].append({"id": ids["notice"], "rep_id": rep, "manager_id": manager, "kind": "escalation",
                                 "commitment_id": cid, "text": f"{label} rep {r} has missed task 2 2 times in a row", "created_at": told})
            acted = told + timedelta(hours=20 + r) if r % 3 else None
            rows[FollowUp].append({"notice_id": ids["notice"], "rep_id": rep, "manager_id": manager, "created_at": told,
                                   "due_at": told + timedelta(days=3), "action": "promised" if acted else None, "acted_at": acted})
            for month in range(0, days, 30):
                met = start + timedelta(days=month + r % 28, hours=9)
                coached = {"rep_id": rep, "manager_id": manager, "created_at": met}
                rows[CoachingSession].append({**coached, "topic": f"the {label} renewal, month {month // 30}"})
                rows[Kudos].append({**coached, "note": "Great week!"})
                rows[PracticeRequest].append({**coached, "skill": "handling the price objection", "status": "reviewed",
                                              "responded_at": met + timedelta(hours=5), "rating": 4,
                                              "feedback_at": met + timedelta(hours=5 + r % 24)})
        return manager

    leader = person("The leader")
    managers = [a_team(team, "Main")] + [a_team(team, f"Region{n}") for n in range(1, leader_teams)]
    for manager in managers:
        rows[ManagerLink].append({"rep_id": manager, "manager_id": leader, "status": "active", "created_at": start})
    for n in range(other_teams):
        a_team(10, f"Team{n}")
    return rows, managers[0], leader


TARGET_MS = 300.0


async def signed_in(browser: aiohttp.ClientSession, links: SignInLinks, store: Store, engine: AsyncEngine, person_id: int) -> None:
    """Sign `browser` in as the person, through a sign-in link as the bot sends it."""
    async with store.transaction() as tx:
        person = await tx.dashboard.person(person_id)
        assert person is not None
        await links.send(tx, person, NOW)
    async with engine.connect() as connection:
        row = await connection.scalar(select(Outbox.message_json).order_by(Outbox.id.desc()).limit(1))
    link = re.search(r"/app/sign-in/[A-Za-z0-9_.\-]+", json.loads(str(row))["sections"][0]["text"])
    assert link is not None
    page = await (await browser.get(link.group(0))).text()
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    await (await browser.post(link.group(0), data={"csrf": csrf.group(1)})).read()


async def time_pages(browser: aiohttp.ClientSession, pages: list[tuple[str, str]], runs: int) -> None:
    """Print each page's median and max over `runs` full requests, against the target."""
    for label, path in pages:
        times = []
        for _ in range(runs):
            began = time.perf_counter()
            async with browser.get(path) as response:
                body = await response.read()
                assert response.status == 200, body[:300]
            times.append((time.perf_counter() - began) * 1000)
        verdict = "ok" if max(times) < TARGET_MS else ("median ok" if statistics.median(times) < TARGET_MS else "OVER")
        print(f"  {label:22} median {statistics.median(times):6.1f} ms   max {max(times):6.1f} ms   "
              f"({len(body) // 1024} KB; target {TARGET_MS:.0f} ms: {verdict})")


async def run(team: int, days: int, other_teams: int, leader_teams: int, runs: int) -> None:
    folder = Path(tempfile.mkdtemp(prefix="dashboard-bench-"))
    url = f"sqlite+aiosqlite:///{folder}/bench.db"
    await asyncio.to_thread(upgrade, url)
    engine = make_engine(url)
    seeded, manager_id, leader_id = seed_rows(team, days, other_teams, leader_teams)
    async with engine.begin() as connection:
        for model in MODELS:
            batch = seeded[model]
            for i in range(0, len(batch), 5000):
                await connection.execute(insert(model), batch[i:i + 5000])
    checkins = len(seeded[CheckIn])
    clock = FixedClock(NOW)
    store = Store(make_sessionmaker(engine))
    links = SignInLinks(SECRET, "http://127.0.0.1", clock)
    ctx = Context(store=store, clock=clock, sign_in=links)
    server = TestServer(build_web_app(Settings(database_url=url, session_secret=SECRET), ctx, []), host="127.0.0.1")
    await server.start_server()
    base = f"http://127.0.0.1:{server.port}"
    jar = aiohttp.CookieJar
    async with aiohttp.ClientSession(base_url=base, cookie_jar=jar(unsafe=True)) as manager, \
            aiohttp.ClientSession(base_url=base, cookie_jar=jar(unsafe=True)) as leader:
        await signed_in(manager, links, store, engine, manager_id)
        await signed_in(leader, links, store, engine, leader_id)
        print(f"SQLite, a team of {team} reps x 2 commitments, {days} days, {other_teams} other teams of 10, "
              f"a leader over {leader_teams} managers of {team} reps ({checkins} check-ins in all); {runs} requests each:")
        rep_id = manager_id + 1
        await time_pages(manager, [
            ("team page, 30 days", f"/app/teams/{manager_id}"), ("team page, 90 days", f"/app/teams/{manager_id}?days=90"),
            ("rep page, 30 days", f"/app/people/{rep_id}"), ("rep page, 90 days", f"/app/people/{rep_id}?days=90"),
        ], runs)
        async with leader.get(f"/app/leaders/{leader_id}.csv?days=90") as response:
            table = (await response.text()).splitlines()
        assert len(table) == 1 + leader_teams + 1, f"the leader sees {leader_teams} managers and all teams: {table[:3]}"
        await time_pages(leader, [
            ("leader page, 30 days", f"/app/leaders/{leader_id}"), ("leader page, 90 days", f"/app/leaders/{leader_id}?days=90"),
            ("leader CSV, 90 days", f"/app/leaders/{leader_id}.csv?days=90"),
        ], runs)
    await server.close()
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--team", type=int, default=50)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--other-teams", type=int, default=100)
    parser.add_argument("--leader-teams", type=int, default=10)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    asyncio.run(run(args.team, args.days, args.other_teams, args.leader_teams, args.runs))


if __name__ == "__main__":
    main()
