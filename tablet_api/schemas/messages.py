"""Messages: the inmate's conversations with approved contacts, one conversation, a reply."""

from __future__ import annotations

from typing import Any

from .common import (
    INTEGER,
    MONEY,
    NOT_BLANK,
    NULLABLE_TIMESTAMP,
    STRING,
    TIMESTAMP,
    all_required,
    items_of,
    obj,
    ref,
    text,
)

COUNT = {"type": "integer", "minimum": 0}

COMPONENTS: dict[str, dict[str, Any]] = {
    "Conversation": all_required(
        {
            "contact_id": INTEGER,
            "contact_name": STRING,
            "relation": STRING,
            "unread": COUNT,
            "last_at": NULLABLE_TIMESTAMP,
        }
    ),
    "Conversations": items_of(ref("Conversation")),
    "Message": all_required(
        {
            "id": INTEGER,
            "direction": {
                "type": "string",
                "enum": ["in", "out"],
                "description": "in: the contact wrote it; out: the inmate did.",
            },
            "body": STRING,
            "status": {
                "type": "string",
                "enum": ["held", "passed", "rejected"],
                "description": "The inmate sees the contact's messages once they passed, and "
                "their own in every state (a rejected one with the reason).",
            },
            "reject_reason": STRING,
            "photos": COUNT,
            "price_cents": MONEY,
            "created_at": TIMESTAMP,
            "read_at": NULLABLE_TIMESTAMP,
        }
    ),
    "Messages": items_of(ref("Message")),
    "NewMessage": obj({"body": text(1, 20000, pattern=NOT_BLANK)}, ("body",)),
}
