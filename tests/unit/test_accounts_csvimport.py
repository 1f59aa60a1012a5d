"""Reading bank statements: the formats Estonian banks export, and the errors a person can fix."""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.accounts.csvimport import StatementLine, parse_statement
from backoffice.errors import InvalidInput


def test_a_semicolon_statement_with_decimal_commas_and_a_bom_is_read() -> None:
    text = (
        "\ufeffBooking_date;Amount;Sender;IBAN;Reference;Inmate;Description\n"
        "21.11.2026;1.234,56;Õie Щукина;ee38 2200 2210 2014 5685;2026112100001;trt1001;sünnipäev\n"
    )
    (line,) = parse_statement(text)
    assert line.error == ""
    assert line.booked_on == date(2026, 11, 21)
    assert line.amount_cents == 123456
    assert (line.sender_name, line.sender_account) == ("Õie Щукина", "EE382200221020145685")
    assert (line.bank_reference, line.prison_number, line.message) == (
        "2026112100001",
        "TRT1001",
        "sünnipäev",
    )


def amount_line(amount: str, *, most_cents: int = 1_000_000) -> StatementLine:
    (line,) = parse_statement(
        "date;amount;sender_name;sender_account;bank_reference;prison_number\n"
        f"2026-11-20;{amount};Mari;EE1;R1;TRT1001\n",
        most_cents=most_cents,
    )
    return line


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("25", 2500), ("25.5", 2550), ("25,05", 2505), ("0.01", 1), ("1.234,56", 123456)],
)
def test_amounts(amount: str, cents: int) -> None:
    line = amount_line(amount)
    assert (line.error, line.amount_cents) == ("", cents)


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("0", "must be above 0"),
        ("-1.00", "cannot be negative"),
        ("1.001", "at most 2 decimals"),
        ("ten", "is not an amount"),
        ("", "no amount given"),
        # Each read as money before: NaN crashed the import, 1e3 was 1,000.00 and 10^20 went
        # into the preview as a good line.
        ("NaN", "'NaN' is not an amount"),
        ("Infinity", "is not an amount"),
        ("1e3", "write the amount out in digits"),
        ("100000000000000000000", "over the limit of 10000.00"),
        ("10000.01", "over the limit of 10000.00"),
    ],
)
def test_a_line_with_a_bad_amount_is_refused_with_the_reason(amount: str, reason: str) -> None:
    line = amount_line(amount)
    assert reason in line.error
    assert line.amount_cents == 0


def test_a_bank_statement_with_a_nul_character_is_refused_whole() -> None:
    with pytest.raises(InvalidInput, match="NUL character in line 2"):
        parse_statement(
            "date,amount,sender_name,sender_account,bank_reference,prison_number\n"
            "2026-11-20,10.00,Ma\x00ri,EE1,R1,TRT1001\n"
        )


def test_a_field_too_long_for_the_csv_reader_refuses_the_file_and_a_long_one_the_line() -> None:
    header = "date,amount,sender_name,sender_account,bank_reference,prison_number\n"
    with pytest.raises(InvalidInput, match="cannot be read as CSV at line 2: field larger"):
        parse_statement(header + "2026-11-20,10.00," + "x" * 131_073 + ",EE1,R1,TRT1001\n")
    (line,) = parse_statement(header + "2026-11-20,10.00," + "x" * 1001 + ",EE1,R1,TRT1001\n")
    assert "a field is longer than 1000 characters" in line.error


def test_a_date_before_this_century_is_a_bad_line() -> None:
    (line,) = parse_statement(
        "date,amount,sender_name,sender_account,bank_reference,prison_number\n"
        "0001-01-01,10.00,Mari,EE1,R1,TRT1001\n"
    )
    assert "before 2000-01-01" in line.error


def test_each_bad_line_says_what_is_wrong_and_the_good_ones_stay_good() -> None:
    text = (
        "date,amount,sender_name,sender_account,bank_reference,prison_number\n"
        "2026-11-20,10.00,Mari,EE1,R1,TRT1001\n"
        "2026-13-01,10.00,Mari,EE1,R2,TRT1001\n"
        "2026-11-20,10.00,,,R3,TRT1001\n"
        "2026-11-20,10.00,Mari,EE1,R4,\n"
        "2026-11-20,10.00,Mari,EE1\n"
    )
    lines = parse_statement(text)
    assert [line.line for line in lines] == [2, 3, 4, 5, 6]
    assert lines[0].error == ""
    assert "not a date" in lines[1].error
    assert "no sender" in lines[2].error
    assert "no prison number" in lines[3].error
    assert "expected 6 fields, got 4" in lines[4].error


def test_a_statement_without_the_needed_columns_is_refused_whole() -> None:
    with pytest.raises(InvalidInput, match="lacks bank_reference, prison_number"):
        parse_statement("date,amount,sender_name,sender_account\n2026-11-20,1,a,b\n")
    with pytest.raises(InvalidInput, match="empty"):
        parse_statement("\n\n")
