"""Property tests over the pure readers: whatever the text (see `tests.fuzz.strategies`),
they never raise and always answer in their documented shape."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from hypothesis import example, given, settings
from hypothesis import strategies as st

from handlers.buttons import (
    Action,
    Answer,
    CheckInAnswer,
    DeclinePartner,
    NudgeAnswer,
    OpenFormRequest,
    Payload,
    ProposalAnswer,
    ProposalChoice,
    TermsStep,
    decode,
    encode,
)
from handlers.rules.commit_text import (
    MAX_DAYS_AHEAD,
    MAX_LENGTH,
    ParsedCommitment,
    ParseProblem,
    parse_commitment,
)
from handlers.rules.terms_text import (
    TONES,
    read_days,
    read_followup,
    read_threshold,
    read_time,
    read_tone,
)
from tests.fuzz.strategies import UNICODE_DIGITS, any_character, nasty_text

RULES = settings(max_examples=300, deadline=timedelta(milliseconds=500))
"""The deadline is the point: no text may keep a reader (and so the event loop) busy."""

TODAY = date(2026, 11, 23)

parse_commitment("warm up dateparser by friday", TODAY)  # its first call loads its data: not the reader's cost


@RULES
@given(text=nasty_text, today=st.one_of(st.just(TODAY), st.dates()))
@example(text="call ² people every day", today=TODAY)
@example(text="send it by 9999-12-31", today=TODAY)
@example(text="send it by year 3000", today=TODAY)
@example(text=f"send it in {10**30} days", today=TODAY)
@example(text="send it by next friday", today=date.max)
@example(text="send it by end of month", today=date.max)
@example(text="send it by 2026-12-04", today=date.max)
@example(text="send it before 0001-01-01", today=date.min)
@example(text="x" * 100_000, today=TODAY)
@example(text="on " * 170, today=TODAY)
def test_parse_commitment_never_raises_and_explains_every_problem(text: str, today: date) -> None:
    parsed = parse_commitment(text, today)
    if isinstance(parsed, ParseProblem):
        message = parsed.message()
        assert message.strip()
        assert "Nothing was saved. Try for example `/commit" in message
        if parsed.understood:
            assert message.startswith(f"I understood {parsed.understood}, but ")
        return
    assert isinstance(parsed, ParsedCommitment)
    assert parsed.title and parsed.title == parsed.title.strip() and len(parsed.title) <= MAX_LENGTH
    kinds = [parsed.cadence_days is not None, parsed.weekly, parsed.due_date is not None]
    assert kinds.count(True) == 1, parsed
    if parsed.due_date is not None:
        assert 0 <= (parsed.due_date - today).days <= MAX_DAYS_AHEAD
    if parsed.cadence_days is not None:
        assert parsed.cadence_days and parsed.cadence_days <= frozenset(range(7))
    assert parsed.describe_when()


@RULES
@given(text=nasty_text)
@example(text="after ² misses, tell my manager")
@example(text="after ١ misses")
@example(text="at ²:30 on mon-fri")
@example(text="١٢:٣٠ every day")
@example(text="at 99:99")
@example(text="0:30 am")
@example(text="nudge " * 16_000)
@example(text="remind x " * 11_000)
def test_the_terms_readers_never_raise_and_answer_in_their_shape(text: str) -> None:
    days = read_days(text)
    assert days is None or (days and days <= frozenset(range(7)))
    at = read_time(text)
    assert at is None or isinstance(at, time)
    tone = read_tone(text)
    assert tone is None or tone in TONES
    followup = read_followup(text)
    assert followup is None or (len(followup) == 2 and any(followup))
    found, threshold = read_threshold(text)
    assert threshold is None or 1 <= threshold <= 5
    assert found or threshold is None


QUADRATIC_NUDGE = re.compile(r"\b(nudge|remind|ping)\w*\b.*\b(later|again|evening|afternoon)\b")
"""How `read_followup` found a nudge before: right, but quadratic in the text's length."""


@RULES
@given(text=st.lists(st.sampled_from(["nudge", "reminders", "ping", "later", "again", "evening", "x", "\n", " ", "-"]),
                     max_size=12).map("".join))
def test_read_followup_finds_a_nudge_where_the_old_pattern_did(text: str) -> None:
    followup = read_followup(text)
    assert (followup is not None and followup[1]) == bool(QUADRATIC_NUDGE.search(text.lower()))


@RULES
@given(digits=st.sampled_from(UNICODE_DIGITS), unit=st.sampled_from(["misses", "pm", ":30", ""]))
def test_digits_that_int_refuses_are_not_read_as_numbers(digits: str, unit: str) -> None:
    text = f"after {digits} {unit} at {digits}{unit}"
    read_time(text)
    read_threshold(text)


ids = st.integers(min_value=0, max_value=10**15 - 1)
payloads: st.SearchStrategy[Payload] = st.one_of(
    st.builds(CheckInAnswer, ids, st.sampled_from(Answer)),
    st.builds(NudgeAnswer, ids, st.sampled_from(Answer)),
    st.builds(TermsStep, st.text(any_character, max_size=10).filter(lambda s: ":" not in s), st.text(any_character, max_size=10)),
    st.builds(DeclinePartner, ids),
    st.builds(ProposalAnswer, ids, st.sampled_from(ProposalChoice)),
    st.builds(OpenFormRequest, st.text(any_character, max_size=10)),
)


@RULES
@given(action=st.one_of(st.sampled_from([a.value for a in Action]), nasty_text), value=nasty_text)
@example(action="checkin", value="²:yes")
@example(action="checkin", value="١٢:yes")
@example(action="link", value=f"{10**30}:decline")
@example(action="proposal", value="#1:accept")
@example(action="checkin", value="\ud800:no")
def test_decode_never_raises_and_what_it_reads_encodes_back(action: str, value: str) -> None:
    payload = decode(action, value)
    if payload is not None:
        assert decode(*encode(payload)) == payload


@RULES
@given(payload=payloads)
def test_every_button_the_bot_sends_decodes_to_its_payload(payload: Payload) -> None:
    assert decode(*encode(payload)) == payload
