"""The wage run in the back office: a payroll uploaded by one member of staff, previewed line
by line with its split, and paid only when another approves it (maker-checker).

    preview_payroll(db, csv_text, *, prison_id, rules) -> list[PayrollLine]   (changes nothing)
    upload_payroll(db, actor, csv_text, *, key, prison_id) -> Payroll
    approve_payroll(db, actor, payroll_id, *, prison_id, rules) -> WageRun
    reject_payroll(db, actor, payroll_id, note, *, prison_id) -> Payroll
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger

from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, InvalidInput, NotFound
from ...people.models import Inmate, LegalStatus
from ...words import word
from ..models import Payroll, PayrollStatus
from .accounts import inmate_accounts
from .income import debts_remaining_cents
from .payroll import WageRun, parse_payroll, wage_run


@dataclass(frozen=True)
class PayrollLine:
    line: int
    prison_number: str
    name: str
    amount_cents: int
    split: ledger.Split | None  # None: no such inmate in this prison
    problem: str = ""


def preview_payroll(
    db: Session, csv_text: str, *, prison_id: int, rules: ledger.IncomeRules
) -> list[PayrollLine]:
    """Every line with the split it would get now (balances change until it is paid)."""
    lines = []
    for wage in parse_payroll(csv_text):
        inmate = db.scalar(
            select(Inmate).where(
                Inmate.prison_number == wage.prison_number, Inmate.prison_id == prison_id
            )
        )
        if inmate is None:
            lines.append(PayrollLine(wage.line, wage.prison_number, "", wage.amount_cents, None,
                                     "no such inmate in this prison"))  # fmt: skip
            continue
        split = ledger.split_income(
            wage.amount_cents,
            convicted=inmate.legal_status == LegalStatus.CONVICTED,
            debts_remaining_cents=debts_remaining_cents(db, inmate),
            release_fund_cents=inmate_accounts(db, inmate).release_fund.posted_cents,
            rules=rules,
        )
        name = f"{inmate.first_name} {inmate.last_name}"
        lines.append(PayrollLine(wage.line, wage.prison_number, name, wage.amount_cents, split))
    return lines


def _staff(actor: Actor) -> None:
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("a payroll is uploaded and approved by a named member of staff")


def upload_payroll(
    db: Session, actor: Actor, csv_text: str, *, key: str, prison_id: int
) -> Payroll:
    _staff(actor)
    key = " ".join(key.split())
    if not 3 <= len(key) <= 100:
        raise InvalidInput("name the payroll (3 to 100 characters), e.g. wages-2026-11")
    wages = parse_payroll(csv_text)
    if db.scalar(select(Payroll.id).where(Payroll.key == key)):
        raise Conflict("a payroll named %(key)s was uploaded before: each is paid once", key=key)
    payroll = Payroll(
        prison_id=prison_id,
        key=key,
        csv_text=csv_text,
        lines=len(wages),
        total_cents=sum(w.amount_cents for w in wages),
        status=PayrollStatus.PENDING.value,
        entered_by_id=actor.id,
        entered_by=actor.name,
        decided_by="",
    )
    db.add(payroll)
    db.flush()
    record(db, actor, "money.payroll_uploaded", target_type="prison", target_id=prison_id,
           payroll_id=payroll.id, key=key, lines=payroll.lines,
           total_cents=payroll.total_cents)  # fmt: skip
    return payroll


def _pending(db: Session, payroll_id: int, prison_id: int | None) -> Payroll:
    payroll = db.get(Payroll, payroll_id, with_for_update=True)
    if payroll is None or (prison_id is not None and payroll.prison_id != prison_id):
        raise NotFound("no payroll %(payroll)s", payroll=payroll_id)
    if payroll.status != PayrollStatus.PENDING:
        raise Conflict(
            "payroll %(key)s is %(status)s already by %(name)s",
            key=payroll.key,
            status=word(payroll.status),
            name=payroll.decided_by,
        )
    return payroll


def approve_payroll(
    db: Session,
    actor: Actor,
    payroll_id: int,
    *,
    prison_id: int | None = None,
    rules: ledger.IncomeRules,
) -> WageRun:
    """The second person approves: every line is paid now, with its split, as one operation."""
    _staff(actor)
    payroll = _pending(db, payroll_id, prison_id)
    if payroll.entered_by_id == actor.id or payroll.entered_by == actor.name:
        raise Forbidden(
            "you uploaded payroll %(key)s, so you cannot approve it: another member of "
            "staff must (maker-checker)",
            key=payroll.key,
        )
    run = wage_run(db, actor, payroll.csv_text, key=payroll.key, prison_id=payroll.prison_id,
                   rules=rules)  # fmt: skip
    payroll.status = PayrollStatus.PAID.value
    payroll.decided_by = actor.name
    payroll.decided_at = datetime.now(UTC)
    db.flush()
    return run


def reject_payroll(
    db: Session, actor: Actor, payroll_id: int, note: str, *, prison_id: int | None = None
) -> Payroll:
    _staff(actor)
    if len(" ".join(note.split())) < 3:
        raise InvalidInput("say why it is rejected")
    payroll = _pending(db, payroll_id, prison_id)
    payroll.status = PayrollStatus.REJECTED.value
    payroll.decided_by = actor.name
    payroll.decided_at = datetime.now(UTC)
    # The name may be used again for the corrected payroll.
    payroll.key = f"{payroll.key}:rejected:{payroll.id}"[:100]
    db.flush()
    record(db, actor, "money.payroll_rejected", target_type="prison",
           target_id=payroll.prison_id, payroll_id=payroll.id, note=note[:200])  # fmt: skip
    return payroll


def payrolls(db: Session, prison_id: int, *, limit: int = 50) -> list[Payroll]:
    return list(
        db.scalars(
            select(Payroll)
            .where(Payroll.prison_id == prison_id)
            .order_by(Payroll.id.desc())
            .limit(limit)
        )
    )
