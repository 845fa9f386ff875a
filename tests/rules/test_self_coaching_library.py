"""Table tests for the self-coaching library: every kind has prompts, none empty or long,
keys unique and named after their kind, chosen in order skipping the recent ones, and the
offer reads in every tone."""

from __future__ import annotations

import pytest

from handlers.rules.commitment_kind import Kind
from handlers.rules.self_coaching_library import (
    LIBRARY,
    Prompt,
    choose,
    offer_text,
    prompts_for,
)


@pytest.mark.parametrize("kind", list(Kind))
def test_every_kind_has_four_or_five_prompts(kind: Kind) -> None:
    assert 4 <= len(prompts_for(kind)) <= 5


def test_keys_are_unique_and_named_after_their_kind() -> None:
    keys = [prompt.key for prompt in LIBRARY]
    assert len(keys) == len(set(keys))
    assert all(prompt.key.startswith(f"{prompt.kind}.") and len(prompt.key) <= 64 for prompt in LIBRARY)


@pytest.mark.parametrize("prompt", LIBRARY, ids=lambda p: p.key)
def test_prompts_are_short_questions(prompt: Prompt) -> None:
    text = prompt.text
    assert text.strip() == text and 20 <= len(text) <= 160
    assert "?" in text, "an offer to think, so a question"
    assert text.count(". ") + text.count("? ") <= 1, "one or two sentences"


@pytest.mark.parametrize(
    ("kind", "recent", "expected"),
    [
        (Kind.ACTIVITY, frozenset(), "activity.control"),
        (Kind.ACTIVITY, frozenset({"activity.control"}), "activity.block"),
        (Kind.DEAL, frozenset({"activity.control", "deal.customer"}), "deal.evidence"),
        (Kind.SKILL, frozenset(), "skill.rep"),
        (Kind.ADMIN, frozenset({"admin.why", "admin.habit", "admin.smallest"}), "admin.control"),
        (Kind.ADMIN, frozenset(p.key for p in prompts_for(Kind.ADMIN)), None),
    ],
)
def test_choose_skips_what_was_offered_recently(kind: Kind, recent: frozenset[str], expected: str | None) -> None:
    chosen = choose(kind, recent)
    assert (chosen.key if chosen else None) == expected


@pytest.mark.parametrize(
    ("tone", "expected"),
    [
        ("encouraging", "“20 calls” has slipped 2 times in a row; that happens to everyone. One question to take with you, if it helps: "),
        ("straight", "“20 calls”: 2 misses in a row. One question for you: "),
        ("facts", "Self-coaching prompt for “20 calls”: "),
        ("unknown", "“20 calls” has slipped 2 times in a row;"),
    ],
)
def test_the_offer_is_one_message_in_the_reps_tone(tone: str, expected: str) -> None:
    prompt = prompts_for(Kind.ACTIVITY)[0]
    said = offer_text(tone, "20 calls", 2, prompt)
    assert said.startswith(expected) and prompt.text in said and "\n" not in said
