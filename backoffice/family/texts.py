"""What the family's pages say, in Estonian, Russian and English from the one text catalogue,
and the language a page is in: the one chosen on the page (kept in the session), else the
contact's own (their choice, or the inmate's language), else what the browser asks for, else
the first of `languages`."""

from __future__ import annotations

from collections.abc import Mapping

from flask import g, request, session

from ..catalogue import N_, translate
from ..errors import ServiceError
from ..surface import settings

LANGUAGE_NAMES = {"et": "Eesti", "ru": "Русский", "en": "English"}
SESSION_KEY = "lang"

# What each part of a page says, as an English msgid of the one catalogue
# (backoffice/translations): the page's language picks the words.
TEXTS: Mapping[str, str] = {
    "site": N_("Cellgate for families"),
    "skip": N_("Skip to content"),
    "languages": N_("Language"),
    "home_title": N_("Video calls and messages"),
    "home_lead": N_(
        "Here you open an invitation to a video call with your relative in prison and read "
        "their messages. The link comes to you by e-mail or SMS when a call is booked."
    ),
    "call_title": N_("Video call"),
    "call_on": N_(
        "Your video call with %(name)s is on %(day)s from %(start)s to %(end)s (%(zone)s)."
    ),
    "join": N_("Join the call"),
    "opens_at": N_("You can join from %(opens)s. Open this link again then."),
    "ready": N_("Your call is ready. It closes at %(closes)s."),
    "open_call": N_("Open the video call"),
    "call_over": N_("The time of this call is over."),
    "cannot_join": N_("This call cannot be joined now."),
    "not_found": N_("This link is not valid."),
    "link_gone": N_(
        "This link no longer works: the call was cancelled or has ended, or a newer link was sent."
    ),
    "stale_form": N_("The page was open too long. Try again."),
    "cannot": N_("This cannot be done."),
    "messages_title": N_("Messages"),
    "messages_lead": N_(
        "Approved contacts can write messages. Enter the e-mail address or phone number the "
        "prison knows you by: we send a code there."
    ),
    "address": N_("E-mail or phone"),
    "send_code": N_("Send the code"),
    "code_sent": N_(
        "If the prison knows this address, a code is on its way there. It is valid for 15 minutes."
    ),
    "code": N_("Code"),
    "confirm": N_("Confirm"),
    "write_message": N_("Write a message"),
    "conversation_with": N_("Messages: %(name)s"),
    "your_message": N_("Your message"),
    "photos": N_("Photos (JPEG or PNG, up to 3, each up to 5 MB)"),
    "send": N_("Send"),
    "sent_waiting": N_("Your message is sent. The prison reads it before it is passed on."),
    "sent_passed": N_("Your message is passed on."),
    "from_you": N_("You"),
    "state_held": N_("waiting for the prison's check"),
    "state_passed": N_("passed on"),
    "state_rejected": N_("not passed on: %(reason)s"),
    "photo_alt": N_("Photo %(n)s"),
    "no_messages": N_("No messages yet."),
    "sign_out": N_("Sign out"),
    "why_empty": N_("Write something."),
    "why_too_long": N_("A message may be at most %(limit)s characters long."),
    "why_per_day": N_("At most %(limit)s messages a day can be sent."),
    "why_photos": N_("At most %(limit)s photos in one message."),
    "why_photo_size": N_("A photo may be at most %(limit)s MB."),
    "why_photo_pixels": N_("This photo is too large."),
    "why_photo_type": N_("Only JPEG and PNG photos can be sent."),
    "why_blocked": N_("Messages with this contact are blocked."),
    "why_not_approved": N_("Only approved contacts can send messages."),
    "why_cannot": N_("Messages cannot be sent now."),
    "why_address": N_("Write an e-mail address or a phone number."),
    "why_code_old": N_("This code is not valid any more: ask for a new one."),
    "why_code_wrong": N_("This code is not right."),
    "too_many": N_("Too many requests from here. Wait a while and try again."),
    "back_home": N_("Back to the start"),
}


def languages() -> list[str]:
    return list(settings()["languages"])


def choose(language: str | None) -> None:
    """The language the visitor picked on a page (`?lang=`), kept for their next pages."""
    if language in languages():
        session[SESSION_KEY] = language


def current(default: str | None = None) -> str:
    """This page's language; `default` is the contact's own, when the page knows the contact."""
    offered = languages()
    chosen = session.get(SESSION_KEY)
    if chosen in offered:
        return str(chosen)
    if default in offered:
        return str(default)
    return request.accept_languages.best_match(offered) or offered[0]


def refusal(error: ServiceError) -> str:
    """A service's refusal in the page's language (`why` names it; the rest fills it in)."""
    why = error.details.get("why")
    key = f"why_{why}" if f"why_{why}" in TEXTS else "cannot"
    return text_for(key, **{k: v for k, v in error.details.items() if k != "why"})


def text_for(key: str, **values: object) -> str:
    language = g.get("family_language") or current()
    return translate(language, TEXTS[key], **values)
