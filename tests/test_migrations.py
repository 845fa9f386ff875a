"""Migrations that move data keep it: 0003 gives a partner notice still waiting in the outbox its
"if undeliverable, tell the rep" fallback, so upgrading mid-flight loses nothing; and the
stored state enums read back as enums."""

from __future__ import annotations

import asyncio
import json

from sqlalchemy import text

from storage.migrate import upgrade
from storage.models import Commitment, Outbox
from storage.states import CommitmentStatus, OutboxStatus
from tests.support import Database, FakeChat, migrate, utc

NOW = utc(2026, 11, 23, 9, 0)


async def test_0003_gives_waiting_partner_notices_their_fallback(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url, "0002")
    async with Database(database_url) as db:
        async with db.engine.begin() as conn:
            for pid, user, name in ((1, "U1", "Mona"), (2, "U2", "Dana")):
                await conn.execute(
                    text(
                        "INSERT INTO person (id, platform, workspace_id, user_id, display_name, tz, created_at, reachable,"
                        " greeted, digest_weekday, digest_time, digest_enabled)"
                        " VALUES (:id, 'test', 'T1', :user, :name, 'Europe/Berlin', :now, true, true, 0, '08:00', true)"
                    ),
                    {"id": pid, "user": user, "name": name, "now": NOW.replace(tzinfo=None)},
                )
            await conn.execute(
                text("INSERT INTO manager_link (id, rep_id, manager_id, status, created_at) VALUES (7, 1, 2, 'active', :now)"),
                {"now": NOW.replace(tzinfo=None)},
            )
            for row_id, key, status in ((1, "link:7", "pending"), (2, "link:7", "sent"), (3, "prompt:1", "pending")):
                await conn.execute(
                    text(
                        "INSERT INTO outbox (id, recipient_id, platform, workspace_id, operation, message_json, message_key,"
                        " status, not_before, attempts, created_at)"
                        " VALUES (:id, 2, 'test', 'T1', 'send', '{\"summary\": \"\", \"sections\": []}', :key, :status, :now, 0, :now)"
                    ),
                    {"id": row_id, "key": key, "status": status, "now": NOW.replace(tzinfo=None)},
                )
    await migrate(database_url)
    async with Database(database_url) as db:
        rows = {row.id: row for row in await db.all(Outbox)}
        waiting = rows[1]
        assert waiting.fallback_recipient_id == 1
        fallback = json.loads(waiting.fallback_message_json or "{}")
        assert fallback["sections"][0]["text"].startswith("I couldn't reach Dana, so they don't know you named them")
        assert (rows[2].fallback_recipient_id, rows[3].fallback_recipient_id) == (None, None)
        assert waiting.status is OutboxStatus.PENDING and rows[2].status is OutboxStatus.SENT


async def test_states_read_back_as_enums_and_refuse_unknown_values(sqlite_database_url: str) -> None:
    await migrate(sqlite_database_url)
    async with Database(sqlite_database_url) as db:
        from tests.support import commit

        await commit(db.sessions, FakeChat().platform and _mona(), "20 calls every weekday", NOW)
        (saved,) = await db.all(Commitment)
        assert saved.status is CommitmentStatus.ACTIVE
        async with db.engine.begin() as conn:
            await conn.execute(text("UPDATE commitment SET status = 'lost'"))
        try:
            await db.all(Commitment)
        except ValueError as error:
            assert "'lost' is not a valid CommitmentStatus" in str(error)
        else:
            raise AssertionError("an unknown stored state was read without complaint")


def _mona():  # noqa: ANN202
    from tests.support import actor

    return actor()
