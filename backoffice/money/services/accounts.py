"""Each prison's books and the accounts money moves between: each inmate's three (opened on
first use, many at once in one query) and each prison's own.

Every prison keeps its own ledger (`book_code`: "prison:<prison id>"), with its own hash chain,
trial balance and month close; an inmate's accounts are in the book of the prison that holds
him, and a transfer between prisons carries his money from one book to the other (`books`)."""

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
    # Money of inmates transferred between prisons: credited in the book they left, debited
    # in the book they came to; over every book these accounts sum to zero.
    "inter_prison": "Clearing: inmates transferred between prisons",
}
# The transfer to another prison's book debits every one of his accounts.
RELEASE_FUND_DEBITS = (
    TransferCode.RELEASE_PAYOUT,
    TransferCode.CORRECTION,
    TransferCode.PRISON_TRANSFER,
)
DEBTS_DEBITS = (TransferCode.CREDITOR_PAYOUT, TransferCode.CORRECTION, TransferCode.PRISON_TRANSFER)


@dataclass(frozen=True)
class InmateAccounts:
    spendable: Account
    release_fund: Account
    debts: Account


def book_code(prison_id: int) -> str:
    """The code of a prison's ledger. By id, which never changes (a prison's code may)."""
    return f"prison:{prison_id}"


def money_ledger(db: Session, prison_id: int, currency: str = "EUR") -> ledger.Ledger:
    """The prison's books, opened on first use."""
    code = book_code(prison_id)
    found = db.scalar(select(ledger.Ledger).where(ledger.Ledger.code == code))
    return found or ledger.open_ledger(db, code=code, currency=currency)


def prison_of_book(code: str) -> int | None:
    """The prison whose books a ledger code names; None for any other ledger."""
    prefix, _, rest = code.partition(":")
    return int(rest) if prefix == "prison" and rest.isdigit() else None


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

    opened = _opened(db, [(i.id, i.prison_number, i.prison_id) for i in inmates], load)
    return {inmate_id: InmateAccounts(*trio) for inmate_id, trio in opened.items()}


def _account_ids(
    db: Session, inmates: Sequence[tuple[int, str, int]]
) -> dict[int, tuple[int, ...]]:
    """Per (inmate id, prison number, prison id): the ids of its spendable, release-fund and
    debts accounts, opening the missing ones. Plain rows, so that a payroll of thousands stays
    fast."""

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
    inmates: Sequence[tuple[int, str, int]],
    load: Callable[[int, list[str]], dict[str, T]],
) -> dict[int, tuple[T, ...]]:
    """`load` the accounts of (inmate id, prison number, prison id) by code, each in his
    prison's book; open the missing ones (another session opening them at the same moment is
    fine) and load those too."""
    by_prison: dict[int, list[tuple[int, str]]] = {}
    for inmate_id, number, prison_id in inmates:
        by_prison.setdefault(prison_id, []).append((inmate_id, number))
    opened: dict[int, tuple[T, ...]] = {}
    for prison_id, here in by_prison.items():
        book = money_ledger(db, prison_id)
        wanted = {code: number for inmate_id, number in here for code in _inmate_codes(inmate_id)}
        found = load(book.id, list(wanted))
        missing = [code for code in wanted if code not in found]
        if missing:
            ledger.insert_missing_accounts(
                db, [_new_account(book.id, code, wanted[code]) for code in missing]
            )
            found.update(load(book.id, missing))
        for inmate_id, _ in here:
            opened[inmate_id] = tuple(found[code] for code in _inmate_codes(inmate_id))
    return opened


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
        raise InvalidInput("unknown prison account %(code)r", code=code)
    book = money_ledger(db, prison_id)
    return ledger.open_account(
        db,
        ledger_id=book.id,
        code=f"prison:{prison_id}:{code}",
        name=PRISON_ACCOUNTS[code],
        kind=account_kind(code),
    )


def account_kind(code: str) -> str:
    if code == "inter_prison":
        return "clearing"
    return "prison" if code in ("shop", "cash", "bank", "visits", "messages") else "external"


def open_prison_books(db: Session, prison_id: int) -> ledger.Ledger:
    """A new prison's books with every one of its accounts, in one step."""
    book = money_ledger(db, prison_id)
    for code in PRISON_ACCOUNTS:
        prison_account(db, prison_id, code)
    return book


def _chunks(items: list[Any], size: int) -> list[list[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]
