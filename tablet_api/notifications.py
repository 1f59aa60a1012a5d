"""What the tablet tells the inmate without being asked: an order is packed, a request is
answered, a video call is about to start. Worked out from the orders, requests and bookings
themselves (nothing extra is stored), newest first; the tablet polls with `since`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

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

TEXTS: dict[str, dict[str, str]] = {
    "order_packed": {
        "et": "Tellimus {number} on pakitud ja tuuakse {day}.",
        "ru": "Заказ {number} упакован, доставка {day}.",
        "en": "Order {number} is packed and will be delivered on {day}.",
    },
    "request_answered": {
        "et": "Taotlusele {receipt} on vastatud: {status}.",
        "ru": "На заявление {receipt} дан ответ: {status}.",
        "en": "Request {receipt} has been answered: {status}.",
    },
    "call_starting": {
        "et": "Videokõne ({name}) algab kell {time}.",
        "ru": "Видеозвонок ({name}) начнётся в {time}.",
        "en": "Your video call with {name} starts at {time}.",
    },
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
                "text": TEXTS["order_packed"][language].format(
                    number=order.number, day=order.delivery_on.isoformat()
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
                    "text": TEXTS["request_answered"][language].format(
                        receipt=case.receipt, status=case.status_text
                    ),
                    "request_id": case.id,
                }
            )
    for booking in visits.bookings_of(db, person)[:20]:
        starts = booking.slot.starts_at
        live = booking.status == BookingStatus.CONFIRMED and now <= starts + timedelta(minutes=1)
        if live and starts - now <= CALL_NOTICE:
            local = starts.astimezone(ZoneInfo(person.prison.timezone))
            items.append(
                {
                    "id": f"call_starting:{booking.id}",
                    "kind": "call_starting",
                    "at": starts - CALL_NOTICE,
                    "text": TEXTS["call_starting"][language].format(
                        name=booking.contact.full_name, time=local.strftime("%H:%M")
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
