"""What the tablet shows as news: orders packed, requests answered, calls starting."""

from __future__ import annotations

from typing import Any

from .common import INTEGER, STRING, TIMESTAMP, items_of, obj, ref

COMPONENTS: dict[str, dict[str, Any]] = {
    "Notification": obj(
        {
            "id": STRING,
            "kind": {
                "type": "string",
                "enum": ["order_packed", "request_answered", "call_starting"],
            },
            "at": TIMESTAMP,
            "text": STRING,
            "order_id": INTEGER,
            "request_id": INTEGER,
            "booking_id": INTEGER,
        },
        ("id", "kind", "at", "text"),
    ),
    "Notifications": items_of(ref("Notification")),
}

NOTIFICATIONS_QUERY: dict[str, dict[str, Any]] = {
    "since": {
        "type": "string",
        "format": "date-time",
        "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$",
        "description": "Only what happened after this moment (the newest `at` seen).",
    }
}
