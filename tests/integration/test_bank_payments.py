"""Money out as the bank executes it, on SQLite and PostgreSQL: release payouts, returns to
sender and creditor payouts entered by one member of staff, approved by another, each written
once into a pain.001 file that passes the ISO 20022 schema, each visible in the journal."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from backoffice.accounts import deposits
from backoffice.accounts.models import Deposit
from backoffice.bank import services as bank
from backoffice.bank.balance import bank_position
from backoffice.bank.models import BankEntry, OutgoingPayment
from backoffice.bank.pain001 import NAMESPACE, Debtor, validate_pain001
from backoffice.bank.reference import inmate_reference
from backoffice.errors import Conflict, Forbidden, InvalidInput
from backoffice.money import services as money
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser
from ledger import Transfer
from tests.bank_files import Entry, camt053
from tests.integration.accounts_world import RULES, actor_of, days_ago

DEBTOR = Debtor("Vanglateenistus", "EE382200221020145685", "HABAEE2X")
FAMILY_IBAN = "EE201000001020145686"


@pytest.fixture
def maker(make_staff: Callable[..., StaffUser]) -> StaffUser:
    return make_staff("kati", "accountant")


@pytest.fixture
def checker(make_staff: Callable[..., StaffUser]) -> StaffUser:
    return make_staff("leena", "accountant")


def _camt(db: Session, settings: Settings, who: StaffUser, prison: Prison, data: bytes) -> None:
    bank.import_camt(db, actor_of(who), prison, data, rules=RULES,
                     income=money.income_rules(settings))  # fmt: skip
    db.commit()


def _file(db: Session, who: StaffUser, prison: Prison) -> bytes:
    written = bank.write_payment_file(db, actor_of(who), prison, DEBTOR, today=date(2026, 12, 3))
    db.commit()
    return written.xml.encode()


def _transactions(data: bytes) -> list[tuple[str, str, str]]:
    root = etree.fromstring(data)
    ns = {"p": NAMESPACE}
    return [
        (t.findtext("p:Amt/p:InstdAmt", namespaces=ns) or "",
         t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=ns) or "",
         t.findtext("p:PmtId/p:EndToEndId", namespaces=ns) or "")
        for t in root.iterfind(".//p:CdtTrfTxInf", ns)
    ]  # fmt: skip


def test_a_return_and_a_release_payout_are_approved_by_another_and_paid_in_one_valid_file_once(
    db: Session, settings: Settings, prison: Prison, maker: StaffUser, checker: StaffUser,
    make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    inmate = make_inmate(legal_status="convicted")
    _camt(db, settings, maker, prison, camt053([
        Entry("P-1", "50.00", days_ago(2), reference_number=inmate_reference(inmate.id)),
        Entry("P-2", "8.00", days_ago(2), text="who knows", account=FAMILY_IBAN, name="Ema"),
    ], opening=0))  # fmt: skip
    assert money.balances_for(db, inmate).release_fund_cents == 1000
    [waiting] = bank.waiting_entries(db, prison.id)
    returned = bank.enter_return(db, actor_of(maker), prison, entry_id=waiting.id)
    payout = bank.enter_release_payout(db, actor_of(maker), inmate, amount_cents=1000,
                                       payee_name="First1 Last1",
                                       payee_iban="EE47 1000 0010 2014 5685")  # fmt: skip
    db.commit()
    with pytest.raises(Conflict, match="entered already"):
        bank.enter_return(db, actor_of(checker), prison, entry_id=waiting.id)
    db.rollback()
    with pytest.raises(Forbidden, match="maker-checker"):
        bank.approve_payment(db, actor_of(maker), returned.id)
    db.rollback()
    with pytest.raises(Conflict, match="no approved payment"):
        _file(db, maker, prison)
    db.rollback()
    for payment in (returned, payout):
        bank.approve_payment(db, actor_of(checker), payment.id)
    db.commit()
    assert money.balances_for(db, inmate).release_fund_cents == 0

    data = _file(db, maker, prison)
    assert validate_pain001(data) == []
    e2e = {p.id: p.end_to_end_id for p in db.scalars(select(OutgoingPayment))}
    assert _transactions(data) == [
        ("8.00", FAMILY_IBAN, e2e[returned.id]),
        ("10.00", "EE471000001020145685", e2e[payout.id]),
    ]
    with pytest.raises(Conflict, match="no approved payment"):
        _file(db, maker, prison)  # each payment is in one file only
    db.rollback()
    journal = {t.key: t for t in db.scalars(select(Transfer))}
    assert "return to sender P" in journal[f"payment:{returned.id}"].reason
    assert journal[f"payment:{payout.id}"].code == "release_payout"
    assert db.scalar(select(BankEntry.status).where(BankEntry.id == waiting.id)) == "returned"

    # The bank executes them: the next statement shows the money leaving, and the bank's
    # balance and the ledger's agree.
    _camt(db, settings, maker, prison, camt053([
        Entry("X-1", "8.00", days_ago(1), credit=False, end_to_end=e2e[returned.id]),
        Entry("X-2", "10.00", days_ago(1), credit=False, end_to_end=e2e[payout.id]),
    ], statement_id="S-2", opening=5800))  # fmt: skip
    statuses = {p.id: p.status for p in db.scalars(select(OutgoingPayment))}
    assert statuses == {returned.id: "executed", payout.id: "executed"}
    assert bank_position(db, prison.id).difference_cents == 0
    assert ledger.check(db) == []


def test_a_payee_account_that_is_not_an_iban_is_refused(
    db: Session, prison: Prison, maker: StaffUser, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate()
    with pytest.raises(InvalidInput, match="check digits"):
        bank.enter_release_payout(db, actor_of(maker), inmate, amount_cents=1, payee_name="X",
                                  payee_iban="EE13 1000 0010 2014 5685")  # fmt: skip


def test_the_debt_share_is_paid_to_creditors_by_priority_and_the_inmate_sees_what_was_paid(
    db: Session, settings: Settings, prison: Prison, maker: StaffUser, checker: StaffUser,
    make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    inmate = make_inmate(legal_status="convicted")
    fine = money.register_debt(db, actor_of(maker), inmate, creditor="court_fines",
                               amount_cents=3000, description="fine",
                               decision_reference="1-23-4567", priority=2,
                               payee_name="Rahandusministeerium",
                               payee_iban="EE891010220034796011")  # fmt: skip
    victim = money.register_debt(db, actor_of(maker), inmate, creditor="victim_compensation",
                                 amount_cents=1000, description="compensation",
                                 decision_reference="2-24-999", priority=1,
                                 payee_name="Kannatanu Nimi",
                                 payee_iban="EE471000001020145685")  # fmt: skip
    db.commit()
    _camt(db, settings, maker, prison, camt053(
        [Entry("D-1", "60.00", days_ago(1), reference_number=inmate_reference(inmate.id))]
    ))  # fmt: skip
    assert money.balances_for(db, inmate).debts_set_aside_cents == 3000  # 50 % of 60.00
    made = bank.enter_debt_payouts(db, actor_of(maker), prison)
    db.commit()
    assert [(p.debt_id, p.amount_cents) for p in made] == [(victim.id, 1000), (fine.id, 2000)]
    assert bank.enter_debt_payouts(db, actor_of(maker), prison) == []  # nothing twice
    for payment in made:
        bank.approve_payment(db, actor_of(checker), payment.id)
    db.commit()
    data = _file(db, maker, prison)
    assert validate_pain001(data) == []
    assert [t[:2] for t in _transactions(data)] == [
        ("10.00", "EE471000001020145685"), ("20.00", "EE891010220034796011"),
    ]  # fmt: skip
    seen = {d.debt.id: (d.paid_cents, d.remaining_cents) for d in money.debts_of(db, inmate)}
    assert seen == {victim.id: (1000, 0), fine.id: (2000, 1000)}
    assert money.balances_for(db, inmate).debts_set_aside_cents == 0
    assert ledger.check(db) == []


def test_a_deposit_the_officer_returned_goes_back_to_its_sender_once(
    db: Session, settings: Settings, prison: Prison, maker: StaffUser, checker: StaffUser,
    make_staff: Callable[..., StaffUser], make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    officer = make_staff("olev", "officer")
    inmate = make_inmate(legal_status="remand")
    _camt(db, settings, maker, prison, camt053([
        Entry("BIG-1", "500.00", days_ago(1), reference_number=inmate_reference(inmate.id),
              account=FAMILY_IBAN, name="Unknown Sender"),
    ]))  # fmt: skip
    held = db.scalar(select(Deposit).where(Deposit.bank_reference == "BIG-1"))
    assert held is not None and held.status == "held"  # over the single-amount limit
    with pytest.raises(Conflict, match="only a returned one"):
        bank.enter_return(db, actor_of(maker), prison, deposit_id=held.id)
    db.rollback()
    deposits.return_deposit(db, actor_of(officer), held.id, "sender not known to the family")
    payment = bank.enter_return(db, actor_of(maker), prison, deposit_id=held.id)
    db.commit()
    bank.approve_payment(db, actor_of(checker), payment.id)
    db.commit()
    data = _file(db, maker, prison)
    assert validate_pain001(data) == []
    assert _transactions(data) == [("500.00", FAMILY_IBAN, payment.end_to_end_id)]
    with pytest.raises(Conflict, match="entered already"):
        bank.enter_return(db, actor_of(maker), prison, deposit_id=held.id)
    db.rollback()
    assert money.balances_for(db, inmate).spendable_cents == 0
    # Paid out, but not yet on a statement: the bank still shows the 500.00 the ledger sent on.
    assert bank_position(db, prison.id).difference_cents == 50000
    assert ledger.check(db) == []
