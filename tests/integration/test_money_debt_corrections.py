"""Corrections of a debt, through the accountant's debts page on SQLite and PostgreSQL: entered
by one accountant, approved by another, they change the debt share set aside from the money
received after them (no more than the corrected debt still needs), never below what was paid
to the creditor, and leave the books as `cellgate ledger check` proves them."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from backoffice.audit.services import Actor
from backoffice.bank import services as bank
from backoffice.cli import main
from backoffice.money import services as money
from backoffice.money.models import CorrectionStatus, Debt, DebtCorrection
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser
from ledger import TransferCode
from tests.integration.accounts_world import actor_of
from tests.integration.staff_client import post_form, signed_in


@pytest.fixture
def kadri(make_staff: Callable[..., StaffUser]) -> StaffUser:
    return make_staff("kadri", "accountant")


@pytest.fixture
def leena(make_staff: Callable[..., StaffUser]) -> StaffUser:
    return make_staff("leena", "accountant")


def receive(db: Session, settings: Settings, inmate: Inmate, cents: int, key: str) -> None:
    money.receive_money(
        db, Actor.system("test"), inmate, key=key, amount_cents=cents,
        source_code="family_deposits", code=TransferCode.DEPOSIT, reason="family deposit",
        rules=money.income_rules(settings),
    )  # fmt: skip
    db.commit()


def set_aside(db: Session, inmate: Inmate) -> int:
    db.expire_all()
    cents = money.balances_for(db, inmate).debts_set_aside_cents
    db.rollback()
    return cents


def page(prison_id: int) -> str:
    return f"/money/debts?prison={prison_id}"


def correct(app: Flask, who: str, prison_id: int, debt_id: int, amount: str, why: str) -> str:
    return post_form(signed_in(app, who), f"/money/debts/{debt_id}/correct", page(prison_id),
                     prison=prison_id, amount=amount, reason=why)  # fmt: skip


def approve(app: Flask, who: str, prison_id: int, correction_id: int) -> str:
    return post_form(signed_in(app, who), f"/money/corrections/{correction_id}/approve",
                     page(prison_id), prison=prison_id)  # fmt: skip


def pending_id(db: Session) -> int:
    found = db.scalar(
        select(DebtCorrection.id).where(DebtCorrection.status == CorrectionStatus.PENDING.value)
    )
    db.rollback()
    assert found is not None
    return found


def owed_on_page(html: str, debt_id: int) -> tuple[str, str, str]:
    """The debts table's Owed, Paid and Remaining of the debt, as the accountant reads them."""
    debts = html[html.index('<table id="debts">') :]
    row = re.search(rf"<tr><td>{debt_id}</td>.*?</tr>", debts, re.S)
    assert row is not None, html
    cells = re.findall(r'<td class="money">([^<]*)</td>', row.group(0))
    return cells[0], cells[1], cells[2]


def test_a_corrected_debt_sets_aside_what_it_still_needs_and_the_books_stay_proven(
    app: Flask, db: Session, settings: Settings, prison: Prison, database_url: str,
    kadri: StaffUser, leena: StaffUser, make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    inmate = make_inmate(legal_status="convicted")
    debt = money.register_debt(db, actor_of(kadri), inmate, creditor="court_fines",
                               amount_cents=10_000, description="fine",
                               decision_reference="1-23-4567")  # fmt: skip
    db.commit()
    debt_id, prison_id = debt.id, prison.id
    receive(db, settings, inmate, 10_000, "dep-1")
    assert set_aside(db, inmate) == 5_000  # half of 100.00, the debt needs 50.00 more

    # The court reduced the fine to 60.00: entered by Kadri, nothing changes yet.
    entered = correct(app, "kadri", prison_id, debt_id, "60.00", "court reduced the fine")
    assert f"Correction of debt {debt_id} entered; another accountant must approve it." in entered
    correction_id = pending_id(db)
    receive(db, settings, inmate, 2_000, "dep-2")
    assert set_aside(db, inmate) == 6_000  # still half: the debt is 100.00 until approved
    refused = approve(app, "kadri", prison_id, correction_id)
    assert "you entered correction" in refused and "another member of staff" in refused
    assert money.debts_remaining_cents(db, inmate) == 4_000
    db.rollback()

    approved = approve(app, "leena", prison_id, correction_id)
    assert f"Correction {correction_id} approved: the debt is corrected." in approved
    assert owed_on_page(approved, debt_id) == ("60.00", "0.00", "60.00")
    assert money.debts_remaining_cents(db, inmate) == 0  # 60.00 set aside already
    db.rollback()
    receive(db, settings, inmate, 10_000, "dep-3")
    assert set_aside(db, inmate) == 6_000  # nothing more for a debt that is covered
    balances = money.balances_for(db, inmate)
    assert (balances.spendable_cents, balances.release_fund_cents) == (
        3_000 + 600 + 8_000,
        2_000 + 400 + 2_000,
    )
    db.rollback()

    # Court costs added: 75.00. From the next money on, half again, up to the 15.00 it needs.
    correct(app, "leena", prison_id, debt_id, "75.00", "court costs added to the fine")
    approve(app, "kadri", prison_id, pending_id(db))
    assert money.debts_remaining_cents(db, inmate) == 1_500
    db.rollback()
    receive(db, settings, inmate, 2_000, "dep-4")
    assert set_aside(db, inmate) == 7_000
    receive(db, settings, inmate, 2_000, "dep-5")
    assert set_aside(db, inmate) == 7_500

    kept = db.scalars(select(DebtCorrection).order_by(DebtCorrection.id)).all()
    assert [(c.old_amount_cents, c.new_amount_cents, c.entered_by, c.decided_by) for c in kept] == [
        (10_000, 6_000, "kadri", "leena"),
        (6_000, 7_500, "leena", "kadri"),
    ]
    db.rollback()
    assert ledger.check(db) == []
    db.rollback()
    checked = CliRunner().invoke(
        main, ["ledger", "check"], env={"CELLGATE_DATABASE_URL": database_url}
    )
    assert checked.exit_code == 0, checked.output


def test_a_debt_is_never_corrected_below_what_its_creditor_was_paid(
    app: Flask, db: Session, settings: Settings, prison: Prison, database_url: str,
    kadri: StaffUser, leena: StaffUser, make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    inmate = make_inmate(legal_status="convicted")
    debt = money.register_debt(db, actor_of(kadri), inmate, creditor="victim_compensation",
                               amount_cents=3_000, description="compensation",
                               decision_reference="2-24-999", payee_name="Kannatanu Nimi",
                               payee_iban="EE471000001020145685")  # fmt: skip
    db.commit()
    debt_id, prison_id = debt.id, prison.id
    receive(db, settings, inmate, 6_000, "dep-1")
    (payout,) = bank.enter_debt_payouts(db, actor_of(kadri), prison)
    bank.approve_payment(db, actor_of(leena), payout.id)
    db.commit()

    correct(app, "kadri", prison_id, debt_id, "20.00", "typing mistake in the amount")
    refused = approve(app, "leena", prison_id, pending_id(db))
    assert f"30.00 has been paid towards debt {debt_id} already" in refused
    assert owed_on_page(refused, debt_id) == ("30.00", "30.00", "0.00")
    db.expire_all()
    assert db.get(Debt, debt_id).amount_cents == 3_000  # type: ignore[union-attr]
    db.rollback()
    assert ledger.check(db) == []
    db.rollback()
    checked = CliRunner().invoke(
        main, ["ledger", "check"], env={"CELLGATE_DATABASE_URL": database_url}
    )
    assert checked.exit_code == 0, checked.output
