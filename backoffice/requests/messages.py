"""What inmates read about their requests, in Estonian, Russian and English, from the one text
catalogue (backoffice/translations): each text is an English msgid. Staff may answer in any
language."""

from __future__ import annotations

from typing import Any

from ..catalogue import N_, NC_, translate

# A request's statuses are words of their own (NC_): an approved request is granted.
TEXTS: dict[str, str | tuple[str, str]] = {
    "not_offered": N_("This kind of request is not offered in your prison."),
    "one_open": N_(
        "You already have an open request of this kind (%(receipt)s). Wait for its answer or "
        "withdraw it first."
    ),
    "not_active": N_("You cannot send requests at the moment."),
    "not_found": N_("There is no such request."),
    "reply_closed": N_("Request %(receipt)s is answered or closed; you can no longer write to it."),
    "message_length": N_("Write your message (1 to %(n)s characters)."),
    "appeal_length": N_("Say why you disagree with the answer (%(low)s to %(n)s characters)."),
    "not_answered": N_("Request %(receipt)s has no answer yet; you can appeal only an answer."),
    "no_appeal": N_("This answer cannot be appealed."),
    "appeal_ended": N_("The time to appeal ended on %(day)s."),
    "cannot_withdraw": N_("Request %(receipt)s can no longer be withdrawn."),
    "status.submitted": NC_("request", "Submitted"),
    "status.in_progress": NC_("request", "In progress"),
    "status.approved": NC_("request", "Approved"),
    "status.declined": NC_("request", "Declined"),
    "status.rejected": NC_("request", "Rejected"),
    "status.withdrawn": NC_("request", "Withdrawn"),
    "status.appealed": NC_("request", "Appealed"),
    "status.closed": NC_("request", "Closed"),
    "reason.wrong_type": N_("Wrong kind of request: please send it again as the right kind."),
    "reason.duplicate": N_("The same request has been sent already."),
    "reason.abusive": N_("The request is abusive and is not answered."),
    "event.submitted": N_("Request sent"),
    "event.claimed": N_("A member of staff is working on it"),
    "event.forwarded": N_("Passed to %(department)s"),
    "event.note": N_("Message from %(department)s"),
    "event.inmate_reply": N_("Your message"),
    "event.answered": N_("Answer"),
    "event.withdrawn": N_("You withdrew the request"),
    "event.appealed": N_("Appealed: %(receipt)s"),
    "event.closed": N_("Closed"),
    "event.attached": N_("A document was added"),
    "appeal_of": N_("Appeal against the answer to %(receipt)s"),
    "field.required": N_("%(label)s: please fill this in."),
    "field.too_long": N_("%(label)s: at most %(n)s characters, please shorten it."),
    "field.too_short": N_("%(label)s: at least %(n)s characters, please say more."),
    "field.choice": N_("%(label)s: choose one of the options offered."),
    "field.date": N_("%(label)s: write the date as YYYY-MM-DD."),
    "field.past": N_("%(label)s: the date cannot be in the future."),
    "field.future": N_("%(label)s: the date must be in the future."),
    "field.amount": N_("%(label)s: write the amount in euros, e.g. 12.50."),
    "field.amount_range": N_("%(label)s: the amount must be between %(low)s and %(high)s."),
    "field.contact": N_("%(label)s: give a name and a phone number (e.g. +3725551234)."),
    "field.unknown": N_("The form has no field %(label)s."),
}


def text(key: str, language: str, **values: Any) -> str:
    return translate(language, TEXTS[key], **values)
