"""The reflection questions a rep can choose from for after a No, by key, and how each is
asked in the rep's tone. No I/O."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.rules import tone


@dataclass(frozen=True)
class Reflection:
    key: str
    question: str
    """The question as the rep picks it, e.g. "What got in the way?"."""
    label: str
    """How it reads inside a sentence: "I ask what got in the way"."""


DEFAULT_REFLECTION = "in_the_way"

REFLECTIONS: dict[str, Reflection] = {
    r.key: r
    for r in (
        Reflection(DEFAULT_REFLECTION, "What got in the way?", "what got in the way"),
        Reflection("differently", "What will you do differently next time?", "what you'll do differently next time"),
        Reflection("easier", "What would make this easier?", "what would make it easier"),
        Reflection("learned", "What did you learn from it?", "what you learned from it"),
    )
}


def reflection_of(key: str | None) -> Reflection:
    """The reflection a stored key names; an unknown or missing key is the default."""
    return REFLECTIONS.get(key or DEFAULT_REFLECTION, REFLECTIONS[DEFAULT_REFLECTION])


_CLOSERS = {
    "encouraging": "A sentence is plenty; it stays with this check-in.",
    "straight": "Be straight with yourself.",
    "facts": "",
}


def ask(key: str | None, tone_key: str, title: str) -> str:
    """The question after a No on `title`, in the rep's tone."""
    chosen = reflection_of(key)
    if chosen.key == DEFAULT_REFLECTION:
        return tone.say(tone_key, "reflect", title=title)
    closer = _CLOSERS.get(tone_key, _CLOSERS["encouraging"])
    return f"About “{title}”: {chosen.question} {closer}".strip()


def read_reflection(text: str) -> str | None:
    """The reflection a rep's own words ask for, if they name one."""
    low = text.lower()
    if "differently" in low:
        return "differently"
    if "easier" in low:
        return "easier"
    if "learn" in low:
        return "learned"
    if "got in the way" in low:
        return DEFAULT_REFLECTION
    return None
