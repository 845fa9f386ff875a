"""Accountable follow-up in the console, over stdin (`python app.py console`) on a SQLite file:
an escalation to Dana (who keeps the US calendar, so Thanksgiving is not a working day), one
reminder after three working days and never a second, none once she said "I'll follow up",
and Mona's one click on the question afterwards stored.

Buttons are numbered in the order the console shows them, so each script is run up to the
escalation first to read the number of the button to type (the same lines number the same)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

from storage.coaching_models import FollowUp
from tests.support import Database
from tests.test_console_week import run_console

UNTIL_ESCALATION = "\n".join([
    ":as dana", "hello", "1", "/accountability holidays US",
    ":as mona", "hi", "2", "/commit 20 calls every weekday", "/accountability manager @dana",
    ":time 2026-11-23 16:35",
    ":time 2026-11-24 16:35",
    ":time 2026-11-25 00:05",  # Tuesday closes: the second miss in a row, and Dana hears
])


def number_of(transcript: str, label: str, nth: int = -1) -> str:
    found = re.findall(rf"\[(\d+)\] {re.escape(label)}", transcript)
    assert found, f"no button {label!r} in:\n{transcript[-2000:]}"
    return str(found[nth])


def read_follow_ups(db: Path) -> list[FollowUp]:
    async def read() -> list[FollowUp]:
        async with Database(f"sqlite+aiosqlite:///{db}") as database:
            return list(await database.all(FollowUp))

    return asyncio.run(read())


def escalation_and_buttons(tmp_path: Path) -> str:
    first = run_console(UNTIL_ESCALATION, tmp_path / "prefix.db")
    assert first.returncode == 0, first.stderr
    assert "bot → dana: Mona has missed “20 calls”" in first.stdout
    return first.stdout


def test_one_reminder_after_three_working_days_then_the_reps_verdict(tmp_path: Path) -> None:
    prefix = escalation_and_buttons(tmp_path)
    script = "\n".join([
        UNTIL_ESCALATION,
        ":time 2026-12-01 23:55",  # Thu 26 was Thanksgiving: Fri, Mon, Tue; due at the end of Tuesday
        ":time 2026-12-02 00:05",
        ":time 2026-12-03 09:00",
        ":as dana",
        "{reminder_promise}",
        ":time 2026-12-04 09:05",
        ":as mona",
        "{it_was}",
    ])
    # The reminder's button numbers come after the escalation's; run once to read them.
    probe = run_console(script.replace("{reminder_promise}", "").replace("{it_was}", ""), tmp_path / "probe.db")
    reminder_at = probe.stdout.index("gentle reminder")
    promise = number_of(probe.stdout[reminder_at:], "I'll follow up", 0)
    second = run_console(script.replace("{reminder_promise}", promise).replace("{it_was}", ""), tmp_path / "second.db")
    it_was = number_of(second.stdout, "It was")
    db = tmp_path / "console.db"
    result = run_console(script.replace("{reminder_promise}", promise).replace("{it_was}", it_was), db)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert number_of(out, "I'll follow up", 0) == number_of(prefix, "I'll follow up", 0)

    before_due, after_due = out.split("-- Wed 2026-12-02 00:00 --", 1)
    assert "gentle reminder" not in before_due
    assert out.count("bot → dana: A gentle reminder") == 1
    assert "How Mona asked to be followed up: “after a miss, I ask what got in the way”" in after_due
    assert "Noted that you'll follow up with Mona" in out
    assert out.count("bot → mona: Dana followed up on “20 calls”") == 1
    assert "Thank you, noted." in out
    (owed,) = read_follow_ups(db)
    assert (owed.action, owed.verdict) == ("promised", "as_asked")
    assert owed.reminded_at is not None and owed.reminded_at.isoformat() == "2026-12-01T23:00:00+00:00"
    assert "Traceback" not in out + result.stderr


def test_no_reminder_once_the_manager_will_follow_up(tmp_path: Path) -> None:
    prefix = escalation_and_buttons(tmp_path)
    promise = number_of(prefix, "I'll follow up")
    db = tmp_path / "console.db"
    result = run_console("\n".join([UNTIL_ESCALATION, ":as dana", promise, promise, ":time 2026-12-04 09:00"]), db)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bot → dana (updated): Mona has missed" in out and "✅ You said you'll follow up (Wed 25 Nov)." in out
    assert "Already noted: you said you'll follow up with Mona. Nothing changed." in out
    assert "gentle reminder" not in out
    (owed,) = read_follow_ups(db)
    assert (owed.action, owed.reminded_at) == ("promised", None)
