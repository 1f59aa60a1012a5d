"""Booking a call: the inmate holds a place of a session, confirms it (the contact gets an
invitation link) or cancels it; the inmate's calls, newest first."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, InvalidInput, NotFound
from ...people.models import Inmate, Prison
from ...settings import Settings
from ...words import word
from ..models import Booking, Endpoint, EndpointKind, Slot
from .contacts import _contact
from .invitations import _invite
from .lifecycle import _cancel_future, _inmates_booking, _lock_inmate, _locked, _move
from .offers import _check_active, _used_in_week
from .rules import (
    ACTIVE_BOOKING,
    SYSTEM,
    B,
    VisitRules,
    _add_unless_taken,
    _check_aware,
    _local_day,
    _rules,
    _zone,
)
from .slots import _blocked_days


def _expire_holds_in(db: Session, slot_id: int, now: datetime) -> None:
    stmt = select(Booking).where(
        Booking.slot_id == slot_id,
        Booking.status == B.HELD.value,
        Booking.hold_expires_at <= now,
    )
    for booking in db.scalars(stmt):
        _move(db, SYSTEM, booking, B.EXPIRED, now, reason="not confirmed in time")


def _pick_endpoint(
    db: Session, inmate: Inmate, slot: Slot, via: str | None, now: datetime
) -> Endpoint:
    endpoints = list(
        db.scalars(
            select(Endpoint)
            .options(selectinload(Endpoint.device))
            .where(Endpoint.prison_id == slot.prison_id, Endpoint.active.is_(True))
            .order_by(Endpoint.name, Endpoint.id)
        )
    )
    busy = set(
        db.scalars(
            select(Booking.endpoint_id).where(
                Booking.slot_id == slot.id,
                Booking.place.is_not(None),
                or_(Booking.status != B.HELD.value, Booking.hold_expires_at > now),
            )
        )
    )
    tablets = [
        e
        for e in endpoints
        if e.kind == EndpointKind.TABLET
        and e.device is not None
        and e.device.revoked_at is None
        and e.device.cell_id == inmate.cell_id
        and e.id not in busy
    ]
    booths = [
        e
        for e in endpoints
        if e.kind == EndpointKind.BOOTH
        and (e.wing_id is None or e.wing_id == inmate.wing_id)
        and e.id not in busy
    ]
    if via == EndpointKind.TABLET:
        choice = tablets
    elif via == EndpointKind.BOOTH:
        choice = booths
    elif via is None:
        choice = tablets + booths
    else:
        raise InvalidInput("Choose the tablet or a booth.")
    if not choice:
        if via == "tablet":
            raise Conflict("Your cell's tablet is not free for that session; choose another time.")
        raise Conflict("No booth is free for that session; choose another time.")
    return choice[0]


def hold_slot(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    slot_id: int,
    contact_id: int,
    now: datetime,
    rules: VisitRules | Settings,
    *,
    via: str | None = None,
    rebook_of: int | None = None,
) -> Booking:
    """Hold one place of a session for the inmate's call with an approved contact. The hold
    lasts `hold` (10 minutes) unless confirmed. Rows are locked in a fixed order (inmate, then
    slot) so two holds never overbook a session nor exceed one inmate's quota; the unique
    (slot, place) is the last guard."""
    _check_aware(now)
    rules = _rules(rules)
    inmate = _lock_inmate(db, inmate.id)
    _check_active(inmate)
    # Locked so that a withdrawal of approval cannot slip between this check and the commit.
    contact = _contact(db, contact_id)
    if contact.inmate_id != inmate.id:
        raise NotFound("No such contact.", contact_id=contact_id)
    if not contact.approved:
        raise Forbidden("%(name)s is not an approved contact yet.", name=contact.full_name)
    slot = _locked(db, Slot, slot_id, "No such video call session.", slot_id=slot_id)
    if slot.prison_id != inmate.prison_id:
        raise NotFound("No such video call session.", slot_id=slot_id)
    prison = db.get(Prison, slot.prison_id)
    assert prison is not None
    zone = _zone(prison)
    day = _local_day(slot.starts_at, zone)
    ahead = (day - _local_day(now, zone)).days
    if ahead < rules.min_days_ahead or slot.starts_at <= now:
        raise Conflict("Calls are booked at least %(days)s days ahead.", days=rules.min_days_ahead)
    if ahead > rules.max_days_ahead:
        raise Conflict("Calls are booked at most %(days)s days ahead.", days=rules.max_days_ahead)
    if day in _blocked_days(db, prison.id, day, day):
        raise Conflict("There are no calls on %(day)s.", day=day)

    exempt = False
    if rebook_of is not None:
        failed = _inmates_booking(db, inmate, rebook_of)
        if failed.status != B.FAILED.value:
            raise Conflict("Only a call that failed for technical reasons is rebooked free.")
        already = db.scalar(select(Booking.id).where(Booking.rebook_of_id == failed.id))
        if already is not None:
            raise Conflict("That failed call was already rebooked.", booking_id=already)
        exempt = True

    # One hold at a time: choosing another session gives the previous place back.
    for old in db.scalars(
        select(Booking).where(
            Booking.inmate_id == inmate.id,
            Booking.status == B.HELD.value,
            Booking.hold_expires_at > now,
        )
    ):
        _move(db, actor, old, B.CANCELLED, now, reason="another session held")

    if not exempt:
        quota = rules.quota_for(inmate)
        used = _used_in_week(db, inmate, day, zone, now)
        if used >= quota:
            monday = day - timedelta(days=day.weekday())
            raise Conflict(
                "You have used your %(quota)s video calls for the week of %(monday)s.",
                quota=quota,
                monday=monday,
                used=used,
            )

    overlapping = db.scalar(
        select(Booking.id)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.inmate_id == inmate.id,
            Booking.status.in_(ACTIVE_BOOKING),
            or_(Booking.status != B.HELD.value, Booking.hold_expires_at > now),
            Slot.starts_at < slot.ends_at,
            Slot.ends_at > slot.starts_at,
        )
    )
    if overlapping is not None:
        raise Conflict("You already have a call at that time.", booking_id=overlapping)

    _expire_holds_in(db, slot.id, now)
    taken = set(
        db.scalars(
            select(Booking.place).where(Booking.slot_id == slot.id, Booking.place.is_not(None))
        )
    )
    free = [p for p in range(1, slot.capacity + 1) if p not in taken]
    if not free:
        raise Conflict("That session is full; choose another time.", slot_id=slot.id)
    endpoint = _pick_endpoint(db, inmate, slot, via, now)
    booking = Booking(
        slot_id=slot.id,
        place=free[0],
        inmate_id=inmate.id,
        contact_id=contact.id,
        endpoint_id=endpoint.id,
        status=B.HELD.value,
        held_at=now,
        hold_expires_at=now + rules.hold,
        privileged=contact.privileged,
        quota_exempt=exempt,
        rebook_of_id=rebook_of,
    )
    _add_unless_taken(db, booking, "That session just filled up; choose another time.")
    record(
        db,
        actor,
        "visits.slot_held",
        target_type="visit_booking",
        target_id=booking.id,
        inmate_id=inmate.id,
        slot_id=slot.id,
        place=booking.place,
        contact_id=contact.id,
        endpoint_id=endpoint.id,
        quota_exempt=exempt,
        rebook_of=rebook_of,
    )
    return booking


@dataclass(frozen=True)
class Confirmed:
    booking: Booking
    # Shown once: only its hash is stored. It also goes to the contact through the outbox.
    invitation_url: str


def confirm_booking(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    booking_id: int,
    now: datetime,
    rules: VisitRules | Settings,
) -> Confirmed:
    """Confirm a held call before the hold expires; the contact gets an invitation link."""
    _check_aware(now)
    rules = _rules(rules)
    inmate = _lock_inmate(db, inmate.id)
    booking = _inmates_booking(db, inmate, booking_id)
    if booking.status != B.HELD.value:
        raise Conflict(
            "This call is %(status)s: only a held call can be confirmed.",
            status=word(booking.status),
        )
    if now >= booking.hold_expires_at:
        raise Conflict("The hold has expired; choose the session again.")
    _check_active(inmate)
    if not booking.contact.approved:
        raise Forbidden("%(name)s is not an approved contact.", name=booking.contact.full_name)
    booking.room = f"cellgate-{secrets.token_hex(16)}"
    booking.privileged = booking.contact.privileged
    _move(db, actor, booking, B.CONFIRMED, now)
    url = _invite(db, actor, booking, now, rules)
    return Confirmed(booking=booking, invitation_url=url)


def cancel_booking(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    booking_id: int,
    now: datetime,
    rules: VisitRules | Settings,
) -> Booking:
    """The inmate cancels a held or confirmed call before it starts; the place and the week's
    quota are given back, and the contact is told."""
    _check_aware(now)
    booking = _inmates_booking(db, inmate, booking_id)
    if booking.status not in ACTIVE_BOOKING:
        raise Conflict("This call is already %(status)s.", status=word(booking.status))
    if booking.slot.starts_at <= now:
        raise Conflict("The call has started; it can no longer be cancelled.")
    _cancel_future(db, actor, [booking], "cancelled by the inmate", now)
    return booking


def bookings_of(db: Session, inmate: Inmate) -> list[Booking]:
    stmt = (
        select(Booking)
        .options(selectinload(Booking.slot), selectinload(Booking.contact))
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Booking.inmate_id == inmate.id)
        .order_by(Slot.starts_at.desc(), Booking.id.desc())
    )
    return list(db.scalars(stmt))
