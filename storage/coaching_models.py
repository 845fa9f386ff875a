"""The coaching tables: kudos, coaching sessions, practice requests (microcoaching), the
follow-up owed on each escalation, and the self-coaching prompts a rep was offered.

They share `Base` (and so the metadata, the naming convention and the migrations) with
storage/models.py; a person's rows go with the person (ON DELETE CASCADE)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.states import FollowUpAction, FollowUpVerdict, PracticeStatus
from storage.types import StrEnumType, UTCDateTime


class Kudos(Base):
    """Praise a manager sent a rep (for a win, from the digest, or unprompted)."""

    __tablename__ = "kudos"
    __table_args__ = (Index(None, "manager_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id", ondelete="SET NULL"), default=None)
    """The win it answers, if any."""
    note: Mapped[str | None] = mapped_column(Text, default=None)
    channel: Mapped[str | None] = mapped_column(String(200), default=None)
    """The team channel it was also posted in (only where the rep's terms allow it)."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class CoachingSession(Base):
    """One coaching conversation, in the project's framework: topic, evidence, the buyer's view,
    the top three reasons it could be lost, the rep's own plan; its agreed actions are
    commitments with `session_id` set (proposed to the rep, who accepts or edits them)."""

    __tablename__ = "coaching_session"
    __table_args__ = (Index(None, "manager_id", "created_at"), Index(None, "rep_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("notice.id", ondelete="SET NULL"), default=None)
    """The escalation this session followed up, if any."""
    topic: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str | None] = mapped_column(Text, default=None)
    buyer_view: Mapped[str | None] = mapped_column(Text, default=None)
    loss_reasons: Mapped[str | None] = mapped_column(Text, default=None)
    rep_plan: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class PracticeRequest(Base):
    """Microcoaching: a manager asks a rep to practise one skill; the rep answers with text or a
    file; the manager rates it and adds a note."""

    __tablename__ = "practice_request"
    __table_args__ = (Index(None, "manager_id", "created_at"), Index(None, "rep_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    manager_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    skill: Mapped[str] = mapped_column(Text)
    status: Mapped[PracticeStatus] = mapped_column(StrEnumType(PracticeStatus), default=PracticeStatus.REQUESTED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    response_text: Mapped[str | None] = mapped_column(Text, default=None)
    response_file_name: Mapped[str | None] = mapped_column(String(300), default=None)
    response_file_url: Mapped[str | None] = mapped_column(Text, default=None)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    rating: Mapped[int | None] = mapped_column(Integer, default=None)
    feedback_note: Mapped[str | None] = mapped_column(Text, default=None)
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class FollowUp(Base):
    """What a manager owes on one escalation: "I'll follow up" or a logged session within three
    working days of their calendar, else one reminder; and afterwards the rep's verdict."""

    __tablename__ = "follow_up"
    __table_args__ = (Index(None, "action", "due_at"), Index(None, "manager_id", "created_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    notice_id: Mapped[int] = mapped_column(ForeignKey("notice.id", ondelete="CASCADE"), unique=True)
    rep_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    manager_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """The end of the third working day after the escalation, in the manager's calendar."""
    action: Mapped[FollowUpAction | None] = mapped_column(StrEnumType(FollowUpAction), default=None)
    acted_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    verdict: Mapped[FollowUpVerdict | None] = mapped_column(StrEnumType(FollowUpVerdict), default=None)
    verdict_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class SelfCoachingOffer(Base):
    """A self-coaching prompt offered to a rep after repeated misses (never the same one twice
    within a month)."""

    __tablename__ = "self_coaching_offer"
    __table_args__ = (Index(None, "person_id", "offered_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    commitment_id: Mapped[int | None] = mapped_column(ForeignKey("commitment.id", ondelete="SET NULL"), default=None)
    prompt_key: Mapped[str] = mapped_column(String(64))
    offered_at: Mapped[datetime] = mapped_column(UTCDateTime())
