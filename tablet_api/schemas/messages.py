"""Messages: the inmate's conversations with approved contacts, one conversation, a reply."""

from __future__ import annotations

from typing import Any

from .common import MONEY, NOT_BLANK, NULLABLE_TIMESTAMP, TIMESTAMP, all_required, obj, ref, text

COMPONENTS: dict[str, dict[str, Any]] = {
    "Conversation": all_required(
        {
            "contact_id": {"type": "integer"},
            "contact_name": {"type": "string"},
            "relation": {"type": "string"},
            "unread": {"type": "integer", "minimum": 0},
            "last_at": NULLABLE_TIMESTAMP,
        }
    ),
    "Conversations": all_required({"items": {"type": "array", "items": ref("Conversation")}}),
    "Message": all_required(
        {
            "id": {"type": "integer"},
            "direction": {
                "type": "string",
                "enum": ["in", "out"],
                "description": "in: the contact wrote it; out: the inmate did.",
            },
            "body": {"type": "string"},
            "status": {
                "type": "string",
                "enum": ["held", "passed", "rejected"],
                "description": "The inmate sees the contact's messages once they passed, and "
                "their own in every state (a rejected one with the reason).",
            },
            "reject_reason": {"type": "string"},
            "photos": {"type": "integer", "minimum": 0},
            "price_cents": MONEY,
            "created_at": TIMESTAMP,
            "read_at": NULLABLE_TIMESTAMP,
        }
    ),
    "Messages": all_required({"items": {"type": "array", "items": ref("Message")}}),
    "NewMessage": obj({"body": text(1, 20000, pattern=NOT_BLANK)}, ("body",)),
}
