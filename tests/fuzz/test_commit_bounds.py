"""`/commit` work is bounded whatever the text: a long text is refused before it is read, and
dateparser (the slow part) sees only a few short phrases. Before these bounds a 300-character
text of "on on on ..." kept the event loop busy for 0.2 to 0.5 s."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from handlers.rules import commit_text
from handlers.rules.commit_text import (
    MAX_DATE_PHRASE,
    MAX_DATE_TRIES,
    MAX_INPUT,
    ParsedCommitment,
    ParseProblem,
    parse_commitment,
)
from tests.fuzz.commit_timing import ADVERSARIAL, TODAY, timings


@pytest.fixture
def phrases(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Every phrase handed to dateparser while the test runs."""
    seen: list[str] = []
    real = commit_text.dateparser.parse

    def counting(phrase: str, *args: Any, **kwargs: Any) -> Any:
        seen.append(phrase)
        return real(phrase, *args, **kwargs)

    monkeypatch.setattr(commit_text.dateparser, "parse", counting)
    yield seen


@pytest.mark.parametrize("text", ADVERSARIAL, ids=lambda t: t[:12].strip().replace(" ", "_"))
def test_dateparser_sees_a_few_short_phrases_at_most(text: str, phrases: list[str]) -> None:
    result = parse_commitment(text, TODAY)
    assert isinstance(result, ParsedCommitment | ParseProblem)
    assert len(phrases) <= MAX_DATE_TRIES
    assert all(len(p) <= MAX_DATE_PHRASE for p in phrases)


@pytest.mark.parametrize("text", ["x" * (MAX_INPUT + 1), "call Bob by Friday " + " " * MAX_INPUT, "by friday " * 10_000])
def test_a_text_over_the_input_limit_is_refused_before_it_is_read(text: str, phrases: list[str]) -> None:
    result = parse_commitment(text, TODAY)
    assert isinstance(result, ParseProblem)
    assert f"That is {len(text)} characters long" in result.message()
    assert phrases == []


def test_the_last_due_marker_still_wins_over_earlier_ones() -> None:
    result = parse_commitment("talk on pricing on the call with Acme by Friday", TODAY)
    assert isinstance(result, ParsedCommitment) and result.title == "talk on pricing on the call with Acme"


def test_the_slowest_known_texts_are_read_in_well_under_a_tenth_of_a_second() -> None:
    worst_text, worst = max(timings(runs=2), key=lambda found: found[1])
    assert worst < 0.1, f"{worst * 1000:.0f} ms for {worst_text[:30]!r}"


def test_timings_script_runs() -> None:
    start = time.perf_counter()
    assert len(timings(runs=1)) == len(ADVERSARIAL)
    assert time.perf_counter() - start < 2
