"""The income split: how money received by a convicted inmate is divided.

Of money received, `debt_share_percent` goes to the debts account while debts remain, and
`release_fund_share_percent` to the release fund until it holds `release_fund_target_cents`;
the rest is spendable. Remand inmates keep it all.

Rounding: each share is rounded down to a whole cent and capped by what is still owed or
missing; every cent left over is spendable. So the parts always add up to the amount exactly.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class IncomeRules:
    debt_share_percent: int
    release_fund_share_percent: int
    release_fund_target_cents: int

    def __post_init__(self) -> None:
        shares = (self.debt_share_percent, self.release_fund_share_percent)
        if any(not 0 <= share <= 100 for share in shares) or sum(shares) > 100:
            raise ValueError("income shares must be 0-100 percent and add up to 100 at most")
        if self.release_fund_target_cents < 0:
            raise ValueError("the release fund target cannot be negative")


@dataclass(frozen=True)
class Split:
    debts_cents: int
    release_fund_cents: int
    spendable_cents: int

    @property
    def total_cents(self) -> int:
        return self.debts_cents + self.release_fund_cents + self.spendable_cents


def split_income(
    amount_cents: int,
    *,
    convicted: bool,
    debts_remaining_cents: int,
    release_fund_cents: int,
    rules: IncomeRules,
) -> Split:
    if amount_cents <= 0:
        raise ValueError("only money received (a positive amount) is split")
    if not convicted:
        return Split(0, 0, amount_cents)
    debts = min(amount_cents * rules.debt_share_percent // 100, max(debts_remaining_cents, 0))
    missing = max(rules.release_fund_target_cents - release_fund_cents, 0)
    release = min(amount_cents * rules.release_fund_share_percent // 100, missing)
    return Split(debts, release, amount_cents - debts - release)
