"""Reading bank statements: the formats Estonian banks export, and the errors a person can fix."""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.accounts.csvimport import parse_amount, parse_statement
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


@pytest.mark.parametrize(
    ("amount", "cents"), [("25", 2500), ("25.5", 2550), ("25,05", 2505), ("0.01", 1)]
)
def test_amounts(amount: str, cents: int) -> None:
    assert parse_amount(amount) == cents


@pytest.mark.parametrize("amount", ["0", "-1.00", "1.001", "ten", ""])
def test_bad_amounts_are_refused(amount: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(amount)


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
