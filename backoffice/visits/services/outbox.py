"""The outbox: the messages to contacts (invitation links, cancellations, failures) that the
sender delivers, and the call's time as they read it."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import NotFound
from ...outbox.models import OutboxMessage
from ...outbox.services import queue_for_contact
from ..models import Booking, BookingStatus, Notification, Slot
from .rules import VisitRules, _zone


def _notify(
    db: Session,
    booking: Booking,
    kind: str,
    body: str,
    now: datetime,
    *,
    link: str = "",
    early: int = 0,
) -> Notification:
    contact = booking.contact
    note = Notification(
        booking_id=booking.id,
        contact_id=contact.id,
        kind=kind,
        channel="email" if contact.email else "sms",
        address=contact.email or contact.phone,
        body=body,
        created_at=now,
    )
    db.add(note)
    db.flush()
    # The message itself, in the contact's language, leaves with this transaction's commit.
    queue_for_contact(db, contact, kind, dedupe_key=f"visit_notification:{note.id}", now=now,
                      inmate=booking.inmate.full_name, when=_when(booking), link=link,
                      early=early)  # fmt: skip
    return note


def _when(booking: Booking) -> str:
    zone = _zone(booking.slot.prison)
    start = booking.slot.starts_at.astimezone(zone)
    end = booking.slot.ends_at.astimezone(zone)
    return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} ({zone.key})"


def outbox(db: Session, *, unsent_only: bool = True, limit: int = 200) -> list[Notification]:
    stmt = select(Notification).order_by(Notification.id)
    if unsent_only:
        stmt = stmt.where(Notification.sent_at.is_(None))
    return list(db.scalars(stmt.limit(limit)))


def mark_sent(db: Session, notification_id: int, now: datetime) -> None:
    """The sender delivered the message. Its body (which may hold an invitation link) is
    cleared: after delivery the link lives only with the contact."""
    note = db.get(Notification, notification_id)
    if note is None:
        raise NotFound("No such message.")
    note.sent_at = now
    note.body = "[delivered]"
    db.flush()


def queue_reminders(db: Session, now: datetime, rules: VisitRules, *, ahead: timedelta) -> int:
    """A reminder to the contact of each confirmed call that starts within `ahead`, once per
    call (the outbox's dedupe key); how many were queued now."""
    stmt = (
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED.value,
            Slot.starts_at > now,
            Slot.starts_at <= now + ahead,
        )
        .order_by(Booking.id)
    )
    queued = 0
    early = int(rules.join_early.total_seconds() // 60)
    for booking in db.scalars(stmt):
        key = f"visit_booking:{booking.id}:reminder"
        if db.scalar(select(OutboxMessage.id).where(OutboxMessage.dedupe_key == key)):
            continue
        queue_for_contact(db, booking.contact, "reminder", dedupe_key=key, now=now,
                          inmate=booking.inmate.full_name, when=_when(booking),
                          early=early)  # fmt: skip
        queued += 1
    return queued
