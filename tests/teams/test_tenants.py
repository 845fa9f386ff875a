"""Two Teams tenants in one database: people, commitments, check-ins and managers never cross."""

from __future__ import annotations

from storage.models import Commitment, ConversationRef, Person
from tests.teams.harness import (
    MONDAY_1630,
    TENANT_A,
    TENANT_B,
    TeamsWorld,
    User,
    onboard,
)

MONA_A = User("29:mona-a", "Mona Berg", TENANT_A)
MONA_B = User("29:mona-b", "Mona Berg", TENANT_B)
DANA_A = User("29:dana-a", "Dana Lee", TENANT_A)
SAME_ID_B = User("29:dana-a", "Dana Impostor", TENANT_B)  # the same user id, another tenant


async def test_two_tenants_side_by_side_never_cross(world: TeamsWorld) -> None:
    await onboard(world, MONA_A)
    await onboard(world, MONA_B)
    await world.install(DANA_A)
    await world.install(SAME_ID_B)
    await world.say(MONA_A, "commit 20 calls every weekday")
    await world.say(MONA_B, "commit update CRM daily")

    (listing_a,) = await world.say(MONA_A, "list")
    (listing_b,) = await world.say(MONA_B, "list")
    assert "20 calls" in listing_a.text and "CRM" not in listing_a.text
    assert "CRM" in listing_b.text and "20 calls" not in listing_b.text

    # Mona in tenant B names "29:dana-a": that resolves to the person with that id in tenant B only.
    (named,) = await world.say(MONA_B, "manager <at>Dana Impostor</at>", SAME_ID_B)
    assert named.text.startswith("Dana Impostor is now your accountability partner")
    await world.say(MONA_A, "manager <at>Dana Lee</at>", DANA_A)
    await world.drain()
    (team_a,) = await world.say(DANA_A, "team")
    (team_b,) = await world.say(SAME_ID_B, "team")
    assert "Mona Berg" in team_a.text and "Mona Berg" in team_b.text
    assert len(await world.db.all(Person, Person.user_id == "29:dana-a")) == 2

    await world.tick(MONDAY_1630)
    card_a = world.connector.last_post(MONA_A.conversation)
    card_b = world.connector.last_post(MONA_B.conversation)
    assert "20 calls" in card_a.text and "CRM" not in card_a.text
    assert "CRM" in card_b.text and "20 calls" not in card_b.text

    # Mona B's card answered by "29:dana-a" from tenant A: someone else's check-in, nothing changes.
    calls = await world.submit(DANA_A, card_b, card_b.action("No")["data"])
    assert "belongs to someone else" in calls[0].text
    assert world.connector.puts(MONA_B.conversation) == []

    calls = await world.submit(MONA_B, card_b, card_b.action("No")["data"])
    await world.drain()
    dana_a_heard = [c.text for c in world.connector.posts(DANA_A.conversation)]
    impostor_heard = [c.text for c in world.connector.posts(SAME_ID_B.conversation)]
    assert not any("CRM" in text for text in dana_a_heard)
    assert any("Mona Berg has missed “update CRM”" in text for text in impostor_heard)

    refs = {(r.workspace_id, r.user_id): r.conversation_id for r in await world.db.all(ConversationRef)}
    assert refs[(TENANT_A, "29:dana-a")] == DANA_A.conversation
    assert refs[(TENANT_B, "29:dana-a")] == SAME_ID_B.conversation
    commitments = {c.text: c.person_id for c in await world.db.all(Commitment)}
    people = {p.id: p.workspace_id for p in await world.db.all(Person)}
    assert people[commitments["20 calls every weekday"]] == TENANT_A
    assert people[commitments["update CRM daily"]] == TENANT_B
