"""What the fan-out benchmarks and tests share: queue N messages to N people fast (one
insert each for people and rows), and watch the outbox until each workspace is done."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.contract.messages import Message
from storage.models import ConversationRef, Outbox, Person
from storage.states import OutboxOperation, OutboxStatus


async def queue_fanout(
    sessions: async_sessionmaker[AsyncSession], platform: str, workspace: str, count: int, now: datetime,
    *, per_person: int = 1, user_prefix: str = "U", kept_dms: bool = False,
) -> None:
    """`count` people in `workspace`, each with `per_person` messages due now ("check-in #k"),
    queued in order (per person: 1, 2, ...). `kept_dms` (Slack): each person's DM channel is
    kept already, as once the bot has reached them ("D" + their user id, as the fake opens it)."""
    async with sessions() as s, s.begin():
        people = [
            {"platform": platform, "workspace_id": workspace, "user_id": f"{user_prefix}{workspace}x{i}",
             "display_name": f"Rep {i}", "tz": "UTC", "created_at": now}
            for i in range(count)
        ]
        await s.execute(insert(Person), people)
        ids = list(await s.scalars(
            select(Person.id).where(Person.platform == platform, Person.workspace_id == workspace).order_by(Person.id)
        ))
        if kept_dms:
            await s.execute(insert(ConversationRef), [
                {"platform": platform, "workspace_id": workspace, "user_id": p["user_id"], "conversation_id": "D" + p["user_id"],
                 "service_url": "", "reference_json": json.dumps({"channel": "D" + p["user_id"]}), "updated_at": now}
                for p in people
            ])
        rows = [
            {"recipient_id": pid, "platform": platform, "workspace_id": workspace, "operation": OutboxOperation.SEND,
             "message_json": Message.text(f"check-in #{k + 1} for {pid}").to_json(), "status": OutboxStatus.PENDING,
             "not_before": now, "attempts": 0, "created_at": now}
            for k in range(per_person) for pid in ids
        ]
        for start in range(0, len(rows), 2000):
            await s.execute(insert(Outbox), rows[start:start + 2000])


async def unsent_by_workspace(sessions: async_sessionmaker[AsyncSession]) -> dict[str, int]:
    async with sessions() as s:
        result = await s.execute(
            select(Outbox.workspace_id, func.count()).where(Outbox.status != OutboxStatus.SENT).group_by(Outbox.workspace_id)
        )
        return {workspace: int(n) for workspace, n in result.all()}


async def watch(
    sessions: async_sessionmaker[AsyncSession], workspaces: list[str], timeout: float, step: float = 0.2,
) -> dict[str, float]:
    """Seconds until each workspace had every message sent (polling); a workspace missing from
    the answer did not finish within `timeout`."""
    loop = asyncio.get_running_loop()
    start = loop.time()
    done: dict[str, float] = {}
    while len(done) < len(workspaces) and loop.time() - start < timeout:
        left = await unsent_by_workspace(sessions)
        for workspace in workspaces:
            if workspace not in done and left.get(workspace, 0) == 0:
                done[workspace] = loop.time() - start
        await asyncio.sleep(step)
    return done
