"""Table tests for `handlers.rules.terms_text`: reading a rep's answers to Rosen's two
questions, and the documented defaults in plain words (DESIGN.md section 1)."""

from __future__ import annotations

from datetime import time

import pytest

from handlers.rules.terms_text import (
    DEFAULT_TERMS,
    describe,
    read_days,
    read_followup,
    read_threshold,
    read_time,
    read_tone,
)

WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))

# ------------------------------------------------------------------ question 1 answers


@pytest.mark.parametrize(
    ("answer", "days", "at", "tone"),
    [
        pytest.param(
            "Check in with me Monday to Thursday at 5pm. Straight talk please",
            frozenset({0, 1, 2, 3}), time(17, 0), "straight",
            id="mon_to_thu-5pm-straight",
        ),
        pytest.param(
            "weekdays around 16:30, keep it positive", WEEKDAYS, time(16, 30), "encouraging",
            id="weekdays-1630-positive",
        ),
        pytest.param(
            "Mon, Wed and Fri at 9am, just the facts", frozenset({0, 2, 4}), time(9, 0), "facts",
            id="mon_wed_fri-9am-facts",
        ),
        pytest.param("every day at noon, be gentle", EVERY_DAY, time(12, 0), "encouraging", id="every_day-noon-gentle"),
        pytest.param("Tuesdays and Thursdays at 5:30 pm", frozenset({1, 3}), time(17, 30), None, id="tue_thu-530pm-no_tone"),
        pytest.param("Monday through Friday, 4.30pm. Be direct with me.", WEEKDAYS, time(16, 30), "straight", id="mon_through_fri-dot_time-direct"),
        pytest.param("Daily at 17h15, short and concise", EVERY_DAY, time(17, 15), "facts", id="daily-17h15-concise"),
        pytest.param("Ask me on workdays at 8 please, I like encouragement", WEEKDAYS, time(8, 0), "encouraging", id="workdays-at_8-encouragement"),
        pytest.param("I'm fine with whatever you think", None, None, None, id="nothing_specific"),
    ],
)
def test_question_one_answers(answer: str, days: frozenset[int] | None, at: time | None, tone: str | None) -> None:
    assert read_days(answer) == days
    assert read_time(answer) == at
    assert read_tone(answer) == tone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("5pm", time(17, 0), id="5pm"),
        pytest.param("5 pm", time(17, 0), id="5_space_pm"),
        pytest.param("9 a.m.", time(9, 0), id="9_a_dot_m"),
        pytest.param("12 pm", time(12, 0), id="12pm_is_noon"),
        pytest.param("12:00 am", time(0, 0), id="12am_is_midnight"),
        pytest.param("17:15", time(17, 15), id="24h_clock"),
        pytest.param("at 9", time(9, 0), id="at_9"),
        pytest.param("noon", time(12, 0), id="noon"),
        pytest.param("after 2 misses", None, id="number_not_a_time"),
        pytest.param("at 2 misses", None, id="at_n_misses_not_a_time"),
    ],
)
def test_read_time(text: str, expected: time | None) -> None:
    assert read_time(text) == expected


# ------------------------------------------------------------------ question 2 answers


@pytest.mark.parametrize(
    ("answer", "followup", "threshold"),
    [
        pytest.param(
            "Ask me what got in the way. Tell my manager after 2 misses in a row.",
            (True, False), (True, 2),
            id="reflect-after_2",
        ),
        pytest.param("never tell my manager", None, (True, None), id="never_tell"),
        pytest.param("Don't tell my manager, I'll handle it", None, (True, None), id="dont_tell"),
        pytest.param(
            "ping me again later in the afternoon, and tell my manager after three misses",
            (False, True), (True, 3),
            id="nudge_later-after_three_word",
        ),
        pytest.param(
            "Ask me why and remind me again in the evening. Loop in my boss after 4 missed days.",
            (True, True), (True, 4),
            id="reflect_and_nudge-after_4",
        ),
        pytest.param("tell my manager the first time I miss", None, (True, 1), id="first_miss"),
        pytest.param("after 6 misses tell my manager", None, (False, None), id="six_out_of_range"),
        pytest.param("just let me deal with it", None, (False, None), id="nothing_specific"),
        # the explicit "after 3 misses" is what the rep chose for the manager; "don't
        # bother me" is about the rep, not an opt-out of telling the manager
        pytest.param(
            "Tell my manager after 3 misses. Don't bother me with reminders.",
            None, (True, 3),
            id="after_3-dont_bother_me",
        ),
    ],
)
def test_question_two_answers(
    answer: str, followup: tuple[bool, bool] | None, threshold: tuple[bool, int | None]
) -> None:
    assert read_followup(answer) == followup
    assert read_threshold(answer) == threshold


# ---------------------------------------------------------------------------- defaults


def test_default_terms_values() -> None:
    assert DEFAULT_TERMS.checkin_days == WEEKDAYS
    assert DEFAULT_TERMS.checkin_time == time(16, 30)
    assert DEFAULT_TERMS.tone == "encouraging"
    assert DEFAULT_TERMS.reflect_on_miss is True
    assert DEFAULT_TERMS.escalate_after == 2
    assert DEFAULT_TERMS.share_streak_every == 5
    assert DEFAULT_TERMS.no_answer_is_miss is True


@pytest.mark.parametrize(
    "fragment",
    [
        pytest.param("weekdays", id="weekdays"),
        pytest.param("16:30", id="time_1630"),
        pytest.param("encouraging", id="encouraging_tone"),
        pytest.param("what got in the way", id="reflection"),
        pytest.param("after 2 misses in a row", id="manager_after_2"),
        pytest.param("streaks of 5", id="streaks_of_5"),
        pytest.param("no answer by the end of the day counts as a miss", id="no_answer_is_miss"),
    ],
)
def test_describe_defaults(fragment: str) -> None:
    assert fragment in describe(DEFAULT_TERMS)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        pytest.param({"escalate_after": None}, "your manager never hears about misses", id="never_escalate"),
        pytest.param({"escalate_after": 1}, "after 1 miss in a row", id="after_1_singular"),
        pytest.param({"no_answer_is_miss": False}, "is not counted as a miss", id="no_answer_not_miss"),
        pytest.param({"share_streak_every": None, "share_oneoff_wins": False}, "your wins stay between us", id="wins_private"),
        pytest.param({"tone": "straight"}, "straight talk", id="straight_tone"),
        pytest.param({"checkin_days": frozenset({0, 2, 4})}, "Mon, Wed and Fri", id="named_days"),
    ],
)
def test_describe_changes(changes: dict[str, object], fragment: str) -> None:
    assert fragment in describe(DEFAULT_TERMS.with_changes(**changes))
