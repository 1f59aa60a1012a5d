"""Requests checked against the very schemas the OpenAPI document publishes, by a JSON Schema
validator of the document's own dialect (2020-12, as OpenAPI 3.1 says), so the contract and
the checks cannot drift apart. Each refusal names the field and the reason in the inmate's
language.

The validator finds everything wrong; this module says it the way a careful reader checks a
form, one reason per field: first the type, then the allowed values, then a text's characters,
length and shape, a number's bounds or a list's size, and nothing about what lies inside a value
that is wrong already, nor inside a field that is not allowed at all. Fields come in the order
of the body, a missing one before those present. Of options (`anyOf`) that each ask for a field
("a phone or an e-mail") it says that; of other options, what is wrong against the last.

Two checks JSON Schema cannot express stay here: text holding a NUL or a lone surrogate is
refused as `characters` (the body reader refuses such bodies before, so this is what a query
string's NUL meets), and a format "date" is a date as Python reads one (the only format checked).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, ValidationError

from backoffice.surface.json_body import is_clean_text

from .components import COMPONENTS

# One wrong field: (field, reason code, params of the reason's text).
Error = tuple[str, str, dict[str, Any]]

REASONS: dict[str, dict[str, str]] = {
    "required": {"et": "on kohustuslik", "ru": "обязательное поле", "en": "is required"},
    "type": {"et": "peab olema {type}", "ru": "должно быть: {type}", "en": "must be {type}"},
    "minimum": {
        "et": "peab olema vähemalt {n}",
        "ru": "должно быть не меньше {n}",
        "en": "must be at least {n}",
    },
    "maximum": {
        "et": "tohib olla kõige rohkem {n}",
        "ru": "должно быть не больше {n}",
        "en": "must be at most {n}",
    },
    "minLength": {
        "et": "peab olema vähemalt {n} märki pikk",
        "ru": "должно быть не короче {n} символов",
        "en": "must be at least {n} characters long",
    },
    "maxLength": {
        "et": "tohib olla kuni {n} märki pikk",
        "ru": "должно быть не длиннее {n} символов",
        "en": "must be at most {n} characters long",
    },
    "pattern": {
        "et": "on vales vormingus",
        "ru": "имеет неверный формат",
        "en": "has a wrong format",
    },
    "characters": {
        "et": "sisaldab lubamatuid märke",
        "ru": "содержит недопустимые символы",
        "en": "contains characters that are not allowed",
    },
    "enum": {
        "et": "peab olema üks neist: {values}",
        "ru": "должно быть одним из: {values}",
        "en": "must be one of: {values}",
    },
    "unknown": {
        "et": "ei ole lubatud väli",
        "ru": "недопустимое поле",
        "en": "is not a known field",
    },
    "minItems": {
        "et": "peab sisaldama vähemalt {n} rida",
        "ru": "должно содержать не меньше {n} элементов",
        "en": "must have at least {n} entries",
    },
    "maxItems": {
        "et": "tohib sisaldada kuni {n} rida",
        "ru": "должно содержать не больше {n} элементов",
        "en": "must have at most {n} entries",
    },
    "either": {
        "et": "täida vähemalt üks neist: {fields}",
        "ru": "заполните хотя бы одно из: {fields}",
        "en": "give at least one of: {fields}",
    },
    "date": {
        "et": "peab olema kuupäev (AAAA-KK-PP)",
        "ru": "должно быть датой (ГГГГ-ММ-ДД)",
        "en": "must be a date (YYYY-MM-DD)",
    },
}

TYPE_NAMES: dict[str, dict[str, str]] = {
    "integer": {"et": "täisarv", "ru": "целое число", "en": "a whole number"},
    "string": {"et": "tekst", "ru": "текст", "en": "text"},
    "boolean": {"et": "tõene või väär", "ru": "true или false", "en": "true or false"},
    "array": {"et": "loend", "ru": "список", "en": "a list"},
    "object": {"et": "objekt", "ru": "объект", "en": "an object"},
    "null": {"et": "tühi", "ru": "пусто", "en": "empty"},
}


class Invalid(Exception):
    """Every wrong field of one request: [(field, reason code, params)]."""

    def __init__(self, errors: list[Error]) -> None:
        super().__init__(", ".join(field for field, _, _ in errors))
        self.errors = errors

    def localized(self, language: str) -> list[dict[str, str]]:
        out = []
        for field, reason, params in self.errors:
            shown = dict(params)
            if "type" in shown:
                shown["type"] = TYPE_NAMES[shown["type"]][language]
            out.append({"field": field, "reason": REASONS[reason][language].format(**shown)})
        return out


# --- checking -------------------------------------------------------------------------------

DATES = FormatChecker(formats=())


@DATES.checks("date", raises=ValueError)
def _is_date(value: object) -> bool:
    if isinstance(value, str):
        date.fromisoformat(value)
    return True


# The components where they stand in the document: every "#/components/schemas/..." of theirs
# resolves in it. A schema is checked by this validator evolved to that schema.
_DOCUMENT = Draft202012Validator(
    {"$id": "urn:cellgate:tablet-api", "components": {"schemas": COMPONENTS}},
    format_checker=DATES,
)
_COMPONENT = "#/components/schemas/"
_BODIES = {name: _DOCUMENT.evolve(schema=schema) for name, schema in COMPONENTS.items()}
_VALIDATORS: dict[int, tuple[Mapping[str, Any], Draft202012Validator]] = {}


def _validator(schema: Mapping[str, Any]) -> Draft202012Validator:
    """One validator per schema object, made the first time it is used."""
    cached = _VALIDATORS.get(id(schema))
    if cached is not None and cached[0] is schema:
        return cached[1]
    reference = schema.get("$ref", "")
    if schema.keys() == {"$ref"} and reference.startswith(_COMPONENT):
        validator = _BODIES[reference.removeprefix(_COMPONENT)]
    else:
        validator = _DOCUMENT.evolve(schema=schema)
    _VALIDATORS[id(schema)] = (schema, validator)
    return validator


def validate_body(component: str, value: Any) -> Any:
    """A request body checked against the component of that name; see `validate`. The body
    reader has refused a NUL or a lone surrogate in it already."""
    return _checked(_BODIES[component], value, "", [])


def validate(schema: Mapping[str, Any], value: Any, field: str = "") -> Any:
    """The value, checked and normalised (integral floats become ints); raises Invalid.
    `field` names the value in refusals (a query parameter); a body's fields stand alone."""
    return _checked(_validator(schema), value, field, list(_unclean(value, (), field)))


def _checked(
    validator: Draft202012Validator, value: Any, field: str, unclean: list[_Finding]
) -> Any:
    found = list(validator.iter_errors(value))
    if found or unclean:
        findings = list(_findings(found, value, field))
        # A value tried against options is said as the last option says it, characters too.
        tried = [f.at for f in findings if f.tried]
        unclean = [u for u in unclean if not any(u.at[: len(at)] == at for at in tried)]
        raise Invalid(_arrange([*findings, *unclean], value))
    return _integral(value)


def _integral(value: Any) -> Any:
    # A valid body holds numbers only where the schema says integer (1.0 is one).
    if isinstance(value, float):
        return int(value)
    if isinstance(value, list):
        return [_integral(item) for item in value]
    if isinstance(value, dict):
        return {key: _integral(item) for key, item in value.items()}
    return value


# --- saying what is wrong -------------------------------------------------------------------

Path = tuple[str | int, ...]

# The checks that end the reading of a value, in the order they are made: the first wrong one
# is the value's only reason, and nothing inside the value is looked at.
_FIRST = (
    "type",
    "enum",
    "characters",
    "minLength",
    "maxLength",
    "pattern",
    "format",
    "minimum",
    "maximum",
    "minItems",
    "maxItems",
    "maxProperties",
)
# At one value: its options first, then its own check, then missing fields, then each field.
_OPTIONS, _OWN, _MISSING, _FIELD = 0, 1, 2, 3


@dataclass(frozen=True)
class _Finding:
    at: Path  # the value the check is about
    slot: tuple[int, ...]  # where a reader meets it among that value's checks
    errors: tuple[Error, ...]
    rank: int | None = None  # the place in _FIRST of a check that ends the reading
    unknown: str | None = None  # a field the object `at` may not have
    tried: bool = False  # what is wrong against the last of the options `at` was tried with


def _field(base: str, path: Path) -> str:
    field = base
    for step in path:
        if isinstance(step, int):
            field = f"{field or 'body'}[{step}]"
        else:
            field = f"{field}.{step}" if field else step
    return field


def _own(base: str, at: Path, keyword: str, params: dict[str, Any]) -> _Finding:
    reason = {"format": "date", "maxProperties": "maxItems"}.get(keyword, keyword)
    error = (_field(base, at) or "body", reason, params)
    return _Finding(at, (_OWN,), (error,), rank=_FIRST.index(keyword))


def _unknown(base: str, at: Path, instance: Mapping[str, Any], key: str) -> _Finding:
    error = (_field(base, (*at, key)), "unknown", {})
    return _Finding(at, (_FIELD, list(instance).index(key)), (error,), unknown=key)


def _findings(errors: Iterable[ValidationError], value: Any, base: str) -> Iterator[_Finding]:
    """What the validator's errors say, as findings about the values of `value`."""
    for error in errors:
        at: Path = tuple(error.absolute_path)
        keyword, expected = str(error.validator), error.validator_value
        if "propertyNames" in error.relative_schema_path:
            # A name against propertyNames: the error is the object's, its instance the name.
            yield _unknown(base, at, _value_at(value, at), error.instance)
        elif keyword == "additionalProperties":  # false: each field the schema does not name
            named = error.schema.get("properties", {})
            for key in error.instance:
                if key not in named:
                    yield _unknown(base, at, error.instance, key)
        elif keyword == "required":
            for index, key in enumerate(expected):
                if key not in error.instance:
                    missing = (_field(base, (*at, key)), "required", {})
                    yield _Finding(at, (_MISSING, index), (missing,))
        elif keyword == "anyOf":
            yield _any_of(error, value, base, at)
        elif keyword == "type":
            types = [expected] if isinstance(expected, str) else list(expected)
            yield _own(base, at, keyword, {"type": types[0]})
        elif keyword == "enum":
            yield _own(base, at, keyword, {"values": ", ".join(str(v) for v in expected)})
        elif keyword in ("pattern", "format"):
            yield _own(base, at, keyword, {})
        elif keyword in _FIRST:
            yield _own(base, at, keyword, {"n": expected})
        else:  # no request schema uses another keyword; should one, it still says "wrong"
            yield _own(base, at, "pattern", {})


def _any_of(error: ValidationError, value: Any, base: str, at: Path) -> _Finding:
    options = error.validator_value
    wanted = [option.get("required", []) for option in options]
    if all(wanted) and all(option.keys() <= {"required", "properties"} for option in options):
        either = ", ".join(_field(base, (*at, key)) for keys in wanted for key in keys)
        return _Finding(at, (_OPTIONS,), ((either, "either", {"fields": either}),))
    last = len(options) - 1
    against_last = [e for e in error.context or () if e.relative_schema_path[0] == last]
    errors = _arrange(_findings(against_last, value, base), value)
    return _Finding(at, (_OPTIONS,), tuple(errors), tried=True)


def _value_at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def _unclean(value: Any, at: Path, base: str) -> Iterator[_Finding]:
    """Text, or a field's name, with a NUL or a lone surrogate."""
    if isinstance(value, str):
        if not is_clean_text(value):
            yield _own(base, at, "characters", {})
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _unclean(item, (*at, index), base)
    elif isinstance(value, dict):
        for key, item in value.items():
            if is_clean_text(key):
                yield from _unclean(item, (*at, key), base)
            else:
                yield _unknown(base, at, value, key)


def _position(value: Any, path: Path) -> tuple[int, ...]:
    """Where a reader of `value` comes to `path`: each field in the order of the body."""
    position: list[int] = []
    for step in path:
        position += (_FIELD, list(value).index(step) if isinstance(value, dict) else int(step))
        value = value[step]
    return tuple(position)


def _arrange(findings: Iterable[_Finding], value: Any) -> list[Error]:
    """The findings as a reader who stops at a value's first wrong check would list them."""
    unique: dict[tuple[Path, tuple[int, ...], str], _Finding] = {}
    for finding in findings:  # the same field from several errors: once
        unique.setdefault((finding.at, finding.slot, repr(finding.errors)), finding)
    findings = list(unique.values())
    ending: dict[Path, _Finding] = {}  # each wrong value's first wrong check
    for finding in findings:
        if finding.rank is not None:
            first = ending.setdefault(finding.at, finding)
            if finding.rank < (first.rank if first.rank is not None else len(_FIRST)):
                ending[finding.at] = finding
    unknown = {(f.at, f.unknown) for f in findings if f.unknown is not None}

    def unread(at: Path) -> bool:  # inside a value that is wrong, or a field not allowed
        return any(at[:n] in ending or (at[:n], at[n]) in unknown for n in range(len(at)))

    kept = [
        f
        for f in findings
        if not unread(f.at) and (f.at not in ending or f is ending[f.at] or f.slot[0] == _OPTIONS)
    ]
    kept.sort(key=lambda f: _position(value, f.at) + f.slot)
    return [error for finding in kept for error in finding.errors]
