"""Table tests for the tone rules: every tone has every phrase, an unknown tone falls back to
encouraging, and prompts rotate by their seed and name the rep."""

from __future__ import annotations

import pytest

from handlers.rules import tone

KEYS = ("checkin", "yes", "no", "reflect", "nudge", "note_thanks")


@pytest.mark.parametrize(
    ("chosen", "key", "expected"),
    [
        ("encouraging", "yes", "Nice work on “20 calls”! 🎉"),
        ("straight", "no", "Missed: “20 calls”. Own it and go again."),
        ("facts", "yes", "Recorded: “20 calls”: yes."),
        ("facts", "checkin", "Check-in, Mona:"),
        ("no-such-tone", "yes", "Nice work on “20 calls”! 🎉"),
    ],
)
def test_say_in_the_chosen_tone(chosen: str, key: str, expected: str) -> None:
    assert tone.say(chosen, key, name="Mona", title="20 calls") == expected


@pytest.mark.parametrize("chosen", ["encouraging", "straight", "facts"])
@pytest.mark.parametrize("key", KEYS)
def test_every_tone_has_every_phrase(chosen: str, key: str) -> None:
    said = tone.say(chosen, key, name="Mona", title="20 calls")
    assert said and "{" not in said


@pytest.mark.parametrize(
    ("pick", "prompts"),
    [(tone.coaching_prompt, tone.COACHING_PROMPTS), (tone.win_prompt, tone.WIN_PROMPTS), (tone.kept_prompt, tone.KEPT_PROMPTS)],
)
def test_prompts_rotate_by_seed_and_name_the_rep(pick: object, prompts: tuple[str, ...]) -> None:
    assert callable(pick)
    said = [pick(seed, "Mona") for seed in range(len(prompts) * 2)]
    assert said[: len(prompts)] == [p.format(name="Mona") for p in prompts]
    assert said[len(prompts):] == said[: len(prompts)]
    assert all("Mona" in s for s in said)
