"""Errors that services raise; each entry point maps them to its own kind of answer. The
ledger's own refusals reach the surfaces as LedgerError, named here so that no surface needs
to import the ledger.

A refusal is written once, in English, as a catalogue template with named values:

    raise Conflict("Only %(left)s left of %(name)s.", left=3, name=product.name_en)

`message` is the English filled in (logs, audit rows, str(error)); `template` and `values` let
each surface say it in its reader's language (backoffice/surface/refusals.py). A value that is a
word itself is a `Word` (said from the catalogue), an amount is `Cents` (shown as money in the
reader's style), a `date` or `datetime` is shown the reader's way, a mapping of languages to
texts (a product's names) in the reader's language, a `Phrase` (a part of the sentence with
values of its own) said the same way; any other value as it is.
Keyword details that are not placeholders of the template (`field=`, `why=`) stay details only.
"""

import re
from collections.abc import Mapping
from datetime import date, datetime

from ledger.errors import LedgerError

__all__ = [
    "Cents",
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "LedgerError",
    "NotFound",
    "Phrase",
    "ServiceError",
    "Word",
    "placeholders",
]

_PLACEHOLDER = re.compile(r"%\((\w+)\)")


def placeholders(template: str) -> set[str]:
    """The names of a template's `%(name)s` values."""
    return set(_PLACEHOLDER.findall(template))


class Word(str):
    """A value that is a word of the catalogue (a status, a level): English as it is written,
    in the reader's language on a surface. Write it with its msgid: Word(N_("packed"))."""

    __slots__ = ()


class Cents(int):
    """An amount in a refusal: "12.50" in the English message, money in the reader's style on
    a surface ("12,50 €")."""

    __slots__ = ()

    def __str__(self) -> str:
        sign = "-" if self < 0 else ""
        whole, rest = divmod(abs(int(self)), 100)
        return f"{sign}{whole}.{rest:02d}"


class Phrase:
    """A part of a sentence with values of its own ("Order %(number)s"), said like a refusal."""

    __slots__ = ("message", "template", "values")

    def __init__(self, template: str, /, **values: object) -> None:
        self.template = template
        self.values = values
        self.message = fill_english(template, values)

    def __str__(self) -> str:
        return self.message


def fill_english(template: str, values: Mapping[str, object]) -> str:
    if not values:
        return template
    return template % {name: english(value) for name, value in values.items()}


def english(value: object) -> object:
    """A value as the English message shows it."""
    if isinstance(value, (ServiceError, Phrase)):
        return value.message
    if isinstance(value, Mapping):
        return value.get("en", "")
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


class ServiceError(Exception):
    """A request that cannot be done as asked; the message says why and what to do next."""

    status = 400
    code = "bad-request"

    def __init__(self, message: str, /, **details: object) -> None:
        names = placeholders(message)
        self.template = message
        self.values = {name: value for name, value in details.items() if name in names}
        message = fill_english(message, self.values)
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ServiceError):
    status = 404
    code = "not-found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class InvalidInput(ServiceError):
    status = 422
    code = "invalid-input"
