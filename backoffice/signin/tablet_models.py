"""A tablet session: one inmate signed in on one tablet, with its access and refresh tokens
(services/tablet_sessions.py issues and checks them for the tablet API; the table and its
rules live with the rest of sign-in, so that the back office never imports the tablet API).

Only SHA-256 hashes of the tokens are kept (each is 256 random bits, so a fast hash is enough).
The refresh token works only from the device the session started on and is rotated on every
use; the previous one is remembered so that a replayed (stolen) refresh token ends the session.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BIG_ID, Base, UTCDateTime, utcnow


class TabletSession(Base):
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
