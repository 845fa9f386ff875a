"""The fence every outcome of a held outbox row goes through: the row, still under the claim
it was handed out with, and still being sent. Outcomes are prebuilt Core UPDATEs (nothing to
build per row, no session state to bring in line)."""

from __future__ import annotations

from functools import lru_cache
from typing import cast

from sqlalchemy import ColumnElement, Table, Update, and_, bindparam, update

from storage.models import Outbox
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
    """A batch of outcomes can't be written together (some row is no longer held, or the
    driver can't tell): write each on its own."""


def held(row: Outbox) -> ColumnElement[bool]:
    """The fence: this row, still under the claim it was handed out with."""
    if row.claim_token is None:
        raise ValueError(f"outbox row {row.id} was not claimed")
    return and_(Outbox.id == row.id, Outbox.claim_token == row.claim_token, Outbox.status == OutboxStatus.SENDING)
