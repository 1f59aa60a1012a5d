"""Reading a bank statement (CSV) into lines, with an error per bad line.

The file has a header row naming its columns, separated by commas or semicolons (Estonian banks
export semicolons and decimal commas). Needed columns: date, amount, sender_name,
sender_account, bank_reference, prison_number; an optional message column is kept.
Dates are YYYY-MM-DD or DD.MM.YYYY; amounts are euros like 25.00, 25,00 or 25.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from ..errors import InvalidInput

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


def parse_amount(raw: str) -> int:
    text = raw.strip().replace("\u00a0", "").replace(" ", "")
    if "," in text and "." in text:
        text = text.replace(".", "").replace(",", ".")  # 1.234,56
    else:
        text = text.replace(",", ".")
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise ValueError(f"{raw!r} is not an amount") from None
    if amount <= 0:
        raise ValueError(f"{raw!r}: an amount received must be above 0")
    if amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"{raw!r}: at most 2 decimals")
    return int(amount * 100)


def parse_date(raw: str) -> date:
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"{raw!r} is not a date (YYYY-MM-DD or DD.MM.YYYY)")


def parse_statement(text: str) -> list[StatementLine]:
    """Every line of the file, good or bad. A file that cannot be read at all (no header, a
    needed column missing, too long) raises InvalidInput."""
    text = text.lstrip("\ufeff")
    rows = [line for line in text.splitlines() if line.strip()]
    if not rows:
        raise InvalidInput("the bank statement is empty")
    delimiter = ";" if rows[0].count(";") > rows[0].count(",") else ","
    reader = csv.reader(io.StringIO("\n".join(rows)), delimiter=delimiter)
    header = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in next(reader)]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise InvalidInput(
            f"the bank statement's header lacks {', '.join(missing)}; it needs "
            f"{', '.join(REQUIRED)} (and may have message)"
        )
    lines: list[StatementLine] = []
    for number, row in enumerate(reader, start=2):
        if len(lines) >= MAX_LINES:
            raise InvalidInput(f"a bank statement may have at most {MAX_LINES} lines; split it")
        lines.append(_line(number, header, row))
    if not lines:
        raise InvalidInput("the bank statement has a header but no lines")
    return lines


def _line(number: int, header: list[str], row: list[str]) -> StatementLine:
    values = {name: (row[i].strip() if i < len(row) else "") for i, name in enumerate(header)}
    errors: list[str] = []
    booked_on = None
    amount = 0
    try:
        booked_on = parse_date(values["date"])
    except ValueError as error:
        errors.append(str(error))
    try:
        amount = parse_amount(values["amount"])
    except ValueError as error:
        errors.append(str(error))
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
