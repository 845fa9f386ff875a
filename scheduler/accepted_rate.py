"""The rate a platform accepted since its last refusal: the evidence a 429 gives about its limit.

A platform's limit works like a token bucket: right after a 429 its bucket is empty, and it is
empty again at the next 429, so between the two it accepted just what it refilled, its limit
times the time between them. `AcceptedRate` counts the successes since the refusal that began
the last episode and the time they took, and estimates the limit as the one over the other:

- a Retry-After pause counts in full (the platform refilled meanwhile: that is what the
  successes right after it spend);
- a spell in which nothing came back at all (the bot had nothing to send, or its sends were
  still on their way) counts only as long as one send's spacing: the platform's bucket filled
  up and overflowed meanwhile, and counting it would put the limit too low.

Without a refusal yet, it counts from the first answer.
"""

from __future__ import annotations

from collections import deque

IDLE_SPACINGS = 2.5
"""A gap between two answers longer than this many sends' spacing (1/rate), and than
`IDLE_FLOOR`, is a spell without sends."""
IDLE_FLOOR = 0.25
"""Seconds: a shorter gap is always counted (answers come back unevenly on a busy machine)."""
MIN_SPAN = 0.5
"""Seconds of counted time under which the estimate is not trusted."""
PAUSES_KEPT = 16


class AcceptedRate:
    """Successes per counted second since the last refusal episode began (times on one timer)."""

    def __init__(self) -> None:
        self._successes = 0
        self._span = 0.0  # counted seconds since the episode began
        self._last: float | None = None  # when the last answer came
        self._pauses: deque[tuple[float, float]] = deque(maxlen=PAUSES_KEPT)  # (start, end)

    def paused(self, start: float, end: float) -> None:
        """A Retry-After pause from `start` to `end` (merged with one it overlaps)."""
        if self._pauses and self._pauses[-1][1] >= start:
            start, end = min(start, self._pauses[-1][0]), max(end, self._pauses.pop()[1])
        self._pauses.append((start, end))

    def paused_between(self, start: float, end: float) -> float:
        """Seconds between `start` and `end` spent in a pause."""
        return sum(max(0.0, min(b, end) - max(a, start)) for a, b in self._pauses)

    def _answer(self, now: float, rate: float) -> None:
        if self._last is not None and now > self._last:
            pause = self.paused_between(self._last, now)
            unpaused = now - self._last - pause
            spacing = 1.0 / max(rate, 1e-9)
            counted = unpaused if unpaused <= max(IDLE_SPACINGS * spacing, IDLE_FLOOR) else spacing
            self._span += pause + counted
        self._last = now if self._last is None else max(self._last, now)

    def succeeded(self, now: float, rate: float) -> None:
        self._answer(now, rate)
        self._successes += 1

    def refused(self, now: float, rate: float) -> None:
        """A 429 that belongs to the current episode (counted as time, not as a success)."""
        self._answer(now, rate)

    def begin_episode(self, now: float, rate: float) -> float | None:
        """A 429 that begins a new episode: the rate accepted since the last one began (None
        when too little time was counted to tell), and the count starts again from here."""
        self._answer(now, rate)
        estimate = self._successes / self._span if self._span >= MIN_SPAN else None
        self._successes, self._span = 0, 0.0
        return estimate
