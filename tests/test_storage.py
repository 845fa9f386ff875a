"""Storage on both back ends: migrations agree with the models, the unique keys hold,
times are stored in UTC, and the shared repositories are idempotent."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError

from alembic import command
from handlers.contract.messages import Address, Message
from storage.migrate import alembic_config
from storage.models import CheckIn, Commitment, Outbox, Person
from storage.schema import metadata
from tests.support import Database, enqueue, get_or_create_person, migrate, utc

NOW = utc(2026, 11, 23, 9, 0)
APP_TABLES = set(metadata.tables)


def _diff(connection) -> list:  # noqa: ANN001
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, metadata)


def _tables(connection) -> set[str]:  # noqa: ANN001
    return set(inspect(connection).get_table_names())


async def _schema_diff(db: Database) -> list:
    async with db.engine.connect() as conn:
        return await conn.run_sync(_diff)


async def _table_names(db: Database) -> set[str]:
    async with db.engine.connect() as conn:
        return await conn.run_sync(_tables)


def _person(user: str = "U1", workspace: str = "T1", platform: str = "test") -> Person:
    return Person(
        platform=platform, workspace_id=workspace, user_id=user, display_name=user, tz="Europe/Berlin",
        created_at=NOW, reachable=True, greeted=False, digest_weekday=0, digest_time="08:00", digest_enabled=True,
    )


def _commitment(person_id: int, seq: int) -> Commitment:
    return Commitment(
        person_id=person_id, seq=seq, text="20 calls every weekday", title="20 calls", cadence="days:0,1,2,3,4",
        status="active", created_at=NOW, updated_at=NOW, miss_run=0, yes_run=0, escalated_in_run=False,
    )


def _checkin(commitment_id: int, period: str) -> CheckIn:
    return CheckIn(
        commitment_id=commitment_id, period=period, due_at=NOW, closes_at=NOW + timedelta(hours=12), status="pending",
    )


def _outbox(person_id: int, dedupe_key: str | None) -> Outbox:
    return Outbox(
        recipient_id=person_id, platform="test", workspace_id="T1", operation="send",
        message_json=Message.text("hi").to_json(), dedupe_key=dedupe_key, status="pending",
        not_before=NOW, attempts=0, created_at=NOW,
    )


# --------------------------------------------------------------------------
# migrations


async def test_migrations_match_the_models(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        assert APP_TABLES <= await _table_names(db)
        assert await _schema_diff(db) == []


async def test_upgrade_twice_is_harmless(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        async with db.sessions() as s, s.begin():
            s.add(_person())
    await migrate(database_url)
    async with Database(database_url) as db:
        assert await db.count(Person) == 1  # the data survived the second upgrade
        assert await _schema_diff(db) == []
        async with db.engine.connect() as conn:
            versions = list(await conn.scalars(text("SELECT version_num FROM alembic_version")))
        assert len(versions) == 1


async def test_downgrade_to_base_then_upgrade_again(database_url: str) -> None:
    await migrate(database_url)
    await asyncio.to_thread(command.downgrade, alembic_config(database_url), "base")
    async with Database(database_url) as db:
        assert not (APP_TABLES & await _table_names(db))
        # the comparison does see a schema that disagrees with the models
        missing = {diff[1].name for diff in await _schema_diff(db) if diff[0] == "add_table"}
        assert missing == APP_TABLES
    await migrate(database_url)
    async with Database(database_url) as db:
        assert APP_TABLES <= await _table_names(db)
        assert await _schema_diff(db) == []
        async with db.sessions() as s, s.begin():
            s.add(_person())
        assert await db.count(Person) == 1


# --------------------------------------------------------------------------
# constraints


async def test_person_is_unique_per_platform_workspace_user(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        async with db.sessions() as s, s.begin():
            s.add_all([_person("U1"), _person("U2"), _person("U1", workspace="T2"), _person("U1", platform="teams")])
        with pytest.raises(IntegrityError):
            async with db.sessions() as s, s.begin():
                s.add(_person("U1"))
        assert await db.count(Person) == 4


async def test_commitment_seq_is_unique_per_person(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        async with db.sessions() as s, s.begin():
            mona, nils = _person("U1"), _person("U2")
            s.add_all([mona, nils])
            await s.flush()
            s.add_all([_commitment(mona.id, 1), _commitment(mona.id, 2), _commitment(nils.id, 1)])
        with pytest.raises(IntegrityError):
            async with db.sessions() as s, s.begin():
                s.add(_commitment(mona.id, 1))
        assert await db.count(Commitment) == 3


async def test_checkin_is_unique_per_commitment_and_period(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        async with db.sessions() as s, s.begin():
            mona = _person()
            s.add(mona)
            await s.flush()
            first, second = _commitment(mona.id, 1), _commitment(mona.id, 2)
            s.add_all([first, second])
            await s.flush()
            s.add_all([_checkin(first.id, "2026-11-23"), _checkin(first.id, "2026-11-24"), _checkin(second.id, "2026-11-23")])
        with pytest.raises(IntegrityError):
            async with db.sessions() as s, s.begin():
                s.add(_checkin(first.id, "2026-11-23"))
        assert await db.count(CheckIn) == 3


async def test_outbox_dedupe_key_is_unique(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        async with db.sessions() as s, s.begin():
            mona = _person()
            s.add(mona)
            await s.flush()
            # rows without a dedupe key never collide
            s.add_all([_outbox(mona.id, "prompt:1"), _outbox(mona.id, None), _outbox(mona.id, None)])
        with pytest.raises(IntegrityError):
            async with db.sessions() as s, s.begin():
                s.add(_outbox(mona.id, "prompt:1"))
        assert await db.count(Outbox) == 3


# --------------------------------------------------------------------------
# UTCDateTime


@pytest.mark.parametrize(
    "local",
    [
        datetime(2026, 7, 1, 12, 0, tzinfo=ZoneInfo("Europe/Berlin")),  # summer, UTC+2
        datetime(2026, 11, 1, 1, 30, fold=1, tzinfo=ZoneInfo("America/New_York")),  # repeated hour, 2nd pass
        datetime(2026, 3, 29, 23, 45, tzinfo=ZoneInfo("Asia/Kolkata")),  # a half-hour offset
    ],
    ids=["berlin-summer", "new-york-fold", "kolkata"],
)
async def test_utc_datetime_round_trips_an_aware_instant_as_utc(database_url: str, local: datetime) -> None:
    await migrate(database_url)
    expected = local.astimezone(UTC)
    async with Database(database_url) as db:
        async with db.sessions() as s, s.begin():
            person = _person()
            person.created_at = local
            s.add(person)
        async with db.sessions() as s:
            stored = await s.scalar(select(Person.created_at))
            found = await s.scalar(select(Person.id).where(Person.created_at == expected))
            if db.engine.dialect.name == "sqlite":
                raw = await s.scalar(text("SELECT created_at FROM person"))
                raw_wall = datetime.fromisoformat(str(raw))
            else:
                raw_wall = await s.scalar(text("SELECT created_at AT TIME ZONE 'UTC' FROM person"))
    # the same instant (compared as timestamps: Python's == is always False across zones
    # for a time in a repeated hour, PEP 495) ...
    assert stored.timestamp() == local.timestamp() and stored == expected
    assert stored.utcoffset() == timedelta(0) and stored.tzinfo is UTC  # ... read back in UTC
    assert (stored.year, stored.month, stored.day, stored.hour, stored.minute) == (
        expected.year, expected.month, expected.day, expected.hour, expected.minute,
    )
    assert raw_wall.replace(tzinfo=None) == expected.replace(tzinfo=None)  # stored as UTC wall time
    assert found is not None  # and found by the UTC instant


async def test_utc_datetime_refuses_naive_datetimes(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        with pytest.raises(StatementError) as raised:
            async with db.sessions() as s, s.begin():
                person = _person()
                person.created_at = datetime(2026, 11, 23, 9, 0)  # naive
                s.add(person)
        assert isinstance(raised.value.orig, ValueError)
        assert "naive" in str(raised.value.orig)
        assert await db.count(Person) == 0


# --------------------------------------------------------------------------
# repositories


async def test_get_or_create_person_is_idempotent(database_url: str) -> None:
    await migrate(database_url)
    address = Address("test", "T1", "U1")
    async with Database(database_url) as db:
        async with db.sessions() as s, s.begin():
            first, created = await get_or_create_person(s, address, "Mona", "Europe/Berlin", NOW)
            again, created_again = await get_or_create_person(s, address, "Mona", "Europe/Berlin", NOW)
        assert created and not created_again
        assert again.id == first.id
        async with db.sessions() as s, s.begin():
            later, created_later = await get_or_create_person(s, address, "Mona M.", None, NOW + timedelta(days=1))
        assert not created_later and later.id == first.id
        assert later.tz == "Europe/Berlin" and later.created_at == NOW
        async with db.sessions() as s, s.begin():
            other, created_other = await get_or_create_person(s, Address("test", "T2", "U1"), "Mona", None, NOW)
        assert created_other and other.id != first.id and other.tz == "UTC"
        assert await db.count(Person) == 2


async def test_enqueue_with_the_same_dedupe_key_adds_one_row(database_url: str) -> None:
    await migrate(database_url)
    async with Database(database_url) as db:
        async with db.sessions() as s, s.begin():
            mona, _ = await get_or_create_person(s, Address("test", "T1", "U1"), "Mona", "Europe/Berlin", NOW)
            first = await enqueue(s, mona, Message.text("check-in"), NOW, dedupe_key="prompt:1")
            same_tx = await enqueue(s, mona, Message.text("check-in again"), NOW, dedupe_key="prompt:1")
        async with db.sessions() as s, s.begin():
            mona = await s.get(Person, mona.id)
            assert mona is not None
            later_tx = await enqueue(s, mona, Message.text("check-in later"), NOW + timedelta(minutes=1), dedupe_key="prompt:1")
            other = await enqueue(s, mona, Message.text("another"), NOW, dedupe_key="prompt:2")
        assert first is not None and same_tx is None and later_tx is None and other is not None
        rows = await db.all(Outbox, order_by=Outbox.id)
        assert [(r.dedupe_key, Message.from_json(r.message_json).plain_text) for r in rows] == [
            ("prompt:1", "check-in"),
            ("prompt:2", "another"),
        ]
        assert all(r.status == "pending" and r.platform == "test" and r.workspace_id == "T1" for r in rows)
        assert date(2026, 11, 23) == rows[0].created_at.date()
