"""Opening ledgers and accounts, and closing accounts. Balances are never set directly."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import LedgerError, UnknownAccount
from .models import Account, Ledger


def open_ledger(db: Session, *, code: str, currency: str) -> Ledger:
    """The ledger with this code, made now if it is not there."""
    ledger = db.scalar(select(Ledger).where(Ledger.code == code))
    if ledger is None:
        if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
            raise LedgerError(f"a currency is three capital letters (ISO 4217), got {currency!r}")
        ledger = Ledger(code=code, currency=currency)
        db.add(ledger)
        db.flush()
    elif ledger.currency != currency:
        raise LedgerError(f"ledger {code} keeps {ledger.currency}, not {currency}")
    return ledger


def open_account(
    db: Session,
    *,
    ledger_id: int,
    code: str,
    name: str,
    kind: str,
    no_overdraft: bool = False,
    debit_codes: Iterable[str] | None = None,
) -> Account:
    """The account with this code in the ledger, made now if it is not there."""
    account = account_by_code(db, ledger_id, code)
    if account is None:
        account = Account(
            ledger_id=ledger_id,
            code=code,
            name=name,
            kind=kind,
            no_overdraft=no_overdraft,
            debit_codes=",".join(str(c) for c in debit_codes) if debit_codes is not None else None,
        )
        db.add(account)
        db.flush()
    return account


def account_by_code(db: Session, ledger_id: int, code: str) -> Account | None:
    return db.scalar(select(Account).where(Account.ledger_id == ledger_id, Account.code == code))


def close_account(db: Session, account_id: int) -> Account:
    """Close an account that holds nothing; closed accounts take no more transfers."""
    account = db.scalar(select(Account).where(Account.id == account_id).with_for_update())
    if account is None:
        raise UnknownAccount(f"no account with id {account_id}")
    if account.posted_cents != 0 or account.pending_debits_cents or account.pending_credits_cents:
        raise LedgerError(
            f"account {account.code} still holds {account.posted_cents} cents or open holds; "
            "pay it out or move it before closing"
        )
    account.closed = True
    db.flush()
    return account
