"""Export and forget through the core's entry point (`handlers.router.handle`) and the outbox, on
SQLite and on PostgreSQL (whose foreign keys are the migrations' own), with a row in every
table that can hold something about the rep: coaching sessions and their actions, kudos,
practice, follow-ups and self-coaching offers included."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import ForeignKey, select

from handlers.commands import as_command
from handlers.contract.incoming import Actor, TextMessage
from handlers.contract.messages import Address
from storage.coaching_models import (
    CoachingSession,
    FollowUp,
    Kudos,
    PracticeRequest,
    SelfCoachingOffer,
)
from storage.models import CheckIn, Commitment, ManagerLink, Notice, Outbox, Person
from storage.schema import metadata
from storage.states import (
    CheckInStatus,
    FollowUpAction,
    FollowUpVerdict,
    NoticeKind,
    PracticeStatus,
)
from tests.flow_world import MONDAY_8, World, button, onboard_with_defaults, open_world
from tests.my_data_checks import read_export, rows_referring_to

SET_NULL = {
    "commitment.proposed_by_id",
    "outbox.fallback_recipient_id",
}
"""References to a person that outlive them as NULL: who proposed another rep's commitment, and
who to tell if another person's message can't be delivered."""


@pytest.fixture
async def world(database_url: str) -> AsyncIterator[World]:
    async with open_world(database_url) as opened:
        yield opened


async def mona_with_a_history(world: World) -> dict[str, int]:
    """Mona (rep of Dana, partner of Nils) with one row in every table about her."""
    for name in ("dana", "nils", "mona"):
        await onboard_with_defaults(world, name)
    await world.command("mona", "commit", "20 calls every weekday")
    await world.command("mona", "accountability", "manager @dana", "dana")
    await world.command("nils", "accountability", "manager @mona", "mona")
    await world.command("nils", "commit", "update CRM daily")
    ids = {name: (await world.person(name)).id for name in ("dana", "nils", "mona")}
    now = MONDAY_8
    async with world.db.sessions() as s, s.begin():
        calls = (await s.scalars(select(Commitment).where(Commitment.person_id == ids["mona"]))).one()
        s.add(CheckIn(commitment_id=calls.id, period="2026-11-23", due_at=now, closes_at=now + timedelta(hours=12),
                      status=CheckInStatus.NO, answered_at=now, settled_at=now, note="Demo prep ate the afternoon."))
        notice = Notice(rep_id=ids["mona"], manager_id=ids["dana"], kind=NoticeKind.ESCALATION, commitment_id=calls.id,
                        text="Mona has missed “20 calls” 2 times in a row.", created_at=now)
        s.add(notice)
        await s.flush()
        session = CoachingSession(rep_id=ids["mona"], manager_id=ids["dana"], notice_id=notice.id, topic="Calls slipping",
                                  rep_plan="Block 9-11 for calls.", created_at=now)
        s.add(session)
        await s.flush()
        s.add(Commitment(person_id=ids["mona"], seq=2, text="block 9-11 for calls", title="block 9-11 for calls",
                         cadence="days:0,1,2,3,4", proposed_by_id=ids["dana"], session_id=session.id, created_at=now, updated_at=now))
        s.add(Kudos(rep_id=ids["mona"], manager_id=ids["dana"], notice_id=notice.id, note="Great week!", created_at=now))
        s.add(PracticeRequest(rep_id=ids["mona"], manager_id=ids["dana"], skill="Opening a cold call", created_at=now,
                              status=PracticeStatus.REVIEWED, response_text="Hi, it's Mona...", rating=4, feedback_note="Warmer."))
        s.add(FollowUp(notice_id=notice.id, rep_id=ids["mona"], manager_id=ids["dana"], created_at=now, due_at=now + timedelta(days=3),
                       action=FollowUpAction.PROMISED, acted_at=now, verdict=FollowUpVerdict.AS_ASKED, verdict_at=now))
        s.add(SelfCoachingOffer(person_id=ids["mona"], commitment_id=calls.id, prompt_key="top_three", offered_at=now))
    return ids


async def test_export_holds_every_table_about_the_rep_and_reaches_only_her(world: World) -> None:
    await mona_with_a_history(world)
    before = {name: len(world.received(name)) for name in ("dana", "nils")}

    result = await world.command("mona", "accountability", "export")
    assert "on its way to our direct messages" in world.replies["mona"][0].plain_text and not result.nothing_saved

    sent = world.last("mona")
    assert sent.attachment is not None and sent.attachment.media_type == "application/json"
    data = read_export(sent.attachment.content)
    assert [c["number"] for c in data["commitments"]] == [1, 2]
    assert data["commitments"][0]["checkins"][0]["note"] == "Demo prep ate the afternoon."
    assert data["commitments"][1]["proposed_by"] == "Dana"
    assert [n["text"] for n in data["manager_notices"]] == ["Mona has missed “20 calls” 2 times in a row."]
    assert [(k["from"], k["note"]) for k in data["kudos_received"]] == [("Dana", "Great week!")]
    (session,) = data["coaching_sessions"]
    assert (session["with"], session["your_plan"], session["actions"]) == ("Dana", "Block 9-11 for calls.", [2])
    assert [(p["skill"], p["rating"], p["feedback"]) for p in data["practice_requests"]] == [("Opening a cold call", 4, "Warmer.")]
    assert [(f["action"], f["verdict"]) for f in data["follow_ups"]] == [("promised", "as_asked")]
    assert [(o["prompt"], o["commitment"]) for o in data["self_coaching_offers"]] == [("top_three", 1)]
    assert [(p["name"], p["status"]) for p in data["partners"]] == [("Dana", "active")]
    assert [p["name"] for p in data["partner_of"]] == ["Nils"]
    assert "update CRM" not in sent.attachment.content  # Nils's own commitments are his
    assert {name: len(world.received(name)) for name in ("dana", "nils")} == before


async def test_forget_removes_every_row_about_her_and_nothing_of_the_others(world: World) -> None:
    ids = await mona_with_a_history(world)
    before = {name: len(world.received(name)) for name in ("dana", "nils")}

    await world.command("mona", "accountability", "forget")
    await world.click("mona", world.offered("mona", "Confirm"))
    assert world.replies["mona"][0].plain_text.startswith("Done. I've deleted everything I stored about you.")

    assert await rows_referring_to(world.db.sessions, ids["mona"], "mona") == []
    assert [c.title for c in await world.db.all(Commitment)] == ["update CRM"]  # Nils keeps his own
    assert [(link.rep_id, link.manager_id) for link in await world.db.all(ManagerLink)] == []
    assert world.received("dana")[before["dana"]:] == ["Mona has left Follow-Through; they're no longer in your digest."]
    (told_nils,) = world.received("nils")[before["nils"]:]
    assert told_nils.startswith("Mona, your accountability partner, has left Follow-Through")
    assert await world.db.count(Outbox, Outbox.status != "sent") == 0


async def test_a_confirm_without_an_open_question_or_after_cancel_changes_nothing(world: World) -> None:
    ids = await mona_with_a_history(world)
    await world.command("mona", "accountability", "forget")
    confirm, cancel = world.offered("mona", "Confirm"), world.offered("mona", "Cancel")
    await world.click("nils", confirm)  # someone else's click: forgets nobody
    assert "nothing changed" in world.replies["nils"][0].plain_text
    await world.click("mona", cancel)
    assert world.replies["mona"][0].plain_text == "Cancelled. I've kept everything as it was."
    await world.click("mona", confirm)
    assert "nothing changed" in world.replies["mona"][0].plain_text
    assert {p.id for p in await world.db.all(Person)} == set(ids.values())
    assert await world.db.count(Commitment, Commitment.person_id == ids["mona"]) == 2


async def test_cancel_gives_back_what_was_awaited(world: World) -> None:
    """Asked to forget while a reflection was awaited: Cancel, and the next line is still the note."""
    await onboard_with_defaults(world, "mona")
    await world.command("mona", "commit", "20 calls every weekday")
    await world.at(MONDAY_8.replace(hour=15, minute=31))
    await world.click("mona", button(world.last("mona"), "No"))
    await world.command("mona", "accountability", "forget")
    await world.click("mona", world.offered("mona", "Cancel"))
    await world.say("mona", "Demo prep ate the afternoon.")
    (checkin,) = await world.db.all(CheckIn)
    assert checkin.note == "Demo prep ate the afternoon."


def test_every_reference_to_a_person_goes_with_them() -> None:
    """Each foreign key to person.id deletes its row with the person, but the few listed."""
    references = {
        f"{table.name}.{column.name}": fk.ondelete
        for table in metadata.sorted_tables for column in table.columns for fk in column.foreign_keys
        if isinstance(fk, ForeignKey) and fk.column.table.name == "person"
    }
    assert references and all(
        rule == ("SET NULL" if name in SET_NULL else "CASCADE") for name, rule in references.items()
    ), references


def test_export_and_forget_are_commands_only_when_alone() -> None:
    actor = Actor(Address("test", "T1", "mona"), "Mona")
    assert as_command(TextMessage(actor, "forget"), strict=True) is not None
    assert as_command(TextMessage(actor, "export"), strict=True) is not None
    assert as_command(TextMessage(actor, "forget it, the client moved the call"), strict=True) is None
    assert as_command(TextMessage(actor, "export deal slipped"), strict=True) is None
