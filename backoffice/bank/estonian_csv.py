"""The account statement as Estonian banks export it for spreadsheets (Swedbank, SEB, LHV, Coop:
"Konto väljavõte" as CSV), read into the same plain data as a camt.053 file, so that one path
matches and books both.

    parse_estonian_csv(data: bytes) -> list[CamtStatement]   InvalidInput for a file refused whole

The file: values separated by semicolons (a comma where the header has no semicolon), amounts
with a decimal comma, dates DD.MM.YYYY, UTF-8 (with or without a byte-order mark) or the banks'
older Windows-1257. Columns are found by their Estonian names, in any order:

    Kliendi konto (or Konto nr)      the prison's own account: one statement per account
    Reatüüp                          10 opening balance, 20 entry, 82 turnover, 86 closing balance
    Kuupäev                          the booking day
    Saaja/Maksja (or .. nimi)        who paid, or who was paid
    Saaja/Maksja konto               their account, where the bank gives it
    Selgitus                         the payer's text
    Summa, Valuuta                   the amount, positive or with a minus for money out
    Deebet/Kreedit (D/C)             D money out; K (or C) money in
    Arhiveerimistunnus               the bank's own reference of the entry: the key against
                                     booking it twice, the same the bank writes into camt.053
    Tehingu tüüp                     AS opening balance, LS closing balance, K2 turnover
    Viitenumber                      the reference number (7-3-1)
    Dokumendi number                 the payer's document number

Without a row type, every row is an entry. A bad row (an amount that is not money, no
archive reference) is refused alone with its reason; the good ones stay good.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from ..accounts.csvimport import normalise_account
from ..errors import InvalidInput
from ..money.amounts import AmountError, parse_cents
from .camt import MAX_BYTES, CamtEntry, CamtStatement

KIND = "ee-csv"
# Each field by the names the banks give its column (lower case, spaces collapsed).
COLUMNS: dict[str, tuple[str, ...]] = {
    "account": ("kliendi konto", "konto nr", "konto"),
    "row_type": ("reatüüp",),
    "day": ("kuupäev",),
    "name": ("saaja/maksja", "saaja/maksja nimi", "saaja / maksja"),
    "their_account": ("saaja/maksja konto",),
    "text": ("selgitus",),
    "amount": ("summa",),
    "currency": ("valuuta",),
    "direction": ("deebet/kreedit", "deebet/kreedit (d/c)", "d/k", "d/c"),
    "reference": ("arhiveerimistunnus",),
    "transaction_type": ("tehingu tüüp",),
    "reference_number": ("viitenumber",),
    "document": ("dokumendi number",),
}
NEEDED = ("account", "day", "amount", "direction", "reference")
OPENING, ENTRY, TURNOVER, CLOSING = ("10", "AS"), ("20",), ("82", "K2"), ("86", "LS")


@dataclass
class _Account:
    currency: str = ""
    opening_cents: int | None = None
    closing_cents: int | None = None
    first: date | None = None
    last: date | None = None


def _decoded(data: bytes) -> str:
    if len(data) > MAX_BYTES:
        raise InvalidInput(
            "the bank file is larger than %(most)s MB; split it", most=MAX_BYTES // 2**20
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # The banks' exports before UTF-8: Windows-1257 (Baltic) decodes any byte.
        return data.decode("cp1257")


def _header(row: Sequence[str]) -> dict[str, int]:
    names = [" ".join(name.lower().split()) for name in row]
    found = {}
    for field, spellings in COLUMNS.items():
        for n, name in enumerate(names):
            if name in spellings:
                found[field] = n
                break
    missing = [COLUMNS[f][0] for f in NEEDED if f not in found]
    if missing:
        raise InvalidInput(
            "the bank file is not an Estonian bank's CSV statement: no column %(columns)s",
            columns=", ".join(f'"{m}"' for m in missing),
        )
    return found


def parse_estonian_csv(data: bytes) -> list[CamtStatement]:
    text = _decoded(data)
    digest = hashlib.sha256(data).hexdigest()[:12]
    if not text.strip():
        raise InvalidInput("the bank file is empty")
    first = text.lstrip().splitlines()[0]
    delimiter = ";" if ";" in first else ","
    rows = [r for r in csv.reader(io.StringIO(text.lstrip()), delimiter=delimiter) if any(r)]
    if not rows:
        raise InvalidInput("the bank file is empty")
    columns = _header(rows[0])
    accounts: dict[str, _Account] = {}
    entries: dict[str, list[CamtEntry]] = {}
    for row in rows[1:]:
        values = {f: (row[n].strip() if n < len(row) else "") for f, n in columns.items()}
        account = normalise_account(values["account"])[:64]
        about = accounts.setdefault(account, _Account())
        kind = values.get("row_type", "") or values.get("transaction_type", "").upper()
        about.currency = about.currency or values.get("currency", "").upper()[:3]
        if kind in OPENING or kind in CLOSING:
            cents = _balance(values)
            if kind in OPENING and about.opening_cents is None:
                about.opening_cents = cents
            elif kind in CLOSING:
                about.closing_cents = cents
            continue
        if kind in TURNOVER or ("row_type" in columns and values["row_type"] not in ENTRY):
            continue  # a turnover line, or one of the bank's own summaries
        entry = _entry(values)
        if entry.booked_on is not None:
            about.first = min(about.first or entry.booked_on, entry.booked_on)
            about.last = max(about.last or entry.booked_on, entry.booked_on)
        entries.setdefault(account, []).append(entry)
    statements = [
        CamtStatement(
            kind=KIND,
            # The file names no statement: its period and its hash name it (a later export of
            # the same days is a statement of its own, with its own closing balance).
            statement_ref=f"CSV {_iso(about.first)}..{_iso(about.last)} {digest}",
            account_iban=account,
            currency=about.currency,
            from_on=about.first,
            to_on=about.last,
            opening_cents=about.opening_cents,
            closing_cents=about.closing_cents,
            entries=entries.get(account, []),
        )
        for account, about in accounts.items()
        if account in entries or about.opening_cents is not None or about.closing_cents is not None
    ]
    if not statements:
        raise InvalidInput("the bank file holds no statement")
    return statements


def _iso(day: date | None) -> str:
    return day.isoformat() if day else "?"


def _signed(values: dict[str, str]) -> int:
    """The amount in cents, negative for money out (by the D/K column or a minus)."""
    cents = parse_cents(values["amount"], negative=True, zero=True)
    return -abs(cents) if values["direction"].upper() == "D" or cents < 0 else cents


def _balance(values: dict[str, str]) -> int | None:
    try:
        return _signed(values)
    except AmountError as error:
        raise InvalidInput("a balance of the statement: %(reason)s", reason=error) from None


def _day(raw: str) -> date | None:
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    return None


def _entry(values: dict[str, str]) -> CamtEntry:
    errors = []
    cents = 0
    try:
        cents = abs(_signed(values))
        if cents == 0:
            errors.append("the amount is 0")
    except AmountError as error:
        errors.append(error.message)
    direction = values["direction"].upper()
    if direction not in ("D", "K", "C"):
        errors.append(f"Deebet/Kreedit is {values['direction']!r}, not D or K")
    key = values["reference"]
    if not key:
        errors.append("no bank reference (needed so the entry is never booked twice)")
    elif len(key) > 100:
        errors.append("the bank reference is longer than 100 characters")
    booked_on = _day(values["day"])
    if booked_on is None:
        errors.append(f"no booking date ({values['day']!r} is not DD.MM.YYYY)")
    return CamtEntry(
        reference=key[:100],
        booked_on=booked_on,
        amount_cents=cents,
        currency=values.get("currency", "").upper()[:3],
        direction="debit" if direction == "D" else "credit",
        reversal=False,
        booked=True,  # a statement lists only what the bank has booked
        counterparty_name=" ".join(values.get("name", "").split())[:200],
        counterparty_account=normalise_account(values.get("their_account", ""))[:64],
        reference_number=values.get("reference_number", "")[:35],
        text=" ".join(values.get("text", "").split())[:500],
        error="; ".join(errors),
    )
