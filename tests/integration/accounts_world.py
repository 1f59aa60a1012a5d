"""Shared helpers of the accountant's tests: staff actors, bank statements, balances."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice.accounts.deposits import SecurityRules
from backoffice.accounts.models import Deposit
from backoffice.accounts.services import local_today
from backoffice.audit.services import Actor
from backoffice.money.services import balances_for
from backoffice.people.models import Inmate
from backoffice.staff.models import StaffUser
from ledger import Account, Transfer

HEADER = "date,amount,sender_name,sender_account,bank_reference,prison_number,message"
RULES = SecurityRules(check_days=7, max_senders_per_inmate=3, max_inmates_per_sender=3,
                      hold_over_cents=12000)  # fmt: skip


def actor_of(user: StaffUser) -> Actor:
    return Actor(kind="staff", id=user.id, name=user.username, roles=user.roles)


def today() -> date:
    return local_today("Europe/Tallinn")


def days_ago(n: int) -> date:
    return today() - timedelta(days=n)


def bank_line(
    reference: str,
    prison_number: str,
    amount: str = "10.00",
    *,
    sender: str = "Mari Maasikas",
    account: str = "EE38 2200 2210 2014 5685",
    on: date | None = None,
) -> str:
    day = (on or days_ago(1)).isoformat()
    return f"{day},{amount},{sender},{account},{reference},{prison_number},"


def statement(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def spendable(db: Session, inmate: Inmate) -> int:
    """The inmate's spendable balance, read in a transaction of its own (on SQLite an open
    transaction would keep the app's requests out)."""
    db.expire_all()
    cents = balances_for(db, inmate).spendable_cents
    db.rollback()
    return cents


def total_in(db: Session, inmate: Inmate) -> int:
    db.expire_all()
    b = balances_for(db, inmate)
    return b.spendable_cents + b.release_fund_cents + b.debts_set_aside_cents


def books(db: Session) -> tuple[object, ...]:
    """Everything an import could change in the money: every account's totals, the number of
    transfers and the deposits. Equal before and after means nothing moved. Read on a
    connection of its own, which it closes: the test's session and its objects stay as they
    are, and on SQLite no open transaction keeps the app's requests out."""
    with db.get_bind().connect() as conn:
        accounts = conn.execute(
            select(
                Account.id,
                Account.posted_debits_cents,
                Account.posted_credits_cents,
                Account.pending_debits_cents,
                Account.pending_credits_cents,
            ).order_by(Account.id)
        ).all()
        transfers = conn.execute(select(func.count()).select_from(Transfer)).scalar()
        deposits = conn.execute(select(Deposit.id, Deposit.status).order_by(Deposit.id)).all()
    return tuple(accounts), transfers, tuple(deposits)
