"""The register's events as received, and where each person's events have got to."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..db import BIG_ID, Base, UTCDateTime, utcnow
from ..people.models import one_of


class EventKind(StrEnum):
    ADMISSION = "admission"
    MOVE = "move"
    TRANSFER = "transfer"
    STATUS_CHANGE = "status_change"
    OUT = "out"
    RETURN = "return"
    RELEASE = "release"
    DEATH = "death"


class EventState(StrEnum):
    WAITING = "waiting"  # could not be applied yet: `reason` says why
    APPLIED = "applied"


class RegisterEvent(Base):
    """One event of the register, kept as it came. The register's own id makes a second
    delivery a no-op; `sequence` is the event's place in its person's history (1, 2, 3 ...)."""

    __tablename__ = "register_events"
    __table_args__ = (
        UniqueConstraint("event_id"),
        UniqueConstraint("prison_number", "sequence"),
        CheckConstraint(one_of("kind", EventKind), name="kind"),
        CheckConstraint(one_of("state", EventState), name="state"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    event_id: Mapped[str] = mapped_column(String(64))
    prison_number: Mapped[str] = mapped_column(String(32))
    sequence: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    payload_hash: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    applied_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class RegisterPerson(Base):
    """How far a person's events have been applied: the next one to apply is `applied + 1`.
    Its row is locked while one of his events is applied, so two feeds never race."""

    __tablename__ = "register_people"

    prison_number: Mapped[str] = mapped_column(String(32), primary_key=True)
    applied_sequence: Mapped[int] = mapped_column(default=0)
