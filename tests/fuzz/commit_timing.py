"""The slowest `/commit` texts we know of, and a script that times them.

Each text is within `MAX_LENGTH` and packed with due markers ("on", "by"), so a reader that
tries every marker hands dateparser one long tail per marker. Run from the repository root:

    .venv/bin/python -m tests.fuzz.commit_timing

It prints the best of three runs of `parse_commitment` for each text, and the worst of those.
"""

from __future__ import annotations

import time
import warnings
from datetime import date

UNITS = ("on ", "by ", "on on by ", "on in ", "on 10:00 ", "x by ", "a by 12 december 2026 ", "by 2026-12-04 x ",
         "y by monday x ", "due january ", "on am ", "on 2026 ", "on jan ")
ADVERSARIAL = tuple((unit * 300)[:300] for unit in UNITS)
"""300 characters each: the longest text the reader accepts."""
TODAY = date(2026, 11, 23)


def timings(runs: int = 3) -> list[tuple[str, float]]:
    """(text, best of `runs` seconds) for each adversarial text."""
    from handlers.rules.commit_text import parse_commitment

    parse_commitment("warm up by friday", TODAY)
    found = []
    for text in ADVERSARIAL:
        best = float("inf")
        for _ in range(runs):
            start = time.perf_counter()
            parse_commitment(text, TODAY)
            best = min(best, time.perf_counter() - start)
        found.append((text, best))
    return found


def main() -> None:
    warnings.filterwarnings("ignore")
    found = timings()
    for text, seconds in found:
        print(f"{text[:24]!r:30} {seconds * 1000:8.1f} ms")
    print(f"worst: {max(s for _, s in found) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
