"""A person's own page, gathered in one place and shown two ways: as the `/accountability`
reply and as Slack's App Home (with recent check-ins and buttons). Both show the rep their
terms, commitments and everything their manager was told."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from handlers import reschedule
from handlers.buttons import OpenDashboard, OpenFormRequest, button
from handlers.commitments import COMMIT_FORM, OPEN, describe_commitment
from handlers.contract.messages import Message, Section
from handlers.current_terms import current_spec
from handlers.practice_feedback import describe_feedback
from handlers.rules.terms_text import TermsSpec, describe
from handlers.terms import defaults_notice
from handlers.terms_form import TERMS_FORM
from storage.coaching_models import CoachingSession, PracticeRequest
from storage.models import CheckIn, Commitment, Notice, Person
from storage.states import CheckInStatus, CommitmentStatus, PracticeStatus
from storage.store import Tx

_ANSWERS = {
    CheckInStatus.PENDING: "waiting", CheckInStatus.YES: "✅ yes", CheckInStatus.NO: "❌ no",
    CheckInStatus.NO_ANSWER: "— no answer", CheckInStatus.VOID: "— void (didn't count)",
}


@dataclass(frozen=True)
class RepPage:
    person: Person
    spec: TermsSpec
    chosen: bool
    """False: the defaults apply until the rep answers the two questions."""
    commitments: list[Commitment]
    recent: list[tuple[CheckIn, Commitment]]
    partner: Person | None
    told: list[Notice]
    """What the partner was told, newest first."""
    team: list[Person]
    """The people who named this person as their partner."""
    sessions: list[tuple[CoachingSession, list[Commitment]]]
    """Their latest coaching sessions, newest first, each with the actions agreed."""
    practice: list[PracticeRequest]
    """Their latest practice requests, newest first."""


async def gather(tx: Tx, person: Person, now: datetime, told_limit: int = 10) -> RepPage:
    spec, chosen = await current_spec(tx, person)
    link = await tx.links.active_for_rep(person.id)
    partner = await tx.people.get(link.manager_id) if link is not None else None
    return RepPage(
        person=person, spec=spec, chosen=chosen,
        commitments=await tx.commitments.of_person(person.id, OPEN),
        recent=await tx.checkins.recent_answered(person.id, 8),
        partner=partner,
        told=await tx.notices.for_rep(person.id, told_limit) if partner is not None else [],
        team=await tx.people.reps_of(person.id),
        sessions=await _sessions(tx, person.id),
        practice=await tx.practice.of_rep(person.id, 5),
    )


async def _sessions(tx: Tx, rep_id: int) -> list[tuple[CoachingSession, list[Commitment]]]:
    sessions = await tx.sessions.of_rep(rep_id, 5)
    actions = await tx.sessions.actions_of([s.id for s in sessions])
    return [(s, actions.get(s.id, [])) for s in sessions]


_PRACTICE_STATES = {PracticeStatus.REQUESTED: "waiting for your answer", PracticeStatus.ANSWERED: "answered"}


def coaching_lines(page: RepPage) -> list[str]:
    """The rep's coaching sessions (each action with its state) and practice, for both views."""
    tz = reschedule.zone(page.person)
    lines = []
    if page.sessions:
        lines.append("Coaching sessions:")
    for session, actions in page.sessions:
        lines.append(f"• {session.created_at.astimezone(tz):%a %-d %b}: {session.topic}")
        lines += [f"    {describe_commitment(c)}{' (accepted)' if c.status == CommitmentStatus.ACTIVE else ''}" for c in actions]
    if page.practice:
        lines.append("Practice:")
    for asked in page.practice:
        state = _PRACTICE_STATES.get(asked.status) or "feedback: " + describe_feedback(asked)
        lines.append(f"• {asked.created_at.astimezone(tz):%a %-d %b}: {asked.skill} ({state})")
    return lines


def _when(page: RepPage) -> str | None:
    person = page.person
    if person.paused_until:
        return f"Paused through {person.paused_until:%a %-d %b %Y}."
    if person.next_checkin_at:
        return f"Next check-in: {reschedule.describe_instant(person.next_checkin_at, person)}."
    return None


def overview(page: RepPage) -> str:
    """The `/accountability` reply."""
    person = page.person
    lines = ["Your terms:", describe(page.spec)] if page.chosen else [defaults_notice()]
    if when := _when(page):
        lines.append(when)
    lines.append("Commitments:" if page.commitments else "No open commitments.")
    lines += [describe_commitment(c) for c in page.commitments]
    lines += coaching_lines(page)
    if page.partner is None:
        lines.append("No accountability partner named (`/accountability manager @name`).")
    else:
        lines.append(f"Your accountability partner: {page.partner.display_name}. What they were told:")
        if not page.told:
            lines.append("Nothing yet: no news is good news.")
        for n in reversed(page.told[:5]):
            lines.append(f"• {n.created_at.astimezone(reschedule.zone(person)):%a %-d %b}: {n.text.split(chr(10), 1)[0]}")
    return "\n".join(lines)


def home(page: RepPage, dashboard: bool = False) -> Message:
    """Slack's App Home: the same, in sections, with recent check-ins and buttons ("Dashboard",
    a sign-in link for the web dashboard, when it is on)."""
    tz = reschedule.zone(page.person)
    terms_lines = [
        "Your terms:" if page.chosen else "Your terms (the defaults, until you answer the two questions):",
        describe(page.spec),
    ]
    if when := _when(page):
        terms_lines.append(when)
    sections = [Section("\n".join(terms_lines), (
        button("Edit my terms" if page.chosen else "Answer the two questions", OpenFormRequest(TERMS_FORM.form_id), "primary"),
        button("Add a commitment", OpenFormRequest(COMMIT_FORM.form_id)),
        *([button("Dashboard", OpenDashboard())] if dashboard else []),
    ))]
    sections.append(Section(
        "Your commitments:\n" + (
            "\n".join(describe_commitment(c) for c in page.commitments) if page.commitments
            else "None yet. Add one with the button or `/commit 20 calls every weekday`."
        )
    ))
    if page.recent:
        rows = [f"{ci.due_at.astimezone(tz):%a %-d %b}: {c.title}: {_ANSWERS[ci.status]}" for ci, c in page.recent]
        sections.append(Section("Recent check-ins:\n" + "\n".join(rows)))
    if coaching := coaching_lines(page):
        sections.append(Section("\n".join(coaching)))
    if page.partner is None:
        sections.append(Section("Your accountability partner: nobody yet. Name one with `/accountability manager @name`."))
    else:
        told = [f"{n.created_at.astimezone(tz):%a %-d %b}: {n.text.split(chr(10), 1)[0]}" for n in page.told]
        sections.append(Section(
            f"What {page.partner.display_name} was told:\n" + ("\n".join(told) if told else "Nothing yet: no news is good news.")
        ))
    if page.team:
        names = ", ".join(r.display_name for r in page.team)
        sections.append(Section(f"Your team: you are the accountability partner of {names}. `/accountability team` shows how they are doing."))
    return Message(sections=tuple(sections), summary="Follow-Through")
