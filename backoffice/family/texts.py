"""What the family's pages say, in Estonian, Russian and English, and the language a page is
in: the one chosen on the page (kept in the session), else the contact's own (their choice, or
the inmate's language), else what the browser asks for, else the first of `languages`."""

from __future__ import annotations

from collections.abc import Mapping

from flask import g, request, session

from ..errors import ServiceError
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
    "messages_title": {"et": "Sõnumid", "ru": "Сообщения", "en": "Messages"},
    "messages_lead": {
        "et": "Sõnumeid saavad kirjutada vangla kinnitatud kontaktid. Sisestage oma e-posti "
        "aadress või telefoninumber, millega vangla teid tunneb: saadame sinna koodi.",
        "ru": "Писать сообщения могут подтверждённые тюрьмой контакты. Введите адрес "
        "электронной почты или номер телефона, известный тюрьме: мы пришлём туда код.",
        "en": "Approved contacts can write messages. Enter the e-mail address or phone number "
        "the prison knows you by: we send a code there.",
    },
    "address": {"et": "E-post või telefon", "ru": "Эл. почта или телефон", "en": "E-mail or phone"},
    "send_code": {"et": "Saada kood", "ru": "Отправить код", "en": "Send the code"},
    "code_sent": {
        "et": "Kui see aadress on vanglale teada, saatsime sinna koodi. See kehtib 15 minutit.",
        "ru": "Если этот адрес известен тюрьме, мы отправили туда код. Он действует 15 минут.",
        "en": "If the prison knows this address, a code is on its way there. It is valid for "
        "15 minutes.",
    },
    "code": {"et": "Kood", "ru": "Код", "en": "Code"},
    "confirm": {"et": "Kinnita", "ru": "Подтвердить", "en": "Confirm"},
    "write_message": {"et": "Kirjuta sõnum", "ru": "Написать сообщение", "en": "Write a message"},
    "conversation_with": {
        "et": "Sõnumid: {name}",
        "ru": "Сообщения: {name}",
        "en": "Messages: {name}",
    },
    "your_message": {"et": "Teie sõnum", "ru": "Ваше сообщение", "en": "Your message"},
    "photos": {
        "et": "Fotod (JPEG või PNG, kuni 3, igaüks kuni 5 MB)",
        "ru": "Фото (JPEG или PNG, до 3, каждое до 5 МБ)",
        "en": "Photos (JPEG or PNG, up to 3, each up to 5 MB)",
    },
    "send": {"et": "Saada", "ru": "Отправить", "en": "Send"},
    "sent_waiting": {
        "et": "Sõnum on saadetud. Vangla loeb selle enne edastamist läbi.",
        "ru": "Сообщение отправлено. Тюрьма прочитает его перед передачей.",
        "en": "Your message is sent. The prison reads it before it is passed on.",
    },
    "sent_passed": {
        "et": "Sõnum on edastatud.",
        "ru": "Сообщение передано.",
        "en": "Your message is passed on.",
    },
    "from_you": {"et": "Teie", "ru": "Вы", "en": "You"},
    "state_held": {
        "et": "ootab vangla kontrolli",
        "ru": "ожидает проверки",
        "en": "waiting for the prison's check",
    },
    "state_passed": {"et": "edastatud", "ru": "передано", "en": "passed on"},
    "state_rejected": {
        "et": "ei edastatud: {reason}",
        "ru": "не передано: {reason}",
        "en": "not passed on: {reason}",
    },
    "photo_alt": {"et": "Foto {n}", "ru": "Фото {n}", "en": "Photo {n}"},
    "no_messages": {
        "et": "Sõnumeid veel ei ole.",
        "ru": "Сообщений пока нет.",
        "en": "No messages yet.",
    },
    "sign_out": {"et": "Logi välja", "ru": "Выйти", "en": "Sign out"},
    "why_empty": {
        "et": "Kirjutage midagi.",
        "ru": "Напишите что-нибудь.",
        "en": "Write something.",
    },
    "why_too_long": {
        "et": "Sõnum võib olla kuni {limit} märki pikk.",
        "ru": "Сообщение может быть не длиннее {limit} знаков.",
        "en": "A message may be at most {limit} characters long.",
    },
    "why_per_day": {
        "et": "Päevas saab saata kuni {limit} sõnumit.",
        "ru": "В день можно отправить не больше {limit} сообщений.",
        "en": "At most {limit} messages a day can be sent.",
    },
    "why_photos": {
        "et": "Ühes sõnumis võib olla kuni {limit} fotot.",
        "ru": "В одном сообщении не больше {limit} фото.",
        "en": "At most {limit} photos in one message.",
    },
    "why_photo_size": {
        "et": "Foto võib olla kuni {limit} MB.",
        "ru": "Фото может быть не больше {limit} МБ.",
        "en": "A photo may be at most {limit} MB.",
    },
    "why_photo_pixels": {
        "et": "See foto on liiga suur.",
        "ru": "Это фото слишком большое.",
        "en": "This photo is too large.",
    },
    "why_photo_type": {
        "et": "Saata saab ainult JPEG- ja PNG-fotosid.",
        "ru": "Можно отправлять только фото JPEG и PNG.",
        "en": "Only JPEG and PNG photos can be sent.",
    },
    "why_blocked": {
        "et": "Sõnumid selle kontaktiga on peatatud.",
        "ru": "Сообщения с этим контактом заблокированы.",
        "en": "Messages with this contact are blocked.",
    },
    "why_not_approved": {
        "et": "Sõnumeid saavad saata ainult kinnitatud kontaktid.",
        "ru": "Сообщения могут отправлять только подтверждённые контакты.",
        "en": "Only approved contacts can send messages.",
    },
    "why_cannot": {
        "et": "Sõnumeid ei saa praegu saata.",
        "ru": "Сейчас нельзя отправлять сообщения.",
        "en": "Messages cannot be sent now.",
    },
    "why_address": {
        "et": "Kirjutage e-posti aadress või telefoninumber.",
        "ru": "Напишите адрес эл. почты или номер телефона.",
        "en": "Write an e-mail address or a phone number.",
    },
    "why_code_old": {
        "et": "See kood enam ei kehti: küsige uus.",
        "ru": "Этот код больше не действует: запросите новый.",
        "en": "This code is not valid any more: ask for a new one.",
    },
    "why_code_wrong": {
        "et": "See kood ei ole õige.",
        "ru": "Этот код неверный.",
        "en": "This code is not right.",
    },
    "too_many": {
        "et": "Liiga palju päringuid siit. Oodake veidi ja proovige uuesti.",
        "ru": "Слишком много запросов отсюда. Подождите немного и попробуйте снова.",
        "en": "Too many requests from here. Wait a while and try again.",
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


def refusal(error: ServiceError) -> str:
    """A service's refusal in the page's language (`why` names it; the rest fills it in)."""
    why = error.details.get("why")
    key = f"why_{why}" if f"why_{why}" in TEXTS else "cannot"
    return text_for(key, **{k: v for k, v in error.details.items() if k != "why"})


def text_for(key: str, **values: object) -> str:
    language = g.get("family_language") or current()
    return TEXTS[key][language].format(**values)
