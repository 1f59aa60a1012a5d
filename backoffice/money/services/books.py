"""A transferred inmate's money, carried from the book of the prison he left to the book of the
prison he came to, as one atomic operation of the ledger (`ledger.apply`: every transfer or
none) in the caller's unit of work with the rest of the transfer.

In the old book each of his accounts pays what it holds to that prison's inter-prison clearing
account; in the new book the new prison's clearing account pays the same into his accounts
there. Each book still sums to zero, and over all books the clearing accounts do: the inmate's
money is counted once. Money still on hold (a hold the lifecycle left open) stays in the old
book with its hold, which is resolved there; if the hold is released rather than posted, the
money it gives back is left behind in the old book, and `carry_left_behind` (run by `cellgate
jobs`) carries it after him. Every transfer carries a key derived from the caller's: a retry
finds the first move and moves nothing twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from ledger import Account, TransferCode, TransferRequest

from ...audit.services import Actor, record
from ...db import lock_by_id
from ...faults import fault_point
from ...people.models import Inmate
from .accounts import (
    _chunks,
    _inmate_codes,
    inmate_accounts,
    money_ledger,
    prison_account,
    prison_of_book,
)

PARTS = ("spendable", "release_fund", "debts")


@dataclass(frozen=True)
class BookMove:
    key: str
    from_prison_id: int
    to_prison_id: int
    moved_cents: dict[str, int] = field(default_factory=dict)  # per account: what moved
    left_on_hold_cents: int = 0  # held in the old book, resolved there
    replayed: bool = False

    @property
    def total_cents(self) -> int:
        return sum(self.moved_cents.values())


def _keys(key: str) -> list[str]:
    return [f"{key}:{part}:{side}" for part in PARTS for side in ("out", "in")]


def move_to_book(
    db: Session, actor: Actor, inmate: Inmate, from_prison_id: int, *, key: str
) -> BookMove:
    """Carry the inmate's money from `from_prison_id`'s book to the book of his prison now
    (`inmate.prison_id`, already changed by the transfer). The caller holds the inmate's lock."""
    to_prison_id = inmate.prison_id
    done = db.execute(
        select(ledger.Transfer.key, ledger.Transfer.amount_cents).where(
            ledger.Transfer.key.in_(_keys(key))
        )
    ).all()
    if done:
        moved = {k.split(":")[-2]: amount for k, amount in done if k.endswith(":out")}
        return BookMove(key, from_prison_id, to_prison_id, moved, replayed=True)
    if from_prison_id == to_prison_id:
        return BookMove(key, from_prison_id, to_prison_id)

    old_book = money_ledger(db, from_prison_id)
    old = {
        a.code.rsplit(":", 1)[1]: a
        for a in db.scalars(
            select(Account).where(
                Account.ledger_id == old_book.id, Account.code.in_(_inmate_codes(inmate.id))
            )
        )
    }
    if not old:  # no money ever in the old book
        return BookMove(key, from_prison_id, to_prison_id)
    new = inmate_accounts(db, inmate)
    new_ids = {"spendable": new.spendable.id, "release_fund": new.release_fund.id,
               "debts": new.debts.id}  # fmt: skip
    old_clearing = prison_account(db, from_prison_id, "inter_prison")
    new_clearing = prison_account(db, to_prison_id, "inter_prison")
    # Every account the move touches, locked at once in id order (the ledger's one order), so
    # that the amounts read are the ones moved and no other session waits on us in a circle.
    everything = [a.id for a in old.values()] + list(new_ids.values())
    locked = ledger.lock_accounts(db, [*everything, old_clearing.id, new_clearing.id])
    fault_point("books.locked")
    moved: dict[str, int] = {}
    held = 0
    requests: list[TransferRequest] = []
    reason = f"{inmate.prison_number} transferred between prisons"
    for part in PARTS:
        account = old.get(part)
        if account is None:
            continue
        totals = locked[account.id]
        pending_debits = totals.totals[2]
        amount = totals.posted_cents - pending_debits
        held += pending_debits
        if amount <= 0:
            continue
        moved[part] = amount
        common = {"amount_cents": amount, "code": TransferCode.PRISON_TRANSFER.value,
                  "reason": reason, "reference": key[:100]}  # fmt: skip
        requests.append(
            TransferRequest(
                key=f"{key}:{part}:out",
                debit_account_id=account.id,
                credit_account_id=old_clearing.id,
                **common,
            )
        )
        requests.append(
            TransferRequest(
                key=f"{key}:{part}:in",
                debit_account_id=new_clearing.id,
                credit_account_id=new_ids[part],
                **common,
            )
        )
    fault_point("books.worked_out")
    if requests:
        # Both books in one call: every transfer or none, the two chain heads locked in id order.
        ledger.apply(db, requests, requested_by=actor.name)
    fault_point("books.moved")
    result = BookMove(key, from_prison_id, to_prison_id, moved, held)
    record(
        db,
        actor,
        "money.moved_between_books",
        target_type="inmate",
        target_id=inmate.id,
        key=key,
        from_prison_id=from_prison_id,
        to_prison_id=to_prison_id,
        moved_cents=moved,
        left_on_hold_cents=held,
    )
    return result


def clearing_problem(db: Session) -> str | None:
    """Over every prison's books the inter-prison clearing accounts sum to zero: what one book
    sent, another received. Anything else is money counted twice or lost between books."""
    total = db.scalar(
        select(
            func.coalesce(func.sum(Account.posted_credits_cents - Account.posted_debits_cents), 0)
        ).where(Account.code.like("prison:%:inter_prison"))
    )
    if total:
        return (
            f"the inter-prison clearing accounts sum to {total} cents over all books, not 0: "
            "money of a transferred inmate left one book and did not arrive in another"
        )
    return None


def carry_left_behind(db: Session, actor: Actor) -> int:
    """Carry money left in a prison's books after the inmate it belongs to moved on (a hold
    released after his transfer) into the books of his prison now; how many inmates' money
    moved. Each carry's key names the old accounts' state (what they ever paid out), so a
    retry of the same carry finds it, and a later release is carried by a new one."""
    available = Account.posted_credits_cents - Account.posted_debits_cents
    rows = db.execute(
        select(Account.code, ledger.Ledger.code)
        .join(ledger.Ledger, ledger.Ledger.id == Account.ledger_id)
        .where(Account.kind.like("inmate_%"), available - Account.pending_debits_cents > 0)
    ).all()
    books_of: dict[int, set[int]] = {}
    for code, book in rows:
        prison_id = prison_of_book(book)
        number = code.split(":")[1]
        if prison_id is not None and number.isdigit():
            books_of.setdefault(int(number), set()).add(prison_id)
    moved = 0
    for chunk in _chunks(sorted(books_of), 1000):
        for inmate_id, prison_id in db.execute(
            select(Inmate.id, Inmate.prison_id).where(Inmate.id.in_(chunk))
        ).all():
            for left_in in sorted(books_of[inmate_id] - {prison_id}):
                inmate = lock_by_id(db, Inmate, inmate_id)
                assert inmate is not None
                if inmate.prison_id == left_in:  # transferred back meanwhile
                    continue
                paid_out = db.scalar(
                    select(func.sum(Account.posted_debits_cents)).where(
                        Account.ledger_id == money_ledger(db, left_in).id,
                        Account.code.in_(_inmate_codes(inmate_id)),
                    )
                )
                key = f"prison-transfer:left:{inmate_id}:{left_in}:{paid_out or 0}"
                if move_to_book(db, actor, inmate, left_in, key=key).total_cents:
                    moved += 1
    return moved
