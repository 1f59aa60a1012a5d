"""Writing the general path: a batch (a payroll, an income split), a hold's resolution, or
anything on SQLite. Its transfers are inserted in one statement whose size does not grow with
the batch, and sealed with the insert under the chain heads' lock."""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, text
from sqlalchemy.orm import Session

from .base import is_postgresql
from .models import Transfer
from .operations import Row, detached
from .sealing import content_hash_of, extend_chains, lock_heads, write_seals


def insert_chained(db: Session, rows: list[Row], *, load: bool = True) -> list[Transfer]:
    """Insert the transfers and their seals: the chain heads are locked (the last of all
    locks, held until the commit) and each ledger's chain extended over them in order. A
    batch moves each head once, however many transfers it holds."""
    params = [
        {**row.values, "ledger_id": row.ledger_id, "payload_hash": row.payload_hash,
         "content_hash": content_hash_of(row.values)}
        for row in rows
    ]  # fmt: skip
    seals = [{"ledger_id": p["ledger_id"], "content_hash": p["content_hash"]} for p in params]
    extend_chains(db, lock_heads(db, sorted({p["ledger_id"] for p in params})), seals)
    made: list[Transfer] = []
    if is_postgresql(db):
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
    write_seals(db, seals)
    return made


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
    return ids, [detached(db, p, new_id) for p, new_id in zip(params, ids, strict=True)]
