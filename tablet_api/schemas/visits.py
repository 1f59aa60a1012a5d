"""Video visits: the inmate's contacts, the free slots, bookings and the call's room."""

from __future__ import annotations

from typing import Any

from .common import (
    EMAIL,
    ID,
    NOT_BLANK,
    PHONE,
    TIMESTAMP,
    all_required,
    items_of,
    obj,
    page_of,
    ref,
    text,
)

COMPONENTS: dict[str, dict[str, Any]] = {
    "Contact": all_required(
        {
            "id": {"type": "integer"},
            "full_name": {"type": "string"},
            "relation": {"type": "string"},
            "status": {"type": "string", "enum": ["pending", "approved", "refused"]},
            "requested_at": TIMESTAMP,
        },
    ),
    "Contacts": items_of(ref("Contact")),
    "NewContact": obj(
        {
            "full_name": text(2, 200, pattern=NOT_BLANK),
            "relation": {
                "type": "string",
                "enum": [
                    "spouse",
                    "partner",
                    "parent",
                    "child",
                    "sibling",
                    "relative",
                    "friend",
                    "lawyer",
                    "other",
                ],
            },
            "phone": text(0, 32, pattern=PHONE),
            "email": text(0, 254, pattern=EMAIL),
        },
        ("full_name", "relation"),
        description="Staff need a way to reach the person: a phone number, an e-mail or both.",
        anyOf=[
            {"required": ["phone"], "properties": {"phone": {"minLength": 1}}},
            {"required": ["email"], "properties": {"email": {"minLength": 1}}},
        ],
    ),
    "VisitSlots": items_of(
        all_required(
            {
                "slot_id": {"type": "integer"},
                "starts_at": TIMESTAMP,
                "ends_at": TIMESTAMP,
                "places_left": {"type": "integer"},
                "within_quota": {"type": "boolean"},
            },
        )
    ),
    "Booking": all_required(
        {
            "id": {"type": "integer"},
            "status": {"type": "string"},
            "contact_id": {"type": "integer"},
            "contact_name": {"type": "string"},
            "starts_at": TIMESTAMP,
            "ends_at": TIMESTAMP,
            "hold_expires_at": TIMESTAMP,
            "quota_exempt": {"type": "boolean"},
        },
    ),
    "BookingPage": page_of("#/components/schemas/Booking"),
    "NewBooking": obj(
        {
            "slot_id": ID,
            "contact_id": ID,
            "rebook_of": {**ID, "description": "The failed call this one replaces (free)."},
        },
        ("slot_id", "contact_id"),
    ),
    "RoomToken": all_required(
        {
            "url": {"type": "string"},
            "room": {"type": "string"},
            "token": {"type": "string"},
            "expires_at": TIMESTAMP,
        },
    ),
}
