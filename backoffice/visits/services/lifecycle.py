"""A booking's moves along its state machine (models.TRANSITIONS), the locked reads they start
from, and the cancellation of future calls that contacts, bars, blocked dates and departures
share."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import lock_by_id
from ...errors import NotFound, Phrase
from ...people.models import Inmate
from ...states import check_move
from ...words import N_
from ..models import TRANSITIONS, Booking, BookingStatus, Invitation, Slot
from .outbox import _notify, _when
from .rules import ACTIVE_BOOKING, B


def _lock_inmate(db: Session, inmate_id: int) -> Inmate:
    inmate = lock_by_id(db, Inmate, inmate_id)
    if inmate is None:
        raise NoResultFound("No row was found when one was required")
    return inmate


T = TypeVar("T")


def _locked(db: Session, model: type[T], row_id: int, missing: str, **ids: int) -> T:
    """The row, locked (see `lock_by_id`); NotFound saying `missing` when there is none."""
    row = lock_by_id(db, model, row_id)
    if row is None:
        raise NotFound(missing, **ids)
    return row


def _booking(db: Session, booking_id: int) -> Booking:
    return _locked(db, Booking, booking_id, "No such video call.", booking_id=booking_id)


def _inmates_booking(db: Session, inmate: Inmate, booking_id: int) -> Booking:
    booking = _booking(db, booking_id)
    if booking.inmate_id != inmate.id:
        # The same answer as for a booking that does not exist: ids are not an oracle.
        raise NotFound("No such video call.", booking_id=booking_id)
    return booking


def _move(
    db: Session,
    actor: Actor,
    booking: Booking,
    to: BookingStatus,
    now: datetime,
    *,
    reason: str = "",
    **details: Any,
) -> None:
    current = BookingStatus(booking.status)
    check_move(TRANSITIONS, current, to, Phrase(N_("This call")))
    booking.status = to.value
    if to in (B.CANCELLED, B.EXPIRED):
        booking.place = None  # gives the place back to the slot
    if to is B.CONFIRMED:
        booking.confirmed_at = now
    else:
        booking.closed_at = now
        booking.close_reason = reason
        booking.closed_by = actor.name
    if to in (B.CANCELLED, B.EXPIRED, B.ENDED, B.FAILED):
        for invitation in db.scalars(
            select(Invitation).where(
                Invitation.booking_id == booking.id, Invitation.revoked_at.is_(None)
            )
        ):
            invitation.revoked_at = now
    db.flush()
    record(
        db,
        actor,
        f"visits.booking_{to.value}",
        target_type="visit_booking",
        target_id=booking.id,
        before=current.value,
        inmate_id=booking.inmate_id,
        reason=reason,
        **details,
    )


def _cancel_future(
    db: Session, actor: Actor, bookings: Iterable[Booking], reason: str, now: datetime
) -> int:
    count = 0
    for booking in bookings:
        if booking.status not in ACTIVE_BOOKING or booking.slot.ends_at <= now:
            continue
        was_confirmed = booking.status == B.CONFIRMED.value
        _move(db, actor, booking, B.CANCELLED, now, reason=reason)
        if was_confirmed:
            _notify(
                db,
                booking,
                "cancelled",
                f"The video call with {booking.inmate.full_name} on {_when(booking)} is cancelled.",
                now,
            )
        count += 1
    return count


def _future_of_contact(db: Session, contact_id: int, now: datetime) -> list[Booking]:
    stmt = (
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.contact_id == contact_id,
            Booking.status.in_(ACTIVE_BOOKING),
            Slot.ends_at > now,
        )
    )
    return list(db.scalars(stmt))
