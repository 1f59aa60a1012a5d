"""The words for a stored code inside a sentence (a refusal's "Order 7 is packed", a bar's
category): the code as English, in the catalogue for the reader's language, so a code never
reaches a reader of Estonian or Russian as it is stored. Labels, not agreeing adjectives: the
sentences around them say "status “packed”" where a participle would have to agree."""

from __future__ import annotations

from .catalogue import N_
from .errors import Word

__all__ = ["N_", "WORDS", "word"]

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
}


def word(code: object) -> Word:
    """A stored code (a str or a StrEnum) as the word a sentence shows; an unknown code is
    shown with its underscores as spaces."""
    text = str(getattr(code, "value", code))
    return Word(WORDS.get(text, text.replace("_", " ")))
