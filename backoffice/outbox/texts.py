"""What the messages say, in each language a contact may read (Estonian, Russian, English).
`render(kind, language, **values)` gives the subject and the body; a kind or a language not
written here is a programming error, caught by the tests that render every one."""

from __future__ import annotations

from collections.abc import Mapping

LANGUAGES = ("et", "ru", "en")

# kind -> language -> (subject, body). Values: {inmate} (first name and last name), {when}
# (the call's local date and time), {early} (minutes before the start the link opens),
# {link}, {reason}.
TEXTS: Mapping[str, Mapping[str, tuple[str, str]]] = {
    "invitation": {
        "et": (
            "Videokõne: {inmate}, {when}",
            "{inmate} broneeris teiega videokõne ajal {when}. Saate liituda {early} minutit "
            "enne algust kuni kõne lõpuni sellelt lingilt:\n{link}\n\nLink kehtib ainult selle "
            "kõne jaoks. Ärge jagage seda teistega.",
        ),
        "ru": (
            "Видеозвонок: {inmate}, {when}",
            "{inmate} забронировал(а) с вами видеозвонок на {when}. Присоединиться можно за "
            "{early} минут до начала и до конца звонка по этой ссылке:\n{link}\n\nСсылка "
            "действует только для этого звонка. Не передавайте её другим.",
        ),
        "en": (
            "Video call: {inmate}, {when}",
            "{inmate} has booked a video call with you on {when}. You can join from {early} "
            "minutes before the start until the end of the call with this link:\n{link}\n\n"
            "The link works for this call only. Do not share it.",
        ),
    },
    "reminder": {
        "et": (
            "Meeldetuletus: videokõne {when}",
            "Teie videokõne isikuga {inmate} on {when}. Liitumiseks kasutage kutses olnud "
            "linki; see avaneb {early} minutit enne algust.",
        ),
        "ru": (
            "Напоминание: видеозвонок {when}",
            "Ваш видеозвонок с {inmate} состоится {when}. Используйте ссылку из приглашения; "
            "она откроется за {early} минут до начала.",
        ),
        "en": (
            "Reminder: video call on {when}",
            "Your video call with {inmate} is on {when}. Use the link in your invitation; it "
            "opens {early} minutes before the start.",
        ),
    },
    "cancelled": {
        "et": (
            "Videokõne on tühistatud: {when}",
            "Videokõne isikuga {inmate} ajal {when} on tühistatud. Kutse link enam ei kehti.",
        ),
        "ru": (
            "Видеозвонок отменён: {when}",
            "Видеозвонок с {inmate} на {when} отменён. Ссылка из приглашения больше не действует.",
        ),
        "en": (
            "Video call cancelled: {when}",
            "The video call with {inmate} on {when} is cancelled. The invitation link no "
            "longer works.",
        ),
    },
    "failed": {
        "et": (
            "Videokõne ebaõnnestus: {when}",
            "Videokõne isikuga {inmate} ajal {when} ebaõnnestus tehnilistel põhjustel. Kõne "
            "broneeritakse uuesti, ilma et see neile midagi maksaks.",
        ),
        "ru": (
            "Видеозвонок не состоялся: {when}",
            "Видеозвонок с {inmate} на {when} не состоялся по техническим причинам. Звонок "
            "будет забронирован снова без затрат для них.",
        ),
        "en": (
            "Video call failed: {when}",
            "The video call with {inmate} on {when} failed for technical reasons. It will be "
            "booked again at no cost to them.",
        ),
    },
    "message_rejected": {
        "et": (
            "Teie sõnumit ei edastatud",
            "Teie sõnumit isikule {inmate} ei edastatud. Põhjus: {reason}\n{link}",
        ),
        "ru": (
            "Ваше сообщение не передано",
            "Ваше сообщение для {inmate} не передано. Причина: {reason}\n{link}",
        ),
        "en": (
            "Your message was not delivered",
            "Your message to {inmate} was not delivered. Reason: {reason}\n{link}",
        ),
    },
    "message_reply": {
        "et": (
            "Uus sõnum isikult {inmate}",
            "{inmate} saatis teile sõnumi. Lugege seda siin:\n{link}",
        ),
        "ru": (
            "Новое сообщение от {inmate}",
            "{inmate} отправил(а) вам сообщение. Прочитайте его здесь:\n{link}",
        ),
        "en": (
            "New message from {inmate}",
            "{inmate} has sent you a message. Read it here:\n{link}",
        ),
    },
    "sign_in_code": {
        "et": (
            "Teie kood: {code}",
            "Teie Cellgate'i kood on {code}. See kehtib {minutes} minutit.",
        ),
        "ru": ("Ваш код: {code}", "Ваш код Cellgate: {code}. Он действует {minutes} минут."),
        "en": (
            "Your code: {code}",
            "Your Cellgate code is {code}. It is valid for {minutes} minutes.",
        ),
    },
}


def render(kind: str, language: str, **values: object) -> tuple[str, str]:
    """The subject and body of a message of this kind in this language."""
    subject, body = TEXTS[kind][language if language in LANGUAGES else "en"]
    return subject.format(**values), body.format(**values)
