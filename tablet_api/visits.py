"""Video visits on the tablet: contacts, the sessions open for booking, bookings and joining."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backoffice.db import utcnow
from backoffice.surface import equipment, get_db
from backoffice.visits import services as visits
from backoffice.visits.models import Booking, Contact

from . import http
from .api import bp
from .openapi import INMATE, Routes
from .schemas import PAGE_QUERY

route = Routes(bp, tag="visits", auth=INMATE)


def rules() -> visits.VisitRules:
    return equipment().visit_rules


def contact_json(contact: Contact) -> dict[str, Any]:
    return {
        **http.attributes(contact, "id", "full_name", "relation"),
        "status": contact.status_for_inmate,
        "requested_at": contact.requested_at.isoformat(),
    }


def booking_json(booking: Booking) -> dict[str, Any]:
    return {
        **http.attributes(booking, "id", "status", "contact_id", "quota_exempt"),
        "contact_name": booking.contact.full_name,
        "starts_at": booking.slot.starts_at.isoformat(),
        "ends_at": booking.slot.ends_at.isoformat(),
        "hold_expires_at": booking.hold_expires_at.isoformat(),
    }


def _by_inmate(service: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A visits service acting for the signed-in inmate: `service(db, actor, inmate, ...)`."""
    return service(get_db(), http.actor(), http.inmate(), *args, **kwargs)


def _done(data: Any, status: int = 200) -> Any:
    get_db().commit()
    return http.json_response(data, status=status)


@route("/contacts", "GET", response="Contacts", etag=True)
def list_contacts() -> Any:
    """The people the inmate asked to call, with staff's decision"""
    contacts = visits.contacts_of(get_db(), http.inmate())
    return http.json_response({"items": [contact_json(c) for c in contacts]})


@route(
    "/contacts",
    "POST",
    body="NewContact",
    status=201,
    response="Contact",
    errors=(403, 409),
    example={"full_name": "Maria Tamm", "relation": "spouse", "phone": "+3725551234"},
)
def add_contact() -> Any:
    """Ask to add a person to call; staff approve or refuse"""
    data = http.body()
    contact = _by_inmate(
        visits.request_contact,
        full_name=data["full_name"],
        relation=data["relation"],
        phone=data.get("phone", ""),
        email=data.get("email", ""),
        now=utcnow(),
    )
    return _done(contact_json(contact), status=201)


@route("/visit-slots", "GET", response="VisitSlots", errors=(403,))
def visit_slots() -> Any:
    """Video-call sessions the inmate may book now, with places left"""
    offers = visits.available_slots(get_db(), http.inmate(), utcnow(), rules())
    return _done(
        {
            "items": [
                {
                    **http.attributes(o, "slot_id", "places_left", "within_quota"),
                    "starts_at": o.starts_at.isoformat(),
                    "ends_at": o.ends_at.isoformat(),
                }
                for o in offers
            ]
        }
    )


@route("/bookings", "GET", response="BookingPage", query=PAGE_QUERY, etag=True)
def list_bookings() -> Any:
    """The inmate's video calls, latest session first, in pages"""
    q = http.query()
    bookings = visits.bookings_of(get_db(), http.inmate())
    if "cursor" in q:
        # bookings_of orders by session, so the cursor is a position, not an id.
        bookings = bookings[int(q["cursor"]) :]
        start = int(q["cursor"])
    else:
        start = 0
    page = bookings[: q["limit"]]
    more = len(bookings) > q["limit"]
    return http.json_response(
        {
            "items": [booking_json(b) for b in page],
            "next_cursor": str(start + q["limit"]) if more else None,
        }
    )


@route(
    "/bookings",
    "POST",
    body="NewBooking",
    status=201,
    response="Booking",
    errors=(403, 404, 409),
    example={"slot_id": 1, "contact_id": 1},
)
def hold_booking() -> Any:
    """Hold a place in a session for a call with an approved contact (confirm it next)"""
    data = http.body()
    booking = _by_inmate(
        visits.hold_slot,
        data["slot_id"],
        data["contact_id"],
        utcnow(),
        rules(),
        rebook_of=data.get("rebook_of"),
    )
    return _done(booking_json(booking), status=201)


@route("/bookings/<int:booking_id>/confirm", "POST", response="Booking", errors=(403, 409))
def confirm_booking(booking_id: int) -> Any:
    """Confirm a held call; the contact is sent an invitation"""
    confirmed = _by_inmate(visits.confirm_booking, booking_id, utcnow(), rules())
    return _done(booking_json(confirmed.booking))


@route("/bookings/<int:booking_id>/cancel", "POST", response="Booking", errors=(403, 409))
def cancel_booking(booking_id: int) -> Any:
    """Cancel a held or confirmed call before it starts"""
    booking = _by_inmate(visits.cancel_booking, booking_id, utcnow(), rules())
    return _done(booking_json(booking))


@route("/bookings/<int:booking_id>/join", "POST", response="RoomToken", errors=(403, 409))
def join_booking(booking_id: int) -> Any:
    """The room link and token for a confirmed call, inside its join window only"""
    token = visits.join_token_for_inmate(
        get_db(), http.inmate(), booking_id, utcnow(), rules(), actor=http.actor()
    )
    return _done(
        {
            **http.attributes(token, "url", "room", "token"),
            "expires_at": token.expires_at.isoformat(),
        }
    )
