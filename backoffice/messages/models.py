"""Messages, their photo attachments, each prison's screening rules, a contact's standing for
messages (on watch, blocked) and the codes a contact confirms their address with."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import BIG_ID, Base, UTCDateTime
from ..people.models import Inmate, Prison, one_of
from ..visits.models import Contact


class Direction(StrEnum):
    # The contact wrote it to the inmate.
    IN = "in"
    # The inmate wrote it to the contact.
    OUT = "out"


class MessageStatus(StrEnum):
    HELD = "held"
    PASSED = "passed"
    REJECTED = "rejected"


M = MessageStatus

# Every allowed change of a message's status, in one place: a held message is passed or
# rejected by a security officer; a passed or rejected one stays so.
TRANSITIONS: dict[MessageStatus, frozenset[MessageStatus]] = {
    M.HELD: frozenset({M.PASSED, M.REJECTED}),
    M.PASSED: frozenset(),
    M.REJECTED: frozenset(),
}


class ScreeningRules(Base):
    """One prison's rules for messages. Attachments are always held, whatever these say."""

    __tablename__ = "message_rules"
    __table_args__ = (
        CheckConstraint("max_per_day >= 1", name="max_per_day_positive"),
        CheckConstraint("max_length BETWEEN 1 AND 20000", name="max_length_range"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), unique=True)
    # Clean messages pass without a reader; off: every message waits for an officer.
    auto_pass: Mapped[bool] = mapped_column(default=False)
    # Words and phrases that hold a message (matched case-blind, as whole words).
    held_words: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Messages each side may write to the other per day (the prison's calendar day).
    max_per_day: Mapped[int] = mapped_column(default=5)
    max_length: Mapped[int] = mapped_column(default=2000)
    # What an inmate pays per message sent (0: free); refunded when it is rejected.
    price_cents: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(200), default="")

    prison: Mapped[Prison] = relationship()


class ContactStanding(Base):
    """What security has said about a contact for messages: on watch (every message is held)
    or blocked (no message either way), with why and by whom."""

    __tablename__ = "message_contact_standings"

    contact_id: Mapped[int] = mapped_column(ForeignKey("visit_contacts.id"), primary_key=True)
    on_watch: Mapped[bool] = mapped_column(default=False)
    blocked: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    changed_by: Mapped[str] = mapped_column(String(200), default="")


class Message(Base):
    """One message between an inmate and one of their contacts, either way."""

    __tablename__ = "messages"
    __table_args__ = (
        CheckConstraint(one_of("direction", Direction), name="direction"),
        CheckConstraint(one_of("status", MessageStatus), name="status"),
        CheckConstraint("price_cents >= 0", name="price_not_negative"),
        Index("ix_messages_status_privileged", "status", "privileged"),
        Index("ix_messages_inmate_contact", "inmate_id", "contact_id"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("visit_contacts.id"), index=True)
    direction: Mapped[str] = mapped_column(String(3))
    body: Mapped[str] = mapped_column(Text)
    # Legal correspondence (a lawyer, the ombudsman): never read by screening.
    privileged: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(16))
    # Why screening held it (words, attachment, watch, every message): staff only.
    held_because: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Why it was rejected: the sender reads this.
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    price_cents: Mapped[int] = mapped_column(default=0)
    # The ledger hold of its price (posted when it passes, voided when rejected).
    hold_transfer_id: Mapped[int | None] = mapped_column()

    inmate: Mapped[Inmate] = relationship()
    contact: Mapped[Contact] = relationship()
    attachments: Mapped[list[Attachment]] = relationship(
        back_populates="message", order_by="Attachment.id"
    )


class Attachment(Base):
    """A photo, re-encoded on arrival: what is kept has no metadata (no place, no camera)."""

    __tablename__ = "message_attachments"
    __table_args__ = (
        CheckConstraint("content_type IN ('image/jpeg', 'image/png')", name="content_type"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    content_type: Mapped[str] = mapped_column(String(32))
    size_bytes: Mapped[int] = mapped_column()
    width: Mapped[int] = mapped_column()
    height: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)

    message: Mapped[Message] = relationship(back_populates="attachments")


class AddressCode(Base):
    """A code sent to a contact's e-mail or phone; confirming it lets them write and read on
    the family site. Only its hash is kept."""

    __tablename__ = "message_address_codes"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    address: Mapped[str] = mapped_column(String(254), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
