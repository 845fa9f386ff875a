"""Follow-through: rates from counted check-ins, their trend, and the two leading indicators a
manager should hear about before any run of misses reaches the rep's threshold (pure, no I/O).

The rules, as plain words:
- A rate is kept / counted: a Yes is kept; a No is counted; "no answer" is counted only where the
  rep's terms make it a miss; a void check-in is neither.
- Follow-through is *falling* when both this period and the one before have at least
  `MIN_COUNTED` counted check-ins and this period's rate is at least `FALLING_POINTS`
  percentage points below the previous one (e.g. 4/5 then 2/5: 80% -> 40%, falling).
- A rep has *stopped answering* when their last `SILENT_AFTER` settled check-ins (void ones
  left out) all closed with no answer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from storage.states import CheckInStatus

MIN_COUNTED = 3
"""Counted check-ins needed in each of the two periods before a fall means anything."""
FALLING_POINTS = 20
"""How many percentage points lower this period's rate must be to count as falling."""
SILENT_AFTER = 3
"""How many unanswered check-ins in a row mean a rep stopped answering."""

Rate = tuple[int, int]
"""(kept, counted)."""


def rate(counts: Mapping[CheckInStatus, int], no_answer_is_miss: bool) -> Rate:
    """(kept, counted) from check-in counts by status."""
    kept = counts.get(CheckInStatus.YES, 0)
    counted = kept + counts.get(CheckInStatus.NO, 0)
    if no_answer_is_miss:
        counted += counts.get(CheckInStatus.NO_ANSWER, 0)
    return kept, counted


def percent(kept: int, counted: int) -> int | None:
    """The rate in whole percent, rounded half up; None when nothing was counted."""
    if counted <= 0:
        return None
    return (200 * kept + counted) // (2 * counted)


def is_falling(this: Rate, before: Rate) -> bool:
    """Follow-through dropped by a clear margin on enough check-ins (see the module's rules)."""
    (kept, counted), (prev_kept, prev_counted) = this, before
    if counted < MIN_COUNTED or prev_counted < MIN_COUNTED:
        return False
    return 100 * (prev_kept * counted - kept * prev_counted) >= FALLING_POINTS * counted * prev_counted


def stopped_answering(latest: Sequence[CheckInStatus]) -> bool:
    """`latest`: the rep's settled check-ins, newest first (void ones already left out)."""
    recent = list(latest[:SILENT_AFTER])
    return len(recent) == SILENT_AFTER and all(status == CheckInStatus.NO_ANSWER for status in recent)


def trend_points(this: Rate, before: Rate) -> int | None:
    """This period's percent minus the previous one's, in whole points; None if either is empty."""
    now, then = percent(*this), percent(*before)
    if now is None or then is None:
        return None
    return now - then


def arrow(this: Rate, before: Rate) -> str:
    """A compact trend for one rep: ↑ / ↓ beyond 5 points either way, → otherwise, "" if unknown."""
    (kept, counted), (prev_kept, prev_counted) = this, before
    if not counted or not prev_counted:
        return ""
    delta = kept / counted - prev_kept / prev_counted
    return "↑" if delta > 0.05 else "↓" if delta < -0.05 else "→"
