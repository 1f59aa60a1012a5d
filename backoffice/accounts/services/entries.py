"""Manual payouts and corrections under maker-checker: one member of staff enters an entry,
another approves it (only then does the money move) or rejects it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from ledger import Account, TransferCode

from ...audit.services import Actor, record
from ...errors import Conflict, Forbidden, InvalidInput, NotFound
from ...money.services import PRISON_ACCOUNTS, inmate_accounts, prison_account
from ...people.models import Inmate
from ...words import word
from ..models import EntryKind, EntryStatus, ManualEntry
from .access import require_keeper
from .common import INMATE_PARTS, local_today, newest
from .month_close import refuse_closed_month

CREDITOR_ACCOUNTS = ("court_fines", "victim_compensation")


@dataclass(frozen=True)
class EntryAccounts:
    debit: Account
    credit: Account
    code: TransferCode


def entry_accounts(
    db: Session,
    inmate: Inmate,
    kind: str,
    *,
    part: str = "",
    counter: str = "",
    direction: str = "",
) -> EntryAccounts:
    """Which accounts a manual entry moves money between, by its kind."""
    mine = inmate_accounts(db, inmate)
    if kind == EntryKind.RELEASE_PAYOUT:
        if counter not in ("", "cash", "bank"):
            raise InvalidInput("a release payout is paid from the cash office or the bank")
        if part not in ("", "release_fund", "spendable"):
            raise InvalidInput("a release payout pays out the release fund or the spendable money")
        cash = prison_account(db, inmate.prison_id, counter or "cash")
        paid_from = mine.spendable if part == "spendable" else mine.release_fund
        return EntryAccounts(paid_from, cash, TransferCode.RELEASE_PAYOUT)
    if kind == EntryKind.CREDITOR_PAYOUT:
        if counter not in CREDITOR_ACCOUNTS:
            raise InvalidInput(
                "a creditor payout goes to a creditor: one of %(creditors)s",
                creditors=", ".join(CREDITOR_ACCOUNTS),
            )
        creditor = prison_account(db, inmate.prison_id, counter)
        return EntryAccounts(mine.debts, creditor, TransferCode.CREDITOR_PAYOUT)
    if kind == EntryKind.CORRECTION:
        if part not in INMATE_PARTS:
            raise InvalidInput(
                "a correction names the inmate's account: %(parts)s", parts=", ".join(INMATE_PARTS)
            )
        if counter not in PRISON_ACCOUNTS:
            raise InvalidInput(
                "a correction names the prison's account: %(accounts)s",
                accounts=", ".join(PRISON_ACCOUNTS),
            )
        inmate_side = getattr(mine, part)
        prison_side = prison_account(db, inmate.prison_id, counter)
        if direction == "to_inmate":
            return EntryAccounts(prison_side, inmate_side, TransferCode.CORRECTION)
        if direction == "from_inmate":
            return EntryAccounts(inmate_side, prison_side, TransferCode.CORRECTION)
        raise InvalidInput("a correction goes to_inmate or from_inmate")
    raise InvalidInput("unknown kind of entry “%(kind)s”", kind=kind)


def create_entry(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    kind: str,
    amount_cents: int,
    reason: str,
    effective_on: date,
    part: str = "",
    counter: str = "",
    direction: str = "",
    today: date | None = None,
) -> ManualEntry:
    """Enter a payout or correction. Nothing moves until another person approves it."""
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("manual entries are made by a named member of staff")
    require_keeper(db, actor, inmate.prison_id)
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise InvalidInput("the amount must be above 0")
    reason = " ".join(reason.split())
    if len(reason) < 5:
        raise InvalidInput("say why (at least 5 characters): the reason goes into the journal")
    today = today or local_today(inmate.prison.timezone)
    if effective_on > today:
        raise InvalidInput("an entry cannot be dated in the future")
    refuse_closed_month(db, inmate.prison_id, effective_on, "a manual entry")
    accounts = entry_accounts(db, inmate, kind, part=part, counter=counter, direction=direction)
    entry = ManualEntry(
        prison_id=inmate.prison_id,
        inmate_id=inmate.id,
        kind=kind,
        debit_account_id=accounts.debit.id,
        credit_account_id=accounts.credit.id,
        amount_cents=amount_cents,
        reason=reason[:500],
        effective_on=effective_on,
        status=EntryStatus.PENDING.value,
        entered_by_id=actor.id,
        entered_by=actor.name,
        decided_by="",
        decision_note="",
    )
    db.add(entry)
    db.flush()
    record(
        db,
        actor,
        "accounts.entry_entered",
        target_type="inmate",
        target_id=inmate.id,
        entry_id=entry.id,
        kind=kind,
        amount_cents=amount_cents,
        debit=accounts.debit.code,
        credit=accounts.credit.code,
    )
    return entry


def _pending_entry(db: Session, entry_id: int) -> ManualEntry:
    entry = db.scalar(select(ManualEntry).where(ManualEntry.id == entry_id).with_for_update())
    if entry is None:
        raise NotFound("no manual entry %(entry)s", entry=entry_id)
    if entry.status != EntryStatus.PENDING:
        raise Conflict(
            "entry %(entry)s was %(status)s already by %(by)s",
            entry=entry_id,
            status=word(entry.status),
            by=entry.decided_by,
        )
    return entry


def _same_person(entry: ManualEntry, actor: Actor) -> bool:
    return (entry.entered_by_id is not None and entry.entered_by_id == actor.id) or (
        entry.entered_by == actor.name
    )


def approve_entry(
    db: Session, actor: Actor, entry_id: int, *, prison_id: int | None = None
) -> ManualEntry:
    """The checker approves: only now does the money move. The maker may not approve.
    A Forbidden from here has written nothing but its audit row: the page commits it."""
    if actor.kind != "staff" or actor.id is None:
        raise Forbidden("manual entries are approved by a named member of staff")
    entry = _pending_entry(db, entry_id)
    if prison_id is not None and entry.prison_id != prison_id:
        raise NotFound("no manual entry %(entry)s", entry=entry_id)
    require_keeper(db, actor, entry.prison_id)
    if _same_person(entry, actor):
        record(
            db,
            actor,
            "accounts.entry_approval_refused",
            target_type="manual_entry",
            target_id=entry.id,
            outcome="refused",
            why="maker-checker: the person who entered it",
        )
        raise Forbidden(
            "you entered entry %(entry)s, so you cannot approve it: another member of staff "
            "must check it (maker-checker)",
            entry=entry.id,
        )
    refuse_closed_month(db, entry.prison_id, entry.effective_on, "this entry")
    kind_code = {
        EntryKind.RELEASE_PAYOUT: TransferCode.RELEASE_PAYOUT,
        EntryKind.CREDITOR_PAYOUT: TransferCode.CREDITOR_PAYOUT,
        EntryKind.CORRECTION: TransferCode.CORRECTION,
    }[EntryKind(entry.kind)]
    moved = ledger.transfer(
        db,
        key=f"manual-entry:{entry.id}",
        debit_account_id=entry.debit_account_id,
        credit_account_id=entry.credit_account_id,
        amount_cents=entry.amount_cents,
        code=kind_code,
        requested_by=actor.name,
        reason=(
            f"{entry.kind.replace('_', ' ')} M{entry.id} of {entry.effective_on.isoformat()}: "
            f"{entry.reason} (entered by {entry.entered_by}, approved by {actor.name})"
        )[:500],
        reference=f"M{entry.id}",
    )
    entry.status = EntryStatus.APPROVED.value
    entry.decided_by_id = actor.id
    entry.decided_by = actor.name
    entry.decided_at = datetime.now(UTC)
    entry.transfer_id = moved.id
    db.flush()
    record(
        db,
        actor,
        "accounts.entry_approved",
        target_type="manual_entry",
        target_id=entry.id,
        inmate_id=entry.inmate_id,
        amount_cents=entry.amount_cents,
        transfer_id=moved.id,
        entered_by=entry.entered_by,
    )
    return entry


def reject_entry(
    db: Session, actor: Actor, entry_id: int, note: str, *, prison_id: int | None = None
) -> ManualEntry:
    entry = _pending_entry(db, entry_id)
    if prison_id is not None and entry.prison_id != prison_id:
        raise NotFound("no manual entry %(entry)s", entry=entry_id)
    require_keeper(db, actor, entry.prison_id)
    note = " ".join(note.split())
    if len(note) < 3:
        raise InvalidInput("say why it is rejected")
    entry.status = EntryStatus.REJECTED.value
    entry.decided_by_id = actor.id
    entry.decided_by = actor.name
    entry.decided_at = datetime.now(UTC)
    entry.decision_note = note[:500]
    db.flush()
    record(
        db,
        actor,
        "accounts.entry_rejected",
        target_type="manual_entry",
        target_id=entry.id,
        note=entry.decision_note,
    )
    return entry


def entries(
    db: Session, *, prison_id: int | None, status: str = "", limit: int = 200
) -> list[ManualEntry]:
    return newest(db, ManualEntry, prison_id=prison_id, status=status, limit=limit)
