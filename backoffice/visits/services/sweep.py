"""Release, transfer and sweeping: the calls of an inmate who left are cancelled and the
contacts told; `sweep` also expires unconfirmed holds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from ...audit.services import Actor
from ...people.models import Inmate, InmateStatus
from ..models import Booking, Slot
from .lifecycle import _cancel_future, _move
from .rules import ACTIVE_BOOKING, B


def _departure_reason(inmate: Inmate, slot: Slot) -> str | None:
    if inmate.status in (InmateStatus.RELEASED.value, InmateStatus.DECEASED.value):
        return str(inmate.status)
    if inmate.status == InmateStatus.TRANSFERRED.value or inmate.prison_id != slot.prison_id:
        return "transferred"
    return None


def cancel_for_departure(db: Session, actor: Actor, inmate: Inmate, now: datetime) -> int:
    """Cancel the future calls of an inmate who was released or transferred (call it from the
    release or transfer; `sweep` catches any that were missed). Contacts are told."""
    stmt = (
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.inmate_id == inmate.id,
            Booking.status.in_(ACTIVE_BOOKING),
            Slot.ends_at > now,
        )
        .order_by(Booking.id)
    )
    count = 0
    for booking in db.scalars(stmt):
        reason = _departure_reason(inmate, booking.slot)
        if reason is not None:
            count += _cancel_future(db, actor, [booking], reason, now)
    return count


@dataclass(frozen=True)
class SweepResult:
    holds_expired: int
    cancelled_for_departure: int


def sweep(db: Session, actor: Actor, now: datetime) -> SweepResult:
    """Expire unconfirmed holds and cancel the calls of inmates who left; run it every few
    minutes (`cellgate visits sweep`)."""
    expired = 0
    for booking in db.scalars(
        select(Booking)
        .where(Booking.status == B.HELD.value, Booking.hold_expires_at <= now)
        .order_by(Booking.id)
        .with_for_update()
    ).all():
        _move(db, actor, booking, B.EXPIRED, now, reason="not confirmed in time")
        expired += 1
    departed = db.scalars(
        select(Inmate)
        .join(Booking, Booking.inmate_id == Inmate.id)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.status.in_(ACTIVE_BOOKING),
            Slot.ends_at > now,
            or_(
                Inmate.status != InmateStatus.ACTIVE.value,
                and_(Inmate.prison_id != Slot.prison_id),
            ),
        )
        .distinct()
    ).all()
    cancelled = sum(cancel_for_departure(db, actor, inmate, now) for inmate in departed)
    return SweepResult(holds_expired=expired, cancelled_for_departure=cancelled)
