"""Messages on the tablet: the inmate's conversations, reading one, and replying."""

from __future__ import annotations

from typing import Any

from backoffice.db import utcnow
from backoffice.messages import services as messages
from backoffice.messages.models import Message
from backoffice.surface import get_db, settings

from . import http
from .api import bp
from .openapi import INMATE, endpoint


def message_json(message: Message) -> dict[str, Any]:
    return {
        "id": message.id,
        "direction": message.direction,
        "body": message.body,
        "status": message.status,
        "reject_reason": message.reject_reason,
        "photos": len(message.attachments),
        "price_cents": message.price_cents,
        "created_at": message.created_at.isoformat(),
        "read_at": message.read_at.isoformat() if message.read_at else None,
    }


@endpoint(
    bp,
    "/messages",
    "GET",
    summary="The inmate's conversations with their approved contacts, with unread counts",
    tag="messages",
    auth=INMATE,
    response="Conversations",
)
def list_conversations() -> Any:
    found = messages.conversations_of(get_db(), http.inmate())
    return http.json_response(
        {
            "items": [
                {
                    "contact_id": c.contact.id,
                    "contact_name": c.contact.full_name,
                    "relation": c.contact.relation,
                    "unread": c.unread,
                    "last_at": c.last_at.isoformat() if c.last_at else None,
                }
                for c in found
            ]
        }
    )


@endpoint(
    bp,
    "/messages/<int:contact_id>",
    "GET",
    summary="One conversation, oldest first; the contact's new messages become read",
    tag="messages",
    auth=INMATE,
    response="Messages",
    errors=(404,),
)
def read_conversation(contact_id: int) -> Any:
    db = get_db()
    thread = messages.thread_for_inmate(db, http.inmate(), contact_id, utcnow())
    db.commit()
    return http.json_response({"items": [message_json(m) for m in thread]})


@endpoint(
    bp,
    "/messages/<int:contact_id>",
    "POST",
    summary="Write to an approved contact; screened before it leaves, perhaps at a price",
    tag="messages",
    auth=INMATE,
    body="NewMessage",
    status=201,
    response="Message",
    errors=(403, 404, 409),
    example={"body": "Thank you for the photos. See you on Sunday."},
)
def write_message(contact_id: int) -> Any:
    db = get_db()
    written = messages.write_to_contact(
        db, http.actor(), http.inmate(), contact_id, http.body()["body"], utcnow(),
        family_url=settings()["family.base_url"],
    )  # fmt: skip
    db.commit()
    return http.json_response(message_json(written), status=201)
