"""What inmates read about their requests, in Estonian, Russian and English. Staff pages are in
English; staff may answer in any language."""

from __future__ import annotations

from typing import Any

TEXTS: dict[str, dict[str, str]] = {
    # Refusals of an inmate's action.
    "not_offered": {
        "et": "Seda taotlust teie vanglas esitada ei saa.",
        "ru": "Это обращение в вашей тюрьме подать нельзя.",
        "en": "This kind of request is not offered in your prison.",
    },
    "one_open": {
        "et": "Teil on juba avatud sama liiki taotlus ({receipt}). Oodake vastust või võtke see "
        "tagasi.",
        "ru": "У вас уже есть открытое обращение этого вида ({receipt}). Дождитесь ответа или "
        "отзовите его.",
        "en": "You already have an open request of this kind ({receipt}). Wait for its answer "
        "or withdraw it first.",
    },
    "not_active": {
        "et": "Te ei saa praegu taotlusi esitada.",
        "ru": "Сейчас вы не можете подавать обращения.",
        "en": "You cannot send requests at the moment.",
    },
    "not_found": {
        "et": "Sellist taotlust ei ole.",
        "ru": "Такого обращения нет.",
        "en": "There is no such request.",
    },
    "reply_closed": {
        "et": "Taotlusele {receipt} on juba vastatud või see on suletud; sellele ei saa enam "
        "kirjutada.",
        "ru": "На обращение {receipt} уже ответили или оно закрыто; дописать к нему нельзя.",
        "en": "Request {receipt} is answered or closed; you can no longer write to it.",
    },
    "message_length": {
        "et": "Kirjutage sõnum (1 kuni {n} märki).",
        "ru": "Напишите сообщение (от 1 до {n} символов).",
        "en": "Write your message (1 to {n} characters).",
    },
    "appeal_length": {
        "et": "Kirjutage, miks te vastusega ei nõustu ({low} kuni {n} märki).",
        "ru": "Напишите, почему вы не согласны с ответом (от {low} до {n} символов).",
        "en": "Say why you disagree with the answer ({low} to {n} characters).",
    },
    "not_answered": {
        "et": "Taotlusele {receipt} pole veel vastatud; edasi kaevata saab alles vastuse peale.",
        "ru": "На обращение {receipt} ещё нет ответа; обжаловать можно только ответ.",
        "en": "Request {receipt} has no answer yet; you can appeal only an answer.",
    },
    "no_appeal": {
        "et": "Selle vastuse peale ei saa edasi kaevata.",
        "ru": "Этот ответ обжаловать нельзя.",
        "en": "This answer cannot be appealed.",
    },
    "appeal_ended": {
        "et": "Edasikaebamise aeg lõppes {day}.",
        "ru": "Срок обжалования истёк {day}.",
        "en": "The time to appeal ended on {day}.",
    },
    "cannot_withdraw": {
        "et": "Taotlust {receipt} ei saa enam tagasi võtta.",
        "ru": "Обращение {receipt} уже нельзя отозвать.",
        "en": "Request {receipt} can no longer be withdrawn.",
    },
    # Statuses.
    "status.submitted": {"et": "Esitatud", "ru": "Подано", "en": "Submitted"},
    "status.in_progress": {"et": "Menetluses", "ru": "В работе", "en": "In progress"},
    "status.approved": {"et": "Rahuldatud", "ru": "Удовлетворено", "en": "Approved"},
    "status.declined": {"et": "Rahuldamata", "ru": "Отклонено", "en": "Declined"},
    "status.rejected": {
        "et": "Jäetud läbi vaatamata",
        "ru": "Оставлено без рассмотрения",
        "en": "Rejected",
    },
    "status.withdrawn": {"et": "Tagasi võetud", "ru": "Отозвано", "en": "Withdrawn"},
    "status.appealed": {"et": "Edasi kaevatud", "ru": "Обжаловано", "en": "Appealed"},
    "status.closed": {"et": "Suletud", "ru": "Закрыто", "en": "Closed"},
    # Standard reasons to reject.
    "reason.wrong_type": {
        "et": "Vale taotluse liik: esitage see õige liigi all uuesti.",
        "ru": "Неверный вид обращения: подайте его заново под правильным видом.",
        "en": "Wrong kind of request: please send it again as the right kind.",
    },
    "reason.duplicate": {
        "et": "Sama taotlus on juba esitatud.",
        "ru": "Такое обращение уже подано.",
        "en": "The same request has been sent already.",
    },
    "reason.abusive": {
        "et": "Taotlus on solvav ega saa seetõttu vastust.",
        "ru": "Обращение оскорбительно и поэтому не рассматривается.",
        "en": "The request is abusive and is not answered.",
    },
    # A case's history as the inmate reads it.
    "event.submitted": {
        "et": "Taotlus esitati",
        "ru": "Обращение подано",
        "en": "Request sent",
    },
    "event.claimed": {
        "et": "Töötaja võttis taotluse menetlusse",
        "ru": "Сотрудник взял обращение в работу",
        "en": "A member of staff is working on it",
    },
    "event.forwarded": {
        "et": "Edastati: {department}",
        "ru": "Передано: {department}",
        "en": "Passed to {department}",
    },
    "event.note": {
        "et": "Sõnum: {department}",
        "ru": "Сообщение: {department}",
        "en": "Message from {department}",
    },
    "event.inmate_reply": {"et": "Teie sõnum", "ru": "Ваше сообщение", "en": "Your message"},
    "event.answered": {"et": "Vastus", "ru": "Ответ", "en": "Answer"},
    "event.withdrawn": {
        "et": "Te võtsite taotluse tagasi",
        "ru": "Вы отозвали обращение",
        "en": "You withdrew the request",
    },
    "event.appealed": {
        "et": "Edasi kaevatud: {receipt}",
        "ru": "Обжаловано: {receipt}",
        "en": "Appealed: {receipt}",
    },
    "event.closed": {"et": "Suletud", "ru": "Закрыто", "en": "Closed"},
    "event.attached": {
        "et": "Lisati dokument",
        "ru": "Добавлен документ",
        "en": "A document was added",
    },
    "appeal_of": {
        "et": "Edasikaebus taotluse {receipt} vastusele",
        "ru": "Жалоба на ответ по обращению {receipt}",
        "en": "Appeal against the answer to {receipt}",
    },
    # A form field that is wrong (catalogue.FieldSpec.clean).
    "field.required": {
        "et": "{label}: see väli on kohustuslik.",
        "ru": "{label}: это поле обязательно.",
        "en": "{label}: please fill this in.",
    },
    "field.too_long": {
        "et": "{label}: kõige rohkem {n} märki.",
        "ru": "{label}: не более {n} символов.",
        "en": "{label}: at most {n} characters, please shorten it.",
    },
    "field.too_short": {
        "et": "{label}: vähemalt {n} märki.",
        "ru": "{label}: не менее {n} символов.",
        "en": "{label}: at least {n} characters, please say more.",
    },
    "field.choice": {
        "et": "{label}: valige üks pakutud valikutest.",
        "ru": "{label}: выберите один из предложенных вариантов.",
        "en": "{label}: choose one of the options offered.",
    },
    "field.date": {
        "et": "{label}: kirjutage kuupäev kujul AAAA-KK-PP.",
        "ru": "{label}: укажите дату в виде ГГГГ-ММ-ДД.",
        "en": "{label}: write the date as YYYY-MM-DD.",
    },
    "field.past": {
        "et": "{label}: kuupäev ei saa olla tulevikus.",
        "ru": "{label}: дата не может быть в будущем.",
        "en": "{label}: the date cannot be in the future.",
    },
    "field.future": {
        "et": "{label}: kuupäev peab olema tulevikus.",
        "ru": "{label}: дата должна быть в будущем.",
        "en": "{label}: the date must be in the future.",
    },
    "field.amount": {
        "et": "{label}: kirjutage summa eurodes, nt 12,50.",
        "ru": "{label}: укажите сумму в евро, например 12,50.",
        "en": "{label}: write the amount in euros, e.g. 12.50.",
    },
    "field.amount_range": {
        "et": "{label}: summa peab olema vahemikus {low}–{high}.",
        "ru": "{label}: сумма должна быть от {low} до {high}.",
        "en": "{label}: the amount must be between {low} and {high}.",
    },
    "field.contact": {
        "et": "{label}: kirjutage nimi ja telefoninumber (nt +3725551234).",
        "ru": "{label}: укажите имя и номер телефона (например +3725551234).",
        "en": "{label}: give a name and a phone number (e.g. +3725551234).",
    },
    "field.unknown": {
        "et": "Vormil pole välja {label}.",
        "ru": "В форме нет поля {label}.",
        "en": "The form has no field {label}.",
    },
}


def text(key: str, language: str, **values: Any) -> str:
    texts = TEXTS[key]
    return texts.get(language, texts["en"]).format(**values)
