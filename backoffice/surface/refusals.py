"""A service's refusal in the reader's language, the same way on every surface.

A ServiceError carries its English template and values (backoffice/errors.py). A surface says it
with its own catalogue lookup (`translate`: Flask-Babel's gettext, or the tablet's catalogue of
the inmate's language), its reader's language and the prison's time zone:

    say(error, "ru", translate, "Europe/Tallinn")

Values are shown the reader's way: a `Word` from the catalogue, `Cents` as money, a day or a
moment through backoffice/dates, a name written in each language (a product's) in the reader's,
a refusal inside a refusal said the same way. A refusal whose
translation does not fit its values (a translator's slip) is said in English, never dropped.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime

from ledger.errors import AccountClosed, InsufficientFunds

from .. import dates
from ..errors import Cents, Phrase, ServiceError, Word
from ..money.amounts import money
from ..words import N_

Translate = Callable[[str], str]

# The ledger's refusals that reach inmates and staff (the ledger itself knows no catalogue).
NOT_ENOUGH_MONEY = N_("Not enough money: %(available)s can be spent, %(needed)s is needed.")
ACCOUNT_CLOSED = N_("This account is closed: money cannot move through it.")


def say(error: BaseException, language: str, translate: Translate, zone: str) -> str:
    """What `error` says to a reader of `language`."""
    in_language = getattr(error, "in_language", None)
    if callable(in_language):
        return str(in_language(language))
    if isinstance(error, InsufficientFunds):
        # The ledger speaks cents to its callers; the reader hears money.
        values = {"available": Cents(error.available_cents), "needed": Cents(error.needed_cents)}
        return fill(NOT_ENOUGH_MONEY, values, language, translate, zone)
    if isinstance(error, AccountClosed):
        return translate(ACCOUNT_CLOSED)
    if not isinstance(error, ServiceError):
        return translate(str(getattr(error, "message", error)))
    return fill(error.template, error.values, language, translate, zone, english=error.message)


def fill(
    template: str,
    values: Mapping[str, object],
    language: str,
    translate: Translate,
    zone: str,
    *,
    english: str | None = None,
) -> str:
    """`template` from the catalogue with `values` shown the reader's way."""
    text = translate(template)
    if not values:
        return text
    shown = {name: shown_value(value, language, translate, zone) for name, value in values.items()}
    try:
        return text % shown
    except (KeyError, ValueError, TypeError):
        return english if english is not None else template % shown


def shown_value(value: object, language: str, translate: Translate, zone: str) -> object:
    if isinstance(value, BaseException):
        return say(value, language, translate, zone)
    if isinstance(value, Phrase):
        return fill(value.template, value.values, language, translate, zone, english=value.message)
    if isinstance(value, Word):
        return translate(str(value))
    if isinstance(value, Cents):
        return money(int(value), language)
    if isinstance(value, Mapping):
        return value.get(language) or value.get("en", "")
    if isinstance(value, datetime):
        return dates.moment(value, zone, language)
    if isinstance(value, date):
        return dates.day(value, language)
    return value
