"""The catalogue of request types: departments, the types with their form fields, and the
answer templates, as config/request_types.toml describes them (types.py reads the file).

Field values from inmates are checked here (`FieldSpec.clean`), with messages in the inmate's
language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..errors import InvalidInput
from ..money.amounts import AmountError, euros, parse_cents
from .messages import text

FIELD_KINDS = ("text", "choice", "date", "amount", "contact")
DATE_WHEN = ("any", "past", "future")
DEFAULT_APPEAL_DEPARTMENT = "governors_office"
ALL_PRISONS = "*"
PHONE = re.compile(r"^\+?[0-9]{6,15}$")


def message(key: str, language: str, **values: Any) -> str:
    """What an inmate reads when a form field is wrong (messages.TEXTS, "field." keys)."""
    return text(f"field.{key}", language, **values)


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
