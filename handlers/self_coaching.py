"""Self-coaching after repeated misses: when a No leaves a commitment missed `AFTER_MISSES`
times in a row, the rep is offered one short prompt to think with, fitted to the kind of
commitment. An offer, never a lecture: one message, in the rep's tone, at most one a week
per commitment, and never the same prompt to the same person within `FRESH_FOR`.

It comes only when the rep is there to read it: after a No they gave (and after their answer
to the reflection question, if they were asked one), never for a check-in that closed unanswered.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from handlers.contract.outcomes import Result
from handlers.rules.commitment_kind import kind_of
from handlers.rules.self_coaching_library import choose, offer_text
from handlers.rules.terms_text import TermsSpec
from storage.coaching_models import SelfCoachingOffer
from storage.models import Person
from storage.states import CommitmentStatus
from storage.store import Tx

AFTER_MISSES = 2
"""Misses in a row (of one commitment) that bring an offer: before the manager hears, when the
rep's threshold is higher, and together with it when the threshold is 2."""
FRESH_FOR = timedelta(days=30)
"""The same prompt is not offered to the same person again within this time."""
PER_COMMITMENT = timedelta(days=7)
"""At most one offer per commitment in this time, however long the run of misses."""


async def after_miss(tx: Tx, person: Person, commitment_id: int, spec: TermsSpec, now: datetime, result: Result) -> None:
    """Offer a prompt if the commitment's run of misses calls for one (see the module doc)."""
    commitment = await tx.commitments.get(commitment_id)
    if commitment is None or commitment.person_id != person.id or commitment.status != CommitmentStatus.ACTIVE:
        return
    if commitment.miss_run < AFTER_MISSES:
        return
    latest = await tx.self_coaching.latest_for_commitment(commitment.id)
    if latest is not None and latest.offered_at > now - PER_COMMITMENT:
        return
    recent = await tx.self_coaching.keys_since(person.id, now - FRESH_FOR)
    prompt = choose(kind_of(commitment.text, one_off=commitment.due_date is not None), recent)
    if prompt is None:
        return
    tx.self_coaching.add(SelfCoachingOffer(person_id=person.id, commitment_id=commitment.id, prompt_key=prompt.key, offered_at=now))
    result.reply(offer_text(spec.tone, commitment.title, commitment.miss_run, prompt))
