"""The words for a stored code inside a sentence (a refusal's "Order 7 is packed", a bar's
category): the code as English, in the catalogue for the reader's language, so a code never
reaches a reader of Estonian or Russian as it is stored. Labels, not agreeing adjectives: the
sentences around them say "status “packed”" where a participle would have to agree."""

from __future__ import annotations

from .catalogue import N_
from .errors import Word

__all__ = ["NO_SUCH", "N_", "WORDS", "no_such", "word"]

WORDS = {
    # Orders, bookings, contacts, messages, requests, money, content, inmates, outbox, cards.
    "placed": N_("placed"),
    "picking": N_("picking"),
    "packed": N_("packed"),
    "delivered": N_("delivered"),
    "cancelled": N_("cancelled"),
    "expired": N_("expired"),
    "held": N_("held"),
    "confirmed": N_("confirmed"),
    "ended": N_("ended"),
    "failed": N_("failed"),
    "pending": N_("pending"),
    "approved": N_("approved"),
    "refused": N_("refused"),
    "barred": N_("barred"),
    "withdrawn": N_("withdrawn"),
    "passed": N_("passed"),
    "rejected": N_("rejected"),
    "submitted": N_("submitted"),
    "in_progress": N_("in progress"),
    "declined": N_("declined"),
    "appealed": N_("appealed"),
    "closed": N_("closed"),
    "paid": N_("paid"),
    "in_file": N_("in a payment file"),
    "executed": N_("executed"),
    "deposit": N_("a deposit"),
    "waiting": N_("waiting"),
    "reversal": N_("a reversal"),
    "reversed": N_("reversed"),
    "payment": N_("a payment"),
    "returned": N_("returned"),
    "explained": N_("explained"),
    "credited": N_("credited"),
    "released": N_("released"),
    "draft": N_("draft"),
    "awaiting_review": N_("awaiting review"),
    "scheduled": N_("scheduled"),
    "published": N_("published"),
    "unpublished": N_("unpublished"),
    "active": N_("active"),
    "out": N_("out"),
    "transferred": N_("transferred"),
    "deceased": N_("deceased"),
    "queued": N_("queued"),
    "sending": N_("sending"),
    "sent": N_("sent"),
    "blocked": N_("blocked"),
    "replaced": N_("replaced"),
    # Why a contact is barred.
    "victim": N_("victim"),
    "co_accused": N_("co-accused"),
    "court_order": N_("court order"),
    "other": N_("other"),
    # An inmate's steps in and out of custody.
    "not held": N_("not held"),
    "admit": N_("admit"),
    "change_legal_status": N_("change of legal status"),
    "move": N_("move"),
    "transfer": N_("transfer"),
    "go_out": N_("go out"),
    "come_back": N_("come back"),
    "release": N_("release"),
    "decease": N_("decease"),
}

# "No such ...": a record the reader may not see, or that is not there.
NO_SUCH = {
    "record": N_("No such record."),
    "call": N_("No such call."),
    "card": N_("No such card."),
    "cell": N_("No such cell."),
    "contact": N_("No such contact."),
    "content item": N_("No such content item."),
    "device": N_("No such device."),
    "holiday": N_("No such holiday."),
    "inmate": N_("No such inmate."),
    "message": N_("No such message."),
    "prison": N_("No such prison."),
    "staff user": N_("No such staff user."),
    "wing": N_("No such wing."),
}


def no_such(what: str) -> str:
    """The refusal that a `what` ("inmate", "wing") is not there (or not the reader's)."""
    return NO_SUCH.get(what, NO_SUCH["record"])


def word(code: object) -> Word:
    """A stored code (a str or a StrEnum) as the word a sentence shows; an unknown code is
    shown with its underscores as spaces."""
    text = str(getattr(code, "value", code))
    return Word(WORDS.get(text, text.replace("_", " ")))
