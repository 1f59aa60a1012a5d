"""Messages between an inmate and an approved contact. `now` is an aware UTC datetime; the
caller commits. Refusals are `backoffice.errors` errors whose message can be shown as it is.

Writing (writing): write_to_inmate(db, contact, body, now, *, photos=[], remote_addr="")
    from the family site; write_to_contact(db, actor, inmate, contact_id, body, now,
    *, family_url) from the kiosk and the tablet (the prison's price is held in the ledger).
Reading (reading): conversations_of(db, inmate), thread_for_inmate(db, inmate, contact_id, now),
    thread_for_contact(db, contact, now), photo_for_inmate, photo_for_contact,
    message_photo_for_inmate(db, inmate, contact_id, message_id, number) (the tablet's).
Screening (screening, security officers): screening_queue(db, prison_id),
    message_for_screening, attachment_for_screening, pass_message, reject_message (with the
    reason the sender reads; the price goes back). Privileged messages: refused, logged.
Rules (rules): rules_for, set_rules, set_standing (on watch, blocked), standing_of.
Photos (photos): clean_photo(raw) -> CleanPhoto (JPEG/PNG, size limits, no metadata).
The family's address codes (addresses): send_code, confirm_code.
"""

from .addresses import confirm_code, contacts_at, normalise, send_code
from .photos import MAX_BYTES, MAX_PHOTOS, CleanPhoto, clean_photo
from .reading import (
    Conversation,
    conversations_of,
    inmate_contact,
    message_photo_for_inmate,
    photo_for_contact,
    photo_for_inmate,
    thread_for_contact,
    thread_for_inmate,
)
from .rules import rules_for, set_rules, set_standing, standing_of
from .screening import (
    attachment_for_screening,
    message_for_screening,
    pass_message,
    reject_message,
    screening_queue,
)
from .writing import write_to_contact, write_to_inmate

__all__ = [
    "MAX_BYTES",
    "MAX_PHOTOS",
    "CleanPhoto",
    "Conversation",
    "attachment_for_screening",
    "clean_photo",
    "confirm_code",
    "contacts_at",
    "conversations_of",
    "inmate_contact",
    "message_for_screening",
    "message_photo_for_inmate",
    "normalise",
    "pass_message",
    "photo_for_contact",
    "photo_for_inmate",
    "reject_message",
    "rules_for",
    "screening_queue",
    "send_code",
    "set_rules",
    "set_standing",
    "standing_of",
    "thread_for_contact",
    "thread_for_inmate",
    "write_to_contact",
    "write_to_inmate",
]
