"""Bank statements as Estonian banks send them (ISO 20022 camt.053 and camt.054) imported into
the books, on SQLite and PostgreSQL: money credited by the reference number or the text, what
cannot be matched waiting with its reason, nothing booked twice, reversals taken back."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from backoffice.accounts.models import Deposit
from backoffice.bank import services as bank
from backoffice.bank.balance import bank_position
from backoffice.bank.models import BankEntry, EntryStatus
from backoffice.bank.reference import inmate_reference
from backoffice.errors import InvalidInput
from backoffice.money.services import balances_for, income_rules
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser
from tests.bank_files import BILLION_LAUGHS, Entry, camt053, camt054
from tests.integration.accounts_world import RULES, actor_of, books, days_ago, total_in


def total(db: Session, inmate: Inmate) -> int:
    """Everything the inmate was credited, read in a transaction of its own."""
    cents = total_in(db, inmate)
    db.rollback()
    return cents


@pytest.fixture
def accountant(make_staff: Callable[..., StaffUser]) -> StaffUser:
    return make_staff("kati", "accountant")


def _import(db: Session, settings: Settings, who: StaffUser, prison: Prison, data: bytes,
            **kwargs: object) -> bank.CamtImport:  # fmt: skip
    done = bank.import_camt(
        db, actor_of(who), prison, data, rules=RULES, income=income_rules(settings), **kwargs
    )
    db.commit()
    return done


def test_a_statement_credits_by_reference_number_then_text_and_the_rest_waits_with_its_reason(
    db: Session, settings: Settings, prison: Prison, accountant: StaffUser,
    make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    jaan = make_inmate(legal_status="remand", first_name="Jaan", last_name="Tamm")
    mari = make_inmate(legal_status="remand", first_name="Mari", last_name="Kask")
    twin_a = make_inmate(legal_status="remand", first_name="Ivan", last_name="Ivanov")
    twin_b = make_inmate(legal_status="remand", first_name="Ivan", last_name="Ivanov")
    day = days_ago(1)
    data = camt053(
        [
            Entry("R-1", "25.00", day, reference_number=inmate_reference(jaan.id)),
            Entry("R-2", "10.00", day, text=f"toiduraha {mari.prison_number}", name="Ema Kask",
                  account="EE471000001020145686"),
            Entry("R-3", "7.50", day, text="Jaanile: Jaan Tamm", name="Vend Tamm",
                  account="EE471000001020145687"),
            Entry("R-4", "5.00", day, text="Ivan Ivanov"),
            Entry("R-5", "4.00", day, text="for my son"),
            Entry("R-6", "3.00", day, reference_number="100000420"),
            Entry("R-7", "40.00", day, currency="USD", reference_number=inmate_reference(jaan.id)),
            Entry("R-8", "1.20", day, credit=False, name="Swedbank", text="teenustasu"),
        ],
        opening=50_000,
    )  # fmt: skip
    before = books(db)
    preview = _import(db, settings, accountant, prison, data, preview=True)
    assert books(db) == before  # a preview books nothing
    assert [o.action for o in preview.outcomes] == [
        "credit", "credit", "credit", "wait", "wait", "wait", "refuse", "wait",
    ]  # fmt: skip

    done = _import(db, settings, accountant, prison, data)
    actions = {o.entry.reference: (o.action, o.reason) for o in done.outcomes}
    assert actions["R-1"] == ("credit", "by reference number")
    assert actions["R-2"] == ("credit", "by prison number in the text")
    assert actions["R-3"] == ("credit", "by the inmate's name in the text")
    assert actions["R-4"][0] == "wait" and "ambiguous" in actions["R-4"][1]
    assert twin_a.prison_number in actions["R-4"][1] and twin_b.prison_number in actions["R-4"][1]
    assert actions["R-5"] == (
        "wait", "no reference number, prison number or inmate's name in the payment"
    )  # fmt: skip
    assert "fails its check digit" in actions["R-6"][1]
    assert actions["R-7"][0] == "refuse" and "in USD" in actions["R-7"][1]
    assert actions["R-8"][0] == "wait" and "did not send" in actions["R-8"][1]
    assert (total(db, jaan), total(db, mari)) == (2500 + 750, 1000)
    stored = {e.entry_reference: e for e in db.scalars(select(BankEntry))}
    assert stored["R-7"].status == EntryStatus.REFUSED and stored["R-5"].status == "waiting"
    assert [e.entry_reference for e in bank.waiting_entries(db, prison.id)] == [
        "R-4", "R-5", "R-6", "R-8",
    ]  # fmt: skip
    assert ledger.check(db) == []


def test_the_same_statement_again_or_an_overlapping_one_books_nothing_twice(
    db: Session, settings: Settings, prison: Prison, accountant: StaffUser,
    make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    inmate = make_inmate(legal_status="remand")
    ref = inmate_reference(inmate.id)
    first = [Entry("O-1", "10.00", days_ago(3), reference_number=ref),
             Entry("O-2", "11.00", days_ago(2), reference_number=ref)]  # fmt: skip
    week = camt053(first, statement_id="S-1")
    _import(db, settings, accountant, prison, week)
    assert total(db, inmate) == 2100
    before = books(db)
    again = _import(db, settings, accountant, prison, week)
    assert again.count("duplicate") == 2 and books(db) == before
    overlapping = camt053(
        [first[1], Entry("O-3", "12.00", days_ago(1), reference_number=ref)],
        statement_id="S-2",
        opening=1000,
    )
    later = _import(db, settings, accountant, prison, overlapping)
    assert [o.action for o in later.outcomes] == ["duplicate", "credit"]
    assert total(db, inmate) == 3300
    assert db.query(Deposit).count() == 3
    assert ledger.check(db) == []


def test_a_notification_credits_like_a_statement(
    db: Session, settings: Settings, prison: Prison, accountant: StaffUser,
    make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    inmate = make_inmate(legal_status="remand")
    data = camt054(
        [Entry("N-1", "6.00", days_ago(1), reference_number=inmate_reference(inmate.id))]
    )
    assert _import(db, settings, accountant, prison, data).count("credit") == 1
    assert total(db, inmate) == 600


def test_a_reversal_takes_back_the_credit_and_the_bank_account_follows(
    db: Session, settings: Settings, prison: Prison, accountant: StaffUser,
    make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    inmate = make_inmate(legal_status="convicted")
    ref = inmate_reference(inmate.id)
    credit = Entry("V-1", "20.00", days_ago(2), reference_number=ref, end_to_end="E2E-77")
    _import(db, settings, accountant, prison, camt053([credit], statement_id="S-1"))
    assert total(db, inmate) == 2000
    assert balances_for(db, inmate).release_fund_cents == 400  # the split happened
    reversal = Entry("V-2", "20.00", days_ago(1), credit=False, reversal=True, end_to_end="E2E-77")
    done = _import(db, settings, accountant, prison, camt053([reversal], statement_id="S-2",
                                                              opening=2000))  # fmt: skip
    assert [(o.action, o.reason) for o in done.outcomes] == [
        ("reversal", "the bank reversed entry V-1")
    ]
    assert total(db, inmate) == 0
    stored = {e.entry_reference: e.status for e in db.scalars(select(BankEntry))}
    assert stored == {"V-1": "reversed", "V-2": "reversal"}
    position = bank_position(db, prison.id)
    assert (position.bank_cents, position.ledger_cents, position.difference_cents) == (0, 0, 0)
    assert ledger.check(db) == []


def test_a_billion_laughs_is_refused_and_books_nothing(
    db: Session, settings: Settings, prison: Prison, accountant: StaffUser
) -> None:
    before = books(db)
    with pytest.raises(InvalidInput, match="DTD"):
        _import(db, settings, accountant, prison, BILLION_LAUGHS)
    db.rollback()
    assert books(db) == before


def test_an_accountant_assigns_a_waiting_credit_or_explains_a_fee(
    db: Session, settings: Settings, prison: Prison, accountant: StaffUser,
    make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    inmate = make_inmate(legal_status="remand")
    data = camt053(
        [
            Entry("W-1", "9.00", days_ago(1), text="for my son"),
            Entry("W-2", "1.20", days_ago(1), credit=False, text="fee"),
        ],
        opening=100,
    )
    _import(db, settings, accountant, prison, data)
    waiting = {e.entry_reference: e.id for e in bank.waiting_entries(db, prison.id)}
    with pytest.raises(InvalidInput, match="say why"):
        bank.assign_entry(db, actor_of(accountant), prison, waiting["W-1"], inmate.prison_number,
                          "", rules=RULES, income=income_rules(settings))  # fmt: skip
    db.rollback()
    done = bank.assign_entry(db, actor_of(accountant), prison, waiting["W-1"],
                             inmate.prison_number, "the mother phoned", rules=RULES,
                             income=income_rules(settings))  # fmt: skip
    bank.explain_entry(db, actor_of(accountant), prison, waiting["W-2"], "monthly bank fee")
    db.commit()
    assert done.action == "credit" and total(db, inmate) == 900
    assert bank.waiting_entries(db, prison.id) == []
    assert ledger.check(db) == []
