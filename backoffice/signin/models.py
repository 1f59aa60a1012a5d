"""Inmate sign-in: PINs and lockouts, smartcards and their challenges, enrolled faces, the
inmate sessions that kiosks and tablets hold, and the tablets' own sessions with their tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import BIG_ID, Base, UTCDateTime, utcnow
from ..devices.models import Device
from ..people.models import Inmate, one_of


class SignInMethod(StrEnum):
    FACE = "face"
    CARD = "card"
    PIN = "pin"


class CardStatus(StrEnum):
    ACTIVE = "active"
    BLOCKED = "blocked"
    REPLACED = "replaced"


class InmateCredentials(Base):
    """An inmate's PIN and the failure count that locks face, card and PIN sign-in alike."""

    __tablename__ = "inmate_credentials"

    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), primary_key=True)
    pin_hash: Mapped[str | None] = mapped_column(String(255))
    pin_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_attempts: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    inmate: Mapped[Inmate] = relationship()


class DeviceThrottle(Base):
    """Failed sign-ins on one device in the current minute: many of them pause the device."""

    __tablename__ = "device_throttles"

    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), primary_key=True)
    window_started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    failures: Mapped[int] = mapped_column(default=0)


class InmateCard(Base):
    """A Cellgate inmate card: its printed number and the secret key inside it. The number
    proves nothing (cards are cloned); the key answers challenges. Kept encrypted."""

    __tablename__ = "inmate_cards"
    __table_args__ = (CheckConstraint(one_of("status", CardStatus), name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    card_number: Mapped[str] = mapped_column(String(32), unique=True)
    key_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=CardStatus.ACTIVE.value)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str] = mapped_column(String(200), default="")

    inmate: Mapped[Inmate] = relationship()


class CardChallenge(Base):
    """A fresh challenge sent to a card in a kiosk's reader. Answered correctly it waits for the
    PIN; it is used once."""

    __tablename__ = "card_challenges"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("inmate_cards.id"), index=True)
    challenge: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when the PIN confirmed it, or it was refused, cancelled or the card was pulled.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    card: Mapped[InmateCard] = relationship()


class InmateSession(Base):
    """An inmate signed in on one device. The token is held by the device; only its hash is
    kept. One active session per inmate: a new one ends the others."""

    __tablename__ = "inmate_sessions"
    __table_args__ = (CheckConstraint(one_of("method", SignInMethod), name="method"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    method: Mapped[str] = mapped_column(String(16))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
    end_reason: Mapped[str] = mapped_column(String(32), default="")

    inmate: Mapped[Inmate] = relationship()
    device: Mapped[Device] = relationship()


class FaceTemplate(Base):
    """One enrolled face image of an inmate, as a 128-number template encrypted at rest. The
    image itself is not kept."""

    __tablename__ = "face_templates"

    id: Mapped[int] = mapped_column(primary_key=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    template_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    source: Mapped[str] = mapped_column(String(16), default="upload")
    enrolled_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    enrolled_by: Mapped[str] = mapped_column(String(200), default="")

    inmate: Mapped[Inmate] = relationship()


class TabletSession(Base):
    """One inmate signed in on one tablet, with its access and refresh tokens (issued and
    checked by services/tablet_sessions.py for the tablet API, so that the back office never
    imports the tablet API).

    Only SHA-256 hashes of the tokens are kept (each is 256 random bits, so a fast hash is
    enough). The refresh token works only from the device the session started on and is rotated
    on every use; the previous one is remembered so that a replayed (stolen) refresh token ends
    the session."""

    __tablename__ = "tablet_sessions"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("devices.id"), index=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    # The sign-in helper's session of the same sign-in: ending either ends the tablet session.
    inmate_session_id: Mapped[int | None] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), ForeignKey("inmate_sessions.id"), index=True
    )
    method: Mapped[str] = mapped_column(String(8))
    access_hash: Mapped[str] = mapped_column(String(64), unique=True)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    refresh_hash: Mapped[str] = mapped_column(String(64), unique=True)
    previous_refresh_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    # The session's absolute end: no refresh after this.
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str] = mapped_column(String(32), default="")
