"""The states a stored row can be in, as enums (stored as their string values)."""

from __future__ import annotations

from enum import StrEnum


class CommitmentStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    PROPOSED = "proposed"
    """Logged by a manager for the rep, waiting for the rep to accept it."""
    DONE = "done"
    DROPPED = "dropped"


class CheckInStatus(StrEnum):
    PENDING = "pending"
    YES = "yes"
    NO = "no"
    NO_ANSWER = "no_answer"
    """The rep's day ended without an answer."""
    VOID = "void"
    """It stopped mattering before it was answered: its commitment was done, dropped or paused,
    or the rep paused. Never a miss, never part of a run."""


class LinkStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"
    """The rep named someone else."""
    DECLINED = "declined"


class NoticeKind(StrEnum):
    ESCALATION = "escalation"
    WIN = "win"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    """Given up on this one message (refused for good, or too many failed attempts)."""
    DEAD = "dead"
    """The recipient can't be reached at all (app removed or blocked)."""


class OutboxOperation(StrEnum):
    SEND = "send"
    UPDATE = "update"
    """Edit a message sent earlier under the same message key."""


class FollowUpAction(StrEnum):
    """What a manager did about an escalation."""

    PROMISED = "promised"
    """Clicked "I'll follow up"."""
    SESSION = "session"
    """Logged a coaching session with the rep."""


class FollowUpVerdict(StrEnum):
    """The rep's one-click answer after a follow-up: was it the kind they asked for?"""

    AS_ASKED = "as_asked"
    NOT_AS_ASKED = "not_as_asked"


class PracticeStatus(StrEnum):
    REQUESTED = "requested"
    ANSWERED = "answered"
    """The rep sent their practice (text or a file)."""
    REVIEWED = "reviewed"
    """The manager gave feedback."""


class DigestCadence(StrEnum):
    """How often a manager's digest comes (at their chosen local time)."""

    DAILY = "daily"
    """Each of the manager's working days: not weekends, not their holidays or pause."""
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    """Every two weeks, on the chosen weekday."""
