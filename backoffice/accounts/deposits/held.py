"""Held deposits: a security officer other than the one who imported it releases one (credited
now) or returns it to the sender (nothing credited); and the lists of deposits."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger

from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, InvalidInput, NotFound
from ...people.models import InmateStatus
from ...staff.models import Role
from ...words import word
from ..models import DEPOSIT_TRANSITIONS, Deposit, DepositStatus
from ..services.common import newest
from .statement_import import _credit


def _held(db: Session, actor: Actor, deposit_id: int, prison_id: int | None) -> Deposit:
    if actor.kind != "staff" or Role.OFFICER.value not in actor.roles:
        raise Forbidden("only a security officer decides on held deposits")
    deposit = db.scalar(select(Deposit).where(Deposit.id == deposit_id).with_for_update())
    if deposit is None or (prison_id is not None and deposit.prison_id != prison_id):
        raise NotFound("no deposit %(deposit)s", deposit=deposit_id)
    # Maker-checker, whatever roles the officer also holds: the import is the making.
    if deposit.imported_by == actor.name:
        raise Forbidden(
            "you imported deposit %(deposit)s, so you cannot decide on it: another security "
            "officer must (maker-checker)",
            deposit=deposit_id,
        )
    if deposit.status != DepositStatus.HELD:
        raise Conflict(
            "deposit %(deposit)s is %(status)s (%(by)s); only a held deposit can be released or "
            "returned",
            deposit=deposit_id,
            status=word(deposit.status),
            by=deposit.decided_by or "—",
        )
    return deposit


def _decide(
    db: Session, deposit: Deposit, actor: Actor, status: DepositStatus, reason: str
) -> Deposit:
    """Record the officer's decision on the deposit, and audit it."""
    assert status in DEPOSIT_TRANSITIONS[DepositStatus(deposit.status)]
    deposit.status = status.value
    deposit.decided_by = actor.name
    deposit.decided_at = datetime.now(UTC)
    deposit.decision_reason = reason
    db.flush()
    record(
        db,
        actor,
        f"accounts.deposit_{status.value}",
        target_type="inmate",
        target_id=deposit.inmate_id,
        deposit_id=deposit.id,
        amount_cents=deposit.amount_cents,
        reason=reason,
    )
    return deposit


def _reason(reason: str) -> str:
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise InvalidInput("give the reason for the decision (at least 5 characters)")
    return reason[:500]


def release_deposit(
    db: Session,
    actor: Actor,
    deposit_id: int,
    reason: str,
    *,
    income: ledger.IncomeRules,
    prison_id: int | None = None,
) -> Deposit:
    """A security officer lets a held deposit through: it is credited now (split as usual)."""
    reason = _reason(reason)
    deposit = _held(db, actor, deposit_id, prison_id)
    inmate = deposit.inmate
    if inmate.status != InmateStatus.ACTIVE:
        raise Conflict(
            "%(number)s is %(status)s: return the deposit instead",
            number=inmate.prison_number,
            status=word(inmate.status),
        )
    _credit(db, actor, deposit, inmate, income)
    return _decide(db, deposit, actor, DepositStatus.RELEASED, reason)


def return_deposit(
    db: Session, actor: Actor, deposit_id: int, reason: str, *, prison_id: int | None = None
) -> Deposit:
    """A security officer sends a held deposit back to the sender: nothing is credited."""
    reason = _reason(reason)
    deposit = _held(db, actor, deposit_id, prison_id)
    return _decide(db, deposit, actor, DepositStatus.RETURNED, reason)


def deposits(
    db: Session, *, prison_id: int | None, status: str = "", limit: int = 200
) -> list[Deposit]:
    return newest(db, Deposit, prison_id=prison_id, status=status, limit=limit)


def held_count(db: Session, prison_id: int | None) -> int:
    stmt = select(func.count()).select_from(Deposit).where(Deposit.status == DepositStatus.HELD)
    if prison_id is not None:
        stmt = stmt.where(Deposit.prison_id == prison_id)
    return int(db.scalar(stmt) or 0)
