"""The installation's ledger and the accounts money moves between: each inmate's three (opened
on first use, many at once in one query) and each prison's own."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from ledger import Account, TransferCode

from ...db import utcnow
from ...errors import InvalidInput
from ...people.models import Inmate

T = TypeVar("T")
LEDGER_CODE = "main"
PRISON_ACCOUNTS = {
    "shop": "Prison shop",
    "family_deposits": "Family deposits (money from outside)",
    "payroll": "Prison payroll",
    "cash": "Cash office",
    "bank": "Bank account",
    "court_fines": "Creditor: court fines",
    "victim_compensation": "Creditor: victim compensation",
    "visits": "Video visits",
    "messages": "Messages with families",
}
RELEASE_FUND_DEBITS = (TransferCode.RELEASE_PAYOUT, TransferCode.CORRECTION)
DEBTS_DEBITS = (TransferCode.CREDITOR_PAYOUT, TransferCode.CORRECTION)


@dataclass(frozen=True)
class InmateAccounts:
    spendable: Account
    release_fund: Account
    debts: Account


def money_ledger(db: Session, currency: str = "EUR") -> ledger.Ledger:
    found = db.scalar(select(ledger.Ledger).where(ledger.Ledger.code == LEDGER_CODE))
    return found or ledger.open_ledger(db, code=LEDGER_CODE, currency=currency)


def _inmate_codes(inmate_id: int) -> tuple[str, str, str]:
    return (
        f"inmate:{inmate_id}:spendable",
        f"inmate:{inmate_id}:release_fund",
        f"inmate:{inmate_id}:debts",
    )


def inmate_accounts(db: Session, inmate: Inmate) -> InmateAccounts:
    return accounts_of_inmates(db, [inmate])[inmate.id]


def accounts_of_inmates(db: Session, inmates: Sequence[Inmate]) -> dict[int, InmateAccounts]:
    """Each inmate's three accounts, read fresh (their totals included), opening the missing
    ones: one query when they all exist, however many inmates."""

    def load(ledger_id: int, codes: list[str]) -> dict[str, Account]:
        found: dict[str, Account] = {}
        for chunk in _chunks(codes, 5000):
            stmt = (
                select(Account)
                .where(Account.ledger_id == ledger_id, Account.code.in_(chunk))
                .execution_options(populate_existing=True)
            )
            found.update((a.code, a) for a in db.scalars(stmt))
        return found

    opened = _opened(db, [(i.id, i.prison_number) for i in inmates], load)
    return {inmate_id: InmateAccounts(*trio) for inmate_id, trio in opened.items()}


def _account_ids(db: Session, inmates: Sequence[tuple[int, str]]) -> dict[int, tuple[int, ...]]:
    """Per inmate id: the ids of its spendable, release-fund and debts accounts, opening the
    missing ones. Plain rows, so that a payroll of thousands stays fast."""

    def load(ledger_id: int, codes: list[str]) -> dict[str, int]:
        found: dict[str, int] = {}
        for chunk in _chunks(codes, 5000):
            stmt = select(Account.code, Account.id).where(
                Account.ledger_id == ledger_id, Account.code.in_(chunk)
            )
            found.update((code, account_id) for code, account_id in db.execute(stmt))
        return found

    return _opened(db, inmates, load)


def _opened(
    db: Session,
    inmates: Sequence[tuple[int, str]],
    load: Callable[[int, list[str]], dict[str, T]],
) -> dict[int, tuple[T, ...]]:
    """`load` the accounts of (inmate id, prison number) pairs by code; open the missing ones
    (another session opening them at the same moment is fine) and load those too."""
    book = money_ledger(db)
    wanted = {code: number for inmate_id, number in inmates for code in _inmate_codes(inmate_id)}
    found = load(book.id, list(wanted))
    missing = [code for code in wanted if code not in found]
    if missing:
        ledger.insert_missing_accounts(
            db, [_new_account(book.id, code, wanted[code]) for code in missing]
        )
        found.update(load(book.id, missing))
    return {
        inmate_id: tuple(found[code] for code in _inmate_codes(inmate_id))
        for inmate_id, _ in inmates
    }


def _new_account(ledger_id: int, code: str, prison_number: str) -> dict[str, Any]:
    part = code.rsplit(":", 1)[1]
    debit_codes = {"release_fund": RELEASE_FUND_DEBITS, "debts": DEBTS_DEBITS}.get(part)
    return {
        "ledger_id": ledger_id,
        "code": code,
        "name": f"{prison_number} {part.replace('_', ' ')}",
        "kind": f"inmate_{part}",
        "no_overdraft": True,
        "closed": False,
        "debit_codes": ",".join(debit_codes) if debit_codes else None,
        "posted_debits_cents": 0,
        "posted_credits_cents": 0,
        "pending_debits_cents": 0,
        "pending_credits_cents": 0,
        "created_at": utcnow(),
    }


def prison_account(db: Session, prison_id: int, code: str) -> Account:
    if code not in PRISON_ACCOUNTS:
        raise InvalidInput(f"unknown prison account {code!r}")
    book = money_ledger(db)
    return ledger.open_account(
        db,
        ledger_id=book.id,
        code=f"prison:{prison_id}:{code}",
        name=PRISON_ACCOUNTS[code],
        kind="prison" if code in ("shop", "cash", "bank", "visits", "messages") else "external",
    )


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
