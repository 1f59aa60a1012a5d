"""What the tablet tells the inmate without being asked: an order is packed, a request is
answered, a video call is about to start. Worked out from the orders, requests and bookings
themselves (nothing extra is stored), newest first; the tablet polls with `since`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from backoffice import dates
from backoffice.catalogue import N_, translate
from backoffice.db import utcnow
from backoffice.requests import services as requests
from backoffice.shop.models import Order
from backoffice.surface import get_db
from backoffice.visits import services as visits
from backoffice.visits.models import BookingStatus

from . import http
from .api import bp
from .openapi import INMATE, Routes
from .requests import rules as request_rules
from .schemas import Invalid
from .schemas.notifications import NOTIFICATIONS_QUERY

route = Routes(bp, tag="notifications", auth=INMATE)

ANSWERED = {"approved", "declined", "rejected"}
# A call is announced this long before it starts.
CALL_NOTICE = timedelta(minutes=15)

TEXTS: dict[str, str] = {
    "order_packed": N_("Order %(number)s is packed and will be delivered on %(day)s."),
    "request_answered": N_("Request %(receipt)s has been answered: %(status)s."),
    "call_starting": N_("Your video call with %(name)s starts at %(time)s."),
}


def _moment(raw: str) -> datetime:
    try:
        return datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:  # the pattern passed but the clock does not have hour 25
        raise Invalid([("since", "pattern", {})]) from None


@route("/notifications", "GET", response="Notifications", query=NOTIFICATIONS_QUERY, etag=True)
def notifications() -> Any:
    """Orders packed, requests answered and calls about to start, newest first"""
    db = get_db()
    person = http.inmate()
    language = person.language
    raw_since = http.query().get("since")
    since = _moment(raw_since) if raw_since else None
    now = utcnow()
    items: list[dict[str, Any]] = []

    packed = db.scalars(
        select(Order)
        .where(Order.inmate_id == person.id, Order.packed_at.is_not(None))
        .order_by(Order.packed_at.desc())
        .limit(20)
    )
    for order in packed:
        assert order.packed_at is not None
        items.append(
            {
                "id": f"order_packed:{order.id}",
                "kind": "order_packed",
                "at": order.packed_at,
                "text": translate(
                    language,
                    TEXTS["order_packed"],
                    number=order.number,
                    day=dates.day(order.delivery_on, language),
                ),
                "order_id": order.id,
            }
        )
    for case in requests.list_for_inmate(db, person, request_rules())[:50]:
        if case.status in ANSWERED:
            items.append(
                {
                    "id": f"request_answered:{case.id}",
                    "kind": "request_answered",
                    "at": case.updated_at,
                    "text": translate(
                        language,
                        TEXTS["request_answered"],
                        receipt=case.receipt,
                        status=case.status_text,
                    ),
                    "request_id": case.id,
                }
            )
    for booking in visits.bookings_of(db, person)[:20]:
        starts = booking.slot.starts_at
        live = booking.status == BookingStatus.CONFIRMED and now <= starts + timedelta(minutes=1)
        if live and starts - now <= CALL_NOTICE:
            items.append(
                {
                    "id": f"call_starting:{booking.id}",
                    "kind": "call_starting",
                    "at": starts - CALL_NOTICE,
                    "text": translate(
                        language,
                        TEXTS["call_starting"],
                        name=booking.contact.full_name,
                        time=dates.clock(starts, person.prison.timezone, language),
                    ),
                    "booking_id": booking.id,
                }
            )
    if since is not None:
        items = [i for i in items if i["at"] > since]
    items.sort(key=lambda i: i["at"], reverse=True)
    for item in items:
        item["at"] = item["at"].isoformat()
    return http.json_response({"items": items})
