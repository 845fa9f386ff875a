"""The send rate each workspace/tenant was found to take: the dispatcher's paces, remembered
across restarts (scheduler/pacing.py decides them; this only keeps them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import UTCDateTime


class SendRate(Base):
    """How fast to send to one workspace (Slack) or tenant (Teams), as last discovered."""

    __tablename__ = "send_rate"
    __table_args__ = (UniqueConstraint("platform", "workspace_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(String(64))
    rate_per_second: Mapped[float] = mapped_column(Float)
    """The pace to send at: just under the rate the platform last refused (429)."""
    refused_per_second: Mapped[float | None] = mapped_column(Float, default=None)
    """The rate at which the platform last answered 429, if it ever did."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
