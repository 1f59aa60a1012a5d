"""The calls themselves: the join window and the Jitsi room token (for the inmate, the contact
and a monitoring member of staff), and the staff's view of the day's calls, which they may end
or mark failed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import jwt
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, InvalidInput, NotFound
from ...people.models import Inmate, InmateStatus, Prison
from ...settings import Settings
from ...staff.scope import check_in_scope
from ...words import word
from ..models import Booking, Endpoint, Slot
from .invitations import invitation_for
from .lifecycle import _booking, _inmates_booking, _move
from .outbox import _notify, _when
from .rules import B, VisitRules, _check_aware, _day_start, _rules, _zone

# --- joining ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomToken:
    token: str
    room: str
    url: str
    display_name: str
    expires_at: datetime
    privileged: bool


def join_window(booking: Booking, rules: VisitRules) -> tuple[datetime, datetime]:
    """From `join_early` before the start (inclusive) to the end of the slot (exclusive)."""
    return booking.slot.starts_at - rules.join_early, booking.slot.ends_at


def _check_joinable(booking: Booking, now: datetime, rules: VisitRules) -> None:
    if booking.status != B.CONFIRMED.value:
        raise Forbidden(
            "This call is %(status)s: it cannot be joined.", status=word(booking.status)
        )
    if not booking.contact.approved:
        raise Forbidden("This contact is not approved for video calls.")
    if booking.inmate.status != InmateStatus.ACTIVE.value:
        raise Forbidden("This call cannot take place.")
    opens, closes = join_window(booking, rules)
    if now < opens:
        raise Forbidden("The call opens at %(opens)s; come back then.", opens=opens)
    if now >= closes:
        raise Forbidden("The call's time is over.")


def _room_token(
    booking: Booking,
    rules: VisitRules,
    now: datetime,
    *,
    user_id: str,
    name: str,
    moderator: bool = False,
) -> RoomToken:
    if not rules.jitsi_secret:
        raise RuntimeError("visits.jitsi_secret is not set")
    opens, closes = join_window(booking, rules)
    assert booking.room is not None
    claims = {
        # Jitsi's token authentication (prosody mod_auth_token): aud, iss = app id,
        # sub = the meet domain, room = the room name; context.user is what others see.
        "aud": rules.jitsi_audience,
        "iss": rules.jitsi_app_id,
        "sub": rules.jitsi_domain,
        "room": booking.room,
        "iat": int(now.timestamp()),
        "nbf": int(opens.timestamp()),
        "exp": int(closes.timestamp()),
        "moderator": moderator,
        "context": {
            "user": {"id": user_id, "name": name, "moderator": moderator},
            # Nothing is recorded by the conferencing server; a privileged call is marked so.
            "features": {"recording": False, "livestreaming": False, "transcription": False},
            "privileged": booking.privileged,
        },
    }
    token = jwt.encode(claims, rules.jitsi_secret, algorithm="HS256")
    return RoomToken(
        token=token,
        room=booking.room,
        url=f"{rules.jitsi_url}/{booking.room}?jwt={token}",
        display_name=name,
        expires_at=closes,
        privileged=booking.privileged,
    )


def join_token_for_inmate(
    db: Session,
    inmate: Inmate,
    booking_id: int,
    now: datetime,
    rules: VisitRules | Settings,
    *,
    actor: Actor | None = None,
) -> RoomToken:
    _check_aware(now)
    rules = _rules(rules)
    actor = actor or Actor(kind="inmate", id=inmate.id, name=inmate.prison_number)
    booking = _inmates_booking(db, inmate, booking_id)
    _check_joinable(booking, now, rules)
    room = _room_token(booking, rules, now, user_id=f"inmate-{inmate.id}", name=inmate.full_name)
    record(
        db,
        actor,
        "visits.room_token_issued",
        target_type="visit_booking",
        target_id=booking.id,
        side="inmate",
    )
    return room


def join_token_for_contact(
    db: Session,
    token: str,
    now: datetime,
    rules: VisitRules | Settings,
    *,
    booking_id: int | None = None,
    remote_addr: str = "",
) -> RoomToken:
    """The contact's room token, from the invitation link. The link belongs to one booking:
    presented for any other it is refused."""
    _check_aware(now)
    rules = _rules(rules)
    invitation = invitation_for(db, token, now)
    booking = invitation.booking
    if booking_id is not None and booking_id != booking.id:
        raise Forbidden("This link is for another call.")
    _check_joinable(booking, now, rules)
    contact = booking.contact
    room = _room_token(booking, rules, now, user_id=f"contact-{contact.id}", name=contact.full_name)
    record(
        db,
        Actor(kind="contact", id=contact.id, name=contact.full_name, remote_addr=remote_addr),
        "visits.room_token_issued",
        target_type="visit_booking",
        target_id=booking.id,
        side="contact",
    )
    return room


def monitor_token(
    db: Session, actor: Actor, booking_id: int, now: datetime, rules: VisitRules | Settings
) -> RoomToken:
    """A member of staff listens in on a call. A lawyer's call is privileged: never."""
    rules = _rules(rules)
    booking = _booking(db, booking_id)
    if booking.privileged or booking.contact.privileged:
        record(
            db,
            actor,
            "visits.monitor_refused",
            target_type="visit_booking",
            target_id=booking.id,
            outcome="refused",
        )
        raise Forbidden("This call is privileged (a lawyer): it is never monitored.")
    _check_joinable(booking, now, rules)
    room = _room_token(
        booking, rules, now, user_id=f"staff-{actor.id}", name=f"Staff: {actor.name}"
    )
    record(db, actor, "visits.monitor_started", target_type="visit_booking", target_id=booking.id)
    return room


# --- staff: today's calls --------------------------------------------------------------------


@dataclass
class EndpointCalls:
    endpoint: Endpoint | None
    bookings: list[Booking]


def calls_of_day(db: Session, prison_id: int, day: date) -> list[EndpointCalls]:
    """The day's confirmed, ended and failed calls of a prison, per booth or tablet."""
    prison = db.get(Prison, prison_id)
    if prison is None:
        raise NotFound("No such prison.")
    zone = _zone(prison)
    stmt = (
        select(Booking)
        .options(
            selectinload(Booking.slot),
            selectinload(Booking.contact),
            selectinload(Booking.inmate),
            selectinload(Booking.endpoint),
        )
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Slot.prison_id == prison_id,
            Slot.starts_at >= _day_start(day, zone),
            Slot.starts_at < _day_start(day + timedelta(days=1), zone),
            Booking.status.in_((B.CONFIRMED.value, B.ENDED.value, B.FAILED.value)),
        )
        .order_by(Slot.starts_at, Booking.id)
    )
    groups: dict[int | None, EndpointCalls] = {}
    for booking in db.scalars(stmt):
        group = groups.setdefault(booking.endpoint_id, EndpointCalls(booking.endpoint, []))
        group.bookings.append(booking)
    return sorted(
        groups.values(), key=lambda g: (g.endpoint is None, g.endpoint and g.endpoint.name)
    )


def end_call(db: Session, actor: Actor, booking_id: int, *, reason: str, now: datetime) -> Booking:
    """Staff end a call (conduct, security). No more room tokens are issued for it; the
    conferencing server's own kick is the operator's job."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write why the call is ended.")
    booking = _booking(db, booking_id)
    check_in_scope(db, actor, booking.slot.prison_id, "call")
    if booking.slot.ends_at <= now:
        raise Conflict("The call's time is already over.")
    _move(db, actor, booking, B.ENDED, now, reason=reason)
    return booking


def mark_failed(
    db: Session, actor: Actor, booking_id: int, *, reason: str, now: datetime
) -> Booking:
    """The call failed for technical reasons: it does not count, and the inmate may rebook it
    once without using the weekly quota (`hold_slot(..., rebook_of=booking_id)`)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write what failed.")
    booking = _booking(db, booking_id)
    check_in_scope(db, actor, booking.slot.prison_id, "call")
    _move(db, actor, booking, B.FAILED, now, reason=reason)
    _notify(
        db,
        booking,
        "failed",
        f"The video call with {booking.inmate.full_name} on {_when(booking)} failed for "
        "technical reasons. It will be booked again at no cost to them.",
        now,
    )
    return booking
