"""A payroll file is checked line by line before anything is paid: every bad line is named."""

from __future__ import annotations

import pytest

from backoffice.errors import InvalidInput
from backoffice.money.services import parse_payroll


def test_a_good_payroll_is_read_to_the_cent() -> None:
    lines = parse_payroll('prison_number,amount\nTRT1001,12.50\nTRT1002,0.01\nTRT1003,"7,5"\n')
    assert [(w.prison_number, w.amount_cents) for w in lines] == [
        ("TRT1001", 1250),
        ("TRT1002", 1),
        ("TRT1003", 750),
    ]


def test_a_payroll_saved_by_an_estonian_spreadsheet_is_read() -> None:
    lines = parse_payroll("prison_number;amount\nTRT1001;12,50\nTRT1002;1.234,00\n")
    assert [(w.prison_number, w.amount_cents) for w in lines] == [
        ("TRT1001", 1250),
        ("TRT1002", 123400),
    ]


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("NaN", "'NaN' is not an amount"),
        ("Infinity", "'Infinity' is not an amount"),
        ("-Infinity", "'-Infinity' is not an amount"),
        ("1e30", "write the amount out in digits"),
        # Read as 1,000.00 before.
        ("1e3", "'1e3': write the amount out in digits, e.g. 1000.00 (not 1e3)"),
        ("100000.01", "over the limit of 100000.00"),
        ("0", "must be above 0"),
        ("-5.00", "cannot be negative"),
        ("12.345", "a thousands separator or decimals?"),
    ],
)
def test_amounts_that_are_not_wages_are_named_not_crashed_on(amount: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=r"nothing was paid: line 2: ") as refused:
        parse_payroll(f"TRT1001,1.00\nTRT1002,{amount}\n")
    assert reason in refused.value.message


@pytest.mark.parametrize(
    ("payroll", "reason"),
    [
        ("TRT1001,1.00\nTRT\x001002,2.00\n", "the payroll has a NUL character"),
        ("TRT1001,1.00\n" + "T" * 131_073 + ",2.00\n", "cannot be read as CSV at line 2"),
        ("TRT1001,1.00\n" + "T" * 33 + ",2.00\n", "line 2: no prison number of at most 32"),
    ],
)
def test_a_payroll_that_is_not_csv_text_is_refused(payroll: str, reason: str) -> None:
    with pytest.raises(InvalidInput, match=reason):
        parse_payroll(payroll)
