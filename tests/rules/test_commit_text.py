"""Table and property tests for `handlers.rules.commit_text.parse_commitment`.

`today` is fixed to Monday 2026-11-23 (the rep's local date), so "Friday" is
2026-11-27 and "next friday" the Friday of the following week, 2026-12-04.
"""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from handlers.rules.commit_text import (
    MAX_LENGTH,
    ParsedCommitment,
    ParseProblem,
    parse_commitment,
)

TODAY = date(2026, 11, 23)  # a Monday
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))


# ------------------------------------------------------------------------- understood


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # recurring
        pytest.param("20 calls every weekday", ParsedCommitment("20 calls", cadence_days=WEEKDAYS), id="every_weekday"),
        pytest.param("update CRM daily", ParsedCommitment("update CRM", cadence_days=EVERY_DAY), id="daily"),
        pytest.param("2 demos every week", ParsedCommitment("2 demos", weekly=True), id="every_week"),
        pytest.param(
            "team lunch every Mon and Thu", ParsedCommitment("team lunch", cadence_days=frozenset({0, 3})), id="every_mon_and_thu"
        ),
        pytest.param(
            "post on LinkedIn on Fridays", ParsedCommitment("post on LinkedIn", cadence_days=frozenset({4})), id="on_fridays_plural"
        ),
        pytest.param("demo prep every Tuesday", ParsedCommitment("demo prep", cadence_days=frozenset({1})), id="every_tuesday"),
        # one-offs
        pytest.param(
            "send Acme the proposal by Friday",
            ParsedCommitment("send Acme the proposal", due_date=date(2026, 11, 27)),
            id="by_friday",
        ),
        pytest.param(
            "send Acme the proposal by 2026-12-04",
            ParsedCommitment("send Acme the proposal", due_date=date(2026, 12, 4)),
            id="by_iso_date",
        ),
        pytest.param(
            "send Acme the proposal by tomorrow",
            ParsedCommitment("send Acme the proposal", due_date=date(2026, 11, 24)),
            id="by_tomorrow",
        ),
        pytest.param(
            "send Acme the proposal by Dec 4",
            ParsedCommitment("send Acme the proposal", due_date=date(2026, 12, 4)),
            id="by_dec_4",
        ),
        pytest.param(
            "send Acme the proposal before Friday",
            ParsedCommitment("send Acme the proposal", due_date=date(2026, 11, 26)),
            id="before_friday_is_thursday",
        ),
        pytest.param(
            "send Acme the proposal by next friday",
            ParsedCommitment("send Acme the proposal", due_date=date(2026, 12, 4)),
            id="by_next_friday",
        ),
        pytest.param(
            "work on pipeline by Friday",
            ParsedCommitment("work on pipeline", due_date=date(2026, 11, 27)),
            id="title_keeps_inner_on",
        ),
        pytest.param("call Bob by today", ParsedCommitment("call Bob", due_date=TODAY), id="by_today"),
        pytest.param("call Bob on Friday", ParsedCommitment("call Bob", due_date=date(2026, 11, 27)), id="on_friday_singular"),
        pytest.param("  call   Bob  by Friday. ", ParsedCommitment("call Bob", due_date=date(2026, 11, 27)), id="extra_spaces"),
    ],
)
def test_understood(text: str, expected: ParsedCommitment) -> None:
    assert parse_commitment(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "expected_cadence"),
    [
        pytest.param("20 calls every weekday", "days:0,1,2,3,4", id="weekdays"),
        pytest.param("update CRM daily", "days:0,1,2,3,4,5,6", id="daily"),
        pytest.param("2 demos every week", "weekly", id="weekly"),
        pytest.param("send Acme the proposal by Friday", None, id="one_off"),
    ],
)
def test_stored_cadence(text: str, expected_cadence: str | None) -> None:
    parsed = parse_commitment(text, TODAY)
    assert isinstance(parsed, ParsedCommitment)
    assert parsed.cadence == expected_cadence


# --------------------------------------------------------------------------- problems


@pytest.mark.parametrize(
    ("text", "expected_fragments"),
    [
        pytest.param("", ["no commitment"], id="empty"),
        pytest.param("   \n\t ", ["no commitment"], id="whitespace_only"),
        pytest.param("call Bob", ["I understood “call Bob”", "not when"], id="no_when"),
        pytest.param("call Bob by 2020-01-01", ["I understood “call Bob”", "1 Jan 2020", "past"], id="date_in_past"),
        pytest.param("call Bob before today", ["I understood “call Bob”", "22 Nov 2026", "past"], id="before_today_is_past"),
        # a date so far back that "before" (the day before it) leaves the calendar:
        # still a plain "in the past" answer, never an exception
        pytest.param("call Bob before 0001-01-01", ["I understood “call Bob”", "past"], id="before_year_one"),
        pytest.param("call Bob by blorp", ["I understood “call Bob”", "“blorp”"], id="unreadable_date"),
        pytest.param("by Friday", ["I understood a due date of 27 Nov 2026", "not what you will do"], id="no_title"),
        pytest.param("every weekday", ["I understood “every weekday” as a schedule", "not what you will do"], id="schedule_without_title"),
        pytest.param("call Bob by 2028-01-01", ["I understood “call Bob”", "1 Jan 2028", "more than a year"], id="too_far_ahead"),
        pytest.param("x" * (MAX_LENGTH + 1), [f"{MAX_LENGTH + 1} characters", str(MAX_LENGTH)], id="too_long"),
    ],
)
def test_problems_explain_and_give_an_example(text: str, expected_fragments: list[str]) -> None:
    result = parse_commitment(text, TODAY)
    assert isinstance(result, ParseProblem), result
    message = result.message()
    for fragment in expected_fragments:
        assert fragment in message, (fragment, message)
    assert "Nothing was saved" in message
    assert "`/commit" in message
    assert message.split("for example ", 1)[1].startswith("`/commit")


def test_exactly_max_length_is_accepted() -> None:
    text = "call Bob by Friday"
    text = "x" * (MAX_LENGTH - len(text) - 1) + " " + text
    assert len(text) == MAX_LENGTH
    result = parse_commitment(text, TODAY)
    assert isinstance(result, ParsedCommitment)
    assert result.due_date == date(2026, 11, 27)


# --------------------------------------------------------------------------- property

REAL_PIECES = [
    "by", "before", "due", "on", "until", "no later than", "every", "each", "daily", "weekly", "a day",
    "per week", "weekday", "weekdays", "week", "Friday", "fri", "Mon", "Thu", "Fridays", "and", "&",
    "next", "this", "tomorrow", "today", "eow", "end of month", "the", "at", "5pm", "9:30", "Dec", "4",
    "20", "calls", "call", "Bob", "Acme", "2026-12-04", "2020-01-01", "0001-01-01", "9999-12-31",
    "12/04", "31/02", "in 3 days", ",", ".", "!", "-", "–", "/", "é", "日本語", "🙂", "\u200b", "\n", "\t",
]

mixed_text = st.lists(
    st.one_of(
        st.sampled_from(REAL_PIECES),
        st.integers(min_value=-5, max_value=100_000).map(str),
        st.dates().map(lambda d: d.isoformat()),
        st.text(max_size=5),
    ),
    max_size=12,
).map(" ".join)


def check_result(text: str) -> None:
    result = parse_commitment(text, TODAY)
    if isinstance(result, ParsedCommitment):
        assert result.title.strip() != ""
        set_fields = [result.cadence_days is not None, result.weekly, result.due_date is not None]
        assert sum(set_fields) == 1, result
        if result.cadence_days is not None:
            assert result.cadence_days and result.cadence_days <= EVERY_DAY
        if result.due_date is not None:
            assert result.due_date >= TODAY
    else:
        assert isinstance(result, ParseProblem)
        assert result.message().strip() != ""


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_arbitrary_text_never_raises(text: str) -> None:
    check_result(text)


@settings(max_examples=200, deadline=None)
@given(mixed_text)
@example("call Bob before 0001-01-01")
@example("by by by every on")
def test_wordy_text_never_raises(text: str) -> None:
    check_result(text)
