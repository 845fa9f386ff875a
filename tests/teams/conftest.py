"""Fixtures for the Teams tests (see `tests.teams.harness`): the fake connector and a world
with the real server on a migrated SQLite file, Teams on without an app id."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from handlers.contract.ports import FixedClock
from settings import Settings
from tests.support import Database, migrate
from tests.teams.fake_connector import FakeConnector
from tests.teams.harness import MONDAY_8, TeamsWorld, serve, start_site


@pytest.fixture
async def connector() -> AsyncIterator[FakeConnector]:
    fake = FakeConnector()
    runner, url = await start_site(fake.app())
    fake.url = url + "/"
    yield fake
    await runner.cleanup()


@pytest.fixture
async def world(sqlite_database_url: str, connector: FakeConnector) -> AsyncIterator[TeamsWorld]:
    await migrate(sqlite_database_url)
    settings = Settings(database_url=sqlite_database_url, teams_enabled=True, microsoft_app_id=None, _env_file=None)  # type: ignore[call-arg]
    clock = FixedClock(MONDAY_8)
    async with Database(sqlite_database_url) as db:
        runner, platform, url = await serve(sqlite_database_url, clock, settings, db)
        world = TeamsWorld(db, clock, connector, platform, url)
        try:
            yield world
        finally:
            await world.close()
            await runner.cleanup()
            await platform.close()
