"""Table and property tests for `handlers.rules.runs`.

Sequences of settled answers are folded through `settle` from a fresh `RunState()`;
the tables say at which (1-based) steps the manager is told of a miss run, a streak
win or a one-off win.
"""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from handlers.rules.runs import Answer, Decision, Policy, RunState, settle

Y: Answer = "yes"
N: Answer = "no"
X: Answer = "no_answer"


def policy(
    escalate_after: int | None = 2,
    no_answer_is_miss: bool = True,
    share_streak_every: int | None = 5,
    share_oneoff_wins: bool = True,
) -> Policy:
    return Policy(
        escalate_after=escalate_after,
        no_answer_is_miss=no_answer_is_miss,
        share_streak_every=share_streak_every,
        share_oneoff_wins=share_oneoff_wins,
    )


def fold(answers: Sequence[Answer], pol: Policy, *, one_off: bool = False) -> list[Decision]:
    state = RunState()
    decisions: list[Decision] = []
    for answer in answers:
        decision = settle(state, answer, pol, one_off=one_off)
        decisions.append(decision)
        state = decision.state
    return decisions


def escalation_steps(decisions: Sequence[Decision]) -> list[int]:
    return [i for i, d in enumerate(decisions, start=1) if d.escalate]


# ------------------------------------------------------------------------- escalation


@pytest.mark.parametrize(
    ("threshold", "no_answer_is_miss", "answers", "expected_steps"),
    [
        # N = 1
        pytest.param(1, True, [N], [1], id="n1-single_no"),
        pytest.param(1, True, [N, N, N], [1], id="n1-once_per_run"),
        pytest.param(1, True, [N, N, Y, N], [1, 4], id="n1-yes_resets_then_again"),
        pytest.param(1, True, [X, Y, X], [1, 3], id="n1-no_answer_counted"),
        pytest.param(1, False, [X, X, N], [3], id="n1-no_answer_not_counted"),
        pytest.param(1, False, [X, X, X], [], id="n1-only_no_answers_not_counted"),
        pytest.param(1, True, [Y, Y, Y], [], id="n1-all_yes"),
        # N = 2 (the default)
        pytest.param(2, True, [N], [], id="n2-one_no_not_enough"),
        pytest.param(2, True, [N, N], [2], id="n2-two_no"),
        pytest.param(2, True, [N, N, N, Y, N, N], [2, 6], id="n2-two_runs"),
        pytest.param(2, True, [N, X], [2], id="n2-no_then_no_answer_counted"),
        pytest.param(2, False, [N, X], [], id="n2-no_then_no_answer_not_counted"),
        pytest.param(2, False, [N, X, N], [3], id="n2-no_answer_does_not_break_run"),
        pytest.param(2, False, [N, X, X, X, N], [5], id="n2-many_no_answers_do_not_break_run"),
        pytest.param(2, True, [N, Y, N], [], id="n2-yes_breaks_run"),
        pytest.param(2, False, [N, Y, N], [], id="n2-yes_breaks_run-no_answer_off"),
        pytest.param(2, True, [N, N, X, X, N], [2], id="n2-long_run_once"),
        # N = 3
        pytest.param(3, True, [N, N, Y, N, N, N, N, N], [6], id="n3-second_run_only"),
        pytest.param(3, True, [X, X, X], [3], id="n3-three_no_answers_counted"),
        pytest.param(3, False, [X, X, X], [], id="n3-three_no_answers_not_counted"),
        pytest.param(3, False, [N, X, N, X, N], [5], id="n3-interleaved_no_answers"),
        pytest.param(3, True, [N, N, Y, N, N, Y, N, N], [], id="n3-never_reaches"),
        # N = 4
        pytest.param(4, True, [N, N, N, N, Y, N, N, N, N], [4, 9], id="n4-two_runs"),
        pytest.param(4, True, [N, N, N, X], [4], id="n4-no_answer_completes_run"),
        pytest.param(4, False, [N, N, N, X], [], id="n4-no_answer_does_not_complete_run"),
        # N = 5
        pytest.param(5, True, [N] * 10, [5], id="n5-ten_no-once"),
        pytest.param(5, True, [N, N, N, N, Y, N, N, N, N], [], id="n5-yes_just_in_time"),
        pytest.param(5, False, [N, N, X, N, N, X, N], [7], id="n5-no_answers_skipped"),
        # never
        pytest.param(None, True, [N] * 10, [], id="never-ten_no"),
        pytest.param(None, True, [X] * 10, [], id="never-ten_no_answer"),
        pytest.param(None, False, [N, X, N, Y, N, N], [], id="never-mixed"),
    ],
)
def test_escalation_steps(
    threshold: int | None, no_answer_is_miss: bool, answers: list[Answer], expected_steps: list[int]
) -> None:
    decisions = fold(answers, policy(escalate_after=threshold, no_answer_is_miss=no_answer_is_miss))
    assert escalation_steps(decisions) == expected_steps


@pytest.mark.parametrize(
    ("no_answer_is_miss", "answers", "expected_miss_runs"),
    [
        pytest.param(True, [N, X, N, Y, N], [1, 2, 3, 0, 1], id="counted"),
        pytest.param(False, [N, X, N, Y, X], [1, 1, 2, 0, 0], id="not_counted-state_unchanged"),
    ],
)
def test_miss_run_state(no_answer_is_miss: bool, answers: list[Answer], expected_miss_runs: list[int]) -> None:
    decisions = fold(answers, policy(escalate_after=None, no_answer_is_miss=no_answer_is_miss))
    assert [d.state.miss_run for d in decisions] == expected_miss_runs


def test_uncounted_no_answer_leaves_state_untouched() -> None:
    state = RunState(miss_run=3, yes_run=0, escalated_in_run=True)
    decision = settle(state, "no_answer", policy(no_answer_is_miss=False), one_off=False)
    assert decision == Decision(state=state)


# ------------------------------------------------------------------------------ streaks


@pytest.mark.parametrize(
    ("k", "no_answer_is_miss", "answers", "expected_wins"),
    [
        pytest.param(3, True, [Y] * 9, [(3, 3), (6, 6), (9, 9)], id="k3-every_multiple"),
        pytest.param(3, True, [Y, Y], [], id="k3-short"),
        pytest.param(3, True, [Y, Y, N, Y, Y, Y], [(6, 3)], id="k3-no_resets"),
        pytest.param(3, True, [Y, Y, X, Y], [], id="k3-counted_no_answer_resets"),
        pytest.param(3, False, [Y, Y, X, Y], [(4, 3)], id="k3-uncounted_no_answer_neither_breaks_nor_extends"),
        pytest.param(3, True, [Y, Y, Y, N, Y, Y, Y], [(3, 3), (7, 3)], id="k3-new_streak_after_miss"),
        pytest.param(5, True, [Y] * 10, [(5, 5), (10, 10)], id="k5-two_multiples"),
        pytest.param(5, True, [Y] * 4 + [N] + [Y] * 5, [(10, 5)], id="k5-miss_before_fifth"),
        pytest.param(5, True, [Y] * 14, [(5, 5), (10, 10)], id="k5-fourteen"),
        pytest.param(None, True, [Y] * 10, [], id="never-ten_yes"),
        pytest.param(1, True, [Y, Y, N, Y], [(1, 1), (2, 2), (4, 1)], id="k1-every_yes"),
    ],
)
def test_streak_wins(
    k: int | None, no_answer_is_miss: bool, answers: list[Answer], expected_wins: list[tuple[int, int]]
) -> None:
    decisions = fold(answers, policy(escalate_after=None, no_answer_is_miss=no_answer_is_miss, share_streak_every=k))
    wins = [(i, d.streak_win) for i, d in enumerate(decisions, start=1) if d.streak_win is not None]
    assert wins == expected_wins
    assert not any(d.oneoff_win for d in decisions)


# ----------------------------------------------------------------------- one-off wins


@pytest.mark.parametrize(
    ("share", "answers", "expected_win_steps", "expected_escalation_steps"),
    [
        pytest.param(True, [Y], [1], [], id="shared-kept"),
        pytest.param(False, [Y], [], [], id="private-kept"),
        pytest.param(True, [N, X, Y], [3], [2], id="shared-kept_after_misses"),
        pytest.param(False, [N, N, Y], [], [2], id="private-kept_after_misses"),
        pytest.param(True, [N, N, N], [], [2], id="shared-not_kept"),
    ],
)
def test_one_off_wins(
    share: bool, answers: list[Answer], expected_win_steps: list[int], expected_escalation_steps: list[int]
) -> None:
    # K = 1 would make every Yes a streak win for a recurring commitment; a one-off kept
    # is a win of its own, never a streak.
    pol = policy(escalate_after=2, share_streak_every=1, share_oneoff_wins=share)
    decisions = fold(answers, pol, one_off=True)
    assert [i for i, d in enumerate(decisions, start=1) if d.oneoff_win] == expected_win_steps
    assert escalation_steps(decisions) == expected_escalation_steps
    assert all(d.streak_win is None for d in decisions)


# -------------------------------------------------------------------------- property


def expected_escalations(answers: Sequence[Answer], threshold: int | None, no_answer_is_miss: bool) -> int:
    """Maximal runs of counted misses (broken only by a Yes) whose length reaches `threshold`."""
    if threshold is None:
        return 0
    count, run = 0, 0
    for answer in [*answers, "yes"]:
        if answer == "yes":
            count += run >= threshold
            run = 0
        elif answer == "no" or no_answer_is_miss:
            run += 1
    return count


@settings(max_examples=300, deadline=None)
@given(
    answers=st.lists(st.sampled_from([Y, N, X]), max_size=40),
    threshold=st.one_of(st.none(), st.integers(min_value=1, max_value=5)),
    no_answer_is_miss=st.booleans(),
)
def test_escalations_equal_runs_reaching_threshold(
    answers: list[Answer], threshold: int | None, no_answer_is_miss: bool
) -> None:
    decisions = fold(answers, policy(escalate_after=threshold, no_answer_is_miss=no_answer_is_miss))
    assert len(escalation_steps(decisions)) == expected_escalations(answers, threshold, no_answer_is_miss)
