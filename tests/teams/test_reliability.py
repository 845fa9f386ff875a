"""Teams delivery under trouble: throttling (429 with Retry-After) during a fan-out, a 502, a
connector that can't be reached, the bot removed or blocked (403 MessageWritesBlocked), a
manager who never talked to the bot (create_conversation), and card updates from the outbox."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import update

from handlers.contract.messages import Address, Message
from storage.models import ConversationRef, Outbox, Person
from tests.support import enqueue, get_or_create_person
from tests.teams.fake_connector import CREATE
from tests.teams.harness import (
    BOT_ID,
    MONDAY_1630,
    TENANT_A,
    TENANT_B,
    TeamsWorld,
    User,
    onboard,
)

MONA = User("29:mona", "Mona Berg")
DANA = User("29:dana", "Dana Lee")
OLLE = User("29:olle", "Olle Sund")
PIA = User("29:pia", "Pia Holm")
BLOCKED = "MessageWritesBlocked"


def checkin_posts(world: TeamsWorld, user: User) -> list[int]:
    """Statuses of every attempt to post a check-in card to `user`."""
    return [
        c.status for c in world.connector.calls
        if c.method == "POST" and c.conversation_id == user.conversation and "check-in time" in str(c.body.get("summary"))
    ]


async def _team_with_commitments(world: TeamsWorld, *users: User) -> None:
    for user in users:
        await onboard(world, user)
        await world.say(user, "commit 20 calls every weekday")


async def test_a_429_during_the_fan_out_waits_retry_after_and_each_card_is_sent_exactly_once(world: TeamsWorld) -> None:
    await _team_with_commitments(world, MONA, OLLE, PIA)
    world.connector.fail(OLLE.conversation, 429, retry_after="1")

    first = await world.tick(MONDAY_1630)

    assert (first.sent, first.retried) == (2, 1)
    assert checkin_posts(world, MONA) == [200] and checkin_posts(world, PIA) == [200]
    assert checkin_posts(world, OLLE) == [429]
    (waiting,) = await world.db.all(Outbox, Outbox.status == "pending")
    assert waiting.not_before == MONDAY_1630 + timedelta(seconds=1) and "429" in (waiting.last_error or "")

    assert (await world.drain()).sent == 0  # Retry-After not over yet: nothing is sent early
    world.clock.set(MONDAY_1630 + timedelta(seconds=1))
    second = await world.drain()
    third = await world.tick(MONDAY_1630 + timedelta(seconds=2))

    assert (second.sent, third.sent) == (1, 0)
    assert checkin_posts(world, OLLE) == [429, 200]
    assert checkin_posts(world, MONA) == [200] and checkin_posts(world, PIA) == [200]
    assert {row.status for row in await world.db.all(Outbox)} == {"sent"}


async def test_a_502_is_retried_with_backoff(world: TeamsWorld) -> None:
    await _team_with_commitments(world, MONA)
    world.connector.fail(MONA.conversation, 502)

    report = await world.tick(MONDAY_1630)

    assert report.retried == 1 and checkin_posts(world, MONA) == [502]
    (row,) = await world.db.all(Outbox, Outbox.status == "pending")
    assert row.attempts == 1 and "502" in (row.last_error or "")
    assert MONDAY_1630 + timedelta(seconds=1) <= row.not_before <= MONDAY_1630 + timedelta(seconds=2)
    world.clock.set(MONDAY_1630 + timedelta(seconds=2))
    assert (await world.drain()).sent == 1
    assert checkin_posts(world, MONA) == [502, 200]


async def test_a_connector_that_cannot_be_reached_is_a_transient_failure(world: TeamsWorld) -> None:
    await onboard(world, MONA)
    async with world.db.sessions() as s, s.begin():
        ref = (await world.db.all(ConversationRef))[0]
        saved = json.loads(ref.reference_json)
        saved["serviceUrl"] = "http://127.0.0.1:9/"
        await s.execute(update(ConversationRef).where(ConversationRef.id == ref.id).values(reference_json=json.dumps(saved)))
        person = await s.get(Person, 1)
        assert person is not None
        await enqueue(s, person, Message.text("hello"), world.clock.now())

    report = await world.drain()

    assert report.retried == 1
    (row,) = await world.db.all(Outbox)
    assert row.status == "pending" and "could not reach the Bot Framework connector" in (row.last_error or "")


async def test_403_message_writes_blocked_marks_unreachable_and_the_manager_digest_says_so(world: TeamsWorld) -> None:
    await _team_with_commitments(world, MONA)
    await world.install(DANA)
    await world.say(MONA, "manager <at>Dana Lee</at>", DANA)
    await world.drain()
    world.connector.fail(MONA.conversation, 403, code=BLOCKED)

    report = await world.tick(MONDAY_1630)
    await world.tick(MONDAY_1630 + timedelta(minutes=5))

    assert report.unreachable == 1
    assert checkin_posts(world, MONA) == [403]  # tried once, never again
    (row,) = await world.db.all(Outbox, Outbox.status == "dead")
    assert "MessageWritesBlocked" in (row.last_error or "")
    (mona,) = await world.db.all(Person, Person.user_id == MONA.id)
    assert mona.reachable is False
    tuesday = datetime(2026, 11, 24, 15, 30, tzinfo=UTC)
    await world.tick(tuesday)
    assert checkin_posts(world, MONA) == [403]

    (digest,) = await world.say(DANA, "digest")
    assert "Mona Berg can't be reached by Follow-Through (the app was removed or blocked); check in with them directly." in digest.text

    await world.tick(datetime(2026, 11, 30, 7, 0, tzinfo=UTC))  # Dana's weekly digest, Monday 08:00 her time
    weekly = world.connector.last_post(DANA.conversation)
    assert weekly.texts[0].startswith("Your weekly digest. Needs your help:")
    assert "Mona Berg can't be reached by Follow-Through" in weekly.text

    await world.say(MONA, "list")  # she added the app again and wrote: reachable again
    (mona,) = await world.db.all(Person, Person.user_id == MONA.id)
    assert mona.reachable is True


async def test_a_named_manager_who_removed_the_app_is_reported_to_the_rep(world: TeamsWorld) -> None:
    await onboard(world, MONA)
    await world.install(DANA)
    world.connector.fail(DANA.conversation, 403, code=BLOCKED)

    (reply,) = await world.say(MONA, "manager <at>Dana Lee</at>", DANA)
    await world.drain()
    await world.drain()

    assert reply.text.startswith("Dana Lee is now your accountability partner")
    told = world.connector.last_post(MONA.conversation)
    assert told.text.startswith("I couldn't reach Dana Lee, so they don't know you named them")
    assert "must install Follow-Through first (in Teams: add the app)" in told.text
    (dana,) = await world.db.all(Person, Person.user_id == DANA.id)
    assert dana.reachable is False


async def _stranger(world: TeamsWorld, user_id: str, tenant: str) -> Person:
    async with world.db.sessions() as s, s.begin():
        person, _ = await get_or_create_person(s, Address("teams", tenant, user_id), "Erik", None, world.clock.now())
        await enqueue(s, person, Message.text("Mona Berg named you as their accountability partner."), world.clock.now())
        return person


async def test_someone_who_never_talked_to_the_bot_is_reached_with_a_new_conversation(world: TeamsWorld) -> None:
    await world.install(MONA)
    await _stranger(world, "29:erik", TENANT_A)

    report = await world.drain()

    assert report.sent == 1
    (create,) = world.connector.creates()
    assert create.body["members"] == [{"id": "29:erik"}]
    assert create.body["bot"]["id"] == BOT_ID and create.body["isGroup"] is False
    assert create.body["channelData"] == {"tenant": {"id": TENANT_A}}
    new_conversation = create.answered_id
    (sent,) = world.connector.posts(str(new_conversation))
    assert sent.text == "Mona Berg named you as their accountability partner."
    (ref,) = await world.db.all(ConversationRef, ConversationRef.user_id == "29:erik")
    assert ref.conversation_id == new_conversation and ref.workspace_id == TENANT_A
    (row,) = await world.db.all(Outbox)
    assert json.loads(row.platform_ref or "{}")["conversation_id"] == new_conversation


async def test_a_tenant_that_refuses_a_new_conversation_makes_the_person_unreachable(world: TeamsWorld) -> None:
    await world.install(MONA)
    erik = await _stranger(world, "29:erik", TENANT_A)
    world.connector.fail(CREATE, 403, code="Forbidden")

    report = await world.drain()

    assert report.unreachable == 1 and len(world.connector.creates()) == 1
    (row,) = await world.db.all(Outbox)
    assert row.status == "dead" and "add Follow-Through in Teams" in (row.last_error or "")
    (person,) = await world.db.all(Person, Person.id == erik.id)
    assert person.reachable is False


async def test_nobody_in_the_tenant_has_talked_to_the_bot_so_there_is_no_service_url(world: TeamsWorld) -> None:
    await world.install(MONA)
    await _stranger(world, "29:erik", TENANT_B)
    mark = len(world.connector.calls)

    report = await world.drain()

    assert report.unreachable == 1 and world.connector.since(mark) == []
    (row,) = await world.db.all(Outbox)
    assert row.status == "dead" and f"nobody in tenant {TENANT_B}" in (row.last_error or "")


async def test_an_unanswered_checkin_card_is_updated_in_place_when_the_day_closes(world: TeamsWorld) -> None:
    await _team_with_commitments(world, MONA)
    await world.tick(MONDAY_1630)
    card = world.connector.last_post(MONA.conversation)

    await world.tick(datetime(2026, 11, 23, 23, 0, tzinfo=UTC))  # midnight in Berlin

    (put,) = world.connector.puts(MONA.conversation)
    assert put.activity_id == card.answered_id
    assert put.texts[1] == "#1 20 calls (weekdays): — no answer" and put.actions == []


async def test_a_manager_named_by_mention_who_never_talked_to_the_bot_is_told_in_a_new_conversation(world: TeamsWorld) -> None:
    await onboard(world, MONA)
    erik = User("29:erik", "Erik Nord")

    (reply,) = await world.say(MONA, "manager <at>Erik Nord</at>", erik)
    assert reply.text.startswith("Erik Nord is now your accountability partner")
    report = await world.drain()

    assert report.sent == 1
    (create,) = world.connector.creates()
    assert create.body["members"] == [{"id": "29:erik"}]
    (told,) = world.connector.posts(str(create.answered_id))
    assert "Mona Berg named you as their accountability partner" in (told.texts[0] if told.texts else told.text or "")
    (person,) = await world.db.all(Person, Person.user_id == "29:erik")
    assert (person.display_name, person.workspace_id, person.reachable) == ("Erik Nord", TENANT_A, True)


async def test_a_database_that_is_briefly_gone_gets_a_clear_reply_not_a_500(world: TeamsWorld) -> None:
    from sqlalchemy import text

    from storage.models import Commitment

    await onboard(world, MONA)
    gone = ("commitment", "processed_event", "conversation_ref")
    async with world.db.engine.begin() as conn:
        for table in gone:
            await conn.execute(text(f"ALTER TABLE {table} RENAME TO {table}_away"))
    try:
        calls = await world.say(MONA, "commit 20 calls every weekday")  # asserts a 2xx answer
        replies = [json.dumps(c.body) for c in calls if c.method == "POST" and c.conversation_id == MONA.conversation]
        assert len(replies) == 1 and "couldn't reach my database just now, so nothing was saved" in replies[0]
    finally:
        async with world.db.engine.begin() as conn:
            for table in gone:
                await conn.execute(text(f"ALTER TABLE {table}_away RENAME TO {table}"))
    assert await world.db.count(Commitment) == 0

    await world.say(MONA, "commit 20 calls every weekday")
    (saved,) = await world.db.all(Commitment)
    assert (saved.title, saved.cadence, saved.status) == ("20 calls", "days:0,1,2,3,4", "active")
