"""A rep's accountability terms as plain values: the defaults, plain-words descriptions,
and what can be read from the rep's own answers to the two questions. No I/O."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import time
from urllib.parse import unquote

from handlers.rules.due_times import DAY_PATTERN, DAY_WORDS, describe_days
from handlers.rules.reflections import reflection_of
from handlers.rules.runs import Policy

QUESTION_1 = (
    "How can I be your accountability partner in a way that will be supportive of you, "
    "and not micromanaging or negative?"
)
QUESTION_2 = "How do you want me to follow up with you if you don't honor the commitments you make?"

TONES = {
    "encouraging": "an encouraging tone",
    "straight": "straight talk",
    "facts": "just the facts",
}


@dataclass(frozen=True)
class TermsSpec:
    """Everything a rep decides about how they are held accountable."""

    checkin_days: frozenset[int] = frozenset(range(5))
    checkin_time: time = time(16, 30)
    tone: str = "encouraging"
    reflect_on_miss: bool = True
    nudge_later: bool = False
    escalate_after: int | None = 2
    no_answer_is_miss: bool = True
    share_streak_every: int | None = 5
    share_oneoff_wins: bool = True
    support_words: str | None = None
    followup_words: str | None = None
    reflection: str | None = None
    """Which reflection question a No gets (a key of the project's list); None: the default."""
    share_reflections: bool = True
    """The rep's reflections may be quoted to their manager inside an escalation."""
    kudos_channel: str | None = None
    """A team channel where kudos may also be posted; None: only the rep's DM."""

    @property
    def policy(self) -> Policy:
        return Policy(
            escalate_after=self.escalate_after,
            no_answer_is_miss=self.no_answer_is_miss,
            share_streak_every=self.share_streak_every,
            share_oneoff_wins=self.share_oneoff_wins,
        )

    def with_changes(self, **changes: object) -> TermsSpec:
        return replace(self, **changes)  # type: ignore[arg-type]


DEFAULT_TERMS = TermsSpec()


def describe_followup(spec: TermsSpec) -> str:
    parts = []
    if spec.reflect_on_miss:
        parts.append(f"I ask {reflection_of(spec.reflection).label}")
    if spec.nudge_later:
        parts.append("I nudge you again later that day")
    return " and ".join(parts) if parts else "I leave it with you"


def describe_escalation(spec: TermsSpec, *, to_manager: bool = False) -> str:
    who, hears = ("you", "hear") if to_manager else ("your manager", "hears")
    if spec.escalate_after is None:
        return f"{who} never {hears} about misses from me"
    n = spec.escalate_after
    return f"{who} {hears} after {n} miss{'es' if n != 1 else ''} in a row on the same commitment"


def describe_wins(spec: TermsSpec, *, to_manager: bool = False) -> str:
    who, hears = ("you", "hear") if to_manager else ("your manager", "hears")
    wins = []
    if spec.share_streak_every:
        wins.append(f"streaks of {spec.share_streak_every} kept check-ins")
    if spec.share_oneoff_wins:
        wins.append("one-off promises kept")
    if wins:
        return f"{who} {hears} about " + " and ".join(wins)
    return "wins stay private" if to_manager else "your wins stay between us"


def describe_sharing(spec: TermsSpec) -> str:
    if spec.share_reflections:
        return "your manager may see them quoted when they hear about a miss or a win"
    return "they stay between us; your manager never sees them"


def channel_label(channel: str) -> str:
    """A channel as the bot names it: a Slack id as a link Slack renders (`<#C123>`), else `#name`."""
    if re.fullmatch(r"[CG][A-Z0-9]{6,}", channel):
        return f"<#{channel}>"
    return channel if channel.startswith("#") or ":" in channel else f"#{channel}"


def describe_kudos(spec: TermsSpec) -> str:
    if spec.kudos_channel:
        return f"in your direct messages, and also posted in {channel_label(spec.kudos_channel)}"
    return "in your direct messages only"


def read_channel(text: str) -> str | None:
    """A team channel as a rep gives it: a Slack channel id or `<#C123|name>` mention, a Teams
    channel id or a pasted "Get link to channel" address, or a `#name`; None for none."""
    raw = text.strip()
    if not raw or raw.lower() in ("none", "no", "-", "dm", "dm only", "skip"):
        return None
    if mention := re.fullmatch(r"<#([A-Z0-9]+)(?:\|[^>]*)?>", raw):
        return mention.group(1)
    if link := re.search(r"/l/channel/([^/?#\s]+)", raw):
        return unquote(link.group(1))[:200]
    found = re.search(r"#([\w.-]{1,80})", raw)
    if found and not raw.startswith("19:"):
        return "#" + found.group(1).lower()
    return raw[:200] if re.fullmatch(r"[\w:@.#-]{1,200}", raw) else None


def describe(spec: TermsSpec) -> str:
    """The terms in plain words, second person, as the rep reads them."""
    lines = [
        f"• Check-ins: {describe_days(spec.checkin_days)} at {spec.checkin_time:%H:%M} your time, "
        f"with {TONES[spec.tone]}.",
        f"• After a No: {describe_followup(spec)}.",
        f"• Misses: {describe_escalation(spec)}; "
        + ("no answer by the end of the day counts as a miss." if spec.no_answer_is_miss
           else "no answer by the end of the day is not counted as a miss."),
        f"• Wins: {describe_wins(spec)}.",
    ]
    if spec.reflect_on_miss:
        lines.append(f"• Your answers after a No: {describe_sharing(spec)}.")
    lines.append(f"• Kudos from your manager: {describe_kudos(spec)}.")
    if spec.support_words:
        lines.append(f"• In your words, how to support you: “{spec.support_words}”")
    if spec.followup_words:
        lines.append(f"• In your words, how to follow up: “{spec.followup_words}”")
    return "\n".join(lines)


_NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "once": 1, "twice": 2}


def read_days(text: str) -> frozenset[int] | None:
    """Check-in days named in free text, or None if none are named."""
    low = text.lower()
    if re.search(r"\b(every ?day|daily|each day|7 days)\b", low):
        return frozenset(range(7))
    if re.search(r"\b(week ?days|work ?days|monday to friday|mon ?- ?fri|mon to fri|monday through friday)\b", low):
        return frozenset(range(5))
    span = re.search(rf"\b({DAY_PATTERN})s?\s*(?:-|to|through|thru|until)\s*({DAY_PATTERN})s?\b", low)
    if span:
        first, last = DAY_WORDS[span.group(1)], DAY_WORDS[span.group(2)]
        length = (last - first) % 7 + 1
        return frozenset((first + i) % 7 for i in range(length))
    found = {DAY_WORDS[m] for m in re.findall(rf"\b({DAY_PATTERN})s?\b", low)}
    return frozenset(found) if found else None


def read_time(text: str) -> time | None:
    """A clock time in free text: "17:15", "5pm", "5:30 pm", "at 9"."""
    low = text.lower()
    m = re.search(r"\b([01]?\d|2[0-3])[:.h]([0-5]\d)\s*(am|pm)?\b", low)
    if m:
        hour, minute, meridiem = int(m.group(1)), int(m.group(2)), m.group(3)
        return _to_time(hour, minute, meridiem)
    m = re.search(r"\b(1[0-2]|0?[1-9])\s*(am|pm|a\.m\.|p\.m\.)", low)
    if m:
        return _to_time(int(m.group(1)), 0, m.group(2).replace(".", ""))
    m = re.search(r"\bat\s+([01]?\d|2[0-3])\b(?!\s*(?:miss|day|time|streak))", low)
    if m:
        return time(int(m.group(1)), 0)
    if re.search(r"\bnoon\b", low):
        return time(12, 0)
    return None


def _to_time(hour: int, minute: int, meridiem: str | None) -> time | None:
    if meridiem:
        if hour > 12 or hour == 0:
            return None
        hour = hour % 12 + (12 if meridiem.startswith("p") else 0)
    return time(hour, minute)


def read_tone(text: str) -> str | None:
    low = text.lower()
    if re.search(r"\b(straight|direct|blunt|honest|no fluff|tough)\b", low):
        return "straight"
    if re.search(r"\b(facts?|brief|short|concise|just the numbers|no chit ?chat)\b", low):
        return "facts"
    if re.search(r"\b(encourag\w*|positive|kind|gentle|supportive|upbeat|cheer\w*)\b", low):
        return "encouraging"
    return None


_NUDGE = re.compile(r"\b(nudge|remind|ping)\w*\b")
_LATER = re.compile(r"\b(later|again|evening|afternoon)\b")


def read_followup(text: str) -> tuple[bool, bool] | None:
    """(reflect on a miss, nudge again later) if the text says how to follow up."""
    low = text.lower()
    reflect = bool(re.search(r"(what got in the way|ask me (why|what)|reflect|what happened|talk it through)", low))
    return (reflect, _asks_for_nudge(low)) if reflect or _asks_for_nudge(low) else None


def _asks_for_nudge(low: str) -> bool:
    """A "nudge/remind/ping" word with "later/again/..." after it on the same line. Searched as two
    steps: the one pattern `nudge.*later` took time quadratic in the text (15 s for 100 KB of "nudge")."""
    for line in low.split("\n"):
        asked = _NUDGE.search(line)
        if asked and _LATER.search(line, asked.end()):
            return True
    return False


def read_sharing(text: str) -> bool | None:
    """Whether the rep's own words let their answers after a No be quoted to their manager."""
    low = text.lower()
    if re.search(r"\b(keep|leave)\s+(my\s+)?(answers|reflections|reasons|notes)\s+(private|between us|to myself)\b", low) or \
            re.search(r"\b(don'?t|do not|never)\s+(share|quote|show|pass on)\s+(my\s+)?(answers|reflections|reasons|notes)\b", low):
        return False
    if re.search(r"\b(share|quote|show)\s+(my\s+)?(answers|reflections|reasons|notes)\b", low):
        return True
    return None


def read_kudos_channel(text: str) -> str | None:
    """A team channel the rep's own words name for kudos ("post kudos in #wins")."""
    low = text.lower()
    if not re.search(r"\b(kudos|shout-?outs?|praise)\b", low):
        return None
    found = re.search(r"(<#[A-Z0-9]+(?:\|[^>]*)?>|#[\w.-]{1,80})", text)
    return read_channel(found.group(1)) if found else None


def read_threshold(text: str) -> tuple[bool, int | None]:
    """(found, N) where N is misses in a row before the manager hears, None meaning never."""
    low = text.lower()
    m = re.search(r"\bafter\s+(\d|one|two|three|four|five)\s+(?:misses|missed|miss|no'?s|strikes|days)", low)
    if m:
        raw = m.group(1)
        n = int(raw) if raw.isdigit() else _NUMBER_WORDS[raw]
        if 1 <= n <= 5:
            return True, n
    if re.search(r"\b(never|don'?t|do not)\s+(tell|involve|bother|escalate|loop in|notify)\s+(my |the )?(manager|boss|lead)", low):
        return True, None
    if re.search(r"\bnever\s+(tell|involve|escalate|notify)\b", low):
        return True, None
    if re.search(r"\bfirst (miss|time)\b", low):
        return True, 1
    return False, None
