"""Reading a bank statement (CSV) into lines, with an error per bad line.

The file has a header row naming its columns, separated by commas or semicolons (Estonian banks
export semicolons and decimal commas). Needed columns: date, amount, sender_name,
sender_account, bank_reference, prison_number; an optional message column is kept.
Dates are YYYY-MM-DD or DD.MM.YYYY; amounts are euros like 25.00, 25,00, 1.234,56 or 25, read
by backoffice.money.amounts (no exponents, no NaN, nothing over the caller's bound).

A file that is not a CSV text (a NUL character, a field longer than the csv module reads) is
refused whole; a bad line is refused alone, with its reason, and the good lines stay good.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime

from ..errors import InvalidInput
from ..money.amounts import LEDGER_MOST_CENTS, AmountError, parse_cents

REQUIRED = ("date", "amount", "sender_name", "sender_account", "bank_reference", "prison_number")
ALIASES = {
    "booked_on": "date",
    "booking_date": "date",
    "sender": "sender_name",
    "iban": "sender_account",
    "reference": "bank_reference",
    "inmate": "prison_number",
    "description": "message",
}
MAX_LINES = 5000
# No field of a bank statement is longer; a longer one is a wrong file or an attack.
MAX_FIELD_LENGTH = 1000
# Bank statements of Cellgate's time; an older date is a typing mistake (and the check window
# before it would leave the calendar).
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class StatementLine:
    """One line of the bank statement: parsed (`error` empty) or refused (`error` says why)."""

    line: int
    booked_on: date | None
    amount_cents: int
    sender_name: str
    sender_account: str
    bank_reference: str
    prison_number: str
    message: str
    error: str = ""

    @property
    def sender_key(self) -> str:
        """Who sent it, for the security rules: the account number, else the name."""
        return self.sender_account or "name:" + " ".join(self.sender_name.lower().split())


def normalise_account(raw: str) -> str:
    return re.sub(r"\s+", "", raw).upper()


def parse_date(raw: str) -> date:
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            day = datetime.strptime(text, pattern).date()
        except ValueError:
            continue
        if day < EARLIEST:
            raise ValueError(
                f"{raw!r} is before {EARLIEST.isoformat()}: not a date of this statement"
            )
        return day
    raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")


def parse_statement(text: str, *, most_cents: int = LEDGER_MOST_CENTS) -> list[StatementLine]:
    """Every line of the file, good or bad; an amount over `most_cents` is a bad line. A file
    that cannot be read at all (not CSV text, no header, a needed column missing, too long)
    raises InvalidInput."""
    text = text.lstrip("\ufeff")
    rows = [line for line in text.splitlines() if line.strip()]
    if not rows:
        raise InvalidInput("the bank statement is empty")
    for number, row in enumerate(rows, start=1):
        if "\x00" in row:
            raise InvalidInput(
                "the bank statement has a NUL character in line %(line)s: it is not a CSV text "
                "file; export the statement from the bank as CSV again",
                line=number,
            )
    delimiter = ";" if rows[0].count(";") > rows[0].count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(rows)), delimiter=delimiter)
    try:
        return _read(reader, most_cents)
    except csv.Error as error:
        raise InvalidInput(
            "the bank statement cannot be read as CSV at line %(line)s: %(error)s",
            line=reader.line_num,
            error=str(error),
        ) from None


def _read(reader: Iterator[list[str]], most_cents: int) -> list[StatementLine]:
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(
            "the bank statement's header lacks %(missing)s; it needs %(required)s (and may have "
            "message)",
            missing=", ".join(missing),
            required=", ".join(REQUIRED),
        )
    lines: list[StatementLine] = []
    for number, row in enumerate(reader, start=2):
        if len(lines) >= MAX_LINES:
            raise InvalidInput(
                "a bank statement may have at most %(most)s lines; split it", most=MAX_LINES
            )
        lines.append(_line(number, header, row, most_cents))
    if not lines:
        raise InvalidInput("the bank statement has a header but no lines")
    return lines


def _line(number: int, header: list[str], row: list[str], most_cents: int) -> StatementLine:
    values = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
    errors: list[str] = []
    if any(len(field) > MAX_FIELD_LENGTH for field in row):
        errors.append(f"a field is longer than {MAX_FIELD_LENGTH} characters")
        values = {name: value[:MAX_FIELD_LENGTH] for name, value in values.items()}
    booked_on = None
    amount = 0
    try:
        booked_on = parse_date(values["date"])
    except ValueError as error:
        errors.append(str(error))
    try:
        amount = parse_cents(values["amount"], most_cents=most_cents)
    except AmountError as error:
        errors.append(error.message)
    reference = values["bank_reference"]
    if not reference:
        errors.append("no bank reference (needed so the line is never credited twice)")
    elif len(reference) > 100:
        errors.append("the bank reference is longer than 100 characters")
    if not values["prison_number"]:
        errors.append("no prison number")
    sender_name = values["sender_name"][:200]
    sender_account = normalise_account(values["sender_account"])[:64]
    if not sender_name and not sender_account:
        errors.append("no sender")
    if len(row) != len(header):
        errors.append(f"expected {len(header)} fields, got {len(row)}")
    return StatementLine(
        line=number,
        booked_on=booked_on,
        amount_cents=amount,
        sender_name=sender_name,
        sender_account=sender_account,
        bank_reference=reference,
        prison_number=values["prison_number"].upper(),
        message=values.get("message", "")[:500],
        error="; ".join(errors),
    )
