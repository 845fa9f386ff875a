"""Table tests for reading a commitment's kind from its words."""

from __future__ import annotations

import pytest

from handlers.rules.commitment_kind import Kind, kind_of


@pytest.mark.parametrize(
    ("text", "one_off", "expected"),
    [
        ("20 calls every weekday", False, Kind.ACTIVITY),
        ("50 dials daily", False, Kind.ACTIVITY),
        ("book 3 meetings every week", False, Kind.ACTIVITY),
        ("10 LinkedIn messages to new prospects every day", False, Kind.ACTIVITY),
        ("2 demos every week", False, Kind.ACTIVITY),
        ("send Acme the proposal by Friday", True, Kind.DEAL),
        ("get the signed contract back from Globex by 2026-12-04", True, Kind.DEAL),
        ("follow up with Initech about the renewal by Monday", True, Kind.DEAL),
        ("send the quote to Hooli by Thursday", True, Kind.DEAL),
        ("practise the pricing pitch", False, Kind.SKILL),
        ("practice objection handling every Friday", False, Kind.SKILL),
        ("role-play discovery questions with Sam weekly", False, Kind.SKILL),
        ("rehearse the Acme demo by Wednesday", True, Kind.SKILL),
        ("update CRM daily", False, Kind.ADMIN),
        ("log my calls in Salesforce every day", False, Kind.ADMIN),
        ("submit expenses every Friday", False, Kind.ADMIN),
        ("update the forecast by Thursday", True, Kind.ADMIN),
        ("be more organised every day", False, Kind.ACTIVITY),
        ("finish it by Friday", True, Kind.DEAL),
    ],
)
def test_kind_of(text: str, one_off: bool, expected: Kind) -> None:
    assert kind_of(text, one_off=one_off) == expected


def test_case_does_not_matter() -> None:
    assert kind_of("UPDATE CRM DAILY") == kind_of("update crm daily") == Kind.ADMIN
