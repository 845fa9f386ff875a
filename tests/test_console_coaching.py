"""Coaching through the real console over stdin (no forms): the session record asked one
question at a time, its actions proposed to the rep, accepted, edited and checked in on;
and a practice request answered in text, rated in one click, then noted."""

from __future__ import annotations

from pathlib import Path

from tests.test_console_week import messages, run_console

SCRIPT = """\
:as dana
hello
1
:as mona
hi
1
/accountability manager @dana
:as sam
hello
1
/accountability coach @mona
:as dana
/accountability coach @mona
Acme renewal
Their CFO asked for pricing twice.
skip
Price, timing, a competitor pilot.
Mona proposes a CFO call.
call the CFO by Friday
be better
2 demos every week
done
:as sam
5
:as mona
5
7
/accountability edit 2 3 demos every week
:time 2026-11-27 16:35
:as dana
/accountability practice @mona handling the too expensive objection
13
:as mona
13
Price is what you pay; let me show you the payback in month four.
:as sam
14
:as dana
17
19
5 Lovely pause before the price. Next time ask what they compare it with.
:as mona
/accountability
5
"""


def test_session_and_practice_on_the_console(tmp_path: Path) -> None:
    result = run_console(SCRIPT, tmp_path / "coaching.db")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    said = [(who, text) for _, who, text in messages(out)]

    assert ("sam", "Only Mona's accountability partner can coach them here, and that isn't you. Nothing was saved. "
            "Mona can name you with `/accountability manager @you`.") in said
    # The framework, one question at a time and in order.
    questions = [text.split(" (")[0] for who, text in said if who == "dana" and text.endswith(")") and "?" in text]
    assert questions[:5] == [
        "Topic or deal", "How do we know?", "If I were the customer, would I buy?",
        "If we lost this, what would be the top three reasons?", "What does the rep propose?",
    ]
    # An action that can't be read is refused and nothing is added; the others are noted.
    assert any(who == "dana" and "“be better”" in text and "Nothing was added" in text for who, text in said)
    assert "Noted: call the CFO, by Fri 27 Nov 2026." in out and "Noted: 2 demos, every week." in out
    assert "#1 call the CFO, by Fri 27 Nov 2026 (waiting for the rep's OK)" in out
    assert "bot → mona: Dana logged your coaching session." in out

    # Sam can't accept Mona's proposal; Mona accepts both and edits one.
    assert ("sam", "That proposal isn't yours to answer. Nothing changed.") in said
    assert any(text.startswith("Accepted: #1 call the CFO") for who, text in said if who == "mona")
    assert ("mona", "Updated #2 3 demos: every week") in said
    # Friday 16:30: both are asked about like any other commitment.
    checkin = out.split("-- Fri 2026-11-27 16:30 --\n", 1)[1]
    assert checkin.startswith("bot → mona:") and "#1 call the CFO" in checkin.split("bot → dana")[0]
    assert "#2 3 demos" in checkin.split("bot → dana")[0]

    # Practice: only Mona can answer, only Dana can rate; the rating then the note reach Mona.
    assert ("dana", "That practice request isn't yours to answer. Nothing changed.") in said
    assert "bot → dana: Mona practised: handling the too expensive objection" in out
    assert "“Price is what you pay; let me show you the payback in month four.”" in out
    assert ("sam", "That practice answer isn't yours to give feedback on. Nothing changed.") in said
    to_mona = [text for who, text in said if who == "mona" and "feedback on your practice" in text]
    assert to_mona == [
        "Dana sent you feedback on your practice (handling the too expensive objection):",
        "Dana updated their feedback on your practice (handling the too expensive objection):",
    ]
    assert "★★★★☆ 4/5" in out and "★★★★★ 5/5 “Lovely pause before the price. Next time ask what they compare it with.”" in out

    # Mona's page lists the session, each action with its state, and the practice.
    page = out.split("mona> /accountability\n", 1)[1]
    assert "Coaching sessions:" in page and "#2 3 demos: every week (accepted)" in page
    assert "handling the too expensive objection (feedback: ★★★★★ 5/5" in page
    # A stale click on an answered proposal changes nothing.
    assert said[-1] == ("mona", "You already answered that one: #1 call the CFO: by Fri 27 Nov 2026.")
