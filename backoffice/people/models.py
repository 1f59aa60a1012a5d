from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import BIG_ID, Base, UTCDateTime, utcnow


class Language(StrEnum):
    ET = "et"
    RU = "ru"
    EN = "en"


class LegalStatus(StrEnum):
    REMAND = "remand"
    CONVICTED = "convicted"


class InmateStatus(StrEnum):
    """Where the person stands; the moves between these are people/services/lifecycle.py's
    MOVES. TRANSFERRED: to a prison outside this installation (within it, the inmate stays
    ACTIVE at the new prison)."""

    ACTIVE = "active"
    OUT = "out"  # temporarily out (court, hospital): no sign-in, orders kept
    RELEASED = "released"
    TRANSFERRED = "transferred"
    DECEASED = "deceased"


def one_of(column: str, values: type[StrEnum]) -> str:
    """A CHECK expression that keeps a text column to an enum's values."""
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


class Prison(Base):
    __tablename__ = "prisons"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Tallinn")

    wings: Mapped[list[Wing]] = relationship(back_populates="prison", order_by="Wing.code")


class Wing(Base):
    __tablename__ = "wings"
    __table_args__ = (UniqueConstraint("prison_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    # A closed wing takes no new inmate; its history stays.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    prison: Mapped[Prison] = relationship(back_populates="wings")
    cells: Mapped[list[Cell]] = relationship(back_populates="wing", order_by="Cell.number")


class Cell(Base):
    __tablename__ = "cells"
    __table_args__ = (UniqueConstraint("wing_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    wing_id: Mapped[int] = mapped_column(ForeignKey("wings.id"), index=True)
    number: Mapped[str] = mapped_column(String(16))
    capacity: Mapped[int] = mapped_column(default=2)
    # A closed cell takes no new inmate; its history stays.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    wing: Mapped[Wing] = relationship(back_populates="cells")


class Inmate(Base):
    __tablename__ = "inmates"
    __table_args__ = (
        CheckConstraint(one_of("language", Language), name="language"),
        CheckConstraint(one_of("legal_status", LegalStatus), name="legal_status"),
        CheckConstraint(one_of("status", InmateStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_number: Mapped[str] = mapped_column(String(32), unique=True)
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    date_of_birth: Mapped[date] = mapped_column(Date)
    language: Mapped[str] = mapped_column(String(2), default="et")
    legal_status: Mapped[str] = mapped_column(String(16))
    # Regime or incentive level, e.g. basic / standard / enhanced; its meaning is configuration.
    regime_level: Mapped[str] = mapped_column(String(32), default="standard")
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    wing_id: Mapped[int | None] = mapped_column(ForeignKey("wings.id"), index=True)
    cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id"), index=True)
    admitted_on: Mapped[date] = mapped_column(Date)
    expected_release_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=InmateStatus.ACTIVE.value)
    # The day he left (released, transferred out, deceased): the retention clock starts here.
    released_on: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    prison: Mapped[Prison] = relationship()
    wing: Mapped[Wing | None] = relationship()
    cell: Mapped[Cell | None] = relationship()

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


class MovementKind(StrEnum):
    ADMITTED = "admitted"
    LEGAL_STATUS = "legal_status"
    MOVED = "moved"
    TRANSFERRED = "transferred"
    OUT = "out"
    RETURNED = "returned"
    RELEASED = "released"
    DECEASED = "deceased"


class InmateMovement(Base):
    """One step of an inmate's life in custody (people/services/lifecycle.py writes them):
    where from, where to, why, and what it did to everything he had open. Never changed."""

    __tablename__ = "inmate_movements"
    __table_args__ = (CheckConstraint(one_of("kind", MovementKind), name="kind"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    effective_on: Mapped[date] = mapped_column(Date)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    from_prison_id: Mapped[int | None] = mapped_column(ForeignKey("prisons.id"))
    to_prison_id: Mapped[int | None] = mapped_column(ForeignKey("prisons.id"))
    from_cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id"))
    to_cell_id: Mapped[int | None] = mapped_column(ForeignKey("cells.id"))
    reason: Mapped[str] = mapped_column(String(500), default="")
    done_by: Mapped[str] = mapped_column(String(200))
    # The Prisoners' Register's event id, when the step came from its feed.
    register_event_id: Mapped[str | None] = mapped_column(String(64))
    # What the step did to what was open: sessions ended, orders cancelled or followed, ...
    effects: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    inmate: Mapped[Inmate] = relationship()
