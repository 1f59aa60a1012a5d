"""Video visits: the inmate's contacts, the free slots, bookings and the call's room."""

from __future__ import annotations

from typing import Any

from .common import (
    BOOLEAN,
    EMAIL,
    ID,
    INTEGER,
    NOT_BLANK,
    PHONE,
    STRING,
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
            "id": INTEGER,
            "full_name": STRING,
            "relation": STRING,
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
                "slot_id": INTEGER,
                "starts_at": TIMESTAMP,
                "ends_at": TIMESTAMP,
                "places_left": INTEGER,
                "within_quota": BOOLEAN,
            },
        )
    ),
    "Booking": all_required(
        {
            "id": INTEGER,
            "status": STRING,
            "contact_id": INTEGER,
            "contact_name": STRING,
            "starts_at": TIMESTAMP,
            "ends_at": TIMESTAMP,
            "hold_expires_at": TIMESTAMP,
            "quota_exempt": BOOLEAN,
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
            "url": STRING,
            "room": STRING,
            "token": STRING,
            "expires_at": TIMESTAMP,
        },
    ),
}
