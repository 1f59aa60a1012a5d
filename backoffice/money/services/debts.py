"""Debts as the inmate and the accountant see them: each debt with what has been paid to its
creditor (the creditor payouts in the journal name the debt), and corrections of a debt's
amount under maker-checker.

    debts_of(db, inmate) -> list[DebtLine]
    enter_correction(db, actor, debt_id, *, new_amount_cents, reason) -> DebtCorrection
    approve_correction(db, actor, correction_id) / reject_correction(db, actor, id, note)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ledger import Transfer, TransferCode

from ...audit.services import Actor, record
from ...errors import Cents, Conflict, Forbidden, InvalidInput, NotFound
from ...people.models import Inmate
from ...staff.scope import scope_of
from ...words import word
from ..models import CorrectionStatus, Debt, DebtCorrection


@dataclass(frozen=True)
class DebtLine:
    debt: Debt
    paid_cents: int

    @property
    def remaining_cents(self) -> int:
        return max(self.debt.amount_cents - self.paid_cents, 0)


def debt_reference(debt_id: int) -> str:
    """What the journal's creditor payouts of a debt carry as their reference."""
    return f"D{debt_id}"


def paid_towards(db: Session, debt_ids: list[int]) -> dict[int, int]:
    if not debt_ids:
        return {}
    rows = db.execute(
        select(Transfer.reference, func.sum(Transfer.amount_cents))
        .where(
            Transfer.reference.in_([debt_reference(i) for i in debt_ids]),
            Transfer.code == TransferCode.CREDITOR_PAYOUT.value,
        )
        .group_by(Transfer.reference)
    ).all()
    return {int(reference[1:]): int(cents) for reference, cents in rows}


def debts_of(db: Session, inmate: Inmate) -> list[DebtLine]:
    debts = list(
        db.scalars(select(Debt).where(Debt.inmate_id == inmate.id).order_by(Debt.priority, Debt.id))
    )
    paid = paid_towards(db, [d.id for d in debts])
    return [DebtLine(d, paid.get(d.id, 0)) for d in debts]


def _staff(actor: Actor) -> None:
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("debts are corrected by a named member of staff")


def enter_correction(
    db: Session, actor: Actor, debt_id: int, *, new_amount_cents: int, reason: str
) -> DebtCorrection:
    """Say what a debt's amount should be (a court reduced it, a typing mistake); nothing
    changes until another member of staff approves."""
    _staff(actor)
    debt = _debt_in_scope(db, actor, debt_id)
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise InvalidInput("say why (at least 5 characters): the court's decision, the mistake")
    if new_amount_cents <= 0 or new_amount_cents == debt.amount_cents:
        raise InvalidInput("the corrected amount is above 0 and differs from the present one")
    correction = DebtCorrection(
        debt_id=debt.id,
        old_amount_cents=debt.amount_cents,
        new_amount_cents=new_amount_cents,
        reason=reason[:500],
        status=CorrectionStatus.PENDING.value,
        entered_by_id=actor.id,
        entered_by=actor.name,
        decided_by="",
    )
    db.add(correction)
    db.flush()
    record(db, actor, "money.debt_correction_entered", target_type="debt", target_id=debt.id,
           correction_id=correction.id, old_cents=debt.amount_cents,
           new_cents=new_amount_cents, reason=correction.reason)  # fmt: skip
    return correction


def _debt_in_scope(db: Session, actor: Actor, debt_id: int) -> Debt:
    """The debt, when its inmate is in a prison `actor` works in; NotFound otherwise."""
    found = db.execute(
        select(Debt, Inmate.prison_id).join(Inmate, Inmate.id == Debt.inmate_id)
        .where(Debt.id == debt_id)
    ).first()  # fmt: skip
    if found is None or not scope_of(db, actor).covers(found[1]):
        raise NotFound("no debt %(debt)s", debt=debt_id)
    return found[0]


def _pending(db: Session, actor: Actor, correction_id: int) -> DebtCorrection:
    correction = db.get(DebtCorrection, correction_id, with_for_update=True)
    if correction is None:
        raise NotFound("no debt correction %(correction)s", correction=correction_id)
    try:
        _debt_in_scope(db, actor, correction.debt_id)
    except NotFound:
        raise NotFound("no debt correction %(correction)s", correction=correction_id) from None
    if correction.status != CorrectionStatus.PENDING:
        raise Conflict(
            "correction %(correction)s is %(status)s already",
            correction=correction_id,
            status=word(correction.status),
        )
    return correction


def approve_correction(db: Session, actor: Actor, correction_id: int) -> Debt:
    _staff(actor)
    correction = _pending(db, actor, correction_id)
    if correction.entered_by_id == actor.id or correction.entered_by == actor.name:
        raise Forbidden(
            "you entered correction %(correction)s, so you cannot approve it: another member "
            "of staff must (maker-checker)",
            correction=correction.id,
        )
    debt = db.get(Debt, correction.debt_id, with_for_update=True)
    assert debt is not None
    if debt.amount_cents != correction.old_amount_cents:
        raise Conflict(
            "debt %(debt)s changed since the correction was entered: enter it again",
            debt=debt.id,
        )
    paid = paid_towards(db, [debt.id]).get(debt.id, 0)
    if correction.new_amount_cents < paid:
        raise Conflict(
            "%(paid)s has been paid towards debt %(debt)s already", paid=Cents(paid), debt=debt.id
        )
    debt.amount_cents = correction.new_amount_cents
    correction.status = CorrectionStatus.APPROVED.value
    correction.decided_by = actor.name
    correction.decided_at = datetime.now(UTC)
    db.flush()
    record(db, actor, "money.debt_corrected", target_type="debt", target_id=debt.id,
           correction_id=correction.id, old_cents=correction.old_amount_cents,
           new_cents=debt.amount_cents, entered_by=correction.entered_by)  # fmt: skip
    return debt


def reject_correction(db: Session, actor: Actor, correction_id: int, note: str) -> DebtCorrection:
    _staff(actor)
    if len(" ".join(note.split())) < 3:
        raise InvalidInput("say why it is rejected")
    correction = _pending(db, actor, correction_id)
    correction.status = CorrectionStatus.REJECTED.value
    correction.decided_by = actor.name
    correction.decided_at = datetime.now(UTC)
    db.flush()
    record(db, actor, "money.debt_correction_rejected", target_type="debt",
           target_id=correction.debt_id, correction_id=correction.id, note=note[:200])  # fmt: skip
    return correction


def pending_corrections(db: Session, prison_id: int) -> list[DebtCorrection]:
    return list(
        db.scalars(
            select(DebtCorrection)
            .join(Debt, Debt.id == DebtCorrection.debt_id)
            .join(Inmate, Inmate.id == Debt.inmate_id)
            .where(
                Inmate.prison_id == prison_id,
                DebtCorrection.status == CorrectionStatus.PENDING.value,
            )
            .order_by(DebtCorrection.id)
        )
    )


def prison_debts(db: Session, prison_id: int, *, limit: int = 300) -> list[DebtLine]:
    debts = list(
        db.scalars(
            select(Debt)
            .join(Inmate, Inmate.id == Debt.inmate_id)
            .where(Inmate.prison_id == prison_id)
            .order_by(Debt.id.desc())
            .limit(limit)
        )
    )
    paid = paid_towards(db, [d.id for d in debts])
    return [DebtLine(d, paid.get(d.id, 0)) for d in debts]
