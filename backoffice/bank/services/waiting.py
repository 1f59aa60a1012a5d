"""The accountant's decisions on what a statement left waiting: whose money a credit is
(`assign_entry`), or why it is nobody's (`explain_entry`); `settle` closes an entry either way."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger

from ...accounts import deposits
from ...audit.services import Actor, record
from ...errors import Conflict, InvalidInput, NotFound
from ...people.models import Inmate, Prison
from ...words import word
from ..camt import CamtEntry
from ..models import BankEntry, EntryStatus
from .statements import EntryOutcome, statement_line


def waiting_entries(db: Session, prison_id: int, *, limit: int = 200) -> list[BankEntry]:
    return list(
        db.scalars(
            select(BankEntry)
            .where(BankEntry.prison_id == prison_id, BankEntry.status == EntryStatus.WAITING)
            .order_by(BankEntry.booked_on, BankEntry.id)
            .limit(limit)
        )
    )


def recent_entries(db: Session, prison_id: int, *, limit: int = 100) -> list[BankEntry]:
    return list(
        db.scalars(
            select(BankEntry)
            .where(BankEntry.prison_id == prison_id)
            .order_by(BankEntry.id.desc())
            .limit(limit)
        )
    )


def _waiting(db: Session, entry_id: int, prison_id: int) -> BankEntry:
    entry = db.scalar(select(BankEntry).where(BankEntry.id == entry_id).with_for_update())
    if entry is None or entry.prison_id != prison_id:
        raise NotFound("no bank entry %(entry)s", entry=entry_id)
    if entry.status != EntryStatus.WAITING:
        raise Conflict(
            "bank entry %(entry)s is %(status)s, it waits for nothing",
            entry=entry_id,
            status=word(entry.status),
        )
    return entry


def settle(entry: BankEntry, actor: Actor, status: EntryStatus, reason: str) -> None:
    """A waiting entry decided by a member of staff: what it is now, why, who, when."""
    entry.status = status.value
    entry.reason = reason[:500]
    entry.decided_by = actor.name
    entry.decided_at = datetime.now(UTC)


def _note(text: str) -> str:
    note = " ".join(text.split())
    if len(note) < 5:
        raise InvalidInput("say why (at least 5 characters): it goes on the record")
    return note[:500]


def assign_entry(
    db: Session,
    actor: Actor,
    prison: Prison,
    entry_id: int,
    prison_number: str,
    note: str,
    *,
    rules: deposits.SecurityRules,
    income: ledger.IncomeRules,
) -> EntryOutcome:
    """An accountant says whose money a waiting credit is: it becomes a family deposit (through
    the same security checks) or, if it still cannot, keeps waiting with the reason."""
    note = _note(note)
    entry = _waiting(db, entry_id, prison.id)
    if entry.direction != "credit" or entry.reversal:
        raise Conflict("bank entry %(entry)s is not money in for an inmate", entry=entry_id)
    inmate = db.scalar(
        select(Inmate).where(
            Inmate.prison_number == prison_number.strip().upper(), Inmate.prison_id == prison.id
        )
    )
    if inmate is None:
        raise NotFound(
            "no inmate %(number)s in %(prison)s", number=prison_number, prison=prison.name
        )
    parsed = CamtEntry(
        reference=entry.entry_reference,
        booked_on=entry.booked_on,
        amount_cents=entry.amount_cents,
        currency=entry.currency,
        direction="credit",
        reversal=False,
        booked=True,
        counterparty_name=entry.counterparty_name,
        counterparty_account=entry.counterparty_account,
        text=entry.text,
    )
    [outcome] = deposits.import_lines(
        db,
        actor,
        prison,
        [statement_line(1, parsed, inmate.prison_number)],
        batch=f"E{entry.id}",
        rules=rules,
        income=income,
    ).outcomes
    if outcome.action not in ("credit", "hold"):
        raise Conflict(
            "bank entry %(entry)s cannot be credited: %(reason)s",
            entry=entry_id,
            reason=outcome.message,
        )
    entry.inmate_id = inmate.id
    entry.deposit_id = outcome.deposit_id
    settle(entry, actor, EntryStatus.DEPOSIT, f"assigned by {actor.name}: {note}")
    db.flush()
    record(
        db,
        actor,
        "bank.entry_assigned",
        target_type="inmate",
        target_id=inmate.id,
        entry_id=entry.id,
        amount_cents=entry.amount_cents,
        result=outcome.action,
        note=note,
    )
    return EntryOutcome(parsed, outcome.action, "; ".join(outcome.reasons), inmate.prison_number)


def explain_entry(db: Session, actor: Actor, prison: Prison, entry_id: int, note: str) -> BankEntry:
    """Money out Cellgate did not send (a bank fee), or a refused entry, explained."""
    note = _note(note)
    entry = _waiting(db, entry_id, prison.id)
    if entry.direction == "credit" and not entry.reversal:
        raise Conflict(
            "bank entry %(entry)s is money in: assign it to an inmate or return it to the sender",
            entry=entry_id,
        )
    settle(entry, actor, EntryStatus.EXPLAINED, f"explained by {actor.name}: {note}")
    db.flush()
    record(
        db,
        actor,
        "bank.entry_explained",
        target_type="bank_entry",
        target_id=entry.id,
        amount_cents=entry.amount_cents,
        note=note,
    )
    return entry
