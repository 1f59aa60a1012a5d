"""Request types from config/request_types.toml: loaded once, checked whole at load.

A mistake in the file stops the start with a message that names the file, the type and the
field, e.g. `config/request_types.toml: type 'complaint', field 'happened_on': kind 'day' is not
one of text, choice, date, amount, contact`.

Field values from inmates are checked here too (`FieldSpec.clean`), with messages in the
inmate's language.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import InvalidInput
from ..money.amounts import AmountError, euros, parse_cents
from ..settings import LANGUAGES, ROOT

FIELD_KINDS = ("text", "choice", "date", "amount", "contact")
DATE_WHEN = ("any", "past", "future")
DEFAULT_APPEAL_DEPARTMENT = "governors_office"
ALL_PRISONS = "*"
PHONE = re.compile(r"^\+?[0-9]{6,15}$")
TYPE_KEYS = {
    "name",
    "help",
    "department",
    "deadline_working_days",
    "one_open_at_a_time",
    "confidential",
    "appeal_days",
    "appeal_department",
    "fields",
}
FIELD_KEYS = {
    "code",
    "kind",
    "label",
    "required",
    "max_length",
    "min_length",
    "choices",
    "when",
    "min_cents",
    "max_cents",
}


class RequestTypesError(ValueError):
    """The request types file is wrong; the message names the file, the type and the field."""


# Messages an inmate sees when a form field is wrong, in their language.
MESSAGES: dict[str, dict[str, str]] = {
    "required": {
        "et": "{label}: see väli on kohustuslik.",
        "ru": "{label}: это поле обязательно.",
        "en": "{label}: please fill this in.",
    },
    "too_long": {
        "et": "{label}: kõige rohkem {n} märki.",
        "ru": "{label}: не более {n} символов.",
        "en": "{label}: at most {n} characters, please shorten it.",
    },
    "too_short": {
        "et": "{label}: vähemalt {n} märki.",
        "ru": "{label}: не менее {n} символов.",
        "en": "{label}: at least {n} characters, please say more.",
    },
    "choice": {
        "et": "{label}: valige üks pakutud valikutest.",
        "ru": "{label}: выберите один из предложенных вариантов.",
        "en": "{label}: choose one of the options offered.",
    },
    "date": {
        "et": "{label}: kirjutage kuupäev kujul AAAA-KK-PP.",
        "ru": "{label}: укажите дату в виде ГГГГ-ММ-ДД.",
        "en": "{label}: write the date as YYYY-MM-DD.",
    },
    "past": {
        "et": "{label}: kuupäev ei saa olla tulevikus.",
        "ru": "{label}: дата не может быть в будущем.",
        "en": "{label}: the date cannot be in the future.",
    },
    "future": {
        "et": "{label}: kuupäev peab olema tulevikus.",
        "ru": "{label}: дата должна быть в будущем.",
        "en": "{label}: the date must be in the future.",
    },
    "amount": {
        "et": "{label}: kirjutage summa eurodes, nt 12,50.",
        "ru": "{label}: укажите сумму в евро, например 12,50.",
        "en": "{label}: write the amount in euros, e.g. 12.50.",
    },
    "amount_range": {
        "et": "{label}: summa peab olema vahemikus {low}–{high}.",
        "ru": "{label}: сумма должна быть от {low} до {high}.",
        "en": "{label}: the amount must be between {low} and {high}.",
    },
    "contact": {
        "et": "{label}: kirjutage nimi ja telefoninumber (nt +3725551234).",
        "ru": "{label}: укажите имя и номер телефона (например +3725551234).",
        "en": "{label}: give a name and a phone number (e.g. +3725551234).",
    },
    "unknown": {
        "et": "Vormil pole välja {label}.",
        "ru": "В форме нет поля {label}.",
        "en": "The form has no field {label}.",
    },
}


def message(key: str, language: str, **values: Any) -> str:
    texts = MESSAGES[key]
    return texts.get(language, texts["en"]).format(**values)


@dataclass(frozen=True)
class Text:
    """A text in each inmate language."""

    et: str
    ru: str
    en: str

    def __call__(self, language: str) -> str:
        return str(getattr(self, language, self.en) or self.en)


@dataclass(frozen=True)
class Choice:
    code: str
    label: Text


@dataclass(frozen=True)
class FieldSpec:
    code: str
    kind: str
    label: Text
    required: bool = True
    max_length: int = 1000
    min_length: int = 0
    choices: tuple[Choice, ...] = ()
    when: str = "any"
    min_cents: int = 0
    max_cents: int = 100_000_000

    def clean(self, value: Any, language: str, today: date) -> Any:
        """The stored form of `value` (JSON-ready), or InvalidInput in the inmate's language.
        An optional field left empty gives None."""
        label = self.label(language)
        if isinstance(value, str):
            value = value.strip()
        if self.kind == "contact" and isinstance(value, Mapping):
            value = {k: str(v or "").strip() for k, v in value.items()}
            if not any(value.values()):
                value = None
        if value in (None, ""):
            if self.required:
                raise InvalidInput(message("required", language, label=label), field=self.code)
            return None
        return getattr(self, f"_clean_{self.kind}")(value, language, label, today)

    def _clean_text(self, value: Any, language: str, label: str, today: date) -> str:
        text = str(value)
        if len(text) > self.max_length:
            raise InvalidInput(
                message("too_long", language, label=label, n=self.max_length), field=self.code
            )
        if len(text) < self.min_length:
            raise InvalidInput(
                message("too_short", language, label=label, n=self.min_length), field=self.code
            )
        return text

    def _clean_choice(self, value: Any, language: str, label: str, today: date) -> str:
        if value not in {c.code for c in self.choices}:
            raise InvalidInput(message("choice", language, label=label), field=self.code)
        return str(value)

    def _clean_date(self, value: Any, language: str, label: str, today: date) -> str:
        if isinstance(value, date):
            day = value
        else:
            try:
                day = date.fromisoformat(str(value))
            except ValueError:
                raise InvalidInput(
                    message("date", language, label=label), field=self.code
                ) from None
        if self.when == "past" and day > today:
            raise InvalidInput(message("past", language, label=label), field=self.code)
        if self.when == "future" and day <= today:
            raise InvalidInput(message("future", language, label=label), field=self.code)
        return day.isoformat()

    def _clean_amount(self, value: Any, language: str, label: str, today: date) -> int:
        # Whole cents from an int (already cents) or from text in euros ("12.50" or "12,50").
        if isinstance(value, bool):
            raise InvalidInput(message("amount", language, label=label), field=self.code)
        if isinstance(value, int):
            cents = value
        else:
            try:
                cents = parse_cents(str(value), negative=True, zero=True)
            except AmountError as error:
                raise InvalidInput(
                    f"{message('amount', language, label=label)} ({error.reason(language)})",
                    field=self.code,
                ) from None
        if not self.min_cents <= cents <= self.max_cents:
            raise InvalidInput(
                message(
                    "amount_range",
                    language,
                    label=label,
                    low=euros(self.min_cents),
                    high=euros(self.max_cents),
                ),
                field=self.code,
            )
        return cents

    def _clean_contact(self, value: Any, language: str, label: str, today: date) -> dict[str, str]:
        if not isinstance(value, Mapping):
            raise InvalidInput(message("contact", language, label=label), field=self.code)
        name = str(value.get("name", "")).strip()
        phone = re.sub(r"[\s\-()]", "", str(value.get("phone", "")))
        if not name or len(name) > 200 or not PHONE.match(phone):
            raise InvalidInput(message("contact", language, label=label), field=self.code)
        return {"name": name, "phone": phone}


@dataclass(frozen=True)
class Department:
    code: str
    name: Text


@dataclass(frozen=True)
class RequestType:
    code: str
    name: Text
    help: Text
    department: str
    deadline_working_days: int
    fields: tuple[FieldSpec, ...]
    one_open_at_a_time: bool = False
    confidential: bool = False
    # None: the installation's default window (requests.appeal_window_days); 0: no appeal.
    appeal_days: int | None = None
    appeal_department: str = DEFAULT_APPEAL_DEPARTMENT

    def field(self, code: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.code == code), None)


@dataclass(frozen=True)
class AnswerTemplate:
    code: str
    title: str
    body: Text
    types: tuple[str, ...] = ()

    def fits(self, type_code: str) -> bool:
        return not self.types or type_code in self.types


@dataclass(frozen=True)
class Catalogue:
    departments: Mapping[str, Department]
    types: Mapping[str, RequestType]
    # prison code (or "*") -> type codes in the order inmates see them
    offered: Mapping[str, tuple[str, ...]]
    templates: Mapping[str, AnswerTemplate] = field(default_factory=dict)

    def type(self, code: str) -> RequestType | None:
        return self.types.get(code)

    def offered_in(self, prison_code: str) -> list[RequestType]:
        codes = self.offered.get(prison_code, self.offered.get(ALL_PRISONS, ()))
        return [self.types[c] for c in codes]

    def department_name(self, code: str, language: str = "en") -> str:
        department = self.departments.get(code)
        return department.name(language) if department else code

    def templates_for(self, type_code: str) -> list[AnswerTemplate]:
        return [t for t in self.templates.values() if t.fits(type_code)]


class _Where:
    """Builds error messages that say where in the file the mistake is."""

    def __init__(self, path: Path) -> None:
        try:
            self.file = str(path.relative_to(ROOT))
        except ValueError:
            self.file = str(path)

    def error(self, message: str, type_code: str = "", field_code: str = "") -> RequestTypesError:
        where = self.file
        if type_code:
            where += f": type {type_code!r}"
        if field_code:
            where += f", field {field_code!r}"
        return RequestTypesError(f"{where}: {message}")


def _text(where: _Where, raw: Any, what: str, type_code: str = "", field_code: str = "") -> Text:
    if not isinstance(raw, Mapping):
        raise where.error(
            f"{what} must be a table with {', '.join(LANGUAGES)}", type_code, field_code
        )
    missing = [lang for lang in LANGUAGES if not str(raw.get(lang, "")).strip()]
    if missing:
        raise where.error(f"{what} has no text in {', '.join(missing)}", type_code, field_code)
    extra = set(raw) - set(LANGUAGES)
    if extra:
        raise where.error(f"{what} has unknown languages {sorted(extra)}", type_code, field_code)
    return Text(et=str(raw["et"]), ru=str(raw["ru"]), en=str(raw["en"]))


def _int(where: _Where, raw: Mapping[str, Any], key: str, default: int, *args: str) -> int:
    value = raw.get(key, default)
    if type(value) is not int or value < 0:
        raise where.error(f"{key} must be a whole number, 0 or more, got {value!r}", *args)
    return value


def _bool(where: _Where, raw: Mapping[str, Any], key: str, default: bool, *args: str) -> bool:
    value = raw.get(key, default)
    if type(value) is not bool:
        raise where.error(f"{key} must be true or false, got {value!r}", *args)
    return value


def _field(where: _Where, raw: Any, type_code: str, index: int) -> FieldSpec:
    if not isinstance(raw, Mapping):
        raise where.error(f"field number {index + 1} must be a table", type_code)
    code = raw.get("code")
    if not isinstance(code, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", code):
        raise where.error(
            f"field number {index + 1} needs a code of lower-case letters, digits and _",
            type_code,
        )
    args = (type_code, code)
    unknown = set(raw) - FIELD_KEYS
    if unknown:
        raise where.error(f"unknown keys {sorted(unknown)}", *args)
    kind = raw.get("kind")
    if kind not in FIELD_KINDS:
        raise where.error(f"kind {kind!r} is not one of {', '.join(FIELD_KINDS)}", *args)
    choices: list[Choice] = []
    if kind == "choice":
        raw_choices = raw.get("choices")
        if not isinstance(raw_choices, list) or not raw_choices:
            raise where.error("a choice field needs a list of choices", *args)
        for item in raw_choices:
            if not isinstance(item, Mapping) or not isinstance(item.get("code"), str):
                raise where.error("each choice needs a code and a label", *args)
            choices.append(
                Choice(item["code"], _text(where, item.get("label"), "choice label", *args))
            )
        if len({c.code for c in choices}) != len(choices):
            raise where.error("two choices have the same code", *args)
    when = raw.get("when", "any")
    if when not in DATE_WHEN:
        raise where.error(f"when {when!r} is not one of {', '.join(DATE_WHEN)}", *args)
    spec = FieldSpec(
        code=code,
        kind=kind,
        label=_text(where, raw.get("label"), "label", *args),
        required=_bool(where, raw, "required", True, *args),
        max_length=_int(where, raw, "max_length", 1000, *args),
        min_length=_int(where, raw, "min_length", 0, *args),
        choices=tuple(choices),
        when=when,
        min_cents=_int(where, raw, "min_cents", 0, *args),
        max_cents=_int(where, raw, "max_cents", 100_000_000, *args),
    )
    if spec.min_length > spec.max_length:
        raise where.error("min_length is larger than max_length", *args)
    if spec.min_cents > spec.max_cents:
        raise where.error("min_cents is larger than max_cents", *args)
    return spec


def _type(where: _Where, code: str, raw: Any, departments: Mapping[str, Department]) -> RequestType:
    if not isinstance(raw, Mapping):
        raise where.error("must be a table", code)
    unknown = set(raw) - TYPE_KEYS
    if unknown:
        raise where.error(f"unknown keys {sorted(unknown)}", code)
    department = raw.get("department")
    if department not in departments:
        raise where.error(
            f"department {department!r} is not one of {', '.join(sorted(departments))}", code
        )
    appeal_department = raw.get("appeal_department", DEFAULT_APPEAL_DEPARTMENT)
    if appeal_department not in departments:
        raise where.error(f"appeal_department {appeal_department!r} is not a department", code)
    deadline = raw.get("deadline_working_days")
    if type(deadline) is not int or deadline < 1:
        raise where.error(f"deadline_working_days must be 1 or more, got {deadline!r}", code)
    raw_fields = raw.get("fields", [])
    if not isinstance(raw_fields, list) or not raw_fields:
        raise where.error("needs at least one field ([[types.<code>.fields]])", code)
    fields = tuple(_field(where, f, code, i) for i, f in enumerate(raw_fields))
    seen: set[str] = set()
    for spec in fields:
        if spec.code in seen:
            raise where.error("appears twice", code, spec.code)
        seen.add(spec.code)
    appeal_days = raw.get("appeal_days")
    if appeal_days is not None and (type(appeal_days) is not int or appeal_days < 0):
        raise where.error(f"appeal_days must be 0 or more, got {appeal_days!r}", code)
    return RequestType(
        code=code,
        name=_text(where, raw.get("name"), "name", code),
        help=_text(where, raw.get("help"), "help", code),
        department=str(department),
        deadline_working_days=deadline,
        fields=fields,
        one_open_at_a_time=_bool(where, raw, "one_open_at_a_time", False, code),
        confidential=_bool(where, raw, "confidential", False, code),
        appeal_days=appeal_days,
        appeal_department=appeal_department,
    )


def parse_catalogue(data: Mapping[str, Any], path: Path) -> Catalogue:
    where = _Where(path)
    unknown = set(data) - {"departments", "types", "offered", "answer_templates"}
    if unknown:
        raise where.error(f"unknown sections {sorted(unknown)}")
    raw_departments = data.get("departments")
    if not isinstance(raw_departments, Mapping) or not raw_departments:
        raise where.error("needs at least one [departments.<code>]")
    departments = {
        code: Department(code, _text(where, (raw or {}).get("name"), f"department {code!r} name"))
        for code, raw in raw_departments.items()
    }
    raw_types = data.get("types")
    if not isinstance(raw_types, Mapping) or not raw_types:
        raise where.error("needs at least one [types.<code>]")
    types = {code: _type(where, code, raw, departments) for code, raw in raw_types.items()}
    raw_offered = data.get("offered")
    if not isinstance(raw_offered, Mapping) or not raw_offered:
        raise where.error('needs an [offered] section, e.g. "*" = ["complaint"]')
    offered: dict[str, tuple[str, ...]] = {}
    for prison_code, codes in raw_offered.items():
        if not isinstance(codes, list):
            raise where.error(f"offered.{prison_code} must be a list of type codes")
        for type_code in codes:
            if type_code not in types:
                raise where.error(f"offered.{prison_code} names an unknown type", str(type_code))
        if len(set(codes)) != len(codes):
            raise where.error(f"offered.{prison_code} names a type twice")
        offered[prison_code] = tuple(codes)
    templates: dict[str, AnswerTemplate] = {}
    for code, raw in (data.get("answer_templates") or {}).items():
        if not isinstance(raw, Mapping) or not isinstance(raw.get("title"), str):
            raise where.error(f"answer template {code!r} needs a title and a body")
        for type_code in raw.get("types", []):
            if type_code not in types:
                raise where.error(f"answer template {code!r} names an unknown type", type_code)
        templates[code] = AnswerTemplate(
            code=code,
            title=raw["title"],
            body=_text(where, raw.get("body"), f"answer template {code!r} body"),
            types=tuple(raw.get("types", [])),
        )
    return Catalogue(departments=departments, types=types, offered=offered, templates=templates)


def load_catalogue(path: Path) -> Catalogue:
    where = _Where(path)
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError:
        raise where.error("the file does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise where.error(f"not valid TOML: {error}") from None
    return parse_catalogue(data, path)


@lru_cache(maxsize=8)
def cached_catalogue(path: Path) -> Catalogue:
    """The catalogue of `path`, read on first use (never at import) and kept: the file is part of
    the release, so every host has the same one and a change ships with a restart."""
    return load_catalogue(path)
