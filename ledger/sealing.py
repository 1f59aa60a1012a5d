"""The hash chain: what a transfer's `content_hash` covers, how a link is made, the chain heads
moved over new seals under their lock, and the sealer of the seal queue (`seal_waiting`).

A single transfer on PostgreSQL waits in the seal queue (`SealQueue`) and the
sealer seals all that committed since its last turn; everything else is sealed with its insert
(`batches.insert_chained`). A seal is a row of its own (`Seal`): the journal is never updated.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import BigInteger, Table, bindparam, insert, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from .base import is_postgresql
from .models import Ledger, Seal, SealQueue
from .operations import canonical


def content_of(values: dict[str, Any]) -> str:
    """The text a transfer's `content_hash` covers (also used by the verifier)."""
    created: datetime = values["created_at"]
    expires: datetime | None = values["expires_at"]
    return canonical(
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


def lock_heads(db: Session, ledger_ids: list[int]) -> dict[int, Ledger]:
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


def extend_chains(db: Session, heads: dict[int, Ledger], seals: list[dict[str, Any]]) -> None:
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
    if not is_postgresql(db):
        return 0
    ledger_ids = sorted(db.scalars(select(SealQueue.ledger_id).distinct()).all())
    if not ledger_ids:
        return 0
    heads = lock_heads(db, ledger_ids)
    taken = db.execute(_TAKE_QUEUE, {"ledgers": ledger_ids, "limit": limit}).all()
    seals = [
        {"transfer_id": row.id, "ledger_id": row.ledger_id, "content_hash": row.content_hash}
        for row in sorted(taken)
        if not row.sealed
    ]
    if not seals:
        return 0
    extend_chains(db, heads, seals)
    write_seals(db, seals)
    return len(seals)


def write_seals(db: Session, seals: list[dict[str, Any]]) -> None:
    if is_postgresql(db):
        db.execute(_WRITE_SEALS, {name: [s[name] for s in seals] for name in _SEAL_COLUMNS})
    else:
        db.execute(insert(Seal), [{name: s[name] for name in _SEAL_COLUMNS} for s in seals])
