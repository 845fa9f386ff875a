"""Table tests for `handlers.rules.follow_through`: rates, the falling rule, stopped answering."""

from __future__ import annotations

import pytest

from handlers.rules.follow_through import (
    arrow,
    is_falling,
    percent,
    rate,
    stopped_answering,
    trend_points,
)
from storage.states import CheckInStatus

Y, N, NA, V = CheckInStatus.YES, CheckInStatus.NO, CheckInStatus.NO_ANSWER, CheckInStatus.VOID


@pytest.mark.parametrize(("counts", "no_answer_is_miss", "expected"), [
    ({}, True, (0, 0)),
    ({Y: 3, N: 1}, True, (3, 4)),
    ({Y: 3, N: 1, NA: 2}, True, (3, 6)),
    ({Y: 3, N: 1, NA: 2}, False, (3, 4)),
    ({Y: 2, V: 5}, True, (2, 2)),
    ({V: 4}, True, (0, 0)),
])
def test_rate_counts_yes_no_and_no_answer_by_the_terms_never_void(
    counts: dict[CheckInStatus, int], no_answer_is_miss: bool, expected: tuple[int, int]
) -> None:
    assert rate(counts, no_answer_is_miss) == expected


@pytest.mark.parametrize(("kept", "counted", "expected"), [
    (0, 0, None), (0, 3, 0), (1, 3, 33), (2, 3, 67), (1, 8, 13), (5, 5, 100), (41, 50, 82),
])
def test_percent_rounds_half_up(kept: int, counted: int, expected: int | None) -> None:
    assert percent(kept, counted) == expected


@pytest.mark.parametrize(("this", "before", "falling"), [
    ((2, 5), (4, 5), True),      # 40% after 80%
    ((3, 5), (4, 5), True),      # 60% after 80%: exactly the 20-point margin
    ((0, 3), (3, 3), True),      # the fewest counted check-ins that can fall
    ((0, 2), (5, 5), False),     # too few this period
    ((0, 5), (2, 2), False),     # too few the period before
    ((4, 5), (2, 5), False),     # rising
    ((5, 10), (7, 10), True),    # exactly 20 points lower
    ((6, 10), (7, 10), False),   # 10 points lower: noise
    ((1, 4), (4, 9), False),     # 25% after 44%: 19 points
    ((1, 4), (4, 8), True),      # 25% after 50%
    ((0, 0), (0, 0), False),
])
def test_falling_needs_enough_checkins_and_a_clear_drop(
    this: tuple[int, int], before: tuple[int, int], falling: bool
) -> None:
    assert is_falling(this, before) is falling


@pytest.mark.parametrize(("latest", "silent"), [
    ([NA, NA, NA], True),
    ([NA, NA, NA, Y, Y], True),
    ([NA, NA, Y], False),
    ([NA, NA], False),
    ([], False),
    ([N, NA, NA], False),
    ([Y, NA, NA, NA], False),
])
def test_stopped_answering_means_the_last_three_closed_unanswered(latest: list[CheckInStatus], silent: bool) -> None:
    assert stopped_answering(latest) is silent


@pytest.mark.parametrize(("this", "before", "points", "trend"), [
    ((41, 50), (38, 50), 6, "↑"),
    ((3, 7), (1, 5), 23, "↑"),
    ((0, 2), (2, 2), -100, "↓"),
    ((1, 2), (1, 2), 0, "→"),
    ((1, 2), (0, 0), None, ""),
    ((0, 0), (1, 2), None, ""),
])
def test_trend_in_points_and_as_an_arrow(this: tuple[int, int], before: tuple[int, int], points: int | None, trend: str) -> None:
    assert trend_points(this, before) == points
    assert arrow(this, before) == trend
