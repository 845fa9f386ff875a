"""Checks shared by the export and forget tests of every platform: reading an export, and
finding any row in any table that still refers to a person."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import String, Text, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.schema import metadata


def read_export(raw: bytes | str) -> dict[str, Any]:
    """The export file as JSON, checked for its format and version."""
    data: dict[str, Any] = json.loads(raw)
    assert (data["format"], data["version"]) == ("follow-through-export", 1)
    assert data["exported_at"].endswith("Z")
    return data


async def rows_referring_to(sessions: async_sessionmaker[AsyncSession], person_id: int, user_id: str) -> list[str]:
    """`table.column = value` for every row of every table that still names the person: by id in
    a column that refers to person.id (or the person row itself), or by their platform user id
    in any text column."""
    found: list[str] = []
    async with sessions() as s:
        for table in metadata.sorted_tables:
            rows = (await s.execute(select(table))).mappings().all()
            for column in table.columns:
                by_id = table.name == "person" and column.name == "id" or any(
                    fk.column.table.name == "person" for fk in column.foreign_keys
                )
                by_name = isinstance(column.type, String | Text)
                for row in rows:
                    value = row[column.name]
                    if by_id and value == person_id or by_name and value == user_id:
                        found.append(f"{table.name}.{column.name} = {value!r}")
    return found

