"""Video visits: the inmate's contacts, the free slots, bookings and the call's room."""

from __future__ import annotations

from typing import Any

from .common import (
    EMAIL,
    ID,
    NOT_BLANK,
    PHONE,
    TIMESTAMP,
    obj,
    page_of,
    ref,
    text,
)

COMPONENTS: dict[str, dict[str, Any]] = {
    "Contact": obj(
        {
            "id": {"type": "integer"},
            "full_name": {"type": "string"},
            "relation": {"type": "string"},
            "status": {"type": "string", "enum": ["pending", "approved", "refused"]},
            "requested_at": TIMESTAMP,
        },
        ("id", "full_name", "relation", "status", "requested_at"),
    ),
    "Contacts": obj({"items": {"type": "array", "items": ref("Contact")}}, ("items",)),
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
    "VisitSlots": obj(
        {
            "items": {
                "type": "array",
                "items": obj(
                    {
                        "slot_id": {"type": "integer"},
                        "starts_at": TIMESTAMP,
                        "ends_at": TIMESTAMP,
                        "places_left": {"type": "integer"},
                        "within_quota": {"type": "boolean"},
                    },
                    ("slot_id", "starts_at", "ends_at", "places_left", "within_quota"),
                ),
            }
        },
        ("items",),
    ),
    "Booking": obj(
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
        (
            "id",
            "status",
            "contact_id",
            "contact_name",
            "starts_at",
            "ends_at",
            "hold_expires_at",
            "quota_exempt",
        ),
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
    "RoomToken": obj(
        {
            "url": {"type": "string"},
            "room": {"type": "string"},
            "token": {"type": "string"},
            "expires_at": TIMESTAMP,
        },
        ("url", "room", "token", "expires_at"),
    ),
}
