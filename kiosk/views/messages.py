"""Messages: the inmate's conversations with approved contacts, reading one (photos too) and
replying; every message is screened before it reaches the other side."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from backoffice.db import utcnow
from backoffice.errors import ServiceError
from backoffice.messages import services as messages
from backoffice.people.models import Inmate
from backoffice.surface import get_db, settings

from .screen import act, actor_for, bp, format_money, signed_in, word_for


def state_word(status: str, reason: str) -> str:
    """A message's status on screen; a rejected one with the officer's reason."""
    if status == "rejected":
        return _("Not passed on: %(reason)s", reason=reason)
    return word_for("message", status)


@bp.get("/messages")
@signed_in
def conversations(inmate: Inmate) -> Any:
    return render_template("kiosk/messages.html",
                           conversations=messages.conversations_of(get_db(), inmate))  # fmt: skip


@bp.get("/messages/<int:contact_id>")
@signed_in
def conversation(inmate: Inmate, contact_id: int) -> Any:
    db = get_db()
    try:
        contact = messages.inmate_contact(db, inmate, contact_id)
    except ServiceError:
        abort(404)
    thread = messages.thread_for_inmate(db, inmate, contact.id, utcnow())
    price = messages.rules_for(db, inmate.prison_id).price_cents
    db.commit()  # what the inmate has now read
    return render_template(
        "kiosk/conversation.html",
        contact=contact,
        thread=thread,
        state_word=state_word,
        price=format_money(price) if price and not contact.privileged else "",
    )


@bp.post("/messages/<int:contact_id>")
@signed_in
def reply(inmate: Inmate, contact_id: int) -> Any:
    body = request.form.get("body", "")

    def run(db: Session) -> str:
        written = messages.write_to_contact(
            db, actor_for(inmate), inmate, contact_id, body, utcnow(),
            family_url=settings()["family.base_url"],
        )  # fmt: skip
        if written.status == "passed":
            return _("Your message is passed on.")
        return _("Your message is sent. The prison reads it before it is passed on.")

    return act(run, url_for("kiosk.conversation", contact_id=contact_id))


@bp.get("/messages/photos/<int:attachment_id>")
@signed_in
def message_photo(inmate: Inmate, attachment_id: int) -> Any:
    try:
        attachment = messages.photo_for_inmate(get_db(), inmate, attachment_id)
    except ServiceError:
        abort(404)
    return Response(attachment.data, mimetype=attachment.content_type)
