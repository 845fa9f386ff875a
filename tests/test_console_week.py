"""A whole week of one rep and one manager, driven through the real console over stdin.

The transcript is compared line by line with tests/scenarios/week.expected (reviewed by
hand against DESIGN.md section 1), and the properties that matter are asserted on their
own: check-ins only on the rep's days at the rep's local time, and the manager messaged
exactly at the rep's threshold and on the wins the rep chose, and at no other time.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "tests" / "scenarios"


def run_console(script: str, db: Path, start: str = "2026-11-23 08:00", tz: str = "Europe/Berlin") -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite+aiosqlite:///{db}", "TZ": tz, "LOGNAME": "rep", "USER": "rep"}
    return subprocess.run(
        [sys.executable, "app.py", "console", "--start", start],
        input=script, capture_output=True, text=True, cwd=ROOT, env=env, timeout=120,
    )


def messages(transcript: str) -> list[tuple[str, str, str]]:
    """(time marker, recipient, first line) for every message the bot printed."""
    found = []
    marker = ""
    for line in transcript.splitlines():
        if line.startswith("-- "):
            marker = line.strip("- ")
        elif m := re.match(r"bot → (\w+)(?: \(updated\))?: (.*)", line):
            found.append((marker, m.group(1), m.group(2)))
    return found


def test_week_transcript_matches_line_by_line(tmp_path: Path) -> None:
    result = run_console((SCENARIOS / "week.txt").read_text(), tmp_path / "week.db")
    assert result.returncode == 0, result.stderr
    expected = (SCENARIOS / "week.expected").read_text().splitlines()
    actual = result.stdout.splitlines()
    for number, (want, got) in enumerate(zip(expected, actual, strict=False), start=1):
        assert got == want, f"line {number} differs"
    assert len(actual) == len(expected)


def test_week_checkins_only_on_chosen_days_at_chosen_local_time(tmp_path: Path) -> None:
    result = run_console((SCENARIOS / "week.txt").read_text(), tmp_path / "week.db")
    new_checkins = [line for line in result.stdout.splitlines() if line.startswith("bot → mona: Mona, check-in time")]
    # Mon-Thu at 17:00 Berlin time, as Mona chose; nothing on Friday or over the weekend.
    assert re.findall(r"-- (\w{3} \S+ \S+) --\nbot → mona: Mona, check-in time", result.stdout) == [
        "Mon 2026-11-23 17:00",
        "Tue 2026-11-24 17:00",
        "Wed 2026-11-25 17:00",
        "Thu 2026-11-26 17:00",
        "Mon 2026-11-30 17:00",
    ]
    assert len(new_checkins) == 5


def test_week_manager_hears_only_the_exceptions_the_rep_chose(tmp_path: Path) -> None:
    result = run_console((SCENARIOS / "week.txt").read_text(), tmp_path / "week.db")
    to_dana = [(when, text) for when, who, text in messages(result.stdout) if who == "dana"]
    # Dana's own onboarding and replies to her own actions aside, she hears: the link, the
    # escalation at Mona's threshold (2nd miss in a row, after Mona's own words), the one-off
    # kept, and the Monday digest. The third miss (Thursday's no answer) sends nothing.
    unprompted = [(when, text) for when, text in to_dana if not text.startswith(("Hi Dana", "Question 1", "OK, the defaults", "That check-in belongs", "Your team right now"))]
    assert [(when, text.split(" ")[0:3]) for when, text in unprompted] == [
        ("Mon 2026-11-23 08:00", ["Mona", "named", "you"]),
        ("Wed 2026-11-25 17:05", ["Mona", "has", "missed"]),
        ("Wed 2026-11-25 17:05", ["🎉", "Mona", "kept"]),
        ("Mon 2026-11-30 08:00", ["Your", "weekly", "digest."]),
    ]
    escalation = next(text for _, text in unprompted if "has missed" in text)
    assert "2 times in a row (Tue 24 Nov, Wed 25 Nov)" in escalation
    assert "Spent the day on the Acme proposal. / Acme again, and two no-shows." in result.stdout
    assert result.stdout.count("Coaching prompt:") == 4  # escalation, win, digest, team view


def test_bad_input_gets_a_clear_reply_and_changes_nothing(tmp_path: Path) -> None:
    script = "\n".join(
        [
            ":as mona",
            "/commit",
            "/commit call Bob",
            "/commit call Bob by 2020-01-01",
            "/commit call Bob by blorp",
            "/accountability manager @nobody",
            "/accountability done 7",
            "/accountability frobnicate",
            "/accountability pause until someday",
            "42",
            ":time 2020-01-01 09:00",
            "/accountability list",
        ]
    )
    result = run_console(script, tmp_path / "bad.db")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "There is no commitment after /commit." in out
    assert "I understood “call Bob”, but not when" in out
    assert "that date is in the past" in out
    assert "not the date “blorp”" in out
    assert "I don't know that person yet" in out
    assert "You have no commitment #7" in out
    assert "I didn't understand `/accountability frobnicate`" in out
    assert "I couldn't read “someday” as a date" in out
    assert "(there is no button [42])" in out
    assert "(time only moves forward here)" in out
    assert out.count("Nothing was saved") >= 4
    assert "You have no open commitments." in out
    assert "Traceback" not in out + result.stderr
