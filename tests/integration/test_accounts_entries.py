"""Manual payouts and corrections under maker-checker, and the month close, on SQLite and
PostgreSQL: the person who enters an entry cannot approve it; money moves only on approval;
a closed month takes no back-dated entry or deposit."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from backoffice.accounts import deposits, services
from backoffice.accounts.models import EntryStatus
from backoffice.audit.models import AuditEvent
from backoffice.errors import Conflict, Forbidden
from backoffice.money.services import balances_for, income_rules, prison_account, register_debt
from backoffice.people.models import Prison
from backoffice.settings import Settings
from tests.integration.accounts_world import RULES, actor_of, bank_line, statement, today


@pytest.fixture
def maker(make_staff: Callable[..., object]):  # type: ignore[no-untyped-def]
    return make_staff("kadri", "accountant")


@pytest.fixture
def checker(make_staff: Callable[..., object]):  # type: ignore[no-untyped-def]
    return make_staff("leena", "accountant")


@pytest.fixture
def funded(db: Session, settings: Settings, prison: Prison, make_inmate, maker):  # type: ignore[no-untyped-def]
    """A convicted inmate with a debt who received 100.00: 50.00 for debts, 20.00 release fund."""
    inmate = make_inmate()
    register_debt(db, actor_of(maker), inmate, creditor="court_fines", amount_cents=100000,
                  description="fine")  # fmt: skip
    deposits.import_statement(
        db, actor_of(maker), prison, statement(bank_line("F-1", inmate.prison_number, "100.00")),
        rules=RULES, income=income_rules(settings),
    )  # fmt: skip
    db.commit()
    b = balances_for(db, inmate)
    assert (b.spendable_cents, b.debts_set_aside_cents, b.release_fund_cents) == (3000, 5000, 2000)
    return inmate


def test_the_maker_cannot_approve_and_money_moves_only_on_approval(
    db: Session,
    prison: Prison,
    funded,
    maker,
    checker,  # type: ignore[no-untyped-def]
) -> None:
    entry = services.create_entry(
        db, actor_of(maker), funded, kind="release_payout", amount_cents=2000,
        reason="released today, paid in cash", effective_on=today(),
    )  # fmt: skip
    db.commit()
    assert balances_for(db, funded).release_fund_cents == 2000  # nothing moved yet

    with pytest.raises(Forbidden, match="maker-checker"):
        services.approve_entry(db, actor_of(maker), entry.id)
    db.commit()  # the refusal's audit row stays
    assert balances_for(db, funded).release_fund_cents == 2000

    services.approve_entry(db, actor_of(checker), entry.id)
    db.commit()
    db.expire_all()
    assert balances_for(db, funded).release_fund_cents == 0
    assert ledger.balance(db, prison_account(db, prison.id, "cash").id).posted_cents == 2000
    moved = db.get(ledger.Transfer, entry.transfer_id)
    assert moved is not None and moved.code == ledger.TransferCode.RELEASE_PAYOUT
    assert "entered by kadri, approved by leena" in moved.reason
    actions = list(
        db.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.action.like("accounts.entry%"))
            .order_by(AuditEvent.id)
        )
    )
    assert actions == ["accounts.entry_entered", "accounts.entry_approval_refused",
                       "accounts.entry_approved"]  # fmt: skip
    with pytest.raises(Conflict, match="approved already"):
        services.approve_entry(db, actor_of(checker), entry.id)
    db.rollback()
    assert ledger.check(db) == []


def test_creditor_payouts_and_corrections_use_their_own_codes(
    db: Session,
    prison: Prison,
    funded,
    maker,
    checker,  # type: ignore[no-untyped-def]
) -> None:
    payout = services.create_entry(
        db, actor_of(maker), funded, kind="creditor_payout", amount_cents=5000,
        reason="court fine instalment", effective_on=today(), counter="court_fines",
    )  # fmt: skip
    fix = services.create_entry(
        db, actor_of(maker), funded, kind="correction", amount_cents=300,
        reason="shop overcharge put right", effective_on=today(), part="spendable",
        counter="shop", direction="to_inmate",
    )  # fmt: skip
    wrong = services.create_entry(
        db, actor_of(maker), funded, kind="correction", amount_cents=100,
        reason="typing mistake", effective_on=today(), part="spendable", counter="cash",
        direction="from_inmate",
    )  # fmt: skip
    db.commit()
    services.approve_entry(db, actor_of(checker), payout.id)
    services.approve_entry(db, actor_of(checker), fix.id)
    services.reject_entry(db, actor_of(checker), wrong.id, "no such mistake")
    db.commit()
    db.expire_all()
    b = balances_for(db, funded)
    assert (b.debts_set_aside_cents, b.spendable_cents) == (0, 3300)
    codes = {
        t.code
        for t in db.scalars(select(ledger.Transfer).where(ledger.Transfer.reference.like("M%")))
    }
    assert codes == {"creditor_payout", "correction"}
    assert db.get(type(wrong), wrong.id).status == EntryStatus.REJECTED  # type: ignore[union-attr]


def test_a_payout_larger_than_the_fund_is_refused_at_approval(
    db: Session,
    funded,
    maker,
    checker,  # type: ignore[no-untyped-def]
) -> None:
    entry = services.create_entry(
        db, actor_of(maker), funded, kind="release_payout", amount_cents=2001,
        reason="released today", effective_on=today(),
    )  # fmt: skip
    db.commit()
    with pytest.raises(ledger.InsufficientFunds):
        services.approve_entry(db, actor_of(checker), entry.id)
    db.rollback()
    assert db.get(type(entry), entry.id).status == EntryStatus.PENDING  # type: ignore[union-attr]


def test_a_closed_month_refuses_back_dated_entries_and_deposits(
    db: Session,
    settings: Settings,
    prison: Prison,
    funded,
    maker,
    checker,  # type: ignore[no-untyped-def]
) -> None:
    this_month = services.month_start(today())
    last_month = services.month_start(this_month - timedelta(days=1))
    back_dated = last_month + timedelta(days=10)
    waiting = services.create_entry(
        db, actor_of(maker), funded, kind="correction", amount_cents=100, reason="late fix",
        effective_on=back_dated, part="spendable", counter="shop", direction="to_inmate",
    )  # fmt: skip
    db.commit()

    with pytest.raises(Conflict, match="has not ended yet"):
        services.close_month(db, actor_of(maker), prison, this_month)
    with pytest.raises(Conflict, match=f"M{waiting.id}\\): approve or reject them first"):
        services.close_month(db, actor_of(maker), prison, last_month)
    db.rollback()
    services.reject_entry(db, actor_of(checker), waiting.id, "entered twice")
    db.commit()
    closed = services.close_month(db, actor_of(maker), prison, last_month)
    db.commit()
    assert closed.chain_sequence > 0
    with pytest.raises(Conflict, match="closed already"):
        services.close_month(db, actor_of(maker), prison, last_month)
    db.rollback()

    with pytest.raises(Conflict, match="is closed"):
        services.create_entry(
            db, actor_of(maker), funded, kind="correction", amount_cents=100, reason="late fix",
            effective_on=back_dated, part="spendable", counter="shop", direction="to_inmate",
        )  # fmt: skip
    db.rollback()
    assert balances_for(db, funded).spendable_cents == 3000
    # A bank statement line booked in the closed month is an error line, not a credit.
    result = deposits.import_statement(
        db, actor_of(maker), prison,
        statement(bank_line("LATE-1", funded.prison_number, "5.00", on=back_dated)),
        rules=RULES, income=income_rules(settings),
    )  # fmt: skip
    assert result.outcomes[0].action == "error"
    assert "is closed" in result.outcomes[0].message
    # The current month stays open.
    services.create_entry(
        db, actor_of(maker), funded, kind="correction", amount_cents=100, reason="fix today",
        effective_on=today(), part="spendable", counter="shop", direction="to_inmate",
    )  # fmt: skip
