"""What an inmate has, for their own screens: the balances and the latest movements of their
spendable account."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, literal_column, or_, select
from sqlalchemy.orm import Session

from ledger import Account, Ledger, Transfer

from ...errors import InvalidInput, NotFound
from ...people.models import Inmate
from .accounts import inmate_accounts


@dataclass(frozen=True)
class InmateBalances:
    spendable_cents: int
    held_cents: int
    release_fund_cents: int
    debts_set_aside_cents: int

    @property
    def available_cents(self) -> int:
        return self.spendable_cents - self.held_cents


def _total(kind: str, *columns: Any) -> Any:
    """A figure of the signed-in inmate's `kind` account (one of `accounts._inmate_codes`, in
    his prison's book: `accounts.book_code`), as a scalar subquery on his row; NULL while the
    account is not opened yet. Literals, not bound values: it runs on the driver's cursor."""
    book = literal_column("'prison:'").concat(cast(Inmate.prison_id, String))
    code = literal_column("'inmate:'").concat(cast(Inmate.id, String))
    figure = columns[0] if len(columns) == 1 else columns[0] - columns[1]
    return (
        select(figure)
        .select_from(Account)
        .join(Ledger, Ledger.id == Account.ledger_id)
        .where(Ledger.code == book, Account.code == code.concat(literal_column(f"':{kind}'")))
        .scalar_subquery()
    )


# The four figures of `InmateBalances`, in its order, read beside the tablet's session in the
# call's one statement (tablet_api/money.py): his balance needs no round trip of its own.
BALANCE_COLUMNS = (
    _total("spendable", Account.posted_credits_cents, Account.posted_debits_cents),
    _total("spendable", Account.pending_debits_cents),
    _total("release_fund", Account.posted_credits_cents, Account.posted_debits_cents),
    _total("debts", Account.posted_credits_cents, Account.posted_debits_cents),
)


def balances_for(db: Session, inmate: Inmate) -> InmateBalances:
    accounts = inmate_accounts(db, inmate)  # read fresh, totals included
    return InmateBalances(
        spendable_cents=accounts.spendable.posted_cents,
        held_cents=accounts.spendable.pending_debits_cents,
        release_fund_cents=accounts.release_fund.posted_cents,
        debts_set_aside_cents=accounts.debts.posted_cents,
    )


@dataclass(frozen=True)
class MoneyLine:
    """One movement on an inmate's spendable account, for the inmate's own screens."""

    id: int
    at: datetime
    code: str
    kind: str  # single | pending | post | void | expire
    amount_cents: int  # money in positive, out negative; for holds the amount held
    reason: str
    reference: str


def recent_transfers(
    db: Session, inmate: Inmate, *, limit: int = 20, before_id: int | None = None
) -> list[MoneyLine]:
    if not 1 <= limit <= 200:
        raise InvalidInput("limit must be between 1 and 200")
    account_id = inmate_accounts(db, inmate).spendable.id
    stmt = select(Transfer).where(
        or_(Transfer.debit_account_id == account_id, Transfer.credit_account_id == account_id)
    )
    if before_id is not None:
        stmt = stmt.where(Transfer.id < before_id)
    lines = []
    for t in db.scalars(stmt.order_by(Transfer.id.desc()).limit(limit)):
        sign = 1 if t.credit_account_id == account_id else -1
        lines.append(
            MoneyLine(
                id=t.id,
                at=t.created_at,
                code=t.code,
                kind=t.kind,
                amount_cents=sign * t.amount_cents,
                reason=t.reason,
                reference=t.reference,
            )
        )
    return lines


def inmate_by_number(db: Session, prison_number: str) -> Inmate:
    inmate = db.scalar(select(Inmate).where(Inmate.prison_number == prison_number))
    if inmate is None:
        raise NotFound("no inmate with prison number %(number)s", number=prison_number)
    return inmate
