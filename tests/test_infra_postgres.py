"""The database fixtures themselves: both back ends answer, PostgreSQL is 15
or newer, and every test gets its own empty database that is dropped after."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.conftest import PgServer, normalise_pg_url

USER_TABLES = text(
    "SELECT count(*) FROM pg_catalog.pg_tables "
    "WHERE schemaname NOT IN ('pg_catalog', 'information_schema')"
)

# Names of the databases seen by test_each_test_gets_its_own_empty_database,
# so the second run can check the first one's database is gone.
_seen_databases: list[str] = []


async def test_database_url_answers(database_url: str) -> None:
    engine = create_async_engine(database_url)
    try:
        async with engine.connect() as conn:
            assert (await conn.execute(text("select 1"))).scalar_one() == 1
            backend = make_url(database_url).get_backend_name()
            if backend == "postgresql":
                assert engine.dialect.driver == "asyncpg"
                version = (
                    await conn.execute(text("select current_setting('server_version_num')::int"))
                ).scalar_one()
                assert version >= 150000
            else:
                assert backend == "sqlite"
                assert engine.dialect.driver == "aiosqlite"
    finally:
        await engine.dispose()


@pytest.mark.parametrize("run", [1, 2])
async def test_each_test_gets_its_own_empty_database(
    run: int, pg_database_url: str, pg_server: PgServer
) -> None:
    name = make_url(pg_database_url).database
    assert name is not None and name.startswith("test_")
    assert name not in _seen_databases

    engine = create_async_engine(pg_database_url)
    try:
        async with engine.begin() as conn:
            assert (await conn.execute(text("select current_database()"))).scalar_one() == name
            # Empty: the table made by the other run is not here.
            assert (await conn.execute(USER_TABLES)).scalar_one() == 0
            await conn.execute(text("create table isolation_marker (id int primary key)"))
            await conn.execute(text("insert into isolation_marker values (:run)"), {"run": run})
            assert (await conn.execute(USER_TABLES)).scalar_one() == 1
    finally:
        await engine.dispose()

    # The databases of earlier tests were dropped.
    admin = create_async_engine(pg_server.admin_url)
    try:
        async with admin.connect() as conn:
            existing = set(
                (await conn.execute(text("select datname from pg_database"))).scalars()
            )
    finally:
        await admin.dispose()
    assert name in existing
    assert not existing.intersection(_seen_databases)
    _seen_databases.append(name)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("postgresql://u@h:5432/db", "postgresql+asyncpg://u@h:5432/db"),
        ("postgres://u:p@h/db", "postgresql+asyncpg://u:p@h/db"),
        ("postgresql+asyncpg://u@h:1/db", "postgresql+asyncpg://u@h:1/db"),
        ("postgresql+psycopg://u@h/", "postgresql+asyncpg://u@h/postgres"),
    ],
)
def test_test_database_url_is_normalised(raw: str, expected: str) -> None:
    assert normalise_pg_url(raw) == expected


def test_test_database_url_must_be_postgresql() -> None:
    with pytest.raises(ValueError):
        normalise_pg_url("sqlite+aiosqlite:///x.db")
