"""The contact's messages: they confirm their e-mail or phone with a code (or arrive from their
invitation link), then read and write to each inmate who has them as an approved contact,
photos included. The contacts they may act as are kept in the session; nothing else is."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, redirect, request, session, url_for

from ...errors import Forbidden, ServiceError
from ...messages import services as messages
from ...outbox.services import language_of
from ...surface import get_db, remote_addr
from ...visits import services as visits
from ...visits.models import Contact
from ..texts import refusal
from .site import bp, now, page

SESSION_CONTACTS = "family_contacts"


def _signed_in() -> list[Contact]:
    db = get_db()
    found = [db.get(Contact, cid) for cid in session.get(SESSION_CONTACTS, [])]
    return [c for c in found if c is not None and c.approved]


def _contact(contact_id: int) -> Contact:
    for contact in _signed_in():
        if contact.id == contact_id:
            return contact
    abort(404)


@bp.get("/messages")
def messages_home() -> Any:
    contacts = _signed_in()
    if not contacts:
        return page("family/messages_sign_in.html")
    language = language_of(get_db(), contacts[0])
    return page("family/messages_list.html", language=language, contacts=contacts)


@bp.post("/messages/code")
def send_code() -> Any:
    db = get_db()
    address = request.form.get("address", "")
    try:
        messages.send_code(db, address, now())
    except ServiceError as error:
        db.rollback()
        return page("family/messages_sign_in.html", error.status, error=refusal(error))
    db.commit()
    return page("family/messages_code.html", address=messages.normalise(address))


@bp.post("/messages/confirm")
def confirm_code() -> Any:
    db = get_db()
    address = request.form.get("address", "")
    try:
        contact_ids = messages.confirm_code(db, address, request.form.get("code", ""), now())
    except ServiceError as error:
        # A wrong code counts against the code's attempts: keep that count.
        (db.commit if isinstance(error, Forbidden) else db.rollback)()
        return page("family/messages_code.html", error.status, address=address,
                    error=refusal(error))  # fmt: skip
    db.commit()
    session[SESSION_CONTACTS] = contact_ids
    return redirect(url_for("family.messages_home"))


@bp.get("/join/<token>/messages")
def from_invitation(token: str) -> Any:
    """The invitation link stands for its contact: from it, they write without a code."""
    try:
        invitation = visits.invitation_for(get_db(), token, now())
    except ServiceError:
        abort(404)
    contact_id = invitation.booking.contact_id
    session[SESSION_CONTACTS] = sorted({*session.get(SESSION_CONTACTS, []), contact_id})
    return redirect(url_for("family.conversation", contact_id=contact_id))


@bp.post("/messages/sign-out")
def sign_out() -> Any:
    session.pop(SESSION_CONTACTS, None)
    return redirect(url_for("family.home"))


def _thread_page(contact: Contact, status: int = 200, **values: Any) -> Any:
    db = get_db()
    thread = messages.thread_for_contact(db, contact, now())
    db.commit()  # what the contact has now read
    return page("family/messages_thread.html", status, language=language_of(db, contact),
                contact=contact, thread=thread, **values)  # fmt: skip


@bp.get("/messages/<int:contact_id>")
def conversation(contact_id: int) -> Any:
    return _thread_page(_contact(contact_id))


@bp.post("/messages/<int:contact_id>")
def write(contact_id: int) -> Any:
    contact = _contact(contact_id)
    db = get_db()
    body = request.form.get("body", "")
    try:
        photos = [messages.clean_photo(f.read()) for f in request.files.getlist("photos")
                  if f.filename]  # fmt: skip
        written = messages.write_to_inmate(db, contact, body, now(), photos=photos,
                                           remote_addr=remote_addr())  # fmt: skip
    except ServiceError as error:
        db.rollback()
        return _thread_page(contact, error.status, error=refusal(error), body=body)
    db.commit()
    notice = "sent_passed" if written.status == "passed" else "sent_waiting"
    return _thread_page(contact, notice=notice)


@bp.get("/messages/photos/<int:attachment_id>")
def photo(attachment_id: int) -> Any:
    db = get_db()
    for contact in _signed_in():
        try:
            attachment = messages.photo_for_contact(db, contact, attachment_id)
        except ServiceError:
            continue
        return Response(attachment.data, mimetype=attachment.content_type)
    abort(404)
