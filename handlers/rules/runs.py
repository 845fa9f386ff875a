"""Does a settled check-in end a run, escalate to the manager, or make a win? Pure rules.

A *run of misses* is the consecutive misses of one commitment since its last Yes. The
manager hears once per run, when it reaches the rep's threshold; a Yes ends the run.
A *streak* win fires when the run of Yes reaches K and again at each multiple of K; a
one-off kept is a win of its own. A `no_answer` counts as a miss only when the rep's
terms say so; otherwise it neither extends nor breaks a run.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Answer(StrEnum):
    """How a check-in settled (the same strings as the stored check-in status)."""

    YES = "yes"
    NO = "no"
    NO_ANSWER = "no_answer"


@dataclass(frozen=True)
class RunState:
    miss_run: int = 0
    yes_run: int = 0
    escalated_in_run: bool = False


@dataclass(frozen=True)
class Policy:
    escalate_after: int | None
    no_answer_is_miss: bool
    share_streak_every: int | None
    share_oneoff_wins: bool


@dataclass(frozen=True)
class Decision:
    state: RunState
    escalate: bool = False
    streak_win: int | None = None
    oneoff_win: bool = False

    @property
    def is_miss(self) -> bool:
        return self.state.miss_run > 0 and self.state.yes_run == 0


def counts_as_miss(answer: Answer, policy: Policy) -> bool:
    return answer == Answer.NO or (answer == Answer.NO_ANSWER and policy.no_answer_is_miss)


def settle(state: RunState, answer: Answer, policy: Policy, *, one_off: bool) -> Decision:
    """The new run state of a commitment after one settled check-in, and what to tell the manager."""
    if answer == Answer.YES:
        yes_run = state.yes_run + 1
        new_state = RunState(miss_run=0, yes_run=yes_run, escalated_in_run=False)
        if one_off:
            return Decision(state=new_state, oneoff_win=policy.share_oneoff_wins)
        k = policy.share_streak_every
        streak = yes_run if k and yes_run % k == 0 else None
        return Decision(state=new_state, streak_win=streak)
    if not counts_as_miss(answer, policy):
        return Decision(state=state)
    miss_run = state.miss_run + 1
    n = policy.escalate_after
    escalate = n is not None and miss_run >= n and not state.escalated_in_run
    return Decision(
        state=RunState(miss_run=miss_run, yes_run=0, escalated_in_run=state.escalated_in_run or escalate),
        escalate=escalate,
    )
