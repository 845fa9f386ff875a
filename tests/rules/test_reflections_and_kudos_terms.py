"""Table tests for the reflection questions a rep can choose, and for reading and describing
the newer parts of the terms: the reflection, whether answers may be quoted, the kudos channel."""

from __future__ import annotations

import pytest

from handlers.rules.reflections import (
    DEFAULT_REFLECTION,
    REFLECTIONS,
    ask,
    read_reflection,
    reflection_of,
)
from handlers.rules.terms_text import (
    DEFAULT_TERMS,
    channel_label,
    describe,
    read_channel,
    read_kudos_channel,
    read_sharing,
)


def test_the_list_has_the_default_and_every_question_is_a_question() -> None:
    assert DEFAULT_REFLECTION in REFLECTIONS and len(REFLECTIONS) == 4
    assert all(r.question.endswith("?") and r.label and r.key == key for key, r in REFLECTIONS.items())
    assert reflection_of(None).key == reflection_of("no-such").key == DEFAULT_REFLECTION


@pytest.mark.parametrize(
    ("key", "tone", "expected"),
    [
        (None, "encouraging", "What got in the way of “20 calls”? A sentence is plenty; it stays with this check-in."),
        ("in_the_way", "straight", "What got in the way of “20 calls”? Be straight with yourself."),
        ("differently", "encouraging", "About “20 calls”: What will you do differently next time? A sentence is plenty; it stays with this check-in."),
        ("easier", "straight", "About “20 calls”: What would make this easier? Be straight with yourself."),
        ("learned", "facts", "About “20 calls”: What did you learn from it?"),
    ],
)
def test_ask(key: str | None, tone: str, expected: str) -> None:
    assert ask(key, tone, "20 calls") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ask me what I'll do differently next time", "differently"),
        ("ask what would make it easier", "easier"),
        ("what did I learn", "learned"),
        ("Ask me what got in the way", DEFAULT_REFLECTION),
        ("tell my manager after 2", None),
    ],
)
def test_read_reflection(text: str, expected: str | None) -> None:
    assert read_reflection(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("keep my answers private", False),
        ("Don't share my reflections with anyone", False),
        ("leave my notes between us", False),
        ("you can share my answers", True),
        ("ask me what got in the way", None),
    ],
)
def test_read_sharing(text: str, expected: bool | None) -> None:
    assert read_sharing(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", None),
        ("  ", None),
        ("DM only", None),
        ("#wins", "#wins"),
        ("#Team-Wins", "#team-wins"),
        ("<#C0123ABCD|wins>", "C0123ABCD"),
        ("C0123ABCD", "C0123ABCD"),
        ("19:abc123@thread.tacv2", "19:abc123@thread.tacv2"),
        ("https://teams.microsoft.com/l/channel/19%3aabc123%40thread.tacv2/Wins?groupId=g&tenantId=t", "19:abc123@thread.tacv2"),
        ("the wins channel please", None),
    ],
)
def test_read_channel(text: str, expected: str | None) -> None:
    assert read_channel(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Post kudos in #wins", "#wins"),
        ("shout-outs welcome in <#C0123ABCD|wins>", "C0123ABCD"),
        ("#wins", None),
        ("kudos are nice", None),
    ],
)
def test_read_kudos_channel(text: str, expected: str | None) -> None:
    assert read_kudos_channel(text) == expected


@pytest.mark.parametrize(
    ("channel", "expected"), [("#wins", "#wins"), ("wins", "#wins"), ("C0123ABCD", "<#C0123ABCD>"), ("19:a@thread.tacv2", "19:a@thread.tacv2")],
)
def test_channel_label(channel: str, expected: str) -> None:
    assert channel_label(channel) == expected


def test_describe_says_the_reflection_the_sharing_and_the_kudos_channel() -> None:
    assert "• After a No: I ask what got in the way." in describe(DEFAULT_TERMS)
    assert "• Your answers after a No: your manager may see them quoted when they hear about a miss or a win." in describe(DEFAULT_TERMS)
    assert "• Kudos from your manager: in your direct messages only." in describe(DEFAULT_TERMS)
    chosen = DEFAULT_TERMS.with_changes(reflection="easier", share_reflections=False, kudos_channel="#wins")
    text = describe(chosen)
    assert "• After a No: I ask what would make it easier." in text
    assert "• Your answers after a No: they stay between us; your manager never sees them." in text
    assert "• Kudos from your manager: in your direct messages, and also posted in #wins." in text
    assert "Your answers after a No" not in describe(DEFAULT_TERMS.with_changes(reflect_on_miss=False))
