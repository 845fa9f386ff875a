"""Writing one manager's digest from its facts, most urgent first: who needs help with what,
what is sliding before it slips, wins worth praising, the team's follow-through and its trend,
and anyone the bot can't reach or who is away. Each item carries the button that fits it."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from zoneinfo import ZoneInfo

from handlers.buttons import LogSession, SendKudos, WillFollowUp, button
from handlers.contract.messages import Button, Message, Section
from handlers.digest_facts import RepFacts, StatusCounts, TeamFacts
from handlers.digest_schedule import PERIOD_WORDS
from handlers.rules import tone
from handlers.rules.due_times import WEEKDAY_NAMES, local_date_of
from handlers.rules.follow_through import (
    SILENT_AFTER,
    Rate,
    arrow,
    is_falling,
    percent,
    rate,
    stopped_answering,
    trend_points,
)
from storage.models import Commitment, Notice
from storage.states import CheckInStatus, NoticeKind

STREAK_WORTH = 3
"""Kept check-ins in a row that make a streak worth praising in the digest."""
UNREACHABLE = "can't be reached by Follow-Through (the app was removed or blocked); check in with them directly."

Item = tuple[str, str, tuple[Button, ...]]
"""(rep's name, the line, its buttons)."""


def _sum(counts: Iterable[StatusCounts]) -> StatusCounts:
    total: StatusCounts = {}
    for one in counts:
        for status, n in one.items():
            total[status] = total.get(status, 0) + n
    return total


def _rates(rep: RepFacts, this: Mapping[int, StatusCounts], before: Mapping[int, StatusCounts]) -> tuple[Rate, Rate]:
    miss = rep.spec.no_answer_is_miss
    return rate(_sum(this.values()), miss), rate(_sum(before.values()), miss)


def _names(names: list[str]) -> str:
    unique = list(dict.fromkeys(names))
    return unique[0] if len(unique) == 1 else ", ".join(unique[:-1]) + " and " + unique[-1]


def _escalation(team: TeamFacts, commitment: Commitment) -> tuple[Notice, bool] | None:
    """The latest escalation notice about `commitment`, and whether its follow-up is still open."""
    found = [(n, f is None or f.action is None) for n, f in team.notices
             if n.kind == NoticeKind.ESCALATION and n.commitment_id == commitment.id]
    return found[-1] if found else None


def _slipping(rep: RepFacts) -> list[Commitment]:
    return [c for c in rep.commitments if c.miss_run >= 1 and rep.spec.escalate_after is not None]


def exceptions(team: TeamFacts) -> list[Item]:
    """Ongoing runs of misses (not for a rep who chose that their manager never hears of misses),
    quoting the rep's reflection only for a run their manager was told about, where they allow it."""
    items: list[Item] = []
    for rep in team.reps:
        for c in _slipping(rep):
            name = rep.rep.display_name
            note = team.notes.get(c.id) if c.escalated_in_run and rep.spec.share_reflections else None
            words = f" In their words: “{note}”" if note else ""
            escalation = _escalation(team, c) if c.escalated_in_run else None
            buttons = [button("Log a session", LogSession(rep.rep.id, escalation[0].id if escalation else None))]
            if escalation is not None and escalation[1]:
                buttons.append(button("I'll follow up", WillFollowUp(escalation[0].id)))
            items.append((name, f"• {name}: “{c.title}”, missed {c.miss_run} in a row.{words}", tuple(buttons)))
    return items


def indicators(team: TeamFacts, slipped: set[int]) -> list[Item]:
    """Follow-through falling on a commitment, and reps who stopped answering."""
    this_words, before_words = PERIOD_WORDS[team.manager.digest_cadence]
    items: list[Item] = []
    for rep in team.reps:
        name, session = rep.rep.display_name, (button("Log a session", LogSession(rep.rep.id)),)
        for c in rep.commitments:
            now, then = (rate(counts.get(c.id, {}), rep.spec.no_answer_is_miss) for counts in (rep.this, rep.before))
            if c.id not in slipped and is_falling(now, then):
                line = f"• {name}: “{c.title}” kept {now[0]} of {now[1]} {this_words}, down from {then[0]} of {then[1]} {before_words}."
                items.append((name, line, session))
        if rep.rep.reachable and stopped_answering(rep.latest):
            items.append((name, f"• {name} hasn't answered the last {SILENT_AFTER} check-ins; a friendly hello may help.", session))
    return items


def wins(team: TeamFacts) -> list[Item]:
    """The wins reps chose to share in this period, then streaks with no win told yet."""
    start, end = team.this
    reps = {rep.rep.id: rep for rep in team.reps}
    items: list[Item] = []
    told: set[int | None] = set()
    for notice, _ in team.notices:
        rep = reps.get(notice.rep_id)
        if notice.kind != NoticeKind.WIN or rep is None or not start <= notice.created_at < end:
            continue
        told.add(notice.commitment_id)
        headline = notice.text.split("\n", 1)[0].removeprefix("🎉 ")
        items.append((rep.rep.display_name, f"• {headline}", (button("Send kudos", SendKudos(rep.rep.id, notice.id)),)))
    for rep in team.reps:
        if rep.spec.share_streak_every is None:
            continue
        for c in rep.commitments:
            if c.yes_run >= STREAK_WORTH and c.id not in told:
                name = rep.rep.display_name
                items.append((name, f"• {name}: “{c.title}”, {c.yes_run} in a row.", (button("Send kudos", SendKudos(rep.rep.id)),)))
    return items


def follow_through(team: TeamFacts) -> tuple[str, str]:
    """The team's rate with its trend, and each rep's compactly (void check-ins apart)."""
    this_words, before_words = PERIOD_WORDS[team.manager.digest_cadence]
    per_rep: list[str] = []
    kept = counted = prev_kept = prev_counted = 0
    for rep in team.reps:
        now, then = _rates(rep, rep.this, rep.before)
        kept, counted, prev_kept, prev_counted = kept + now[0], counted + now[1], prev_kept + then[0], prev_counted + then[1]
        shown = f"{now[0]}/{now[1]}" if now[1] else "no check-ins"
        trend = arrow(now, then)
        void = _sum(rep.this.values()).get(CheckInStatus.VOID, 0)
        per_rep.append(f"{rep.rep.display_name} {shown}" + (f" {trend}" if trend else "") + (f" ({void} void, not counted)" if void else ""))
    return _team_line(this_words, before_words, (kept, counted), (prev_kept, prev_counted)), "By person: " + ", ".join(per_rep) + "."


def _team_line(this_words: str, before_words: str, now: Rate, then: Rate) -> str:
    shown = percent(*now)
    if shown is None:
        return f"Team follow-through {this_words}: nothing to count yet."
    points = trend_points(now, then)
    if points is None:
        trend = ""
    elif points == 0:
        trend = f" (the same as {before_words})"
    else:
        trend = f" ({'up' if points > 0 else 'down'} {abs(points)} point{'s' if abs(points) != 1 else ''} on {before_words})"
    return f"Team follow-through {this_words}: {shown}%{trend}."


def away(team: TeamFacts) -> list[str]:
    """Reps the bot can't reach (the app removed or blocked) and reps on a pause."""
    lines: list[str] = []
    for rep in team.reps:
        person = rep.rep
        if not person.reachable:
            lines.append(f"• {person.display_name} {UNREACHABLE}")
        elif person.paused_until is not None and person.paused_until >= _today(team, person.tz):
            until: date = person.paused_until
            lines.append(f"• {person.display_name} is away until {WEEKDAY_NAMES[until.weekday()]} {until.day} {until:%b}: nothing is due till then.")
    return lines


def _today(team: TeamFacts, tz: str) -> date:
    return local_date_of(team.this[1], ZoneInfo(tz))


def _block(heading: str, items: list[Item]) -> list[Section]:
    return [Section(heading), *(Section(line, buttons) for _, line, buttons in items)] if items else []


def compose(team: TeamFacts, title: str, *, roster: bool = False) -> Message:
    """The digest: one line when all is on track (then any wins, and anyone away); with
    `roster`, the line per person follows even then (the `team` view names everyone)."""
    slipped = exceptions(team)
    slipped_ids = {c.id for rep in team.reps for c in _slipping(rep)}
    sliding = indicators(team, slipped_ids)
    praise = wins(team)
    gone = [Section(line) for line in away(team)]
    gone = [Section("Can't be reached or away:"), *gone] if gone else []
    team_rate, per_rep = follow_through(team)
    if not slipped and not sliding:
        first = f"{title} All on track: nothing slipped and nothing is sliding. {team_rate}"
        names = (Section(per_rep),) if roster else ()
        return Message(sections=(Section(first), *names, *_block("Worth praising:", praise), *gone), summary=first)
    first = f"{title} Needs your help: {_names([name for name, _, _ in slipped + sliding])}."
    sections = [Section(first), *(Section(line, buttons) for _, line, buttons in slipped)]
    if slipped:
        sections.append(Section("Coaching prompt: " + tone.coaching_prompt(len(slipped), slipped[0][0])))
    sections += [*_block("Worth a word before it slips:", sliding), *_block("Worth praising:", praise), Section(f"{team_rate}\n{per_rep}"), *gone]
    return Message(sections=tuple(sections), summary=first)
