"""Every button the bot sends, as a typed payload: encoded into a neutral `Button` (action,
value) in one place and decoded back from a click in one place.

The strings are part of messages already sent, so they never change: an old button must
still decode to the same payload (or to None, which gets "that button no longer works").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from handlers.contract.messages import Button, ButtonStyle


class Action(StrEnum):
    CHECKIN = "checkin"
    NUDGE = "nudge"
    TERMS_STEP = "terms"
    PARTNER = "link"
    PROPOSAL = "proposal"
    OPEN_FORM = "form"
    KUDOS = "kudos"
    SESSION = "session"
    FOLLOW_UP = "followup"
    VERDICT = "verdict"
    PRACTICE = "practice"
    RATING = "rating"
    FORGET = "forget"
    DASHBOARD = "dashboard"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


class ProposalChoice(StrEnum):
    ACCEPT = "accept"
    DECLINE = "decline"


@dataclass(frozen=True)
class CheckInAnswer:
    """Yes / No on one commitment in a check-in message."""

    checkin_id: int
    answer: Answer


@dataclass(frozen=True)
class NudgeAnswer:
    """"Done it now" (yes) / "Not today" (no) on the later nudge after a No."""

    checkin_id: int
    answer: Answer


@dataclass(frozen=True)
class TermsStep:
    """A choice for one step of the two questions asked as a conversation."""

    step: str
    choice: str


@dataclass(frozen=True)
class DeclinePartner:
    """The person named as accountability partner declines."""

    link_id: int


@dataclass(frozen=True)
class ProposalAnswer:
    """The rep accepts or declines a commitment their manager logged for them."""

    commitment_id: int
    choice: ProposalChoice


@dataclass(frozen=True)
class OpenFormRequest:
    form_id: str


class PracticeStep(StrEnum):
    RESPOND = "respond"
    """The rep answers a practice request."""
    FEEDBACK = "feedback"
    """The manager gives feedback on a practice answer."""


class ForgetChoice(StrEnum):
    CONFIRM = "confirm"
    CANCEL = "cancel"


@dataclass(frozen=True)
class SendKudos:
    """A manager praises a rep ("Send kudos"), for a win (`notice_id`) or from the digest."""

    rep_id: int
    notice_id: int | None = None


@dataclass(frozen=True)
class LogSession:
    """A manager opens the coaching-session form for a rep, following up an escalation if
    `notice_id` is set."""

    rep_id: int
    notice_id: int | None = None


@dataclass(frozen=True)
class WillFollowUp:
    """"I'll follow up" on an escalation."""

    notice_id: int


@dataclass(frozen=True)
class FollowUpVerdictAnswer:
    """The rep says whether a follow-up was the kind they asked for."""

    follow_up_id: int
    as_asked: bool


@dataclass(frozen=True)
class PracticeAction:
    """A step on a practice request (microcoaching)."""

    practice_id: int
    step: PracticeStep


@dataclass(frozen=True)
class PracticeRating:
    """One-click feedback on a practice answer: a rating from 1 to 5."""

    practice_id: int
    rating: int


@dataclass(frozen=True)
class ForgetAnswer:
    """The rep confirms (or cancels) deleting everything stored about them."""

    choice: ForgetChoice


@dataclass(frozen=True)
class OpenDashboard:
    """"Dashboard" (App Home, the welcome): a fresh sign-in link for whoever clicks, in their own
    direct message, as `/accountability dashboard` sends."""


Payload = (
    CheckInAnswer | NudgeAnswer | TermsStep | DeclinePartner | ProposalAnswer | OpenFormRequest
    | SendKudos | LogSession | WillFollowUp | FollowUpVerdictAnswer | PracticeAction | PracticeRating
    | ForgetAnswer | OpenDashboard
)
RATINGS = range(1, 6)

_ID = re.compile(r"#?(\d{1,15})")


def button(label: str, payload: Payload, style: ButtonStyle = "default") -> Button:
    return Button(label, *encode(payload), style)


def encode(payload: Payload) -> tuple[str, str]:
    """(action, value) for a payload."""
    match payload:
        case CheckInAnswer(checkin_id, answer):
            return Action.CHECKIN, f"{checkin_id}:{answer}"
        case NudgeAnswer(checkin_id, answer):
            return Action.NUDGE, f"{checkin_id}:{answer}"
        case TermsStep(step, choice):
            return Action.TERMS_STEP, f"{step}:{choice}"
        case DeclinePartner(link_id):
            return Action.PARTNER, f"{link_id}:decline"
        case ProposalAnswer(commitment_id, choice):
            return Action.PROPOSAL, f"{commitment_id}:{choice}"
        case OpenFormRequest(form_id):
            return Action.OPEN_FORM, form_id
        case SendKudos(rep_id, notice_id):
            return Action.KUDOS, f"{rep_id}:{notice_id or 0}"
        case LogSession(rep_id, notice_id):
            return Action.SESSION, f"{rep_id}:{notice_id or 0}"
        case WillFollowUp(notice_id):
            return Action.FOLLOW_UP, str(notice_id)
        case FollowUpVerdictAnswer(follow_up_id, as_asked):
            return Action.VERDICT, f"{follow_up_id}:{'yes' if as_asked else 'no'}"
        case PracticeAction(practice_id, step):
            return Action.PRACTICE, f"{practice_id}:{step}"
        case PracticeRating(practice_id, rating):
            return Action.RATING, f"{practice_id}:{rating}"
        case ForgetAnswer(choice):
            return Action.FORGET, str(choice)
        case OpenDashboard():
            return Action.DASHBOARD, "open"


def read_id(raw: str) -> int | None:
    """A row id as typed or sent (`12`, `#12`); None for anything else, however many digits."""
    match = _ID.fullmatch(raw.strip())
    return int(match.group(1)) if match else None


def decode(action: str, value: str) -> Payload | None:
    """The payload a clicked button carries, or None if it isn't one the bot sends (any more)."""
    head, _, tail = value.partition(":")
    row_id = read_id(head)
    if action == Action.OPEN_FORM:
        return OpenFormRequest(value)
    if action == Action.TERMS_STEP:
        return TermsStep(head, tail)
    if action == Action.FORGET:
        return ForgetAnswer(ForgetChoice(value)) if value in set(ForgetChoice) else None
    if action == Action.DASHBOARD:
        return OpenDashboard() if value == "open" else None
    if row_id is None:
        return None
    if action in (Action.CHECKIN, Action.NUDGE) and tail in set(Answer):
        return (CheckInAnswer if action == Action.CHECKIN else NudgeAnswer)(row_id, Answer(tail))
    if action == Action.PARTNER and tail == "decline":
        return DeclinePartner(row_id)
    if action == Action.PROPOSAL and tail in set(ProposalChoice):
        return ProposalAnswer(row_id, ProposalChoice(tail))
    second = read_id(tail) if tail else 0
    if action in (Action.KUDOS, Action.SESSION) and second is not None:
        return (SendKudos if action == Action.KUDOS else LogSession)(row_id, second or None)
    if action == Action.FOLLOW_UP and not tail:
        return WillFollowUp(row_id)
    if action == Action.VERDICT and tail in ("yes", "no"):
        return FollowUpVerdictAnswer(row_id, tail == "yes")
    if action == Action.PRACTICE and tail in set(PracticeStep):
        return PracticeAction(row_id, PracticeStep(tail))
    if action == Action.RATING and second is not None and second in RATINGS:
        return PracticeRating(row_id, second)
    return None
