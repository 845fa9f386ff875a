"""The schema as SQLAlchemy 2 typed models. Alembic migrations are generated from these."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    false,
    true,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from storage.states import (
    CheckInStatus,
    CommitmentStatus,
    DigestCadence,
    LinkStatus,
    NoticeKind,
    OutboxOperation,
    OutboxStatus,
)
from storage.types import StrEnumType, UTCDateTime

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Person(Base):
    """Anyone the bot talks to, identified per platform; reps and managers alike."""

    __tablename__ = "person"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(200))
    tz: Mapped[str] = mapped_column(String(64), default="UTC")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    greeted: Mapped[bool] = mapped_column(Boolean, default=False)
    conversation_state: Mapped[str | None] = mapped_column(Text, default=None)
    paused_until: Mapped[date | None] = mapped_column(Date, default=None)
    next_checkin_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    digest_next_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None, index=True)
    digest_weekday: Mapped[int] = mapped_column(Integer, default=0)
    digest_time: Mapped[str] = mapped_column(String(5), default="08:00")
    digest_enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    tz_chosen: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    """The person set `tz` themselves: it wins over what their platform says."""
    holiday_country: Mapped[str | None] = mapped_column(String(8), default=None)
    """ISO 3166 country whose public holidays are days off (with `holiday_region`), or None."""
    holiday_region: Mapped[str | None] = mapped_column(String(16), default=None)
    digest_cadence: Mapped[DigestCadence] = mapped_column(
        StrEnumType(DigestCadence), default=DigestCadence.WEEKLY, server_default=DigestCadence.WEEKLY.value
    )
    """How often the digest comes: daily (working days), weekly or every two weeks on `digest_weekday`."""


class ManagerLink(Base):
    """A rep naming someone as their accountability partner; the named person may decline."""

    __tablename__ = "manager_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    status: Mapped[LinkStatus] = mapped_column(StrEnumType(LinkStatus), default=LinkStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    rep: Mapped[Person] = relationship(foreign_keys=[rep_id])
    manager: Mapped[Person] = relationship(foreign_keys=[manager_id])


class Terms(Base):
    """One version of a rep's accountability terms; every change is a new row."""

    __tablename__ = "terms"
    __table_args__ = (UniqueConstraint("person_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    version: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    checkin_days: Mapped[str] = mapped_column(String(32))
    checkin_time: Mapped[str] = mapped_column(String(5))
    tone: Mapped[str] = mapped_column(String(16))
    reflect_on_miss: Mapped[bool] = mapped_column(Boolean)
    nudge_later: Mapped[bool] = mapped_column(Boolean)
    escalate_after: Mapped[int | None] = mapped_column(Integer)
    no_answer_is_miss: Mapped[bool] = mapped_column(Boolean)
    share_streak_every: Mapped[int | None] = mapped_column(Integer)
    share_oneoff_wins: Mapped[bool] = mapped_column(Boolean)
    support_words: Mapped[str | None] = mapped_column(Text)
    followup_words: Mapped[str | None] = mapped_column(Text)
    reflection: Mapped[str | None] = mapped_column(String(32), default=None)
    """Which reflection question a No gets (a key of the project's list); None: the default one."""
    share_reflections: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    """The rep's reflections may be quoted to their manager inside an escalation."""
    kudos_channel: Mapped[str | None] = mapped_column(String(200), default=None)
    """A team channel where kudos may also be posted; None: kudos reach only the rep's DM."""


class Commitment(Base):
    """Something a rep promised: recurring (cadence) or one-off (due date)."""

    __tablename__ = "commitment"
    __table_args__ = (UniqueConstraint("person_id", "seq"), Index(None, "person_id", "status"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(String(500))
    title: Mapped[str] = mapped_column(String(500))
    cadence: Mapped[str | None] = mapped_column(String(32))
    due_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[CommitmentStatus] = mapped_column(StrEnumType(CommitmentStatus), default=CommitmentStatus.ACTIVE)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    miss_run: Mapped[int] = mapped_column(Integer, default=0)
    yes_run: Mapped[int] = mapped_column(Integer, default=0)
    escalated_in_run: Mapped[bool] = mapped_column(Boolean, default=False)
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("coaching_session.id", ondelete="SET NULL", use_alter=True), default=None, index=True
    )
    """The coaching session that agreed this action, if any."""

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class Prompt(Base):
    """One check-in message to a rep at one scheduled slot; it lists that slot's check-ins."""

    __tablename__ = "prompt"
    __table_args__ = (UniqueConstraint("person_id", "slot_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    slot_at: Mapped[datetime] = mapped_column(UTCDateTime())
    local_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CheckIn(Base):
    """The answer for one commitment in one period: pending, yes, no or no answer."""

    __tablename__ = "checkin"
    __table_args__ = (
        UniqueConstraint("commitment_id", "period"),
        Index(None, "settled_at", "closes_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    commitment_id: Mapped[int] = mapped_column(ForeignKey("commitment.id", ondelete="CASCADE"))
    prompt_id: Mapped[int | None] = mapped_column(ForeignKey("prompt.id", ondelete="SET NULL"), index=True)
    period: Mapped[str] = mapped_column(String(16))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[CheckInStatus] = mapped_column(StrEnumType(CheckInStatus), default=CheckInStatus.PENDING)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)
    awaiting_note: Mapped[bool] = mapped_column(Boolean, default=False)
    awaiting_nudge: Mapped[bool] = mapped_column(Boolean, default=False)
    recovered: Mapped[bool] = mapped_column(Boolean, default=False)

    commitment: Mapped[Commitment] = relationship()


class Notice(Base):
    """What a manager was told about a rep (escalations, wins): the rep can read all of it."""

    __tablename__ = "notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    kind: Mapped[NoticeKind] = mapped_column(StrEnumType(NoticeKind))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Outbox(Base):
    """A message waiting to be sent (or an edit of one already sent); the dispatcher drains it
    under a lease (`claim_token`, `lease_until`: see storage/repositories/outbox.py)."""

    __tablename__ = "outbox"
    __table_args__ = (Index(None, "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(String(64))
    operation: Mapped[OutboxOperation] = mapped_column(StrEnumType(OutboxOperation, 8), default=OutboxOperation.SEND)
    message_json: Mapped[str] = mapped_column(Text)
    message_key: Mapped[str | None] = mapped_column(String(64), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(128), unique=True)
    status: Mapped[OutboxStatus] = mapped_column(StrEnumType(OutboxStatus), default=OutboxStatus.PENDING)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    claim_token: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """When the current lease was taken (the database's clock)."""
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    """While `sending`: the holder (`claim_token`) keeps the row until then (the database's clock),
    renewing it while the send is in flight; after it, another dispatcher may take the row over."""
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    platform_ref: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    fallback_recipient_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), default=None)
    """If this message can't be delivered (recipient unreachable), tell this person instead..."""
    fallback_message_json: Mapped[str | None] = mapped_column(Text, default=None)
    """...this message."""
    channel_id: Mapped[str | None] = mapped_column(String(200), default=None)
    """Post in this channel of the recipient's workspace/team instead of their direct message."""


class ConversationRef(Base):
    """Where to reach a person proactively (Teams: the saved conversation reference, as JSON)."""

    __tablename__ = "conversation_ref"
    __table_args__ = (UniqueConstraint("platform", "workspace_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    workspace_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(128))
    conversation_id: Mapped[str] = mapped_column(String(256))
    service_url: Mapped[str] = mapped_column(String(500))
    reference_json: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessedEvent(Base):
    """An inbound delivery already handled (Slack `event_id`, Teams activity id): retries are dropped."""

    __tablename__ = "processed_event"
    __table_args__ = (UniqueConstraint("platform", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    event_id: Mapped[str] = mapped_column(String(200))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)


# The coaching tables share this Base; importing them here means anyone holding these models
# has the whole schema (Commitment.session_id refers to coaching_session).
import storage.coaching_models  # noqa: E402, F401
import storage.inbox_models  # noqa: E402, F401
import storage.pacing_models  # noqa: E402, F401
import storage.web_models  # noqa: E402, F401
