"""The fence every outcome of a held outbox row goes through: the row, still under the claim
it was handed out with, and still being sent. Outcomes are prebuilt Core UPDATEs (nothing to
build per row, no session state to bring in line)."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import (
    ColumnElement,
    DateTime,
    Interval,
    String,
    Table,
    Update,
    and_,
    bindparam,
    func,
    update,
)

from storage.models import Outbox
from storage.repositories.outbox import SQLITE_NOW
from storage.states import OutboxStatus


@lru_cache(maxsize=64)
def fenced_update(columns: tuple[str, ...]) -> Update:
    """UPDATE outbox SET each of `columns` WHERE it is the row :held_id, still held under the claim
    :held_token (the fence of `held`), as a Core statement: nothing to build per row, and no
    session state to bring in line."""
    table = cast(Table, Outbox.__table__)
    return (
        update(table)
        .where(table.c.id == bindparam("held_id"), table.c.claim_token == bindparam("held_token"),
               table.c.status == OutboxStatus.SENDING)
        .values({name: bindparam(f"new_{name}", type_=table.c[name].type) for name in columns})
    )


def fenced_parameters(row: Outbox, values: dict[str, object]) -> dict[str, object]:
    return {"held_id": row.id, "held_token": row.claim_token, **{f"new_{key}": value for key, value in values.items()}}


class NotAllHeld(Exception):
    """A batch of outcomes can't be written together (some row is no longer held): write each on its own."""


def held(row: Outbox) -> ColumnElement[bool]:
    """The fence: this row, still under the claim it was handed out with."""
    if row.claim_token is None:
        raise ValueError(f"outbox row {row.id} was not claimed")
    return and_(Outbox.id == row.id, Outbox.claim_token == row.claim_token, Outbox.status == OutboxStatus.SENDING)


@lru_cache(maxsize=8)
def renewed_for_sending(dialect: str) -> Update:
    """UPDATE outbox SET lease_until = the database's now + the lease WHERE the row is one of :ids,
    still held under :token, RETURNING its id: the lease renewed once more just before the
    sends of a batch (`lease_parameters` gives the lease)."""
    table = cast(Table, Outbox.__table__)
    until: ColumnElement[Any]
    if dialect == "sqlite":
        until = func.strftime(SQLITE_NOW, "now", bindparam("lease_modifier", type_=String()))
    else:
        until = func.statement_timestamp(type_=DateTime(timezone=True)) + bindparam("lease", type_=Interval())
    return (
        update(table)
        .where(table.c.id.in_(bindparam("ids", expanding=True)), table.c.claim_token == bindparam("token"),
               table.c.status == OutboxStatus.SENDING)
        .values(lease_until=until)
        .returning(table.c.id)
    )


def lease_parameters(dialect: str, lease: timedelta) -> dict[str, object]:
    if dialect == "sqlite":
        return {"lease_modifier": f"{lease.total_seconds():+.3f} seconds"}
    return {"lease": lease}
