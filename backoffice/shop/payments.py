"""The shop's money, through the ledger: hold when an order is placed, capture what was
delivered (releasing the rest), void on cancel, refund after delivery."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import ledger
from ledger.models import Account, Ledger, Transfer

from ..audit.services import Actor
from ..money.services import book_code, inmate_accounts, prison_account
from ..people.models import Inmate
from .models import Order

SHOP_ACCOUNT = "shop"


@dataclass(frozen=True)
class OrderAccounts:
    """The two accounts an order's money moves between, looked up once per order."""

    spendable_id: int
    shop_id: int


def order_accounts(db: Session, inmate: Inmate) -> OrderAccounts:
    """The inmate's spendable account and the prison's shop account; opened by the money
    services on first use, found in one query every time after."""
    found = existing_order_accounts(db, inmate)
    if found is not None:
        return found
    spendable_id = inmate_accounts(db, inmate).spendable.id
    try:
        # Two first orders of a prison at once would both open its shop account; the one that
        # loses finds the winner's (the savepoint keeps the rest of its work).
        with db.begin_nested():
            shop_id = prison_account(db, inmate.prison_id, SHOP_ACCOUNT).id
    except IntegrityError:
        shop_id = prison_account(db, inmate.prison_id, SHOP_ACCOUNT).id
    return OrderAccounts(spendable_id=spendable_id, shop_id=shop_id)


def account_codes(inmate_id: int, prison_id: int) -> tuple[str, str]:
    """The codes of an order's two accounts: the inmate's spendable one and the prison's shop.
    They are the money services' own; if they ever change, look-ups by them find nothing and
    `order_accounts` answers by the general look-ups (slower, never wrong)."""
    return f"inmate:{inmate_id}:spendable", f"prison:{prison_id}:{SHOP_ACCOUNT}"


def existing_order_accounts(db: Session, inmate: Inmate) -> OrderAccounts | None:
    # Placing orders is the busiest money path: one query instead of the four that the general
    # look-ups take (placing itself folds this query into its reading of the inmate).
    spendable, shop = account_codes(inmate.id, inmate.prison_id)
    found = {
        code: account_id
        for code, account_id in db.execute(
            select(Account.code, Account.id)
            .join(Ledger, Ledger.id == Account.ledger_id)
            .where(Ledger.code == book_code(inmate.prison_id), Account.code.in_([spendable, shop]))
        )
    }
    if len(found) != 2:
        return None
    return OrderAccounts(spendable_id=found[spendable], shop_id=found[shop])


def available_cents(db: Session, spendable_id: int) -> int:
    """Spendable money less every open hold."""
    return ledger.balance(db, spendable_id).available_cents


def hold(
    db: Session,
    actor: Actor,
    accounts: OrderAccounts,
    *,
    key: str,
    amount_cents: int,
    order_number: str,
    expires_at: datetime,
) -> int:
    transfer = ledger.transfer(
        db,
        key=key,
        debit_account_id=accounts.spendable_id,
        credit_account_id=accounts.shop_id,
        amount_cents=amount_cents,
        code=ledger.TransferCode.ORDER_HOLD,
        requested_by=actor.name,
        reason=f"shop order {order_number}",
        pending=True,
        expires_at=expires_at,
        reference=order_number,
    )
    return int(transfer.id)


def capture(
    db: Session, actor: Actor, *, key: str, hold_id: int, amount_cents: int, order_number: str
) -> None:
    """Post what was delivered; the rest of the hold goes back. Nothing delivered: void."""
    if amount_cents == 0:
        release(
            db,
            actor,
            key=key,
            hold_id=hold_id,
            order_number=order_number,
            why="nothing was delivered",
        )
        return
    ledger.post_pending(
        db,
        key=key,
        pending_id=hold_id,
        amount_cents=amount_cents,
        requested_by=actor.name,
        reason=f"delivered shop order {order_number}",
    )


def release(
    db: Session, actor: Actor, *, key: str, hold_id: int, order_number: str, why: str
) -> None:
    """Give the held money back. A hold the ledger already expired by time needs nothing more."""
    try:
        ledger.void_pending(
            db,
            key=key,
            pending_id=hold_id,
            requested_by=actor.name,
            reason=f"shop order {order_number}: {why}",
        )
    except ledger.HoldNotPending:
        expired = db.scalar(
            select(Transfer.id).where(
                Transfer.pending_id == hold_id, Transfer.kind == ledger.TransferKind.EXPIRE
            )
        )
        if expired is None:
            raise


def release_order(db: Session, actor: Actor, order: Order, *, step: str, why: str) -> None:
    """Give a placed order's hold back; `step` names the try in its key (cancelled, expired)."""
    assert order.hold_transfer_id is not None
    key = f"shop:{order.key}:{step}"
    release(db, actor, key=key, hold_id=order.hold_transfer_id, order_number=order.number, why=why)


def refund(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    key: str,
    amount_cents: int,
    order_number: str,
    why: str,
) -> int:
    accounts = order_accounts(db, inmate)
    transfer = ledger.transfer(
        db,
        key=key,
        debit_account_id=accounts.shop_id,
        credit_account_id=accounts.spendable_id,
        amount_cents=amount_cents,
        code=ledger.TransferCode.REFUND,
        requested_by=actor.name,
        reason=f"refund, shop order {order_number}: {why}",
        reference=order_number,
    )
    return int(transfer.id)
