"""Payment reference numbers by the Estonian 7-3-1 standard."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.bank.reference import (
    check_digit,
    inmate_id_of,
    inmate_reference,
    is_valid,
)


def test_the_standards_own_example() -> None:
    # Base 123456: 6*7 + 5*3 + 4*1 + 3*7 + 2*3 + 1*1 = 89, so the check digit is 1.
    assert check_digit("123456") == "1"
    assert is_valid("1234561") and is_valid("12 3456 1")
    assert not is_valid("1234562")
    assert check_digit("1") == "3"  # 1*7 = 7 -> 3


@given(st.integers(min_value=1, max_value=9_999_999))
def test_every_inmate_reference_is_valid_and_names_its_inmate(inmate_id: int) -> None:
    reference = inmate_reference(inmate_id)
    assert is_valid(reference) and len(reference) == 9
    assert inmate_id_of(reference) == inmate_id


@given(st.integers(min_value=1, max_value=9_999_999), st.integers(0, 8), st.integers(1, 9))
def test_one_mistyped_digit_is_never_another_inmate(inmate_id: int, at: int, by: int) -> None:
    reference = inmate_reference(inmate_id)
    digit = str((int(reference[at]) + by) % 10)
    assert inmate_id_of(reference[:at] + digit + reference[at + 1 :]) is None


@pytest.mark.parametrize("text", ["", "1", "abc", "１２３４５６１", "1" * 21, "200000423"])
def test_what_is_not_one_of_our_references(text: str) -> None:
    assert inmate_id_of(text) is None
