"""Kudos in the console, over stdin: with no forms, "Send kudos" sends at once (no note), and
`kudos @rep NOTE` sends one with a note; the rep named #wins in their own words, so each kudos
is also printed as posted there, and nothing else is."""

from __future__ import annotations

import re
from pathlib import Path

from tests.test_console_week import run_console

SCRIPT = """\
:as dana
hello
1
:as raj
hello
2
:as mona
hi
Weekdays at 16:30, encouraging. Post kudos in #wins please.
Ask me what got in the way. Tell my manager after 2 misses in a row.
4
6
/commit send Acme the proposal by Friday
/commit 20 calls every weekday
/accountability manager @dana
/accountability done 1
:as raj
12
:as dana
12
12
kudos @mona Thanks for the honesty this week
:as mona
:time 2026-11-23 16:31
14
Calls got pushed by a customer fire drill.
"""


def test_console_kudos_click_command_and_the_channel(tmp_path: Path) -> None:
    result = run_console(SCRIPT, tmp_path / "console.db")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Got it: weekdays, at 16:30, an encouraging tone, kudos also posted in #wins." in out
    assert "• Kudos from your manager: in your direct messages, and also posted in #wins." in out
    assert "[12] Send kudos" in out
    assert "bot → raj: That kudos button isn't yours" in out
    assert out.count("bot → mona: 🎉 Dana sent you kudos for keeping your promise: “send Acme the proposal”!") == 1
    assert "bot → dana: You already sent Mona kudos for this win. Nothing new was sent." in out
    assert "bot → mona: 🎉 Dana sent you kudos: “Thanks for the honesty this week”" in out
    assert "What got in the way of “20 calls”?" in out, "the No was asked about in Mona's DM"
    assert re.findall(r"^bot → #wins: (.*)$", out, flags=re.MULTILINE) == [
        "🎉 Dana sent Mona kudos for keeping a promise: “send Acme the proposal”!",
        "🎉 Dana sent Mona kudos: “Thanks for the honesty this week”",
    ]
