"""Request types from config/request_types.toml: loaded once, checked whole at load.

A mistake in the file stops the start with a message that names the file, the type and the
field, e.g. `config/request_types.toml: type 'complaint', field 'happened_on': kind 'day' is not
one of text, choice, date, amount, contact`. What the file describes (the catalogue, the
forms and how an inmate's value is checked) is in catalogue.py.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..settings import LANGUAGES, ROOT
from .catalogue import (
    DATE_WHEN,
    DEFAULT_APPEAL_DEPARTMENT,
    FIELD_KINDS,
    AnswerTemplate,
    Catalogue,
    Choice,
    Department,
    FieldSpec,
    RequestType,
    Text,
)

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
