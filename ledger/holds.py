"""Holds: a pending transfer is later posted (all of it, or part with the rest released),
voided or expired, exactly once. Here: reading the holds a batch resolves, refusing one already
resolved, and working a resolution out against the locked accounts."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import HoldExpired, HoldNotPending, LedgerError, PostExceedsHold
from .models import Transfer, TransferCode, TransferKind
from .operations import Operation, Resolution, Row, check_amount, row_values
from .totals import LockedAccount, add, check_overdraft


def read_holds(db: Session, ids: list[int]) -> dict[int, Transfer]:
    """The holds being resolved (journal rows never change, so no lock is needed)."""
    if not ids:
        return {}
    found = {t.id: t for t in db.scalars(select(Transfer).where(Transfer.id.in_(ids)))}
    for hold_id in ids:
        hold = found.get(hold_id)
        if hold is None or hold.kind != TransferKind.PENDING:
            raise HoldNotPending(f"transfer {hold_id} is not a hold")
    return found


def refuse_resolved(
    db: Session, holds: dict[int, Transfer], operations: Sequence[Operation]
) -> None:
    """Under the account locks: a hold already posted, voided or expired is refused."""
    if not holds:
        return
    wanted = [op.pending_id for op in operations if isinstance(op, Resolution)]
    if len(set(wanted)) != len(wanted):
        raise HoldNotPending("one batch resolves the same hold twice")
    done = db.scalars(select(Transfer.pending_id).where(Transfer.pending_id.in_(wanted))).first()
    if done is not None:
        raise HoldNotPending(
            f"hold {done} was already posted, voided or expired; nothing more can be done with it"
        )


def resolve(
    op: Resolution,
    payload: str,
    accounts: dict[int, LockedAccount],
    hold: Transfer,
    requested_by: str,
    now: datetime,
) -> Row:
    """A post, void or expiry of `hold`, checked and added to its locked accounts' totals."""
    debit, credit = accounts[hold.debit_account_id], accounts[hold.credit_account_id]
    expired = hold.expires_at is not None and hold.expires_at <= now
    if op.kind == TransferKind.POST:
        amount = hold.amount_cents if op.amount_cents is None else op.amount_cents
        check_amount(amount)
        if amount > hold.amount_cents:
            raise PostExceedsHold(
                f"cannot post {amount} cents of a hold of {hold.amount_cents} cents"
            )
        if expired:
            raise HoldExpired(f"hold {hold.id} expired at {hold.expires_at:%Y-%m-%d %H:%M} UTC")
        add(accounts, debit.id, pending_debits=-hold.amount_cents, posted_debits=amount)
        add(accounts, credit.id, pending_credits=-hold.amount_cents, posted_credits=amount)
        check_overdraft(debit, amount)
    else:
        if op.kind == TransferKind.EXPIRE and not expired:
            raise LedgerError(f"hold {hold.id} has not expired yet")
        amount = hold.amount_cents
        add(accounts, debit.id, pending_debits=-amount)
        add(accounts, credit.id, pending_credits=-amount)
    values = row_values(
        key=op.key,
        kind=op.kind,
        code=hold.code if op.kind != TransferKind.POST else _capture_code(hold.code),
        debit=debit.id,
        credit=credit.id,
        amount=amount,
        pending_id=hold.id,
        requested_by=requested_by,
        reason=op.reason,
        reference=hold.reference,
        now=now,
        expires_at=None,
    )
    return Row(values, payload, hold.ledger_id)


def _capture_code(hold_code: str) -> str:
    return TransferCode.ORDER_CAPTURE if hold_code == TransferCode.ORDER_HOLD else hold_code
