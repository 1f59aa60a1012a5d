"""What the journal is asked to do (a transfer request, a hold's resolution) and the row each
becomes: its values, the canonical text its hashes cover, and its ORM object once inserted."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, configure_mappers, make_transient_to_detached

from .errors import InvalidAmount
from .models import Transfer, TransferKind


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
class Row:
    """A transfer worked out in memory before it is written."""

    values: dict[str, Any]
    payload_hash: str
    ledger_id: int = 0


def check_amount(amount: int) -> None:
    if not isinstance(amount, int) or isinstance(amount, bool) or amount <= 0:
        raise InvalidAmount(f"an amount must be a whole number of cents above 0, got {amount!r}")


def row_values(
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


def canonical(parts: list[Any]) -> str:
    return json.dumps(parts, ensure_ascii=False, separators=(",", ":"))


def detached(db: Session, values: dict[str, Any], new_id: int) -> Transfer:
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
