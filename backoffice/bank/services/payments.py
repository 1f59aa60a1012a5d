"""Money leaving the prison's bank account: release payouts, deposits returned to their
senders and the debt share paid to creditors. One member of staff enters a payment, another
approves it (only then does the ledger move, visible in the journal), and each approved
payment goes into exactly one pain.001 file for the bank.

    enter_release_payout(db, actor, inmate, *, amount_cents, payee_name, payee_iban)
    enter_return(db, actor, prison, *, deposit_id=None, entry_id=None)
    enter_debt_payouts(db, actor, prison) -> list[OutgoingPayment]
    approve_payment(db, actor, payment_id, *, prison_id) / reject_payment(...)
    write_payment_file(db, actor, prison, debtor, *, today) -> PaymentFile
"""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from ledger import TransferCode

from ...accounts.models import Deposit, DepositStatus
from ...audit.services import Actor, record
from ...errors import Cents, Conflict, Forbidden, InvalidInput, NotFound
from ...money.models import Debt
from ...money.services import inmate_accounts, prison_account
from ...people.models import Inmate, Prison
from ...words import word
from ..models import (
    PAYMENT_TRANSITIONS,
    BankEntry,
    EntryStatus,
    OutgoingPayment,
    PaymentFile,
    PaymentKind,
    PaymentStatus,
)
from ..pain001 import Debtor, Payment, validate_pain001, write_pain001
from ..reference import iban_problem, normalise
from .waiting import settle


def _staff(actor: Actor) -> None:
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("payments are entered and approved by a named member of staff")


def _new(
    db: Session,
    actor: Actor,
    *,
    prison_id: int,
    kind: PaymentKind,
    source_key: str,
    amount_cents: int,
    payee_name: str,
    payee_iban: str,
    remittance: str,
    inmate_id: int | None = None,
    debt_id: int | None = None,
) -> OutgoingPayment:
    _staff(actor)
    if amount_cents <= 0:
        raise InvalidInput("a payment is a positive amount")
    payee_name = " ".join(payee_name.split())
    if not payee_name:
        raise InvalidInput("name who receives the payment")
    if problem := iban_problem(payee_iban):
        raise InvalidInput("the payee's account: %(problem)s", problem=problem)
    if db.scalar(select(OutgoingPayment.id).where(OutgoingPayment.source_key == source_key)):
        raise Conflict(
            "a payment for %(key)s was entered already: each is paid once", key=source_key
        )
    payment = OutgoingPayment(
        prison_id=prison_id,
        kind=kind.value,
        source_key=source_key,
        inmate_id=inmate_id,
        debt_id=debt_id,
        payee_name=payee_name[:140],
        payee_iban=normalise(payee_iban).upper(),
        amount_cents=amount_cents,
        remittance=" ".join(remittance.split())[:140],
        end_to_end_id=f"CG{secrets.token_hex(12).upper()}",
        status=PaymentStatus.PENDING.value,
        entered_by_id=actor.id,
        entered_by=actor.name,
        decided_by="",
        transfer_ids="",
    )
    db.add(payment)
    db.flush()
    record(
        db,
        actor,
        "bank.payment_entered",
        target_type="payment",
        target_id=payment.id,
        kind=kind.value,
        amount_cents=amount_cents,
        source=source_key,
    )
    return payment


def enter_release_payout(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    amount_cents: int,
    payee_name: str,
    payee_iban: str,
) -> OutgoingPayment:
    """The release fund (or part of it) to the inmate's own account at release."""
    if problem := iban_problem(payee_iban):
        raise InvalidInput("the payee's account: %(problem)s", problem=problem)
    held = inmate_accounts(db, inmate).release_fund.posted_cents
    if amount_cents > held:
        raise Conflict(
            "%(number)s's release fund holds %(held)s only",
            number=inmate.prison_number,
            held=Cents(held),
        )
    count = db.scalar(
        select(func.count()).where(
            OutgoingPayment.inmate_id == inmate.id,
            OutgoingPayment.kind == PaymentKind.RELEASE_PAYOUT.value,
        )
    )
    return _new(
        db,
        actor,
        prison_id=inmate.prison_id,
        kind=PaymentKind.RELEASE_PAYOUT,
        source_key=f"release:{inmate.id}:{int(count or 0) + 1}",
        amount_cents=amount_cents,
        payee_name=payee_name,
        payee_iban=payee_iban,
        remittance=f"release fund {inmate.prison_number}",
        inmate_id=inmate.id,
    )


def enter_return(
    db: Session,
    actor: Actor,
    prison: Prison,
    *,
    deposit_id: int | None = None,
    entry_id: int | None = None,
) -> OutgoingPayment:
    """Send money back to whoever sent it: a deposit the security officer returned, or a bank
    entry no inmate could be found for."""
    if deposit_id is not None:
        deposit = db.get(Deposit, deposit_id)
        if deposit is None or deposit.prison_id != prison.id:
            raise NotFound("no deposit %(deposit)s", deposit=deposit_id)
        if deposit.status != DepositStatus.RETURNED:
            raise Conflict(
                "deposit %(deposit)s is %(status)s: only a returned one is sent back",
                deposit=deposit_id,
                status=word(deposit.status),
            )
        return _new(db, actor, prison_id=prison.id, kind=PaymentKind.RETURN_TO_SENDER,
                    source_key=f"deposit:{deposit.id}", amount_cents=deposit.amount_cents,
                    payee_name=deposit.sender_name, payee_iban=deposit.sender_account,
                    remittance=f"returned: your payment {deposit.bank_reference}",
                    inmate_id=deposit.inmate_id)  # fmt: skip
    entry = db.get(BankEntry, entry_id) if entry_id is not None else None
    if entry is None or entry.prison_id != prison.id:
        raise NotFound("no bank entry %(entry)s", entry=entry_id)
    if entry.status != EntryStatus.WAITING or entry.direction != "credit":
        raise Conflict(
            "bank entry %(entry)s is %(status)s: only waiting money in is returned",
            entry=entry.id,
            status=word(entry.status),
        )
    return _new(db, actor, prison_id=prison.id, kind=PaymentKind.RETURN_TO_SENDER,
                source_key=f"entry:{entry.id}", amount_cents=entry.amount_cents,
                payee_name=entry.counterparty_name, payee_iban=entry.counterparty_account,
                remittance=f"returned: your payment {entry.entry_reference}")  # fmt: skip


def debts_paid(db: Session, debt_ids: list[int]) -> dict[int, int]:
    """Per debt: what has been paid, or approved to be paid, to its creditor."""
    if not debt_ids:
        return {}
    rows = db.execute(
        select(OutgoingPayment.debt_id, func.sum(OutgoingPayment.amount_cents))
        .where(
            OutgoingPayment.debt_id.in_(debt_ids),
            OutgoingPayment.status != PaymentStatus.REJECTED.value,
        )
        .group_by(OutgoingPayment.debt_id)
    ).all()
    return {int(debt_id): int(cents) for debt_id, cents in rows}


def enter_debt_payouts(db: Session, actor: Actor, prison: Prison) -> list[OutgoingPayment]:
    """What each inmate's debts account holds, paid to the creditors: debts in order of their
    priority (then the oldest first), none beyond what it still owes, none without a payee."""
    _staff(actor)
    made: list[OutgoingPayment] = []
    debts = list(
        db.scalars(
            select(Debt)
            .join(Inmate, Inmate.id == Debt.inmate_id)
            .where(Inmate.prison_id == prison.id, Debt.payee_iban != "")
            .order_by(Debt.inmate_id, Debt.priority, Debt.id)
        )
    )
    paid = debts_paid(db, [d.id for d in debts])
    by_inmate: dict[int, list[Debt]] = {}
    for debt in debts:
        by_inmate.setdefault(debt.inmate_id, []).append(debt)
    for inmate_id, theirs in by_inmate.items():
        inmate = db.get(Inmate, inmate_id)
        assert inmate is not None
        set_aside = inmate_accounts(db, inmate).debts.posted_cents
        waiting = db.scalar(
            select(func.coalesce(func.sum(OutgoingPayment.amount_cents), 0)).where(
                OutgoingPayment.inmate_id == inmate_id,
                OutgoingPayment.kind == PaymentKind.CREDITOR_PAYOUT.value,
                OutgoingPayment.status == PaymentStatus.PENDING.value,
            )
        )
        available = set_aside - int(waiting or 0)
        for debt in theirs:
            owed = debt.amount_cents - paid.get(debt.id, 0)
            cents = min(owed, available)
            if cents <= 0:
                continue
            count = db.scalar(select(func.count()).where(OutgoingPayment.debt_id == debt.id))
            made.append(
                _new(
                    db,
                    actor,
                    prison_id=prison.id,
                    kind=PaymentKind.CREDITOR_PAYOUT,
                    source_key=f"debt:{debt.id}:{int(count or 0) + 1}",
                    amount_cents=cents,
                    payee_name=debt.payee_name,
                    payee_iban=debt.payee_iban,
                    remittance=f"{debt.decision_reference or debt.description} "
                    f"{inmate.last_name} {inmate.first_name}",
                    inmate_id=inmate_id,
                    debt_id=debt.id,
                )
            )
            available -= cents
            paid[debt.id] = paid.get(debt.id, 0) + cents
    return made


def _pending(db: Session, payment_id: int, prison_id: int | None) -> OutgoingPayment:
    payment = db.scalar(
        select(OutgoingPayment).where(OutgoingPayment.id == payment_id).with_for_update()
    )
    if payment is None or (prison_id is not None and payment.prison_id != prison_id):
        raise NotFound("no payment %(payment)s", payment=payment_id)
    if payment.status != PaymentStatus.PENDING:
        raise Conflict(
            "payment P%(payment)s is %(status)s already",
            payment=payment.id,
            status=word(payment.status),
        )
    return payment


def _move(payment: OutgoingPayment, actor: Actor, status: PaymentStatus) -> None:
    assert status in PAYMENT_TRANSITIONS[PaymentStatus(payment.status)]
    payment.status = status.value
    payment.decided_by = actor.name
    payment.decided_at = datetime.now(UTC)


def approve_payment(
    db: Session, actor: Actor, payment_id: int, *, prison_id: int | None = None
) -> OutgoingPayment:
    """The second person approves: the money leaves the inmate's (or the clearing) account for
    the bank account now, in the journal; the payment waits for the next payment file."""
    _staff(actor)
    payment = _pending(db, payment_id, prison_id)
    if payment.entered_by_id == actor.id or payment.entered_by == actor.name:
        raise Forbidden(
            "you entered payment P%(payment)s, so you cannot approve it: another member of "
            "staff must (maker-checker)",
            payment=payment.id,
        )
    bank = prison_account(db, payment.prison_id, "bank")
    kind = PaymentKind(payment.kind)
    if kind == PaymentKind.RETURN_TO_SENDER:
        source, code = (
            prison_account(db, payment.prison_id, "family_deposits"),
            TransferCode.BANK_PAYMENT,
        )
        _entry_returned(db, payment, actor)
    else:
        assert payment.inmate_id is not None
        inmate = db.get(Inmate, payment.inmate_id)
        assert inmate is not None
        accounts = inmate_accounts(db, inmate)
        if kind == PaymentKind.RELEASE_PAYOUT:
            source, code = accounts.release_fund, TransferCode.RELEASE_PAYOUT
        else:
            source, code = accounts.debts, TransferCode.CREDITOR_PAYOUT
    moved = ledger.transfer(
        db,
        key=f"payment:{payment.id}",
        debit_account_id=source.id,
        credit_account_id=bank.id,
        amount_cents=payment.amount_cents,
        code=code,
        requested_by=actor.name,
        reason=(
            f"{kind.value.replace('_', ' ')} P{payment.id} to {payment.payee_name} "
            f"{payment.payee_iban}: {payment.remittance} (entered by {payment.entered_by}, "
            f"approved by {actor.name})"
        )[:500],
        reference=f"D{payment.debt_id}" if payment.debt_id else payment.end_to_end_id,
    )
    payment.transfer_ids = str(moved.id)
    _move(payment, actor, PaymentStatus.APPROVED)
    db.flush()
    record(
        db,
        actor,
        "bank.payment_approved",
        target_type="payment",
        target_id=payment.id,
        amount_cents=payment.amount_cents,
        transfer_id=moved.id,
        entered_by=payment.entered_by,
    )
    return payment


def _entry_returned(db: Session, payment: OutgoingPayment, actor: Actor) -> None:
    if payment.source_key.startswith("entry:"):
        entry = db.get(BankEntry, int(payment.source_key.split(":")[1]), with_for_update=True)
        assert entry is not None
        if entry.status != EntryStatus.WAITING:
            raise Conflict(
                "bank entry %(entry)s is %(status)s now: it cannot be returned",
                entry=entry.id,
                status=word(entry.status),
            )
        settle(entry, actor, EntryStatus.RETURNED, f"returned to its sender in P{payment.id}")


def reject_payment(
    db: Session, actor: Actor, payment_id: int, note: str, *, prison_id: int | None = None
) -> OutgoingPayment:
    _staff(actor)
    note = " ".join(note.split())
    if len(note) < 3:
        raise InvalidInput("say why it is rejected")
    payment = _pending(db, payment_id, prison_id)
    _move(payment, actor, PaymentStatus.REJECTED)
    # The source may be paid again by a new payment.
    payment.source_key = f"{payment.source_key}:rejected:{payment.id}"[:100]
    db.flush()
    record(db, actor, "bank.payment_rejected", target_type="payment", target_id=payment.id,
           note=note)  # fmt: skip
    return payment


def payments(
    db: Session, prison_id: int, *, status: str = "", limit: int = 200
) -> list[OutgoingPayment]:
    stmt = select(OutgoingPayment).where(OutgoingPayment.prison_id == prison_id)
    if status:
        stmt = stmt.where(OutgoingPayment.status == status)
    return list(db.scalars(stmt.order_by(OutgoingPayment.id.desc()).limit(limit)))


def write_payment_file(
    db: Session, actor: Actor, prison: Prison, debtor: Debtor, *, today: date
) -> PaymentFile:
    """Every approved payment not yet in a file, into one pain.001 file (checked against the
    ISO 20022 schema before it is kept). A payment is in one file only."""
    _staff(actor)
    approved = list(
        db.scalars(
            select(OutgoingPayment)
            .where(
                OutgoingPayment.prison_id == prison.id,
                OutgoingPayment.status == PaymentStatus.APPROVED.value,
                OutgoingPayment.file_id.is_(None),
            )
            .order_by(OutgoingPayment.id)
            .with_for_update()
        )
    )
    if not approved:
        raise Conflict("no approved payment waits for a payment file")
    now = datetime.now(UTC)
    message_id = f"CG{prison.id}-{now:%Y%m%d%H%M%S}-{secrets.token_hex(3).upper()}"
    data = write_pain001(
        message_id,
        debtor,
        [
            Payment(p.end_to_end_id, p.amount_cents, p.payee_name, p.payee_iban, p.remittance)
            for p in approved
        ],
        created_at=now,
        execute_on=today,
    )
    problems = validate_pain001(data)
    if problems:
        raise InvalidInput(
            "the payment file does not pass the ISO 20022 schema: %(problems)s",
            problems="; ".join(problems[:3]),
        )
    written = PaymentFile(
        prison_id=prison.id,
        message_id=message_id,
        payments=len(approved),
        total_cents=sum(p.amount_cents for p in approved),
        xml=data.decode(),
        written_by=actor.name,
    )
    db.add(written)
    db.flush()
    for payment in approved:
        payment.file_id = written.id
        payment.status = PaymentStatus.IN_FILE.value
    db.flush()
    record(
        db,
        actor,
        "bank.payment_file_written",
        target_type="prison",
        target_id=prison.id,
        file_id=written.id,
        message_id=message_id,
        payments=[p.id for p in approved],
        total_cents=written.total_cents,
    )
    return written


def payment_files(db: Session, prison_id: int, *, limit: int = 50) -> list[PaymentFile]:
    return list(
        db.scalars(
            select(PaymentFile)
            .where(PaymentFile.prison_id == prison_id)
            .order_by(PaymentFile.id.desc())
            .limit(limit)
        )
    )
