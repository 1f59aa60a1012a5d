"""What the family's pages say, in Estonian, Russian and English, and the language a page is
in: the one chosen on the page (kept in the session), else the contact's own (their choice, or
the inmate's language), else what the browser asks for, else the first of `languages`."""

from __future__ import annotations

from collections.abc import Mapping

from flask import g, request, session

from ..surface import settings

LANGUAGE_NAMES = {"et": "Eesti", "ru": "Русский", "en": "English"}
SESSION_KEY = "lang"

TEXTS: Mapping[str, Mapping[str, str]] = {
    "site": {"et": "Cellgate perele", "ru": "Cellgate для семьи", "en": "Cellgate for families"},
    "skip": {"et": "Sisu juurde", "ru": "К содержанию", "en": "Skip to content"},
    "languages": {"et": "Keel", "ru": "Язык", "en": "Language"},
    "home_title": {
        "et": "Videokõned ja sõnumid",
        "ru": "Видеозвонки и сообщения",
        "en": "Video calls and messages",
    },
    "home_lead": {
        "et": "Siin avate kutse videokõnele lähedasega vanglas ja loete tema sõnumeid. Kutse "
        "link tuleb teile e-posti või SMS-iga, kui kõne on broneeritud.",
        "ru": "Здесь вы открываете приглашение на видеозвонок с близким человеком в тюрьме и "
        "читаете его сообщения. Ссылка приходит по электронной почте или SMS, когда "
        "звонок забронирован.",
        "en": "Here you open an invitation to a video call with your relative in prison and "
        "read their messages. The link comes to you by e-mail or SMS when a call is booked.",
    },
    "call_title": {"et": "Videokõne", "ru": "Видеозвонок", "en": "Video call"},
    "call_on": {
        "et": "Teie videokõne isikuga {name} on {day} kell {start}–{end} ({zone}).",
        "ru": "Ваш видеозвонок с {name} состоится {day} с {start} до {end} ({zone}).",
        "en": "Your video call with {name} is on {day} from {start} to {end} ({zone}).",
    },
    "join": {"et": "Liitu kõnega", "ru": "Присоединиться", "en": "Join the call"},
    "opens_at": {
        "et": "Saate liituda alates {opens}. Avage see link siis uuesti.",
        "ru": "Присоединиться можно с {opens}. Откройте эту ссылку снова в это время.",
        "en": "You can join from {opens}. Open this link again then.",
    },
    "ready": {
        "et": "Kõne on valmis. See sulgub kell {closes}.",
        "ru": "Звонок готов. Он закроется в {closes}.",
        "en": "Your call is ready. It closes at {closes}.",
    },
    "open_call": {"et": "Ava videokõne", "ru": "Открыть видеозвонок", "en": "Open the video call"},
    "call_over": {
        "et": "Selle kõne aeg on läbi.",
        "ru": "Время этого звонка истекло.",
        "en": "The time of this call is over.",
    },
    "cannot_join": {
        "et": "Sellega kõnega ei saa praegu liituda.",
        "ru": "К этому звонку сейчас нельзя присоединиться.",
        "en": "This call cannot be joined now.",
    },
    "not_found": {
        "et": "See link ei kehti.",
        "ru": "Эта ссылка недействительна.",
        "en": "This link is not valid.",
    },
    "link_gone": {
        "et": "See link enam ei kehti: kõne tühistati või lõppes, või saadeti uus link.",
        "ru": "Эта ссылка больше не действует: звонок отменён или закончился, или отправлена "
        "новая ссылка.",
        "en": "This link no longer works: the call was cancelled or has ended, or a newer link "
        "was sent.",
    },
    "stale_form": {
        "et": "Leht oli liiga kaua avatud. Proovige uuesti.",
        "ru": "Страница была открыта слишком долго. Попробуйте ещё раз.",
        "en": "The page was open too long. Try again.",
    },
    "cannot": {
        "et": "Seda ei saa teha.",
        "ru": "Это сделать нельзя.",
        "en": "This cannot be done.",
    },
    "back_home": {"et": "Avalehele", "ru": "На главную", "en": "Back to the start"},
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


def text_for(key: str, **values: object) -> str:
    language = g.get("family_language") or current()
    return TEXTS[key][language].format(**values)
