"""Self-coaching prompts, by commitment kind: one short question a rep can put to themselves
after a few misses in a row. Each has a key that never changes (offers are stored by it).
No I/O."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.rules.commitment_kind import Kind


@dataclass(frozen=True)
class Prompt:
    key: str
    kind: Kind
    text: str


LIBRARY: tuple[Prompt, ...] = (
    Prompt("activity.control", Kind.ACTIVITY,
           "Of everything that crowded out your outreach, which part was actually in your control?"),
    Prompt("activity.block", Kind.ACTIVITY,
           "If you put a 30-minute block for it in tomorrow's calendar, what would you have to say no to?"),
    Prompt("activity.smallest", Kind.ACTIVITY,
           "What is the smallest version of this you could do even on a bad day? Five calls still count."),
    Prompt("activity.evidence", Kind.ACTIVITY,
           "Look at your last good week: what did you do differently then that you could repeat?"),
    Prompt("activity.teammate", Kind.ACTIVITY,
           "If a teammate told you they'd missed this twice, what would you ask them first?"),
    Prompt("deal.customer", Kind.DEAL,
           "If you were this customer, what would you need to see from us to say yes this week?"),
    Prompt("deal.evidence", Kind.DEAL,
           "What evidence do you have that the customer is still moving? Something they did, not something they said."),
    Prompt("deal.reasons", Kind.DEAL,
           "If this deal slipped away, what would the top three reasons be? Which one can you act on today?"),
    Prompt("deal.next_step", Kind.DEAL,
           "What is the one next step that only you can take, and when will you take it?"),
    Prompt("skill.rep", Kind.SKILL,
           "Could you practise just one minute of it today: record yourself, or try it on a colleague?"),
    Prompt("skill.better", Kind.SKILL,
           "What would \"a bit better\" look like by Friday? Name one thing you would hear yourself do."),
    Prompt("skill.customer", Kind.SKILL,
           "Picture the customer hearing it: which part would they find most convincing, and which least?"),
    Prompt("skill.help", Kind.SKILL,
           "Who on the team does this well, and what one question could you ask them?"),
    Prompt("admin.why", Kind.ADMIN,
           "Who relies on this being up to date, and what would it save you if it were?"),
    Prompt("admin.habit", Kind.ADMIN,
           "What could you attach it to that you already do every day, like the last ten minutes before a break?"),
    Prompt("admin.smallest", Kind.ADMIN,
           "What is the two-minute version of this you could do right after each call?"),
    Prompt("admin.control", Kind.ADMIN,
           "What got in the way: the tool, the time, or the habit? Which of those is yours to change?"),
)


def prompts_for(kind: Kind) -> tuple[Prompt, ...]:
    return tuple(prompt for prompt in LIBRARY if prompt.kind == kind)


def choose(kind: Kind, recently_offered: frozenset[str]) -> Prompt | None:
    """The first prompt for `kind` not offered recently, or None when all of them were."""
    return next((prompt for prompt in prompts_for(kind) if prompt.key not in recently_offered), None)


_INTROS = {
    "encouraging": "“{title}” has slipped {n} times in a row; that happens to everyone. One question to take with you, "
                   "if it helps: {prompt} No need to answer me; it's yours.",
    "straight": "“{title}”: {n} misses in a row. One question for you: {prompt} No need to answer me.",
    "facts": "Self-coaching prompt for “{title}”: {prompt}",
}


def offer_text(tone: str, title: str, misses: int, prompt: Prompt) -> str:
    """The one message that offers `prompt`, in the rep's tone."""
    return _INTROS.get(tone, _INTROS["encouraging"]).format(title=title, n=misses, prompt=prompt.text)
