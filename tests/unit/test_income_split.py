"""The income split, pure: exact to the cent, never over what is owed or missing."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ledger import IncomeRules, Split, split_income

ESTONIA = IncomeRules(50, 20, release_fund_target_cents=3 * 88_600)


def test_a_convicted_inmate_with_debts_gets_thirty_percent_to_spend() -> None:
    split = split_income(10_000, convicted=True, debts_remaining_cents=50_000,
                         release_fund_cents=0, rules=ESTONIA)  # fmt: skip
    assert split == Split(debts_cents=5_000, release_fund_cents=2_000, spendable_cents=3_000)


def test_shares_round_down_and_the_odd_cents_are_spendable() -> None:
    split = split_income(1_001, convicted=True, debts_remaining_cents=10**6,
                         release_fund_cents=0, rules=ESTONIA)  # fmt: skip
    assert split == Split(500, 200, 301)


def test_the_debt_share_stops_at_what_is_still_owed() -> None:
    split = split_income(10_000, convicted=True, debts_remaining_cents=1_234,
                         release_fund_cents=0, rules=ESTONIA)  # fmt: skip
    assert split == Split(1_234, 2_000, 6_766)


def test_the_release_fund_stops_at_three_minimum_wages() -> None:
    almost = 3 * 88_600 - 150
    split = split_income(10_000, convicted=True, debts_remaining_cents=0,
                         release_fund_cents=almost, rules=ESTONIA)  # fmt: skip
    assert split == Split(0, 150, 9_850)
    full = split_income(10_000, convicted=True, debts_remaining_cents=0,
                        release_fund_cents=3 * 88_600, rules=ESTONIA)  # fmt: skip
    assert full == Split(0, 0, 10_000)


def test_remand_inmates_keep_it_all() -> None:
    split = split_income(10_000, convicted=False, debts_remaining_cents=50_000,
                         release_fund_cents=0, rules=ESTONIA)  # fmt: skip
    assert split == Split(0, 0, 10_000)


def test_rules_that_add_up_to_more_than_everything_are_refused() -> None:
    with pytest.raises(ValueError, match="100"):
        IncomeRules(60, 50, release_fund_target_cents=0)


@given(
    amount=st.integers(1, 10**9),
    owed=st.integers(0, 10**9),
    fund=st.integers(0, 10**6),
    convicted=st.booleans(),
    debt_share=st.integers(0, 100),
    fund_share=st.integers(0, 100),
)
def test_the_parts_always_add_up_and_respect_every_cap(  # type: ignore[no-untyped-def]
    amount, owed, fund, convicted, debt_share, fund_share
) -> None:
    fund_share = min(fund_share, 100 - debt_share)
    rules = IncomeRules(debt_share, fund_share, release_fund_target_cents=265_800)
    split = split_income(amount, convicted=convicted, debts_remaining_cents=owed,
                         release_fund_cents=fund, rules=rules)  # fmt: skip
    assert split.total_cents == amount
    assert min(split.debts_cents, split.release_fund_cents, split.spendable_cents) >= 0
    assert split.debts_cents <= owed
    assert split.debts_cents <= amount * debt_share // 100
    assert fund + split.release_fund_cents <= max(fund, 265_800)
    if not convicted:
        assert split.spendable_cents == amount
