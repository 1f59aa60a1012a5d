"""The one money grammar: what it reads, what it refuses and why, in each language."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.money.amounts import LEDGER_MOST_CENTS, AmountError, euros, parse_cents
from backoffice.requests import services as requests_services


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("12.34", 1234),
        ("12,34", 1234),
        ("12", 1200),
        ("12.5", 1250),
        ("0.01", 1),
        (" 7,05 ", 705),
        ("+3.00", 300),
        ("-1.50", -150),
        ("1.234,56", 123456),
        ("1,234.56", 123456),
        ("1.234.567,89", 123456789),
        ("92233720368547758.07", LEDGER_MOST_CENTS),
    ],
)
def test_amounts_people_write(text: str, cents: int) -> None:
    assert parse_cents(text, negative=True) == cents


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("1e3", "exponent"),
        ("1E3", "exponent"),
        ("2.5e-1", "exponent"),
        ("NaN", "not_amount"),
        ("nan", "not_amount"),
        ("Infinity", "not_amount"),
        ("-inf", "not_amount"),
        ("sNaN", "not_amount"),
        ("0x10", "not_amount"),
        ("1_000", "not_amount"),
        ("١٢", "not_amount"),  # Arabic-Indic digits: int() would read them
        ("²", "not_amount"),  # str.isdigit() says yes
        ("12.", "not_amount"),
        (".50", "not_amount"),
        ("--1", "not_amount"),
        ("1 234,56", "spaces"),
        ("1\u00a0234,56", "spaces"),
        ("12\t.50", "spaces"),
        ("1.001", "grouping"),
        ("1,234", "grouping"),
        ("1.234.567", "grouping"),
        ("1.234.56", "grouping"),
        ("1,234,56", "grouping"),
        ("1.2345", "decimals"),
        ("1,234.567", "decimals"),
        ("1" * 33, "too_long"),
        ("92233720368547758.08", "too_large"),
        ("100000000000000000000", "too_large"),
        ("-1.00", "negative"),
        ("0", "zero"),
        ("0.00", "zero"),
    ],
)
def test_what_is_not_an_amount_is_refused_with_its_kind(text: str, kind: str) -> None:
    with pytest.raises(AmountError) as refused:
        parse_cents(text)
    assert refused.value.kind == kind


def test_the_reason_is_given_in_the_readers_language() -> None:
    with pytest.raises(AmountError) as refused:
        parse_cents("1e3")
    error = refused.value
    assert error.status == 422  # an InvalidInput: every surface answers it as a refusal
    assert error.message == "'1e3': write the amount out in digits, e.g. 1000.00 (not 1e3)"
    assert error.reason("et") == "„1e3“: kirjutage summa numbritega välja, nt 1000,00 (mitte 1e3)"
    assert (
        error.reason("ru") == "«1e3»: запишите сумму цифрами полностью, например 1000,00 (не 1e3)"
    )
    assert error.reason("xx") == error.message


def test_the_caller_sets_the_bound_and_may_allow_zero_and_negatives() -> None:
    assert parse_cents("0", zero=True) == 0
    assert parse_cents("-0,01", negative=True) == -1
    assert parse_cents("100", most_cents=10_000) == 10_000
    with pytest.raises(AmountError, match=r"over the limit of 100\.00"):
        parse_cents("100.01", most_cents=10_000)
    with pytest.raises(AmountError, match=r"over the limit of 100\.00"):
        parse_cents("-100.01", negative=True, most_cents=10_000)


def test_long_or_strange_text_is_shortened_and_made_visible_in_the_message() -> None:
    with pytest.raises(AmountError) as refused:
        parse_cents("12\x00" + "9" * 10)
    assert (
        refused.value.message
        == "'12\ufffd9999999999' is not an amount; write euros and cents, e.g. 12.50"
    )


@given(st.integers(min_value=-LEDGER_MOST_CENTS, max_value=LEDGER_MOST_CENTS))
def test_every_amount_the_ledger_holds_is_read_back_from_how_it_is_shown(cents: int) -> None:
    assert parse_cents(euros(cents), negative=True, zero=True) == cents


@given(st.text(max_size=40))
def test_any_text_is_cents_or_an_amount_error(text: str) -> None:
    try:
        cents = parse_cents(text, negative=True, zero=True)
    except AmountError as error:
        assert error.reason("et") and error.reason("ru") and error.message
    else:
        assert abs(cents) <= LEDGER_MOST_CENTS


@pytest.mark.parametrize(
    ("cents", "shown"), [(0, "0.00"), (5, "0.05"), (1250, "12.50"), (-5, "-0.05"), (-150, "-1.50")]
)
def test_euros_show_negative_amounts_right(cents: int, shown: str) -> None:
    assert euros(cents) == shown


def test_a_request_forms_amount_is_shown_with_its_sign() -> None:
    # It showed -150 cents as "-2.50 EUR" (floor division of a negative number).
    assert requests_services._display(-150, "amount", (), "en") == "-€1.50"
    assert requests_services._display(-150, "amount", (), "et") == "-1,50 €"
