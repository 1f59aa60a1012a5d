"""A payroll file is checked line by line before anything is paid: every bad line is named."""

from __future__ import annotations

import pytest

from backoffice.errors import InvalidInput
from backoffice.money.services import parse_payroll


def test_a_good_payroll_is_read_to_the_cent() -> None:
    lines = parse_payroll("prison_number,amount\nTRT1001,12.50\nTRT1002,0.01\n")
    assert [(w.prison_number, w.amount_cents) for w in lines] == [("TRT1001", 1250), ("TRT1002", 1)]


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-Infinity", "1e30", "100000.01", "0"])
def test_amounts_that_are_not_wages_are_named_not_crashed_on(amount: str) -> None:
    with pytest.raises(InvalidInput, match=r"line 2: .* must be from 0\.01 to 100000\.00"):
        parse_payroll(f"TRT1001,1.00\nTRT1002,{amount}\n")
