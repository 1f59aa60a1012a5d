"""Idempotency keys: every money-moving call carries one. A retry (the same keys with the same
payloads) returns the first result; a key used before for another payload is refused. The keys
are looked up after the account locks, so a concurrent retry waits for the first and finds it."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import UTC
from typing import Any

from sqlalchemy import String, select
from sqlalchemy.orm import Session

from .base import matching
from .errors import IdempotencyConflict, LedgerError
from .models import Transfer
from .operations import Operation, Resolution, canonical

KEY_MAX = 200


def check_keys(keys: list[str]) -> None:
    """Before anything is read: one key per operation, each of 1 to `KEY_MAX` characters."""
    if len(set(keys)) != len(keys):
        raise IdempotencyConflict("one batch names the same idempotency key twice")
    for key in keys:
        if not key or len(key) > KEY_MAX:
            raise LedgerError(f"an idempotency key must be 1 to {KEY_MAX} characters")


def payload_hash(op: Operation) -> str:
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
    return hashlib.sha256(canonical(parts).encode()).hexdigest()


def existing(db: Session, keys: list[str]) -> dict[str, Transfer]:
    """The transfers already made under any of these keys, by key."""
    found: dict[str, Transfer] = {}
    for condition in matching(db, Transfer.key, keys, String):
        found.update((t.key, t) for t in db.scalars(select(Transfer).where(condition)))
    return found


def replay(
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
