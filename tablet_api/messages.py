"""Messages on the tablet: the inmate's conversations, reading one with its photos, and
replying."""

from __future__ import annotations

from typing import Any

from flask import Response, request

from backoffice.db import utcnow
from backoffice.messages import services as messages
from backoffice.messages.models import Message
from backoffice.surface import get_db, settings

from . import http
from .api import bp
from .openapi import INMATE, Routes

route = Routes(bp, tag="messages", auth=INMATE)


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if moment else None


def message_json(message: Message) -> dict[str, Any]:
    return {
        **http.attributes(
            message, "id", "direction", "body", "status", "reject_reason", "price_cents"
        ),
        "photos": len(message.attachments),
        "created_at": message.created_at.isoformat(),
        "read_at": _iso(message.read_at),
    }


@route("/messages", "GET", response="Conversations")
def list_conversations() -> Any:
    """The inmate's conversations with their approved contacts, with unread counts"""
    found = messages.conversations_of(get_db(), http.inmate())
    items = [
        {
            "contact_id": c.contact.id,
            "contact_name": c.contact.full_name,
            "relation": c.contact.relation,
            "unread": c.unread,
            "last_at": _iso(c.last_at),
        }
        for c in found
    ]
    return http.json_response({"items": items})


@route("/messages/<int:contact_id>", "GET", response="Messages", errors=(404,))
def read_conversation(contact_id: int) -> Any:
    """One conversation, oldest first; the contact's new messages become read"""
    db = get_db()
    thread = messages.thread_for_inmate(db, http.inmate(), contact_id, utcnow())
    db.commit()
    return http.json_response({"items": [message_json(m) for m in thread]})


@route(
    "/messages/<int:contact_id>",
    "POST",
    body="NewMessage",
    status=201,
    response="Message",
    errors=(403, 404, 409, 422),
    example={"body": "Thank you for the photos. See you on Sunday."},
)
def write_message(contact_id: int) -> Any:
    """Write to an approved contact; screened before it leaves, perhaps at a price

    The prison's rules may refuse it (longer than the prison allows, too many today, a blocked
    contact, not enough money for its price)."""
    db = get_db()
    written = messages.write_to_contact(
        db, http.actor(), http.inmate(), contact_id, http.body()["body"], utcnow(),
        family_url=settings()["family.base_url"],
    )  # fmt: skip
    db.commit()
    return http.json_response(message_json(written), status=201)


@route(
    "/messages/<int:contact_id>/<int:message_id>/photos/<int:number>",
    "GET",
    response=None,
    errors=(404,),
    other_responses={
        200: {
            "description": "The photo, as kept: decoded and encoded again on arrival, so it "
            "carries no metadata (no place, no camera, no time)",
            "content": {
                "image/jpeg": {"schema": {"type": "string", "format": "binary"}},
                "image/png": {"schema": {"type": "string", "format": "binary"}},
            },
        },
        304: {"description": "Not modified: the photo in the tablet's cache is current"},
    },
)
def message_photo(contact_id: int, message_id: int, number: int) -> Any:
    """One photo of a message: the first is number 1 (the message says how many it has)

    Only the inmate the message belongs to gets it, and only once screening has passed the
    message; anyone else's message, a held or a rejected one, reads as not found."""
    photo = messages.message_photo_for_inmate(
        get_db(), http.inmate(), contact_id, message_id, number
    )
    response = Response(photo.data, mimetype=photo.content_type)
    response.set_etag(photo.sha256[:24])
    # Kept by the tablet's browser but asked for again each time (304 when unchanged): the
    # question is answered only for the signed-in inmate it belongs to.
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Authorization")
    return response.make_conditional(request)
