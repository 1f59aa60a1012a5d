"""The outbox: one row per message to a contact, and the language each contact reads."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BIG_ID, Base, UTCDateTime
from ..people.models import one_of


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


class MessageStatus(StrEnum):
    # Waiting for its (next) attempt.
    QUEUED = "queued"
    # A sender has claimed it until `claimed_until`; if that passes, the sender died.
    SENDING = "sending"
    SENT = "sent"
    # Every attempt failed, or the address was refused for good: staff look at it.
    FAILED = "failed"


S = MessageStatus

# Every allowed change of a message's status, in one place.
TRANSITIONS: dict[MessageStatus, frozenset[MessageStatus]] = {
    S.QUEUED: frozenset({S.SENDING}),
    # A claim that expired is claimed again: sending -> sending.
    S.SENDING: frozenset({S.SENDING, S.QUEUED, S.SENT, S.FAILED}),
    S.SENT: frozenset(),
    S.FAILED: frozenset({S.QUEUED}),
}


class OutboxMessage(Base):
    """A message to one address. `key` is the message's identity: unique, the e-mail's
    Message-ID and the SMS gateway's idempotency key, so a retry is the same message. The
    cause's own key (`dedupe_key`, e.g. "visit_booking:12:invitation:3") stops the same event
    queuing it twice."""

    __tablename__ = "outbox_messages"
    __table_args__ = (
        CheckConstraint(one_of("channel", Channel), name="channel"),
        CheckConstraint(one_of("status", MessageStatus), name="status"),
        CheckConstraint("language IN ('et', 'ru', 'en')", name="language"),
        Index("ix_outbox_messages_due", "status", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2))
    subject: Mapped[str] = mapped_column(String(200))
    # Cleared once delivered: an invitation link then lives only with the contact.
    body: Mapped[str] = mapped_column(Text)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("visit_contacts.id"), index=True)
    prison_id: Mapped[int | None] = mapped_column(ForeignKey("prisons.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=S.QUEUED.value)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Which sender holds the claim: only that one may mark the message sent.
    claim: Mapped[str] = mapped_column(String(64), default="")
    last_error: Mapped[str] = mapped_column(String(500), default="")
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class ContactLanguage(Base):
    """The language a contact reads their messages and the family pages in, when they chose
    one; otherwise the inmate's language is the best guess."""

    __tablename__ = "outbox_contact_languages"
    __table_args__ = (CheckConstraint("language IN ('et', 'ru', 'en')", name="language"),)

    contact_id: Mapped[int] = mapped_column(ForeignKey("visit_contacts.id"), primary_key=True)
    language: Mapped[str] = mapped_column(String(2))
    chosen_at: Mapped[datetime] = mapped_column(UTCDateTime())
