"""What kind of commitment a text is (activity, deal, skill or admin), read from its words,
so a self-coaching prompt can fit it. No I/O."""

from __future__ import annotations

import re
from enum import StrEnum


class Kind(StrEnum):
    ACTIVITY = "activity"
    """Volume of outreach: calls, emails, meetings booked."""
    DEAL = "deal"
    """Moving one customer's deal: a proposal, a quote, a follow-up with a named account."""
    SKILL = "skill"
    """Getting better at something: practising a pitch, role-play, a course."""
    ADMIN = "admin"
    """Keeping the records straight: CRM, forecast, expenses, notes."""


# Checked in this order: "practise the pricing pitch" is a skill even though pricing is deal talk,
# and "log my calls in the CRM" is admin even though calls are activity.
_RULES: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (Kind.SKILL, re.compile(
        r"\b(practi[sc]e\w*|rehears\w*|role[- ]?play\w*|learn\w*|train\w*|course|study|read\w*|"
        r"get better|improve my|work on my|objection handling|discovery questions)\b")),
    (Kind.ADMIN, re.compile(
        r"\b(crm|salesforce|hubspot|pipedrive|expenses?|forecast\w*|reports?|timesheets?|notes|"
        r"admin|paperwork|update (my |the )?(pipeline|records|opportunit\w*|deals)|clean up|inbox)\b")),
    (Kind.DEAL, re.compile(
        r"\b(proposals?|quotes?|contracts?|pricing|renewals?|negotiat\w*|close\w*|sign\w*|"
        r"deal|demo for|send \w+ the|follow up with|business case|rfp|po|legal|procurement)\b")),
    (Kind.ACTIVITY, re.compile(
        r"\b(calls?|dials?|emails?|outreach|prospect\w*|meetings?|demos?|linkedin|touches|"
        r"cold|leads?|messages|visits?|connects?|sequences?)\b")),
)


def kind_of(text: str, *, one_off: bool = False) -> Kind:
    """The commitment's kind by its words; with no telling word, a one-off is a deal and a
    recurring one is activity."""
    low = text.lower()
    for kind, pattern in _RULES:
        if pattern.search(low):
            return kind
    return Kind.DEAL if one_off else Kind.ACTIVITY
