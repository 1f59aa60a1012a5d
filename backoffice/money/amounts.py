"""Amounts of money as people type them, read into whole cents, and cents shown as euros: the one
grammar every surface shares (bank statements, the payroll, the accountant's forms, the shop's
prices, request forms).

    parse_cents(text, *, negative=False, zero=False, most_cents=LEDGER_MOST_CENTS) -> int
    euros(cents) -> str                   -150 -> "-1.50"   the plain form, for messages and logs
    money(cents, language) -> str         -150 -> "-€1.50" (en), "-1,50 €" (et, ru)
    amount(cents, language) -> str        -150 -> "-1.50" (en), "-1,50" (et, ru); 1 234,56
    amount(cents, language, grouped=False)        1234,56: a number a spreadsheet reads

Money shown to a person goes through `money` or `amount` (Babel's format_currency and
format_decimal). Babel separates groups and the euro sign with a no-break space; these write a
plain space, as the catalogues and every page's text do (the tables keep amounts on one line
with CSS).

The grammar, after whitespace at both ends is dropped:

    amount   = [sign] whole [separator decimals]
    sign     = "+" | "-"                  "-" only where the caller allows negative amounts
    whole    = digit+                     e.g. 1234
             | digit{1,3} (group digit{3})+   only with decimals, and group is the separator
                                              that is not the decimal one: 1.234,56 or 1,234.56
    separator = "." | ","
    decimals = digit{1,2}
    digit    = 0-9 (ASCII only)

Everything else is refused with AmountError: exponents (1e3 is not 1000.00), NaN, Infinity,
whitespace inside, other digits than 0-9, more than 2 decimals, a separator followed by exactly
3 digits and nothing else (1,234 could be 1.23 or 1234: ambiguous), grouping without decimals
or with the same mark as the decimals, text longer than MAX_LENGTH characters, and amounts over
`most_cents` (never more than the ledger's BigInteger column holds).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from babel.numbers import format_currency, format_decimal

from ..catalogue import N_, translate
from ..errors import InvalidInput

# The largest amount the ledger's BigInteger columns hold (PostgreSQL bigint, SQLite INTEGER).
LEDGER_MOST_CENTS = 2**63 - 1
# Longer than any amount a person types (the ledger's largest is 20 characters with grouping
# and a sign); longer text is refused before it is read.
MAX_LENGTH = 32

_PLAIN = re.compile(r"(?P<whole>[0-9]+)(?:(?P<mark>[.,])(?P<decimals>[0-9]+))?")
_GROUPED = re.compile(
    r"(?P<whole>[0-9]{1,3}(?:(?P<group>[.,])[0-9]{3})(?:(?P=group)[0-9]{3})*)"
    r"(?:(?P<mark>[.,])(?P<decimals>[0-9]+))?"
)
_EXPONENT = re.compile(r"[0-9.,]*[eE][+-]?[0-9]+")

# Why an amount was refused, as English msgids of the one text catalogue (the reader's language
# picks the words). %(text)s is what they typed (shortened).
REASONS: dict[str, str] = {
    "empty": N_("no amount given"),
    "too_long": N_("the amount is too long (at most %(n)s characters)"),
    "not_amount": N_("'%(text)s' is not an amount; write euros and cents, e.g. 12.50"),
    "exponent": N_("'%(text)s': write the amount out in digits, e.g. 1000.00 (not 1e3)"),
    "spaces": N_("'%(text)s': no spaces inside an amount, please"),
    "decimals": N_("'%(text)s': at most 2 decimals"),
    "grouping": N_(
        "'%(text)s': a thousands separator or decimals? write no thousands separator and at "
        "most 2 decimals, e.g. 1234.56"
    ),
    "negative": N_("'%(text)s': the amount cannot be negative"),
    "zero": N_("'%(text)s': the amount must be above 0"),
    "too_large": N_("'%(text)s': the amount is over the limit of %(most)s"),
}


class AmountError(InvalidInput):
    """An amount outside the grammar. `kind` says which rule it broke (a key of REASONS);
    `reason(language)` says it in Estonian, Russian or English; the message is the English."""

    def __init__(self, kind: str, text: str, **values: Any) -> None:
        self.kind = kind
        self.reason_values = {"text": _shown(text), **values}
        super().__init__(self.reason("en"), reason=kind)

    def reason(self, language: str) -> str:
        return translate(language, REASONS[self.kind], **self.reason_values)

    def in_language(self, language: str) -> str:
        """The refusal in the reader's language (backoffice/surface/refusals.py asks for it)."""
        return self.reason(language)


def _shown(text: str) -> str:
    # What the reader typed, short enough for a message, control characters made visible.
    short = text if len(text) <= 20 else text[:20] + "…"
    return "".join(c if c.isprintable() else "\ufffd" for c in short)


def euros(cents: int) -> str:
    """Cents as euros with a point and two decimals: 1250 -> "12.50", -150 -> "-1.50"."""
    sign = "-" if cents < 0 else ""
    whole, rest = divmod(abs(cents), 100)
    return f"{sign}{whole}.{rest:02d}"


def money(cents: int, language: str) -> str:
    """Cents as euros with the sign, in the reader's language: 1250 -> "€12.50" (en),
    "12,50 €" (et, ru); -150 -> "-€1.50", "-1,50 €"."""
    return _plain(format_currency(_in_euros(cents), "EUR", locale=language))


def amount(cents: int, language: str, *, grouped: bool = True) -> str:
    """Cents as a number of euros, two decimals, no sign of the currency: -150 -> "-1.50" (en),
    "-1,50" (et, ru). `grouped=False` leaves out the thousands separator (for CSV files)."""
    pattern = "#,##0.00" if grouped else "0.00"
    return _plain(format_decimal(_in_euros(cents), format=pattern, locale=language))


def _in_euros(cents: int) -> Decimal:
    if isinstance(cents, bool) or not isinstance(cents, int):
        raise TypeError(f"amounts are whole cents, not {cents!r}")
    return Decimal(cents).scaleb(-2)


def _plain(text: str) -> str:
    return text.replace("\u00a0", " ").replace("\u202f", " ")


def parse_cents(
    text: str,
    *,
    negative: bool = False,
    zero: bool = False,
    most_cents: int = LEDGER_MOST_CENTS,
) -> int:
    """Whole cents from `text` by the module's grammar, or AmountError. Amounts below 0 only
    with `negative`, 0 only with `zero`; never further from 0 than `most_cents`."""
    if not 0 < most_cents <= LEDGER_MOST_CENTS:
        raise ValueError(f"most_cents must be from 1 to {LEDGER_MOST_CENTS}, got {most_cents}")
    if not isinstance(text, str):
        raise AmountError("not_amount", str(text))
    raw = text.strip()
    if not raw:
        raise AmountError("empty", raw)
    if len(raw) > MAX_LENGTH:
        raise AmountError("too_long", raw, n=MAX_LENGTH)
    if any(c.isspace() for c in raw):
        raise AmountError("spaces", raw)
    body = raw[1:] if raw[0] in "+-" else raw
    cents = _unsigned_cents(raw, body)
    if raw[0] == "-" and not negative:
        raise AmountError("negative", raw)
    if cents == 0 and not zero:
        raise AmountError("zero", raw)
    if cents > most_cents:
        raise AmountError("too_large", raw, most=euros(most_cents))
    return -cents if raw[0] == "-" else cents


def _unsigned_cents(raw: str, body: str) -> int:
    plain = _PLAIN.fullmatch(body)
    grouped = None if plain else _GROUPED.fullmatch(body)
    match = plain or grouped
    if match is None:
        kind = "exponent" if _EXPONENT.fullmatch(body) else "not_amount"
        raise AmountError(kind, raw)
    decimals = match["decimals"] or ""
    if plain is not None and len(decimals) == 3:
        raise AmountError("grouping", raw)  # 1,234: a thousand or one and a bit?
    if grouped is not None and (not decimals or match["mark"] == match["group"]):
        raise AmountError("grouping", raw)
    if len(decimals) > 2:
        raise AmountError("decimals", raw)
    whole = match["whole"].replace(".", "").replace(",", "")
    return int(whole) * 100 + int(decimals.ljust(2, "0"))
