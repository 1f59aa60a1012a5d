"""Opening ledgers and accounts, and closing accounts. Balances are never set directly."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .base import utcnow
from .errors import LedgerError, UnknownAccount
from .models import GENESIS_HASH, Account, Ledger


def open_ledger(db: Session, *, code: str, currency: str) -> Ledger:
    """The ledger with this code, made now if it is not there."""
    ledger = db.scalar(select(Ledger).where(Ledger.code == code))
    if ledger is None:
        if len(currency) != 3 or not currency.isalpha() or not currency.isupper():
            raise LedgerError(f"a currency is three capital letters (ISO 4217), got {currency!r}")
        row = {
            "code": code,
            "currency": currency,
            "head_sequence": 0,
            "head_hash": GENESIS_HASH,
            "created_at": utcnow(),
        }
        _insert_ignoring_conflicts(db, Ledger, [row], ["code"])
        ledger = db.scalar(select(Ledger).where(Ledger.code == code))
        assert ledger is not None
    if ledger.currency != currency:
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
        row = {
            "ledger_id": ledger_id,
            "code": code,
            "name": name,
            "kind": kind,
            "no_overdraft": no_overdraft,
            "closed": False,
            "debit_codes": None if debit_codes is None else ",".join(str(c) for c in debit_codes),
            **dict.fromkeys(TOTALS, 0),
            "created_at": utcnow(),
        }
        insert_missing_accounts(db, [row])
        account = account_by_code(db, ledger_id, code)
        assert account is not None
    return account


TOTALS = (
    "posted_debits_cents",
    "posted_credits_cents",
    "pending_debits_cents",
    "pending_credits_cents",
)


def insert_missing_accounts(db: Session, rows: list[dict[str, Any]]) -> None:
    """Insert accounts, skipping any that another session opened a moment earlier: two first
    orders of a new prison (or inmate) at once must both go through, with one account."""
    _insert_ignoring_conflicts(db, Account, rows, ["ledger_id", "code"])


def _insert_ignoring_conflicts(
    db: Session, model: type[Any], rows: list[dict[str, Any]], unique: list[str]
) -> None:
    dialect = db.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    db.execute(insert(model).on_conflict_do_nothing(index_elements=unique), rows)


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
