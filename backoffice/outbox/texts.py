"""What the messages say, in each language a contact may read (Estonian, Russian, English),
from the one text catalogue.
`render(kind, language, **values)` gives the subject and the body; a kind or a language not
written here is a programming error, caught by the tests that render every one."""

from __future__ import annotations

from collections.abc import Mapping

from ..catalogue import N_, translate

LANGUAGES = ("et", "ru", "en")

# kind -> (subject, body), English msgids of the one text catalogue. Values: %(inmate)s (first
# name and last name), %(when)s (the call's local date and time), %(early)s (minutes before the
# start the link opens), %(link)s, %(reason)s.
TEXTS: Mapping[str, tuple[str, str]] = {
    "invitation": (
        N_("Video call: %(inmate)s, %(when)s"),
        N_(
            "%(inmate)s has booked a video call with you on %(when)s. You can join from "
            "%(early)s minutes before the start until the end of the call with this link:\n"
            "%(link)s\n\nThe link works for this call only. Do not share it."
        ),
    ),
    "reminder": (
        N_("Reminder: video call on %(when)s"),
        N_(
            "Your video call with %(inmate)s is on %(when)s. Use the link in your "
            "invitation; it opens %(early)s minutes before the start."
        ),
    ),
    "cancelled": (
        N_("Video call cancelled: %(when)s"),
        N_(
            "The video call with %(inmate)s on %(when)s is cancelled. The invitation link no "
            "longer works."
        ),
    ),
    "failed": (
        N_("Video call failed: %(when)s"),
        N_(
            "The video call with %(inmate)s on %(when)s failed for technical reasons. It "
            "will be booked again at no cost to them."
        ),
    ),
    "message_rejected": (
        N_("Your message was not delivered"),
        N_("Your message to %(inmate)s was not delivered. Reason: %(reason)s\n%(link)s"),
    ),
    "message_reply": (
        N_("New message from %(inmate)s"),
        N_("%(inmate)s has sent you a message. Read it here:\n%(link)s"),
    ),
    "sign_in_code": (
        N_("Your code: %(code)s"),
        N_("Your Cellgate code is %(code)s. It is valid for %(minutes)s minutes."),
    ),
}


def render(kind: str, language: str, **values: object) -> tuple[str, str]:
    """The subject and body of a message of this kind in this language."""
    subject, body = TEXTS[kind]
    language = language if language in LANGUAGES else "en"
    return translate(language, subject, **values), translate(language, body, **values)
