"""The durable inbox (`inbox`): requests a platform acknowledged and has not yet worked on.

A row is written before (or just after) the platform gets its ack, and deleted once its work is
done, so what was acknowledged survives a crash. It shares `Base` with storage/models.py."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime


class InboxEntry(Base):
    """One acknowledged request waiting for its work, in arrival order (`id`).

    `sqlite_autoincrement`: an id is never handed out twice, even after the newest row was
    deleted, so an id names one request for good (it is the request's delivery id)."""

    __tablename__ = "inbox"
    __table_args__ = (
        Index("ix_inbox_sender", "platform", "workspace_id", "user_id", "id"),
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    payload_json: Mapped[str] = mapped_column(Text)
    response_url: Mapped[str | None] = mapped_column(Text, default=None)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """A failed row waits until then before it is tried again (and so do its sender's later rows)."""
    claim_token: Mapped[str | None] = mapped_column(String(32), default=None)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """While a worker holds the row; after it (a crash), anyone may claim it again."""
