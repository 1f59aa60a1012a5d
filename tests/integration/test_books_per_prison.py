"""Each prison keeps its own books, on SQLite and PostgreSQL: an inmate's money is in his
prison's ledger; a transfer between prisons carries it from one book to the other in one
transaction, and survives `kill -9` at every step of it: killed, then run again, each prison's
`ledger check` holds and his money is counted exactly once over both books."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from backoffice.accounts import services as accounts
from backoffice.accounts.reconciliation import reconcile
from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.errors import Forbidden, NotFound
from backoffice.faults import FAULT_VARIABLE
from backoffice.money.services import (
    book_code,
    carry_left_behind,
    clearing_problem,
    inmate_accounts,
    money_ledger,
    move_to_book,
    prison_account,
)
from backoffice.people import services as people
from backoffice.people.models import Inmate, Prison
from backoffice.settings import ROOT
from backoffice.staff.models import StaffUser
from backoffice.staff.services import create_staff_user
from tests.conftest import TEST_PASSWORD

# Where a transfer between prisons can die: the book move's steps, the movement, the commit.
FAULT_STEPS = [
    "books.locked",
    "books.worked_out",
    "books.moved",
    "transfer.movement_written",
    "transfer.before_commit",
    "transfer.committed",
]
SPENDABLE, RELEASE_FUND, DEBTS, ON_HOLD = 12_345, 4_000, 2_500, 1_500


def _fund(db: Session, inmate: Inmate) -> None:
    """Money on each of his three accounts, and a hold on his spendable money that is no
    order's (the lifecycle cancels orders; this one stays open in the old book)."""
    accounts = inmate_accounts(db, inmate)
    source = prison_account(db, inmate.prison_id, "family_deposits")
    for account, amount in ((accounts.spendable, SPENDABLE), (accounts.release_fund, RELEASE_FUND),
                            (accounts.debts, DEBTS)):  # fmt: skip
        ledger.transfer(db, key=f"fund:{account.id}", debit_account_id=source.id,
                        credit_account_id=account.id, amount_cents=amount, code="deposit",
                        requested_by="test", reason="money for the test")  # fmt: skip
    ledger.transfer(db, key="hold", debit_account_id=accounts.spendable.id,
                    credit_account_id=prison_account(db, inmate.prison_id, "visits").id,
                    amount_cents=ON_HOLD, code="visit", requested_by="test",
                    reason="a hold of no order", pending=True)  # fmt: skip
    db.commit()


def _his_money(db: Session, inmate_id: int) -> dict[int, int]:
    """Per book: the posted money on his accounts there."""
    rows = db.execute(
        select(ledger.Account.ledger_id, func.sum(ledger.Account.posted_credits_cents
                                                  - ledger.Account.posted_debits_cents))
        .where(ledger.Account.code.like(f"inmate:{inmate_id}:%"))
        .group_by(ledger.Account.ledger_id)
    ).all()  # fmt: skip
    return {ledger_id: int(total) for ledger_id, total in rows}


def _cellgate(
    database_url: str, *args: str, fault: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CELLGATE_DATABASE_URL": database_url, "CELLGATE_MODE": "test"}
    env.pop(FAULT_VARIABLE, None)
    if fault is not None:
        env[FAULT_VARIABLE] = fault
    return subprocess.run(
        [sys.executable, "-m", "backoffice", *args], cwd=ROOT, env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip


def _officer(db: Session) -> StaffUser:
    user = create_staff_user(db, Actor.system("test"), username="national.officer",
                             full_name="National Officer", password=TEST_PASSWORD,
                             roles=["officer"], min_password_length=12)  # fmt: skip
    db.commit()
    return user


def test_a_transfer_killed_at_every_step_and_run_again_moves_his_money_exactly_once(
    db: Session,
    database_url: str,
    prison: Prison,
    other_prison: Prison,
    make_inmate: Callable[..., Inmate],
) -> None:
    inmate = make_inmate()
    _officer(db)
    _fund(db, inmate)
    total = SPENDABLE + RELEASE_FUND + DEBTS
    first, second = prison.id, other_prison.id
    here, there = first, second
    books = {p.id: money_ledger(db, p.id).id for p in (prison, other_prison)}
    number, codes = inmate.prison_number, {p.id: p.code for p in (prison, other_prison)}
    inmate_id = inmate.id
    db.commit()
    for step in FAULT_STEPS:
        # Nothing of the test's session is read between here and the commands: it holds no lock.
        args = ("prison", "transfer-inmate", number, "--to", codes[there],
                "--by", "national.officer")  # fmt: skip
        killed = _cellgate(database_url, *args, fault=step)
        assert killed.returncode == -signal.SIGKILL, (step, killed.stdout, killed.stderr)
        db.expire_all()
        committed = step == "transfer.committed"
        assert db.get(Inmate, inmate_id).prison_id == (there if committed else here), step
        assert sum(_his_money(db, inmate_id).values()) == total, step
        db.rollback()  # the commands open their own connections (SQLite: one writer at a time)
        # Killed halfway, the books are whole: every invariant holds in each, nothing is lost.
        checked = _cellgate(database_url, "ledger", "check")
        assert checked.returncode == 0, (step, checked.stdout, checked.stderr)

        again = _cellgate(database_url, *args)
        assert again.returncode == 0, (step, again.stdout, again.stderr)
        if committed:
            assert "nothing moved twice" in again.stdout
        db.expire_all()
        assert db.get(Inmate, inmate_id).prison_id == there
        money = _his_money(db, inmate_id)
        # Counted exactly once over both books; all of it in the new book but the held part,
        # which stays with its hold in the book it was taken in (the first prison's).
        assert sum(money.values()) == total, (step, money)
        # The held part stays with its hold in the first prison's book; the rest is here now.
        held_back = ON_HOLD if there == second else 0
        assert money[books[there]] == total - held_back, (step, money)
        accounts = inmate_accounts(db, db.get(Inmate, inmate_id))
        assert accounts.release_fund.posted_cents == RELEASE_FUND
        assert accounts.debts.posted_cents == DEBTS
        db.rollback()
        checked = _cellgate(database_url, "ledger", "check")
        assert checked.returncode == 0, (step, checked.stdout, checked.stderr)
        assert f"{codes[first]} (Test Prison): ok" in checked.stdout
        assert f"{codes[second]} (Viru Prison): ok" in checked.stdout
        assert "between prisons: ok" in checked.stdout
        here, there = there, here
        db.rollback()
    assert clearing_problem(db) is None


def test_the_move_between_books_is_idempotent_by_key(
    db: Session, prison: Prison, other_prison: Prison, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate()
    _fund(db, inmate)
    inmate.prison_id = other_prison.id
    actor = Actor.system("test")
    first = move_to_book(db, actor, inmate, prison.id, key="prison-transfer:test:1")
    again = move_to_book(db, actor, inmate, prison.id, key="prison-transfer:test:1")
    db.commit()
    assert first.moved_cents == {"spendable": SPENDABLE - ON_HOLD, "release_fund": RELEASE_FUND,
                                 "debts": DEBTS}  # fmt: skip
    assert first.left_on_hold_cents == ON_HOLD
    assert again.replayed and again.moved_cents == first.moved_cents
    assert inmate_accounts(db, inmate).spendable.posted_cents == SPENDABLE - ON_HOLD
    problems = ledger.check(db)
    assert problems == [], "\n".join(problems)
    assert clearing_problem(db) is None
    # Each book is its own: its own chain, summing to zero on its own.
    for p in (prison, other_prison):
        book = money_ledger(db, p.id)
        assert book.code == book_code(p.id)
        assert ledger.check(db, ledger_id=book.id) == []
        assert sum(line.posted_cents for line in ledger.trial_balance(db, book.id)) == 0
        assert book.head_sequence > 0
        # The reconciliation page's trial balance and its sum are the prison's own books.
        result = reconcile(db, p, date.today())
        assert {line.account.ledger_id for line in result.trial_balance} == {book.id}
        assert result.trial_sum_cents == 0 and result.ledger_problems == []


def test_the_fault_hook_does_nothing_unless_named(tmp_path: Path) -> None:
    ran = subprocess.run(
        [sys.executable, "-c", "from backoffice.faults import fault_point; "
         "fault_point('books.moved'); print('alive')"],
        env={**os.environ, FAULT_VARIABLE: "something.else"}, capture_output=True, text=True,
    )  # fmt: skip
    assert ran.returncode == 0 and ran.stdout.strip() == "alive"


def test_prison_create_sets_up_wings_cells_and_its_own_books_in_one_step(
    db: Session, database_url: str, make_staff: Callable[..., StaffUser], prison: Prison
) -> None:
    make_staff("national.admin", "admin")
    db.rollback()
    wings = ("--wing", "A:Wing A:3", "--wing", "B:Wing B:2:1")
    made = _cellgate(database_url, "prison", "create", "TLN", "Tallinn Prison", *wings,
                     "--by", "national.admin")  # fmt: skip
    assert made.returncode == 0, made.stderr
    tallinn = db.scalars(select(Prison).where(Prison.code == "TLN")).one()
    assert [(w.code, [c.number for c in w.cells]) for w in tallinn.wings] == [
        ("A", ["A1", "A2", "A3"]),
        ("B", ["B1", "B2"]),
    ]
    book = money_ledger(db, tallinn.id)
    codes = set(db.scalars(select(ledger.Account.code).where(ledger.Account.ledger_id == book.id)))
    assert {f"prison:{tallinn.id}:shop", f"prison:{tallinn.id}:inter_prison"} <= codes
    db.rollback()
    again = _cellgate(database_url, "prison", "create", "TLN", "Tallinn", "--by", "national.admin")
    assert again.returncode != 0 and "exists already" in again.stderr


def test_the_services_refuse_who_may_not_keep_or_read_the_books(
    db: Session,
    prison: Prison,
    other_prison: Prison,
    make_inmate: Callable[..., Inmate],
    make_staff: Callable[..., StaffUser],
) -> None:
    inmate = make_inmate()
    _fund(db, inmate)

    def actor(user: StaffUser) -> Actor:
        return Actor(kind="staff", id=user.id, name=user.username, roles=user.roles)

    officer, auditor = make_staff("an.officer", "officer"), make_staff("an.auditor", "auditor")
    viru = make_staff("viru.accountant", "accountant")
    viru.prison_id = other_prison.id
    db.commit()
    for who in (officer, auditor):
        with pytest.raises(Forbidden):
            accounts.create_entry(db, actor(who), inmate, kind="correction", amount_cents=100,
                                  reason="a correction", effective_on=date.today(),
                                  part="spendable", counter="cash", direction="in")  # fmt: skip
        db.rollback()
        with pytest.raises(Forbidden):
            accounts.close_month(db, actor(who), prison, date(2026, 1, 1))
        db.rollback()
    with pytest.raises(NotFound):  # another prison's books are not found, not even refused
        accounts.close_month(db, actor(viru), prison, date(2026, 1, 1))
    db.rollback()
    with pytest.raises(NotFound):
        accounts.read_books(db, actor(viru), prison.id, "overview")
    db.rollback()
    with pytest.raises(Forbidden):
        accounts.read_books(db, actor(officer), prison.id, "overview")
    db.rollback()
    # The auditor reads any prison's books, and each reading is audited.
    accounts.read_books(db, actor(auditor), other_prison.id, "reconciliation")
    db.commit()
    read = db.scalars(select(AuditEvent).where(AuditEvent.action == "books.read")).one()
    assert (read.actor_name, read.target_id) == ("an.auditor", str(other_prison.id))


def test_money_a_released_hold_gives_back_in_the_old_book_is_carried_after_him(
    db: Session,
    prison: Prison,
    other_prison: Prison,
    make_inmate: Callable[..., Inmate],
) -> None:
    inmate = make_inmate()
    _fund(db, inmate)
    officer = _officer(db)
    actor = Actor(kind="staff", id=officer.id, name=officer.username, roles=officer.roles)
    moved = people.transfer(db, actor, inmate, other_prison, reason="court order")
    db.commit()
    assert moved.effects["money_moved_cents"] == SPENDABLE - ON_HOLD + RELEASE_FUND + DEBTS
    assert moved.effects["money_left_on_hold_cents"] == ON_HOLD
    hold = db.scalars(select(ledger.Transfer).where(ledger.Transfer.key == "hold")).one()
    ledger.void_pending(db, key="hold:void", pending_id=hold.id, requested_by="test",
                        reason="the call did not happen")  # fmt: skip
    db.commit()
    assert carry_left_behind(db, Actor.system("test")) == 1
    db.commit()
    assert carry_left_behind(db, Actor.system("test")) == 0
    db.commit()
    assert inmate_accounts(db, inmate).spendable.posted_cents == SPENDABLE
    assert sum(_his_money(db, inmate.id).values()) == SPENDABLE + RELEASE_FUND + DEBTS
    assert ledger.check(db) == [] and clearing_problem(db) is None
