"""Benchmark: the resident memory of a `serve` process while its scheduler opens a big tick.

Seeds a throwaway SQLite file with 100,000 reps (one commitment each) of whom 1,000 are due
right now by the real clock (their check-in time is today's noon in a zone where it is now
just past noon, every day a check-in day, so the day is still open), starts
`python app.py serve` on it (no platform configured: HTTP and the scheduler only), whose
scheduler ticks at start-up, and samples the process's resident memory (VmRSS in
/proc/PID/status) every 20 ms until the tick has opened every due check-in. Prints the highest
sample, the kernel's peak (VmHWM) and the resident memory once the tick is done; the target is
under 200 MB.

    .venv/bin/python benchmarks/memory.py [--reps 100000] [--due 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert, select  # noqa: E402

from handlers.current_terms import columns_of  # noqa: E402
from handlers.rules.terms_text import DEFAULT_TERMS  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.migrate import upgrade  # noqa: E402
from storage.models import Commitment, Person, Terms  # noqa: E402

TARGET_MB = 200
CHUNK = 5_000


def noon_zone(now: datetime) -> str:
    """A fixed-offset zone where it is now between 12:00 and 13:00 (Etc/GMT-3 is UTC+3)."""
    offset = 12 - now.hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


async def populate(url: str, reps: int, due: int, now: datetime) -> None:
    """`reps` reps; the first `due` are due at this hour's start (noon in their zone), with terms
    that ask every day at 12:00; the others fall due over the coming week."""
    zone = noon_zone(now)
    slot = now.replace(minute=0, second=0, microsecond=0)
    created = now - timedelta(days=1)
    engine = make_engine(url)
    people = [
        dict(platform="bench", workspace_id="T1", user_id=f"U{i}", display_name=f"Rep {i}", tz=zone,
             created_at=created, reachable=True, greeted=True, digest_weekday=0, digest_time="08:00",
             digest_enabled=True,
             next_checkin_at=slot if i < due else slot + timedelta(days=1, minutes=(i * 7919) % (6 * 24 * 60)))
        for i in range(reps)
    ]
    terms = columns_of(replace(DEFAULT_TERMS, checkin_days=frozenset(range(7))))
    async with make_sessionmaker(engine)() as s, s.begin():
        for start in range(0, reps, CHUNK):
            await s.execute(insert(Person), people[start:start + CHUNK])
        ids = list(await s.scalars(select(Person.id).order_by(Person.id)))
        await s.execute(insert(Terms), [dict(terms, person_id=pid, version=1, created_at=created) for pid in ids[:due]])
        rows = [
            dict(person_id=pid, seq=1, text="20 calls every day", title="20 calls", cadence="days:0,1,2,3,4,5,6",
                 status="active", created_at=created, updated_at=created, miss_run=0, yes_run=0, escalated_in_run=False)
            for pid in ids
        ]
        for start in range(0, reps, CHUNK):
            await s.execute(insert(Commitment), rows[start:start + CHUNK])
    await engine.dispose()


def resident_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in kB."""
    found: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=100_000)
    parser.add_argument("--due", type=int, default=1_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "memory.db"
        url = f"sqlite+aiosqlite:///{path}"
        upgrade(url)
        asyncio.run(populate(url, args.reps, args.due, datetime.now(UTC)))
        env = {**os.environ, "DATABASE_URL": url, "PORT": str(free_port()), "LOG_LEVEL": "WARNING"}
        for name in [key for key in env if key.startswith(("SLACK_", "TEAMS_", "MICROSOFT_"))]:
            del env[name]
        server = subprocess.Popen([sys.executable, "app.py", "serve"], cwd=ROOT, env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        highest, opened, started = 0, 0, time.monotonic()
        try:
            reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
            while opened < args.due:
                if server.poll() is not None:
                    raise SystemExit(f"serve exited with {server.returncode}:\n{server.stderr.read() if server.stderr else ''}")
                if time.monotonic() - started > 300:
                    raise SystemExit(f"the tick opened {opened} of {args.due} check-ins in 5 minutes")
                highest = max(highest, resident_kb(server.pid).get("VmRSS", 0))
                try:
                    opened = reader.execute("SELECT count(*) FROM prompt").fetchone()[0]
                except sqlite3.OperationalError:  # the server is still creating or migrating the file
                    pass
                time.sleep(0.02)
            done = resident_kb(server.pid)
            reader.close()
        finally:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
    peak = max(highest, done.get("VmHWM", 0))
    print(f"serve with {args.reps:,} reps, its scheduler's tick opening {args.due:,} check-ins "
          f"(in {time.monotonic() - started:.1f} s from start-up):")
    print(f"  resident memory: highest sample {highest / 1024:.0f} MB, kernel peak (VmHWM) "
          f"{done.get('VmHWM', 0) / 1024:.0f} MB, after the tick {done.get('VmRSS', 0) / 1024:.0f} MB")
    print(f"  target under {TARGET_MB} MB: {'met' if peak / 1024 < TARGET_MB else 'NOT met'}")
    return 0 if peak / 1024 < TARGET_MB else 1


if __name__ == "__main__":
    sys.exit(main())
