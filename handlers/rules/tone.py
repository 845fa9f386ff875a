"""The words the bot uses, in the tone the rep chose: encouraging, straight talk, or just the facts."""

from __future__ import annotations

_PHRASES: dict[str, dict[str, str]] = {
    "encouraging": {
        "checkin": "Hi {name}! Time for your check-in. How did these go?",
        "yes": "Nice work on “{title}”! 🎉",
        "no": "Thanks for being honest about “{title}”. Tomorrow is a fresh start.",
        "reflect": "What got in the way of “{title}”? A sentence is plenty; it stays with this check-in.",
        "nudge": "Still time today for “{title}”? If you get it done, tell me.",
        "note_thanks": "Thanks, noted. Knowing what got in the way is half the fix.",
    },
    "straight": {
        "checkin": "{name}, check-in time. Did you do what you said?",
        "yes": "Done: “{title}”. Keep it up.",
        "no": "Missed: “{title}”. Own it and go again.",
        "reflect": "What got in the way of “{title}”? Be straight with yourself.",
        "nudge": "You said “{title}” didn't happen. There's still time today. Done it yet?",
        "note_thanks": "Noted. Fix that and go again.",
    },
    "facts": {
        "checkin": "Check-in, {name}:",
        "yes": "Recorded: “{title}”: yes.",
        "no": "Recorded: “{title}”: no.",
        "reflect": "Reason for the miss on “{title}”?",
        "nudge": "“{title}” is still open today. Done?",
        "note_thanks": "Noted.",
    },
}


def say(tone: str, key: str, **values: str) -> str:
    return _PHRASES.get(tone, _PHRASES["encouraging"])[key].format(**values)


COACHING_PROMPTS = (
    "If this slips again, what are the top three reasons? Ask {name}, and listen for the one they can control.",
    "What evidence would tell you both this is back on track? Ask {name} to name it.",
    "Ask {name}: what would make this commitment easier to keep next week, and what support do they need from you?",
    "Ask {name} what they would tell a teammate in the same spot. Let them coach themselves first.",
)

WIN_PROMPTS = (
    "Ask {name} what made this work, so they can repeat it on purpose.",
    "Praise the behaviour, not just the result: tell {name} what you noticed they did.",
    "Ask {name} what they would like to stretch for next, now that this is a habit.",
)


def coaching_prompt(seed: int, name: str) -> str:
    return COACHING_PROMPTS[seed % len(COACHING_PROMPTS)].format(name=name)


def win_prompt(seed: int, name: str) -> str:
    return WIN_PROMPTS[seed % len(WIN_PROMPTS)].format(name=name)


KEPT_PROMPTS = (
    "Ask {name} how they made it happen on time, and what they would do the same way next time.",
    "Tell {name} what this promise kept made possible; recognition that is specific gets repeated.",
)


def kept_prompt(seed: int, name: str) -> str:
    return KEPT_PROMPTS[seed % len(KEPT_PROMPTS)].format(name=name)
