"""The leader report: right figures and labels for a hand-computed history (tests/report_data.py),
the same figures on SQLite and PostgreSQL, and `python app.py report` as an operator runs it."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from handlers.report import Cadence, UnknownManager, build, cadence
from handlers.report_format import render
from storage.repositories.report import ManagerCounts
from tests.report_data import SINCE, UNTIL, seed
from tests.support import Database, migrate

ROOT = Path(__file__).resolve().parent.parent

ADA = {
    "manager": "Ada", "user_id": "UADA", "reps": 2,
    "follow_through_pct": 69.2, "previous_follow_through_pct": 50.0, "trend_points": 19.2,
    "escalations": 2, "followed_up_in_3_working_days": 2, "followed_up_pct": 100.0, "follow_ups_missed": 0,
    "rep_said_as_asked_pct": 50.0, "sessions": 2, "sessions_per_rep_per_month": 1.07,
    "session_actions": 1, "session_action_follow_through_pct": 66.7,
    "practice_requests": 3, "practice_answered": 2, "feedback_given": 2, "feedback_turnaround_hours": 15.0,
    "kudos_sent": 2, "coaching_cadence": "formal",
}
BEA = {
    "manager": "Bea", "user_id": "UBEA", "reps": 2,
    "follow_through_pct": 50.0, "previous_follow_through_pct": None, "trend_points": None,
    "escalations": 1, "followed_up_in_3_working_days": 0, "followed_up_pct": 0.0, "follow_ups_missed": 1,
    "rep_said_as_asked_pct": None, "sessions": 1, "sessions_per_rep_per_month": 0.54,
    "session_actions": 0, "session_action_follow_through_pct": None,
    "practice_requests": 0, "practice_answered": 0, "feedback_given": 0, "feedback_turnaround_hours": None,
    "kudos_sent": 0, "coaching_cadence": "informal",
}
CYD = {
    "manager": "Cyd", "user_id": "UCYD", "reps": 1,
    "follow_through_pct": None, "previous_follow_through_pct": 100.0, "trend_points": None,
    "escalations": 0, "followed_up_in_3_working_days": 0, "followed_up_pct": None, "follow_ups_missed": 0,
    "rep_said_as_asked_pct": None, "sessions": 0, "sessions_per_rep_per_month": 0.0,
    "session_actions": 0, "session_action_follow_through_pct": None,
    "practice_requests": 0, "practice_answered": 0, "feedback_given": 0, "feedback_turnaround_hours": None,
    "kudos_sent": 0, "coaching_cadence": "random",
}
ALL = {
    **ADA, "manager": "All teams", "user_id": "", "reps": 5,
    "follow_through_pct": 66.7, "previous_follow_through_pct": 60.0, "trend_points": 6.7,
    "escalations": 3, "followed_up_in_3_working_days": 2, "followed_up_pct": 66.7, "follow_ups_missed": 1,
    "sessions": 3, "sessions_per_rep_per_month": 0.64, "coaching_cadence": None,
}


async def seeded(url: str) -> Database:
    await migrate(url)
    db = Database(url)
    async with db.sessions() as s, s.begin():
        await seed(s)
    return db


async def report_json(url: str, team: str | None = None) -> dict[str, Any]:
    db = await seeded(url)
    async with db:
        data: dict[str, Any] = json.loads(render(await build(db.store, SINCE, UNTIL, team), "json"))
    return data


async def test_the_figures_and_labels_of_a_hand_computed_history(database_url: str) -> None:
    data = await report_json(database_url)
    assert (data["since"], data["until"], data["previous_since"]) == (
        "2026-11-01T00:00:00+00:00", "2026-11-29T00:00:00+00:00", "2026-10-04T00:00:00+00:00",
    )
    assert data["managers"] == [ADA, BEA, CYD]
    assert data["all_teams"] == ALL


async def test_one_team_by_name_or_user_id_and_an_unknown_one(database_url: str) -> None:
    db = await seeded(database_url)
    async with db:
        by_name = await build(db.store, SINCE, UNTIL, "bea")
        by_id = await build(db.store, SINCE, UNTIL, "UBEA")
        with pytest.raises(UnknownManager):
            await build(db.store, SINCE, UNTIL, "Rita")  # a rep, not a manager
    assert [f.name for f in by_name.managers] == [f.name for f in by_id.managers] == ["Bea"]
    assert by_name.all_teams.counts.reps == 2


async def test_sqlite_and_postgresql_give_identical_reports(sqlite_database_url: str, pg_database_url: str) -> None:
    on_sqlite = await report_json(sqlite_database_url)
    on_postgresql = await report_json(pg_database_url)
    assert on_sqlite == on_postgresql
    assert [m["coaching_cadence"] for m in on_sqlite["managers"]] == ["formal", "informal", "random"]


def _counts(**changes: int) -> ManagerCounts:
    base: dict[str, Any] = {name: 0 for name in ManagerCounts.__dataclass_fields__}
    base.update(manager_id=1, name="M", user_id="U", reps=2, sessions=2, reps_with_session=2, actions=1, actions_settled=3)
    base.update(changes)
    return ManagerCounts(**base)


@pytest.mark.parametrize(
    ("changes", "months", "expected"),
    [
        ({}, 28 / 30, Cadence.FORMAL),
        ({"sessions": 0, "reps_with_session": 0, "actions": 0, "actions_settled": 0}, 28 / 30, Cadence.RANDOM),
        ({"reps_with_session": 1}, 28 / 30, Cadence.INFORMAL),  # one rep never coached
        ({}, 2.0, Cadence.INFORMAL),  # two sessions in two months for two reps: not monthly
        ({"actions_settled": 0}, 28 / 30, Cadence.INFORMAL),  # actions agreed but never checked on
        ({"missed": 1}, 28 / 30, Cadence.INFORMAL),  # an escalation's follow-up missed
    ],
)
def test_the_cadence_label_follows_the_measured_facts(changes: dict[str, int], months: float, expected: Cadence) -> None:
    assert cadence(_counts(**changes), months) == expected


def _run(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db}"}
    return subprocess.run(
        [sys.executable, "app.py", "report", "--since", "2026-11-01", "--until", "2026-11-29T00:00:00Z", *args],
        capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )


async def test_the_report_command_in_every_format(tmp_path: Path) -> None:
    path = tmp_path / "seeded.db"
    async with await seeded(f"sqlite+aiosqlite:///{path}"):
        pass
    as_json = _run(path, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["managers"] == [ADA, BEA, CYD]

    as_csv = _run(path, "--format", "csv", "--team", "Ada")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    assert [(r["manager"], r["follow_through_pct"], r["trend_points"], r["coaching_cadence"]) for r in rows] == [
        ("Ada", "69.2", "19.2", "formal"), ("All teams", "69.2", "19.2", ""),
    ]

    as_markdown = _run(path)
    assert as_markdown.returncode == 0, as_markdown.stderr
    lines = as_markdown.stdout.splitlines()
    assert lines[0] == "# Coaching follow-through, 2026-11-01 to 2026-11-29 00:00 UTC"
    assert "| Bea | UBEA | 2 | 50.0 | – | – | 1 | 0 | 0.0 | 1 |" in as_markdown.stdout
    assert any(line.startswith("| Cyd |") and line.endswith("| random |") for line in lines)

    unknown = _run(path, "--team", "Nobody")
    assert unknown.returncode == 2 and "no manager is called" in unknown.stderr and unknown.stdout == ""
    backwards = subprocess.run(
        [sys.executable, "app.py", "report", "--since", "2026-12-01", "--until", "2026-11-01"],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{path}"}, timeout=120,
    )
    assert backwards.returncode == 2 and "must be before" in backwards.stderr
