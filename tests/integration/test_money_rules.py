"""Any sequence of family deposits (camt.053), debts registered, wage runs (uploaded by one
accountant, approved by another), creditor payouts and release payouts keeps the debt share and
the release-fund share exactly as the law's rules say, to the cent, and the ledger's invariants
hold. A hypothesis test on SQLite and PostgreSQL."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

import ledger
from backoffice.bank import services as bank
from backoffice.bank.reference import inmate_reference
from backoffice.money import services as money
from backoffice.people.models import Inmate, Prison
from backoffice.staff.models import StaffUser
from tests.bank_files import Entry, camt053
from tests.integration.accounts_world import RULES, actor_of, days_ago

LAW = ledger.IncomeRules(debt_share_percent=50, release_fund_share_percent=20,
                         release_fund_target_cents=5_000)  # fmt: skip
PAYEE = "EE471000001020145685"
_serial = itertools.count(1)

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("deposit"), st.integers(1, 12_000)),
        st.tuples(st.just("wage"), st.integers(1, 50_000)),
        st.tuples(st.just("debt"), st.integers(1, 20_000)),
        st.tuples(st.just("debt_payout"), st.just(0)),
        st.tuples(st.just("release_payout"), st.integers(1, 100)),
    ),
    min_size=1,
    max_size=10,
)


class Model:
    """What the law says the inmate's three accounts hold."""

    def __init__(self) -> None:
        self.registered = self.set_aside = 0
        self.debts = self.release_fund = self.spendable = 0

    def income(self, cents: int) -> None:
        debts = min(cents * 50 // 100, self.registered - self.set_aside)
        release = min(cents * 20 // 100, max(LAW.release_fund_target_cents - self.release_fund, 0))
        self.set_aside += debts
        self.debts += debts
        self.release_fund += release
        self.spendable += cents - debts - release


@pytest.fixture
def pair(make_staff: Callable[..., StaffUser]) -> tuple[StaffUser, StaffUser]:
    return make_staff("kadri", "accountant"), make_staff("leena", "accountant")


@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(operations=OPERATIONS)
def test_any_sequence_keeps_the_debt_and_release_fund_shares_to_the_cent(
    db: Session,
    prison: Prison,
    make_inmate: Callable[..., Inmate],
    pair: tuple[StaffUser, StaffUser],
    operations: list[tuple[str, int]],
) -> None:
    maker, checker = (actor_of(p) for p in pair)
    inmate = make_inmate(legal_status="convicted")
    model = Model()
    for kind, value in operations:
        n = next(_serial)
        if kind == "deposit":
            entry = Entry(f"H-{n}", f"{value // 100}.{value % 100:02d}", days_ago(1),
                          reference_number=inmate_reference(inmate.id),
                          account=f"EE00FAMILY{inmate.id}")  # fmt: skip
            done = bank.import_camt(db, maker, prison, camt053([entry], statement_id=f"S-{n}"),
                                    rules=RULES, income=LAW)  # fmt: skip
            assert done.count("credit") == 1
            model.income(value)
        elif kind == "wage":
            payroll = money.upload_payroll(db, maker, f"{inmate.prison_number},"
                                           f"{value // 100}.{value % 100:02d}\n",
                                           key=f"wages-{n}", prison_id=prison.id)  # fmt: skip
            money.approve_payroll(db, checker, payroll.id, rules=LAW)
            model.income(value)
        elif kind == "debt":
            money.register_debt(db, maker, inmate, creditor="court_fines", amount_cents=value,
                                description="fine", decision_reference=f"1-{n}",
                                payee_name="Kohus", payee_iban=PAYEE)  # fmt: skip
            model.registered += value
        elif kind == "debt_payout":
            for payment in bank.enter_debt_payouts(db, maker, prison):
                bank.approve_payment(db, checker, payment.id)
            model.debts = 0
        elif model.release_fund > 0:
            cents = max(model.release_fund * value // 100, 1)
            payment = bank.enter_release_payout(db, maker, inmate, amount_cents=cents,
                                                payee_name="Self", payee_iban=PAYEE)  # fmt: skip
            bank.approve_payment(db, checker, payment.id)
            model.release_fund -= cents
        db.commit()
        balances = money.balances_for(db, inmate)
        assert (balances.debts_set_aside_cents, balances.release_fund_cents,
                balances.spendable_cents) == (model.debts, model.release_fund,
                                              model.spendable), (kind, value)  # fmt: skip
        db.rollback()
    paid = sum(d.paid_cents for d in money.debts_of(db, inmate))
    assert paid == model.set_aside - model.debts  # every set-aside cent paid out went to a debt
    assert money.debts_remaining_cents(db, inmate) == model.registered - model.set_aside
    assert ledger.check(db) == []
    db.rollback()
