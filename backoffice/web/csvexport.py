"""CSV exports: the one writer every download goes through, safe to open in a spreadsheet.

    Money(cents)                               an amount cell: written as a number, -14.44
    csv_moment(at, zone) -> str                a time cell: 2026-12-03 14:00:00 in the zone
    csv_text(header, rows, language="en") -> str
    csv_response(filename, header, rows, language="en") -> Response

The file is written for a spreadsheet in the reader's language, the way that spreadsheet
opens a CSV file without being asked: English with commas between cells and a decimal point
(-14.44); Estonian and Russian with semicolons between cells and a decimal comma (-14,44),
as their locales' spreadsheets (LibreOffice, Excel) split and read numbers.

Each cell is one of:
- Money or int: written bare, as a number, so a spreadsheet sums it (a debit too: -14.44),
  with no thousands separator (a spreadsheet would read "1 234,56" as text).
- None or "": an empty cell.
- str: text, always in double quotes (inner quotes doubled, RFC 4180). Text that a spreadsheet
  would run as a formula begins with a single quote, which the spreadsheet shows as text
  (OWASP, CSV injection): text beginning with = + - @, a tab, a carriage return, a line feed
  or NUL (ASVS 1.2.10 names it), or the full-width forms of = + - @ that some spreadsheets
  read as the ASCII ones. Quoting keeps a cell whole for a spreadsheet that reads this file
  by its commas. One that splits on another mark ignores those quotes: Estonian and Russian
  locales split on semicolons, some readers on tabs, and a line break inside a cell starts a
  row; so a formula sign right after a semicolon, a tab or a line break inside the text gets
  its single quote too (`a;=1+1` is written `a;'=1+1`), or that part would be a cell `=1+1`.
Anything else (a float, a Decimal, a bool) is a programming mistake and raises TypeError:
amounts are whole cents, written through Money.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import NamedTuple

from flask import Response

from .. import dates
from ..money.amounts import amount

FORMULA_STARTS = frozenset("=+-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20")
# The mark between cells, for the reader's language; English (and anything else) uses commas.
SEPARATORS = {"et": ";", "ru": ";"}
# A formula sign right after a mark where some reader starts a new cell or row.
_AFTER_A_BREAK = re.compile(r"(?<=[;\t\r\n])(?=[=+\-@\uff1d\uff0b\uff0d\uff20])")


class Money(NamedTuple):
    """An amount in a CSV export: whole cents, written in euros as a number."""

    cents: int


Cell = str | int | Money | None


def cell(value: Cell, language: str = "en") -> str:
    """One cell as it appears in the file."""
    if isinstance(value, str):
        return _text(value) if value else ""
    if isinstance(value, Money):
        return amount(value.cents, language, grouped=False)
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"a CSV cell is text, a whole number or Money, not {value!r}")
    return str(value)


def csv_moment(at: datetime, zone: str) -> str:
    """A stored moment as a spreadsheet of any locale reads a date and time, in the prison's
    zone (which the column's header names): 2026-12-03 14:00:00."""
    return dates.local(at, zone).strftime("%Y-%m-%d %H:%M:%S")


def _text(value: str) -> str:
    if ";" in value or "\t" in value or "\n" in value or "\r" in value:
        value = _AFTER_A_BREAK.sub("'", value)
    if value[0] in FORMULA_STARTS:
        value = "'" + value
    return '"' + value.replace('"', '""') + '"'


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Cell]], language: str = "en") -> str:
    """The header and the rows as CSV, lines ended by CRLF (RFC 4180)."""
    mark = SEPARATORS.get(language, ",")
    lines = [mark.join(cell(name, language) for name in header)]
    lines += [mark.join(cell(value, language) for value in row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def csv_response(
    filename: str, header: Sequence[str], rows: Iterable[Sequence[Cell]], language: str = "en"
) -> Response:
    """A download; the byte order mark makes Excel read the file as UTF-8."""
    return Response(
        "\ufeff" + csv_text(header, rows, language),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
