"""Every button payload survives encode -> decode, and anything else decodes to None (which
gets "that button no longer works", never an error)."""

from __future__ import annotations

import pytest

from handlers.buttons import (
    Answer,
    CheckInAnswer,
    DeclinePartner,
    FollowUpVerdictAnswer,
    ForgetAnswer,
    ForgetChoice,
    LogSession,
    NudgeAnswer,
    OpenDashboard,
    OpenFormRequest,
    Payload,
    PracticeAction,
    PracticeRating,
    PracticeStep,
    ProposalAnswer,
    ProposalChoice,
    SendKudos,
    TermsStep,
    WillFollowUp,
    decode,
    encode,
)

PAYLOADS: list[Payload] = [
    CheckInAnswer(1, Answer.YES), NudgeAnswer(2, Answer.NO), TermsStep("tone", "encouraging"),
    DeclinePartner(3), ProposalAnswer(4, ProposalChoice.ACCEPT), OpenFormRequest("terms"),
    SendKudos(5), SendKudos(5, 9), LogSession(6), LogSession(6, 10), WillFollowUp(7),
    FollowUpVerdictAnswer(8, True), FollowUpVerdictAnswer(8, False),
    PracticeAction(9, PracticeStep.RESPOND), PracticeAction(9, PracticeStep.FEEDBACK),
    PracticeRating(10, 1), PracticeRating(10, 5), ForgetAnswer(ForgetChoice.CONFIRM),
    ForgetAnswer(ForgetChoice.CANCEL), OpenDashboard(),
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=repr)
def test_round_trip(payload: Payload) -> None:
    assert decode(*encode(payload)) == payload


@pytest.mark.parametrize(("action", "value"), [
    ("rating", "8:6"), ("rating", "8:0"), ("followup", "5:x"), ("forget", "maybe"), ("kudos", "3:x"),
    ("verdict", "3:perhaps"), ("practice", "3:dance"), ("checkin", "1:maybe"), ("nope", "1:yes"),
    ("session", "x:1"), ("kudos", "9" * 20), ("dashboard", "12"), ("dashboard", ""),
])
def test_anything_else_is_no_button(action: str, value: str) -> None:
    assert decode(action, value) is None
