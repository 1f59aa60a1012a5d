"""Moving money: transfers, holds and their resolution, batches.

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
its statement puts the transfer in the seal queue (`SealQueue`, migration 0013), and the
sealer (`seal_waiting`, run every second by `cellgate ledger seal --every 1`) seals all that
committed since its last turn, in id order, under the head's lock. Batches, resolutions of
holds and everything on SQLite (whose writers are serialised for the whole transaction anyway)
are sealed with the insert under the head's lock (`_insert_chained`). A seal is a row of its
own (`Seal`): nothing in the journal is ever updated.

Nothing is committed here: the caller's unit of work commits, or rolls everything back.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    String,
    Table,
    any_,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from .base import utcnow
from .errors import (
    AccountClosed,
    CodeNotAllowed,
    HoldExpired,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    LedgerError,
    PostExceedsHold,
    UnknownAccount,
)
from .models import Account, Ledger, Seal, SealQueue, Transfer, TransferCode, TransferKind

KEY_MAX = 200
_CHUNK = 5000
_TOTALS = (
    "posted_debits_cents",
    "posted_credits_cents",
    "pending_debits_cents",
    "pending_credits_cents",
)


@dataclass(frozen=True)
class TransferRequest:
    """One transfer to make: posted at once, or a hold when `pending` is true."""

    key: str
    debit_account_id: int
    credit_account_id: int
    amount_cents: int
    code: str
    reason: str
    pending: bool = False
    expires_at: datetime | None = None
    reference: str = ""


@dataclass(frozen=True)
class Resolution:
    """Post (all of a hold, or `amount_cents` of it), void or expire a hold."""

    key: str
    pending_id: int
    kind: TransferKind
    reason: str
    amount_cents: int | None = None


Operation = TransferRequest | Resolution


@dataclass
class _Row:
    """A transfer worked out in memory before it is written."""

    values: dict[str, Any]
    payload_hash: str
    ledger_id: int = 0


@dataclass
class LockedAccount:
    """An account locked for this unit of work, with its totals as they will be written."""

    id: int
    ledger_id: int
    code: str
    no_overdraft: bool
    closed: bool
    debit_codes: str | None
    totals: list[int]
    changed: bool = False

    def may_be_debited_by(self, code: str) -> bool:
        return self.debit_codes is None or code in self.debit_codes.split(",")

    @property
    def posted_credits_cents(self) -> int:
        return self.totals[1]

    @property
    def posted_cents(self) -> int:
        return self.totals[1] - self.totals[0]


_LOCK_COLUMNS = (
    Account.id,
    Account.ledger_id,
    Account.code,
    Account.no_overdraft,
    Account.closed,
    Account.debit_codes,
    *(getattr(Account, name) for name in _TOTALS),
)


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


# The queue's entries that committed, taken out (the caller holds their ledgers' heads),
# with what the seal of each needs. An entry whose transfer is sealed already goes too.
_TAKE_QUEUE = text(
    """
    DELETE FROM ledger_seal_queue AS q USING ledger_transfers AS t
    WHERE q.transfer_id IN (
        SELECT transfer_id FROM ledger_seal_queue WHERE ledger_id = ANY (:ledgers)
        ORDER BY transfer_id LIMIT :limit
    ) AND t.id = q.transfer_id AND t.ledger_id = q.ledger_id
    RETURNING t.id, t.ledger_id, t.content_hash,
        EXISTS (SELECT FROM ledger_seals AS s WHERE s.transfer_id = t.id) AS sealed
    """
).bindparams(bindparam("ledgers", type_=ARRAY(BigInteger)))
_WRITE_SEALS = text(
    """
    INSERT INTO ledger_seals (transfer_id, ledger_id, sequence, chain_hash)
    SELECT * FROM unnest(CAST(:transfer_id AS bigint[]), CAST(:ledger_id AS integer[]),
        CAST(:sequence AS bigint[]), CAST(:chain_hash AS text[]))
    """
)
_SEAL_COLUMNS = ("transfer_id", "ledger_id", "sequence", "chain_hash")
SEAL_BATCH = 5000


def seal_waiting(db: Session, *, limit: int = SEAL_BATCH) -> int:
    """Seal the transfers waiting in the seal queue (PostgreSQL; on SQLite nothing waits):
    at most `limit` of them, in id order, each ledger's under its head's lock (taken before
    the queue is read, and held until the caller commits). Returns how many it sealed; while
    it returns `limit`, more are waiting. `cellgate ledger seal --every 1` runs it."""
    if not _is_postgresql(db):
        return 0
    ledger_ids = sorted(db.scalars(select(SealQueue.ledger_id).distinct()).all())
    if not ledger_ids:
        return 0
    heads = _lock_heads(db, ledger_ids)
    taken = db.execute(_TAKE_QUEUE, {"ledgers": ledger_ids, "limit": limit}).all()
    seals = [
        {"transfer_id": row.id, "ledger_id": row.ledger_id, "content_hash": row.content_hash}
        for row in sorted(taken)
        if not row.sealed
    ]
    if not seals:
        return 0
    _extend_chains(db, heads, seals)
    _write_seals(db, seals)
    return len(seals)


def _write_seals(db: Session, seals: list[dict[str, Any]]) -> None:
    if _is_postgresql(db):
        db.execute(_WRITE_SEALS, {name: [s[name] for s in seals] for name in _SEAL_COLUMNS})
    else:
        db.execute(insert(Seal), [{name: s[name] for name in _SEAL_COLUMNS} for s in seals])


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
    if len(set(keys)) != len(keys):
        raise IdempotencyConflict("one batch names the same idempotency key twice")
    for key in keys:
        if not key or len(key) > KEY_MAX:
            raise LedgerError(f"an idempotency key must be 1 to {KEY_MAX} characters")

    single = operations[0]
    if len(operations) == 1 and isinstance(single, TransferRequest) and _is_postgresql(db):
        return [_transfer_on_postgresql(db, single, requested_by, now)]
    holds = _holds(db, [op.pending_id for op in operations if isinstance(op, Resolution)])
    account_ids: set[int] = set()
    for op in operations:
        if isinstance(op, Resolution):
            hold = holds[op.pending_id]
            account_ids.update((hold.debit_account_id, hold.credit_account_id))
        else:
            account_ids.update((op.debit_account_id, op.credit_account_id))
    accounts = lock_accounts(db, account_ids)

    payloads = [_payload_hash(op) for op in operations]
    existing = _existing(db, keys)
    if existing:
        return _replay(operations, payloads, existing)

    _refuse_resolved(db, holds, operations)
    rows = [
        _work_out(op, payload, accounts, holds, requested_by, now)
        for op, payload in zip(operations, payloads, strict=True)
    ]
    _write_totals(db, accounts)
    return _insert_chained(db, rows, load=load)


def _holds(db: Session, ids: list[int]) -> dict[int, Transfer]:
    if not ids:
        return {}
    found = {t.id: t for t in db.scalars(select(Transfer).where(Transfer.id.in_(ids)))}
    for hold_id in ids:
        hold = found.get(hold_id)
        if hold is None or hold.kind != TransferKind.PENDING:
            raise HoldNotPending(f"transfer {hold_id} is not a hold")
    return found


def _is_postgresql(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def _matching(db: Session, column: Any, values: list[Any], item_type: Any) -> list[Any]:
    """Conditions that together select `column IN values`: one array parameter on PostgreSQL
    (a statement of constant size, however many values), chunks of IN lists on SQLite."""
    if _is_postgresql(db):
        return [column == any_(bindparam(None, values, type_=ARRAY(item_type)))]
    return [column.in_(values[i : i + _CHUNK]) for i in range(0, len(values), _CHUNK)]


def lock_accounts(db: Session, ids: Iterable[int]) -> dict[int, LockedAccount]:
    """Lock accounts in id order (the one order every caller uses) and read their totals."""
    wanted = sorted(set(ids))
    locked: dict[int, LockedAccount] = {}
    for condition in _matching(db, Account.id, wanted, BigInteger):
        stmt = select(*_LOCK_COLUMNS).where(condition).order_by(Account.id).with_for_update()
        for row in db.execute(stmt):
            account_id, ledger_id, code, no_overdraft, closed, debit_codes, *totals = row
            locked[account_id] = LockedAccount(
                account_id, ledger_id, code, no_overdraft, closed, debit_codes, list(totals)
            )
    missing = [i for i in wanted if i not in locked]
    if missing:
        raise UnknownAccount(f"no account with id {missing[0]}")
    return locked


def _existing(db: Session, keys: list[str]) -> dict[str, Transfer]:
    found: dict[str, Transfer] = {}
    for condition in _matching(db, Transfer.key, keys, String):
        found.update((t.key, t) for t in db.scalars(select(Transfer).where(condition)))
    return found


def _replay(
    operations: Sequence[Operation], payloads: list[str], existing: dict[str, Transfer]
) -> list[Transfer]:
    """A retry: the same keys with the same payloads return the first result."""
    if len(existing) != len(operations):
        raise IdempotencyConflict(
            "some of these idempotency keys were used before in another batch; "
            "use new keys for new money"
        )
    replayed = []
    for op, payload in zip(operations, payloads, strict=True):
        first = existing[op.key]
        if first.payload_hash != payload:
            raise IdempotencyConflict(
                f"idempotency key {op.key!r} was used before for a different transfer; "
                "a retry must send exactly the same request"
            )
        replayed.append(first)
    return replayed


def _refuse_resolved(
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


def _work_out(
    op: Operation,
    payload: str,
    accounts: dict[int, LockedAccount],
    holds: dict[int, Transfer],
    requested_by: str,
    now: datetime,
) -> _Row:
    if isinstance(op, Resolution):
        return _resolve(op, payload, accounts, holds[op.pending_id], requested_by, now)
    return _transfer_row(op, _request_values(op, requested_by, now), payload, accounts)


def _transfer_row(
    op: TransferRequest, values: dict[str, Any], payload: str, accounts: dict[int, LockedAccount]
) -> _Row:
    """Check a transfer request against its locked accounts and add it to their totals."""
    debit, credit = accounts[op.debit_account_id], accounts[op.credit_account_id]
    if debit.ledger_id != credit.ledger_id:
        raise LedgerError("both accounts of a transfer must be in the same ledger (currency)")
    for account in (debit, credit):
        if account.closed:
            raise AccountClosed(f"account {account.code} is closed; money cannot move through it")
    if not debit.may_be_debited_by(op.code):
        raise CodeNotAllowed(
            f"account {debit.code} cannot be debited for {op.code}; "
            f"only for {debit.debit_codes.replace(',', ', ') if debit.debit_codes else 'nothing'}"
        )
    amount = op.amount_cents
    if op.pending:
        _add(accounts, debit.id, pending_debits=amount)
        _add(accounts, credit.id, pending_credits=amount)
    else:
        _add(accounts, debit.id, posted_debits=amount)
        _add(accounts, credit.id, posted_credits=amount)
    _check_overdraft(debit, amount)
    return _Row(values, payload, debit.ledger_id)


def _request_values(op: TransferRequest, requested_by: str, now: datetime) -> dict[str, Any]:
    """The row of a transfer request, after the checks that need no account."""
    _check_amount(op.amount_cents)
    if op.debit_account_id == op.credit_account_id:
        raise LedgerError("a transfer needs two different accounts")
    if op.pending and op.expires_at is not None and op.expires_at <= now:
        raise LedgerError("a hold must expire in the future")
    return _values(
        key=op.key,
        kind=TransferKind.PENDING if op.pending else TransferKind.SINGLE,
        code=op.code,
        debit=op.debit_account_id,
        credit=op.credit_account_id,
        amount=op.amount_cents,
        pending_id=None,
        requested_by=requested_by,
        reason=op.reason,
        reference=op.reference,
        now=now,
        expires_at=op.expires_at if op.pending else None,
    )


def _resolve(
    op: Resolution,
    payload: str,
    accounts: dict[int, LockedAccount],
    hold: Transfer,
    requested_by: str,
    now: datetime,
) -> _Row:
    debit, credit = accounts[hold.debit_account_id], accounts[hold.credit_account_id]
    expired = hold.expires_at is not None and hold.expires_at <= now
    if op.kind == TransferKind.POST:
        amount = hold.amount_cents if op.amount_cents is None else op.amount_cents
        _check_amount(amount)
        if amount > hold.amount_cents:
            raise PostExceedsHold(
                f"cannot post {amount} cents of a hold of {hold.amount_cents} cents"
            )
        if expired:
            raise HoldExpired(f"hold {hold.id} expired at {hold.expires_at:%Y-%m-%d %H:%M} UTC")
        _add(accounts, debit.id, pending_debits=-hold.amount_cents, posted_debits=amount)
        _add(accounts, credit.id, pending_credits=-hold.amount_cents, posted_credits=amount)
        _check_overdraft(debit, amount)
    else:
        if op.kind == TransferKind.EXPIRE and not expired:
            raise LedgerError(f"hold {hold.id} has not expired yet")
        amount = hold.amount_cents
        _add(accounts, debit.id, pending_debits=-amount)
        _add(accounts, credit.id, pending_credits=-amount)
    values = _values(
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
    return _Row(values, payload, hold.ledger_id)


def _capture_code(hold_code: str) -> str:
    return TransferCode.ORDER_CAPTURE if hold_code == TransferCode.ORDER_HOLD else hold_code


def _check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidAmount(f"an amount must be a whole number of cents above 0, got {amount!r}")


def _add(
    state: dict[int, LockedAccount],
    account_id: int,
    *,
    posted_debits: int = 0,
    posted_credits: int = 0,
    pending_debits: int = 0,
    pending_credits: int = 0,
) -> None:
    entry = state[account_id]
    for index, delta in enumerate((posted_debits, posted_credits, pending_debits, pending_credits)):
        entry.totals[index] += delta
    entry.changed = True


def _check_overdraft(entry: LockedAccount, amount: int) -> None:
    posted_debits, posted_credits, pending_debits, _ = entry.totals
    available_after = posted_credits - posted_debits - pending_debits
    if entry.no_overdraft and available_after < 0:
        available_before = available_after + amount
        raise InsufficientFunds(
            f"not enough money: {available_before} cents available, {amount} cents needed",
            account_id=entry.id,
            available_cents=available_before,
        )


def _values(
    *,
    key: str,
    kind: str,
    code: str,
    debit: int,
    credit: int,
    amount: int,
    pending_id: int | None,
    requested_by: str,
    reason: str,
    reference: str,
    now: datetime,
    expires_at: datetime | None,
) -> dict[str, Any]:
    return {
        "key": key,
        "kind": str(kind),
        "code": str(code),
        "debit_account_id": debit,
        "credit_account_id": credit,
        "amount_cents": amount,
        "pending_id": pending_id,
        "requested_by": requested_by[:200],
        "reason": reason[:500],
        "reference": reference[:100],
        "created_at": now,
        "expires_at": expires_at,
    }


def _payload_hash(op: Operation) -> str:
    """What a retry must repeat exactly. Who asks may differ: a retry is the same request."""
    if isinstance(op, Resolution):
        parts: list[Any] = [str(op.kind), op.pending_id, op.amount_cents, op.reason]
    else:
        expires = op.expires_at.astimezone(UTC).isoformat() if op.expires_at else None
        parts = [
            "pending" if op.pending else "single",
            op.debit_account_id,
            op.credit_account_id,
            op.amount_cents,
            str(op.code),
            op.reason,
            op.reference,
            expires,
        ]
    return hashlib.sha256(_canonical(parts).encode()).hexdigest()


def _canonical(parts: list[Any]) -> str:
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


_UPDATE_TOTALS = text(
    """
    UPDATE ledger_accounts AS a
    SET posted_debits_cents = v.pd, posted_credits_cents = v.pc,
        pending_debits_cents = v.qd, pending_credits_cents = v.qc
    FROM unnest(
        CAST(:ids AS bigint[]), CAST(:posted_debits_cents AS bigint[]),
        CAST(:posted_credits_cents AS bigint[]), CAST(:pending_debits_cents AS bigint[]),
        CAST(:pending_credits_cents AS bigint[])
    ) AS v(id, pd, pc, qd, qc)
    WHERE a.id = v.id
    """
)


def _write_totals(db: Session, accounts: dict[int, LockedAccount]) -> None:
    changed = [entry for entry in accounts.values() if entry.changed]
    if not changed:
        return
    if _is_postgresql(db):
        columns = [list(column) for column in zip(*(e.totals for e in changed), strict=True)]
        db.execute(
            _UPDATE_TOTALS,
            {"ids": [e.id for e in changed], **dict(zip(_TOTALS, columns, strict=True))},
        )
    else:
        table = Account.__table__
        assert isinstance(table, Table)
        stmt = (
            update(table)
            .where(table.c.id == bindparam("_id"))
            .values({name: bindparam(name) for name in _TOTALS})
        )
        db.connection().execute(
            stmt,
            [{"_id": e.id, **dict(zip(_TOTALS, e.totals, strict=True))} for e in changed],
        )
    _sync_accounts(db, changed)


def _sync_accounts(db: Session, changed: list[LockedAccount]) -> None:
    """Accounts the caller already holds in its session must show the new totals too."""
    held_accounts = db.identity_map
    if not held_accounts:
        return
    for entry in changed:
        held = held_accounts.get(identity_key(Account, entry.id))
        if held is not None:
            for name, value in zip(_TOTALS, entry.totals, strict=True):
                set_committed_value(held, name, value)


def content_of(values: dict[str, Any]) -> str:
    """The text a transfer's `content_hash` covers (also used by the verifier)."""
    created: datetime = values["created_at"]
    expires: datetime | None = values["expires_at"]
    return _canonical(
        [
            values["key"],
            values["kind"],
            values["code"],
            values["debit_account_id"],
            values["credit_account_id"],
            values["amount_cents"],
            values["pending_id"],
            values["requested_by"],
            values["reason"],
            values["reference"],
            created.astimezone(UTC).isoformat(timespec="microseconds"),
            expires.astimezone(UTC).isoformat(timespec="microseconds") if expires else None,
        ]
    )


def content_hash_of(values: dict[str, Any]) -> str:
    return hashlib.sha256(content_of(values).encode()).hexdigest()


def chain_link(previous_hash: str, ledger_id: int, sequence: int, content_hash: str) -> str:
    """A link of a ledger's hash chain: sha256 of the previous link, the ledger, the sequence
    and the transfer's content hash, one per line."""
    return hashlib.sha256(
        f"{previous_hash}\n{ledger_id}\n{sequence}\n{content_hash}".encode()
    ).hexdigest()


def _insert_chained(db: Session, rows: list[_Row], *, load: bool = True) -> list[Transfer]:
    """Insert the transfers and their seals: the chain heads are locked (the last of all
    locks, held until the commit) and each ledger's chain extended over them in order. A
    batch moves each head once, however many transfers it holds."""
    params = [
        {**row.values, "ledger_id": row.ledger_id, "payload_hash": row.payload_hash,
         "content_hash": content_hash_of(row.values)}
        for row in rows
    ]  # fmt: skip
    seals = [{"ledger_id": p["ledger_id"], "content_hash": p["content_hash"]} for p in params]
    _extend_chains(db, _lock_heads(db, sorted({p["ledger_id"] for p in params})), seals)
    made: list[Transfer] = []
    if _is_postgresql(db):
        ids, made = _insert_unnest(db, params, load=load)
    elif load:
        made = list(
            db.scalars(insert(Transfer).returning(Transfer, sort_by_parameter_order=True), params)
        )
        ids = [transfer.id for transfer in made]
    else:
        ids = list(
            db.scalars(
                insert(Transfer).returning(Transfer.id, sort_by_parameter_order=True), params
            )
        )
    for seal, new_id in zip(seals, ids, strict=True):
        seal["transfer_id"] = new_id
    _write_seals(db, seals)
    return made


def _lock_heads(db: Session, ledger_ids: list[int]) -> dict[int, Ledger]:
    """The ledgers' chain heads, locked in id order and read as they are now."""
    return {
        ledger.id: ledger
        for ledger in db.scalars(
            select(Ledger)
            .where(Ledger.id.in_(ledger_ids))
            .order_by(Ledger.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }


def _extend_chains(db: Session, heads: dict[int, Ledger], seals: list[dict[str, Any]]) -> None:
    """Give each seal (in order; `ledger_id` and the transfer's `content_hash`) the next
    place in its ledger's chain (`sequence`, `chain_hash`) and move the locked heads past
    them."""
    sequence = {i: head.head_sequence for i, head in heads.items()}
    head_hash = {i: head.head_hash for i, head in heads.items()}
    for seal in seals:
        lid = seal["ledger_id"]
        sequence[lid] += 1
        head_hash[lid] = chain_link(head_hash[lid], lid, sequence[lid], seal["content_hash"])
        seal["sequence"], seal["chain_hash"] = sequence[lid], head_hash[lid]
    moved = sorted({seal["ledger_id"] for seal in seals})
    table = Ledger.__table__
    assert isinstance(table, Table)
    db.connection().execute(
        update(table)
        .where(table.c.id == bindparam("_id"))
        .values(head_sequence=bindparam("seq"), head_hash=bindparam("hash")),
        [{"_id": i, "seq": sequence[i], "hash": head_hash[i]} for i in moved],
    )
    for i in moved:
        set_committed_value(heads[i], "head_sequence", sequence[i])
        set_committed_value(heads[i], "head_hash", head_hash[i])


_BULK_COLUMNS = {
    "ledger_id": "bigint",
    "key": "text",
    "payload_hash": "text",
    "content_hash": "text",
    "kind": "text",
    "code": "text",
    "debit_account_id": "bigint",
    "credit_account_id": "bigint",
    "amount_cents": "bigint",
    "pending_id": "bigint",
    "requested_by": "text",
    "reason": "text",
    "reference": "text",
    "created_at": "timestamptz",
    "expires_at": "timestamptz",
}
_INSERT_MANY = text(
    f"INSERT INTO ledger_transfers ({', '.join(_BULK_COLUMNS)}) "
    "SELECT * FROM unnest("
    + ", ".join(f"CAST(:{name} AS {kind}[])" for name, kind in _BULK_COLUMNS.items())
    + ") RETURNING id, key"
)


def _insert_unnest(
    db: Session, params: list[dict[str, Any]], *, load: bool
) -> tuple[list[int], list[Transfer]]:
    """Many transfers in one statement whose size does not grow with the batch: their ids,
    in the order of `params`, and (with `load`) their objects."""
    columns = {name: [p[name] for p in params] for name in _BULK_COLUMNS}
    by_key = dict((key, new_id) for new_id, key in db.execute(_INSERT_MANY, columns))
    ids = [by_key[p["key"]] for p in params]
    if not load:
        return ids, []
    return ids, [_detached(db, p, new_id) for p, new_id in zip(params, ids, strict=True)]


def _detached(db: Session, values: dict[str, Any], new_id: int) -> Transfer:
    """The ORM object of a transfer just inserted, without reading it back. Its seal is left
    unloaded: it is loaded when read."""
    # Straight into its __dict__, as the ORM's own loading does: the constructor's attribute
    # events cost more than the rest of making it.
    mapper = Transfer.__mapper__
    if not mapper.configured:
        configure_mappers()
    made: Transfer = mapper.class_manager.new_instance()
    made.__dict__.update(values, id=new_id)
    make_transient_to_detached(made)
    db.add(made)
    return made


# One transfer on PostgreSQL in one statement: lock both accounts in id order, look the key
# up, check what the database can check, then write both balances and the transfer. When a
# check fails nothing is written and nothing comes back; the caller then works out why (the
# first transfer of a retried key, or the accounts as they are) with the same code as every
# other path. Data-modifying WITH parts always run; `ok` is empty when refused.
_TRANSFER_ONE_SQL = """
    WITH acc AS MATERIALIZED (
        SELECT id, ledger_id, code, no_overdraft, closed, debit_codes, posted_debits_cents,
            posted_credits_cents, pending_debits_cents, pending_credits_cents
        FROM ledger_accounts WHERE id IN (:debit_account_id, :credit_account_id)
        ORDER BY id FOR UPDATE
    ),
    prior AS MATERIALIZED (SELECT id FROM ledger_transfers WHERE key = :key),
    ok AS MATERIALIZED (
        SELECT d.ledger_id FROM acc AS d JOIN acc AS c ON c.id = :credit_account_id
        WHERE d.id = :debit_account_id AND c.ledger_id = d.ledger_id
            AND NOT d.closed AND NOT c.closed AND NOT EXISTS (SELECT FROM prior)
            AND (d.debit_codes IS NULL OR :code = ANY (string_to_array(d.debit_codes, ',')))
            AND (NOT d.no_overdraft OR d.posted_credits_cents - d.posted_debits_cents
                 - d.pending_debits_cents >= :amount_cents)
    ),
    totals AS (
        -- From the locked rows, not from `a`: this statement's snapshot may predate a
        -- transfer that committed while it waited for the locks, and PostgreSQL checks
        -- the constraints on the row it computes before it finds the newer version.
        UPDATE ledger_accounts AS a SET
            posted_debits_cents = acc.posted_debits_cents + side.debited * (1 - :held),
            posted_credits_cents = acc.posted_credits_cents + side.credited * (1 - :held),
            pending_debits_cents = acc.pending_debits_cents + side.debited * :held,
            pending_credits_cents = acc.pending_credits_cents + side.credited * :held
        FROM ok, acc, (VALUES
            (CAST(:debit_account_id AS bigint), CAST(:amount_cents AS bigint), 0),
            (CAST(:credit_account_id AS bigint), 0, CAST(:amount_cents AS bigint))
        ) AS side(id, debited, credited)
        WHERE a.id = acc.id AND acc.id = side.id
    ),
    made AS (
        INSERT INTO ledger_transfers (ledger_id, key, payload_hash, content_hash, kind, code,
            debit_account_id, credit_account_id, amount_cents, pending_id, requested_by,
            reason, reference, created_at, expires_at)
        SELECT ok.ledger_id, :key, :payload_hash, :content_hash, :kind, :code,
            :debit_account_id, :credit_account_id, :amount_cents, NULL, :requested_by,
            :reason, :reference, :created_at, CAST(:expires_at AS timestamptz)
        FROM ok
        RETURNING id, ledger_id
    )
    -- The transfer waits for its seal: the sealer takes the queue once it has committed.
    INSERT INTO ledger_seal_queue (transfer_id, ledger_id) SELECT id, ledger_id FROM made
    RETURNING transfer_id, ledger_id
    """
# The driver's own form of it (psycopg's "pyformat" parameters): the hot path skips
# SQLAlchemy's statement handling, which cost more than the statement itself.
_TRANSFER_ONE_DRIVER = re.sub(r"(?<![:\w]):(\w+)", r"%(\1)s", _TRANSFER_ONE_SQL)


def _transfer_on_postgresql(
    db: Session, op: TransferRequest, requested_by: str, now: datetime
) -> Transfer:
    """The everyday case, one transfer on PostgreSQL, in one statement (`_TRANSFER_ONE_SQL`).
    The chain head is not touched here: the transfer waits in the seal queue for the sealer.

    A retry that raced its first attempt (both sent at the same moment) may not see the first
    one's key, and then fails on the key's unique constraint: no money moves twice, and the
    next retry returns the first transfer."""
    values = _request_values(op, requested_by, now)
    payload = _payload_hash(op)
    content_hash = content_hash_of(values)
    params = {
        **values,
        "payload_hash": payload,
        "content_hash": content_hash,
        "held": 1 if op.pending else 0,
    }
    found = execute_on_driver(db, _TRANSFER_ONE_DRIVER, params)
    if not found:
        return _refused_on_postgresql(db, op, values, payload)
    made_id, ledger_id = found[0]
    _forget_totals(db, (op.debit_account_id, op.credit_account_id))
    made = {**values, "ledger_id": ledger_id, "payload_hash": payload, "content_hash": content_hash}
    return _detached(db, made, made_id)


def _refused_on_postgresql(
    db: Session, op: TransferRequest, values: dict[str, Any], payload: str
) -> Transfer:
    """The statement wrote nothing: a retry returns the first transfer, anything else is
    refused with the reason the checks of every other path give."""
    existing = _existing(db, [op.key])
    if existing:
        return _replay([op], [payload], existing)[0]
    accounts = lock_accounts(db, (op.debit_account_id, op.credit_account_id))
    _transfer_row(op, values, payload, accounts)
    raise LedgerError("the database refused this transfer, but no rule names why")


def _forget_totals(db: Session, account_ids: Iterable[int]) -> None:
    """Accounts the caller holds in its session load their new totals when next read."""
    held_accounts = db.identity_map
    if not held_accounts:
        return
    for account_id in account_ids:
        held = held_accounts.get(identity_key(Account, account_id))
        if held is not None:
            db.expire(held, list(_TOTALS))


def execute_on_driver(
    db: Session, sql: str, params: dict[str, Any], *, rows: bool = True
) -> list[Any]:
    """Run `sql` (in the driver's own parameter style) on the session's connection with the
    driver's cursor, for the busiest paths, where SQLAlchemy's work per statement costs more
    than the statement. `rows`: it returns some. Its errors come out as SQLAlchemy's, as from
    any other statement, and a lost connection is not reused."""
    connection = db.connection()
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        cursor.execute(sql, params)
        return list(cursor.fetchall()) if rows else []
    except dialect.loaded_dbapi.Error as error:
        gone = dialect.is_disconnect(error, connection.connection.dbapi_connection, cursor)
        if gone:
            connection.invalidate(error)
        raise DBAPIError.instance(
            sql, params, error, dialect.loaded_dbapi.Error, connection_invalidated=gone
        ) from error
    finally:
        cursor.close()
