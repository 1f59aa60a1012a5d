"""Moving money: the calls that make transfers, holds and their resolution, batches.

Every call goes through `apply`, which does the same steps in the same order whatever it is
asked, so that two sessions can never wait on each other in a circle:

1. read the holds being resolved (journal rows never change, so no lock is needed);
2. lock every account involved, in id order (`SELECT ... FOR UPDATE`; SQLite's writers are
   already serialised by BEGIN IMMEDIATE);
3. look the idempotency keys up *after* the locks, so a concurrent retry of the same key waits
   for the first and then finds it;
4. check everything and work out the new balances in memory;
5. write the balances and insert the transfers.

The everyday case, one transfer on PostgreSQL, does all five in one statement.

Each transfer is sealed into its ledger's hash chain: it gets the next `sequence` and a
`chain_hash` linking it to the transfer before it. The chain head is the one lock every
transfer of a ledger shares, so the everyday single transfer on PostgreSQL does not take it:
its statement puts the transfer in the seal queue (`SealQueue`, `ledger_seal_queue`), and the
sealer (`seal_waiting`, run every second by `cellgate ledger seal --every 1`) seals all that
committed since its last turn, in id order, under the head's lock. Batches, resolutions of
holds and everything on SQLite (whose writers are serialised for the whole transaction anyway)
are sealed with the insert under the head's lock (`batches.insert_chained`). A seal is a row
of its own (`Seal`): nothing in the journal is ever updated.

This module holds the calls and the order of their steps; the steps live beside it: `holds`
reads and checks the holds, `totals` locks the accounts and works out and writes their totals,
`idempotency` looks the keys up, `transfers` checks a transfer request (and makes the single
transfer on PostgreSQL), `batches` inserts, `sealing` keeps the chain and runs the sealer.

Nothing is committed here: the caller's unit of work commits, or rolls everything back.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from .base import is_postgresql, utcnow
from .batches import insert_chained
from .errors import LedgerError
from .holds import read_holds, refuse_resolved, resolve
from .idempotency import check_keys, existing, payload_hash, replay
from .models import Transfer, TransferKind
from .operations import Operation, Resolution, Row, TransferRequest
from .totals import LockedAccount, lock_accounts, write_totals
from .transfers import request_values, transfer_on_postgresql, transfer_row


def transfer(
    db: Session,
    *,
    key: str,
    debit_account_id: int,
    credit_account_id: int,
    amount_cents: int,
    code: str,
    requested_by: str,
    reason: str,
    pending: bool = False,
    expires_at: datetime | None = None,
    reference: str = "",
    now: datetime | None = None,
) -> Transfer:
    """Move `amount_cents` from the debit account to the credit account (a hold if pending)."""
    request = TransferRequest(
        key=key,
        debit_account_id=debit_account_id,
        credit_account_id=credit_account_id,
        amount_cents=amount_cents,
        code=str(code),
        reason=reason,
        pending=pending,
        expires_at=expires_at,
        reference=reference,
    )
    return apply(db, [request], requested_by=requested_by, now=now)[0]


def post_pending(
    db: Session,
    *,
    key: str,
    pending_id: int,
    requested_by: str,
    reason: str,
    amount_cents: int | None = None,
    now: datetime | None = None,
) -> Transfer:
    """Post a hold: all of it, or `amount_cents` of it with the rest released."""
    resolution = Resolution(key, pending_id, TransferKind.POST, reason, amount_cents)
    return apply(db, [resolution], requested_by=requested_by, now=now)[0]


def void_pending(
    db: Session,
    *,
    key: str,
    pending_id: int,
    requested_by: str,
    reason: str,
    now: datetime | None = None,
) -> Transfer:
    """Release a hold: nothing is posted."""
    resolution = Resolution(key, pending_id, TransferKind.VOID, reason)
    return apply(db, [resolution], requested_by=requested_by, now=now)[0]


def expire_pending(
    db: Session, *, now: datetime | None = None, requested_by: str = "ledger", limit: int = 1000
) -> list[Transfer]:
    """Release every hold whose time has run out (at most `limit` in one call)."""
    now = now or utcnow()
    resolved = select(Transfer.pending_id).where(Transfer.pending_id.is_not(None))
    due = db.scalars(
        select(Transfer.id)
        .where(
            Transfer.kind == TransferKind.PENDING,
            Transfer.expires_at <= now,
            Transfer.id.not_in(resolved),
        )
        .order_by(Transfer.id)
        .limit(limit)
    ).all()
    resolutions = [
        Resolution(f"expire:{hold_id}", hold_id, TransferKind.EXPIRE, "the hold's time ran out")
        for hold_id in due
    ]
    return apply(db, resolutions, requested_by=requested_by, now=now) if resolutions else []


def apply(
    db: Session,
    operations: Sequence[Operation],
    *,
    requested_by: str,
    now: datetime | None = None,
) -> list[Transfer]:
    """Make every operation, or none of them (a batch): see the module's docstring."""
    return _apply(db, operations, requested_by=requested_by, now=now, load=True)


def apply_many(
    db: Session,
    operations: Sequence[Operation],
    *,
    requested_by: str,
    now: datetime | None = None,
) -> int:
    """`apply` for large batches (a payroll): the same checks and writes, but it returns only
    how many transfers the batch holds instead of loading each one into the session."""
    _apply(db, operations, requested_by=requested_by, now=now, load=False)
    return len(operations)


def _apply(
    db: Session,
    operations: Sequence[Operation],
    *,
    requested_by: str,
    now: datetime | None,
    load: bool,
) -> list[Transfer]:
    if not operations:
        raise LedgerError("nothing to do: a batch needs at least one transfer")
    now = (now or utcnow()).astimezone(UTC)
    keys = [op.key for op in operations]
    check_keys(keys)

    single = operations[0]
    if len(operations) == 1 and isinstance(single, TransferRequest) and is_postgresql(db):
        return [transfer_on_postgresql(db, single, requested_by, now)]
    holds = read_holds(db, [op.pending_id for op in operations if isinstance(op, Resolution)])
    account_ids: set[int] = set()
    for op in operations:
        if isinstance(op, Resolution):
            hold = holds[op.pending_id]
            account_ids.update((hold.debit_account_id, hold.credit_account_id))
        else:
            account_ids.update((op.debit_account_id, op.credit_account_id))
    accounts = lock_accounts(db, account_ids)

    payloads = [payload_hash(op) for op in operations]
    first = existing(db, keys)
    if first:
        return replay(operations, payloads, first)

    refuse_resolved(db, holds, operations)
    rows = [
        _work_out(op, payload, accounts, holds, requested_by, now)
        for op, payload in zip(operations, payloads, strict=True)
    ]
    write_totals(db, accounts)
    return insert_chained(db, rows, load=load)


def _work_out(
    op: Operation,
    payload: str,
    accounts: dict[int, LockedAccount],
    holds: dict[int, Transfer],
    requested_by: str,
    now: datetime,
) -> Row:
    if isinstance(op, Resolution):
        return resolve(op, payload, accounts, holds[op.pending_id], requested_by, now)
    return transfer_row(op, request_values(op, requested_by, now), payload, accounts)
