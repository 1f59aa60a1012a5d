"""A bank statement (camt.053, or an Estonian bank's CSV statement) or notification (camt.054)
imported: every booked entry stored once under the bank's entry reference, money in credited
to the inmate it names (through the family deposits' security checks and the income split),
anything else waiting for an accountant with the reason."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import String, insert, select
from sqlalchemy.orm import Session

import ledger
from ledger import Transfer, TransferCode, TransferRequest

from ...accounts import deposits
from ...accounts.csvimport import StatementLine
from ...accounts.models import Deposit, DepositStatus
from ...audit.services import Actor, record
from ...db import matching
from ...money.services import inmate_accounts, money_ledger, prison_account
from ...people.models import Inmate, Prison
from ..camt import CamtEntry, CamtStatement, parse_camt
from ..estonian_csv import parse_estonian_csv
from ..models import BankEntry, BankStatement, EntryStatus, OutgoingPayment, PaymentStatus
from .matching import PrisonInmates


@dataclass(frozen=True)
class EntryOutcome:
    entry: CamtEntry
    # credit | hold | wait | refuse | reversal | payment | duplicate | skip | error
    action: str
    reason: str = ""
    prison_number: str = ""


@dataclass(frozen=True)
class CamtImport:
    kind: str
    statements: list[CamtStatement]
    outcomes: list[EntryOutcome]

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def credited_cents(self) -> int:
        return sum(o.entry.amount_cents for o in self.outcomes if o.action == "credit")


def _known(db: Session, references: list[str]) -> set[str]:
    found: set[str] = set()
    for condition in matching(db, BankEntry.entry_reference, references, String):
        found.update(db.scalars(select(BankEntry.entry_reference).where(condition)))
    return found


def statement_line(n: int, entry: CamtEntry, prison_number: str) -> StatementLine:
    return StatementLine(
        line=n,
        booked_on=entry.booked_on,
        amount_cents=entry.amount_cents,
        sender_name=entry.counterparty_name,
        sender_account=entry.counterparty_account,
        bank_reference=entry.reference,
        prison_number=prison_number,
        message=(entry.text or entry.reference_number)[:500],
    )


def import_camt(
    db: Session,
    actor: Actor,
    prison: Prison,
    data: bytes,
    *,
    rules: deposits.SecurityRules,
    income: ledger.IncomeRules,
    preview: bool = False,
) -> CamtImport:
    """Import (or, with `preview`, only show what importing would do) a camt.053 or camt.054
    file. An entry imported before, from this file or an overlapping one, is not booked again."""
    return _import(
        db, actor, prison, parse_camt(data), data, rules=rules, income=income, preview=preview
    )


def import_bank_file(
    db: Session,
    actor: Actor,
    prison: Prison,
    data: bytes,
    *,
    rules: deposits.SecurityRules,
    income: ledger.IncomeRules,
    preview: bool = False,
) -> CamtImport:
    """import_camt for any statement the bank gives: a camt.053 or camt.054 file (XML), or an
    Estonian bank's CSV statement, matched and booked alike. The bank's archive reference is
    the key of an entry in both, so a CSV and a camt file of the same days book it once."""
    start = data.removeprefix(b"\xef\xbb\xbf").lstrip()
    xml = start.startswith(b"<") or data[:2] in (b"\xff\xfe", b"\xfe\xff")
    statements = parse_camt(data) if xml else parse_estonian_csv(data)
    return _import(db, actor, prison, statements, data, rules=rules, income=income, preview=preview)


def _import(
    db: Session,
    actor: Actor,
    prison: Prison,
    statements: list[CamtStatement],
    data: bytes,
    *,
    rules: deposits.SecurityRules,
    income: ledger.IncomeRules,
    preview: bool,
) -> CamtImport:
    if not preview:
        # One import at a time per prison (as for CSV statements): the security checks count
        # what is stored, and the same file imported twice at once must find its entries.
        db.execute(select(Prison.id).where(Prison.id == prison.id).with_for_update())
    currency = money_ledger(db, prison.id).currency
    every = [e for s in statements for e in s.entries]
    known = _known(db, [e.reference for e in every if e.reference])
    inmates = PrisonInmates(db, prison.id)
    digest = hashlib.sha256(data).hexdigest()
    outcomes: dict[int, EntryOutcome] = {}
    rows: list[dict[str, Any]] = []
    lines: dict[str, tuple[int, dict[str, Any] | None]] = {}
    reversals: list[tuple[int, dict[str, Any] | None]] = []
    seen: set[str] = set()
    n = 0
    for statement in statements:
        row = None if preview else _statement_row(db, actor, prison, statement, digest)
        for entry in statement.entries:
            n += 1
            if entry.error:
                outcomes[n] = EntryOutcome(entry, "error", entry.error)
                continue
            if not entry.booked:
                outcomes[n] = EntryOutcome(entry, "skip", "not booked yet; import it when booked")
                continue
            if entry.reference in known or entry.reference in seen:
                outcomes[n] = EntryOutcome(entry, "duplicate", "imported before; not booked again")
                continue
            seen.add(entry.reference)
            stored = None if row is None else _entry_row(prison, row, entry)
            if stored is not None:
                rows.append(stored)
            if entry.currency != currency:
                why = (
                    f"the amount is in {entry.currency or 'no currency'}, the books are in "
                    f"{currency}: return it to the sender or book it by hand"
                )
                outcomes[n] = _decide(entry, stored, "refuse", EntryStatus.REFUSED, why)
            elif entry.direction == "debit" and entry.reversal:
                reversals.append((n, stored))
            elif entry.direction == "debit":
                outcomes[n] = _money_out(db, entry, stored, preview)
            elif entry.reversal:
                why = "a payment of ours came back (returned by the payee's bank)"
                outcomes[n] = _decide(entry, stored, "wait", EntryStatus.WAITING, why)
            else:
                match = inmates.match(entry)
                if match.inmate_id is None:
                    outcomes[n] = _decide(entry, stored, "wait", EntryStatus.WAITING, match.how)
                else:
                    if stored is not None:
                        stored["inmate_id"] = match.inmate_id
                    lines[entry.reference] = (n, stored)
                    outcomes[n] = EntryOutcome(entry, "credit", match.how, match.prison_number)
    _clear(db, actor, prison, [r for r in rows if r["status"] != EntryStatus.REFUSED])
    _deposit(db, actor, prison, lines, outcomes, rules=rules, income=income, preview=preview)
    if rows:
        # One insert for the whole statement (thousands of entries): the table's, since the
        # ORM's leaves out the None values and so splits rows of other shapes into many.
        db.execute(insert(BankEntry.__table__), rows)
    for n, stored in reversals:
        row = None
        if stored is not None:
            row = db.scalar(
                select(BankEntry).where(BankEntry.entry_reference == stored["entry_reference"])
            )
        outcomes[n] = _reversal(db, actor, prison, every[n - 1], row, preview)
    result = CamtImport(statements[0].kind, statements, [outcomes[i] for i in sorted(outcomes)])
    if not preview:
        db.flush()
        record(
            db,
            actor,
            "bank.statement_imported",
            target_type="prison",
            target_id=prison.id,
            kind=result.kind,
            statements=[s.statement_ref for s in statements],
            sha256=digest,
            **{a: result.count(a) for a in ("credit", "hold", "wait", "refuse", "duplicate")},
        )
    return result


def _statement_row(
    db: Session, actor: Actor, prison: Prison, statement: CamtStatement, digest: str
) -> BankStatement:
    row = db.scalar(
        select(BankStatement).where(
            BankStatement.prison_id == prison.id,
            BankStatement.account_iban == statement.account_iban,
            BankStatement.statement_ref == statement.statement_ref,
        )
    )
    if row is not None:
        return row
    row = BankStatement(
        prison_id=prison.id,
        message_kind=statement.kind,
        statement_ref=statement.statement_ref or f"no id {digest[:16]}",
        account_iban=statement.account_iban,
        currency=statement.currency[:3],
        from_on=statement.from_on,
        to_on=statement.to_on,
        opening_cents=statement.opening_cents,
        closing_cents=statement.closing_cents,
        entries=len(statement.entries),
        file_sha256=digest,
        imported_by=actor.name,
        explained_cents=0,
        explanation="",
        explained_by="",
    )
    db.add(row)
    db.flush()
    return row


def _entry_row(prison: Prison, statement: BankStatement, entry: CamtEntry) -> dict[str, Any]:
    assert entry.booked_on is not None
    return {
        "entry_reference": entry.reference,
        "prison_id": prison.id,
        "statement_id": statement.id,
        "booked_on": entry.booked_on,
        "amount_cents": entry.amount_cents,
        "currency": entry.currency[:3],
        "direction": entry.direction,
        "reversal": entry.reversal,
        "end_to_end_id": entry.end_to_end_id,
        "counterparty_name": entry.counterparty_name,
        "counterparty_account": entry.counterparty_account,
        "reference_number": entry.reference_number,
        "text": entry.text,
        # Until decided below (a reversal waits until its original is found).
        "status": EntryStatus.WAITING.value if entry.reversal else EntryStatus.DEPOSIT.value,
        "reason": "",
        "inmate_id": None,
        "deposit_id": None,
        "payment_id": None,
        "decided_by": "",
        "decided_at": None,
    }


def _decide(
    entry: CamtEntry,
    stored: dict[str, Any] | BankEntry | None,
    action: str,
    status: EntryStatus,
    why: str,
) -> EntryOutcome:
    if isinstance(stored, dict):
        stored.update(status=status.value, reason=why[:500])
    elif stored is not None:
        stored.status = status.value
        stored.reason = why[:500]
    return EntryOutcome(entry, action, why)


def _clear(db: Session, actor: Actor, prison: Prison, rows: list[dict[str, Any]]) -> None:
    """Book the money that arrived on the ledger's bank account, as the bank booked it: one
    transfer bank -> family deposits for the import's new credits (on to each inmate when
    matched). Money out was booked when its payment was approved."""
    credits = [r for r in rows if r["direction"] == "credit"]
    if not credits:
        return
    references = sorted(r["entry_reference"] for r in credits)
    days = sorted({r["booked_on"] for r in credits})
    ledger.transfer(
        db,
        # The new entries name the transfer: a re-import has none, an overlap only its own.
        key="bank-in:" + hashlib.sha256("\n".join(references).encode()).hexdigest()[:40],
        debit_account_id=prison_account(db, prison.id, "bank").id,
        credit_account_id=prison_account(db, prison.id, "family_deposits").id,
        amount_cents=sum(r["amount_cents"] for r in credits),
        code=TransferCode.BANK_RECEIPT,
        requested_by=actor.name,
        reason=(
            f"received at the bank: {len(credits)} payments booked {days[0].isoformat()}"
            + (f" to {days[-1].isoformat()}" if len(days) > 1 else "")
            + f", from {references[0]}"
        )[:500],
        reference=references[0][:100],
    )


def _deposit(
    db: Session,
    actor: Actor,
    prison: Prison,
    lines: dict[str, tuple[int, dict[str, Any] | None]],
    outcomes: dict[int, EntryOutcome],
    *,
    rules: deposits.SecurityRules,
    income: ledger.IncomeRules,
    preview: bool,
) -> None:
    """The matched credits through the family deposits' checks: credited, held for security,
    or (an inmate released, a closed month) waiting for an accountant."""
    if not lines:
        return
    statement_lines = [
        statement_line(n, outcomes[n].entry, outcomes[n].prison_number) for n, _ in lines.values()
    ]
    if preview:
        done = deposits.preview_lines(db, prison, statement_lines, rules=rules)
    else:
        batch = "C" + hashlib.sha256("".join(lines).encode()).hexdigest()[:16]
        done = deposits.import_lines(
            db, actor, prison, statement_lines, batch=batch, rules=rules, income=income
        ).outcomes
    for outcome in done:
        n, stored = lines[outcome.line.bank_reference]
        was = outcomes[n]
        if outcome.action in ("credit", "hold"):
            reason = "; ".join([was.reason, *outcome.reasons])
            action = outcome.action
        elif outcome.action == "duplicate":
            reason, action = f"{was.reason}; {outcome.message}", "duplicate"
        else:
            reason, action = f"{was.reason}, but {outcome.message}", "wait"
        if stored is not None:
            stored["deposit_id"] = outcome.deposit_id
            if action == "wait":
                stored["status"] = EntryStatus.WAITING.value
            stored["reason"] = reason[:500]
        outcomes[n] = EntryOutcome(was.entry, action, reason, was.prison_number)


def _money_out(
    db: Session, entry: CamtEntry, stored: dict[str, Any] | None, preview: bool
) -> EntryOutcome:
    payment = (
        db.scalar(
            select(OutgoingPayment).where(OutgoingPayment.end_to_end_id == entry.end_to_end_id)
        )
        if entry.end_to_end_id
        else None
    )
    if payment is None or payment.amount_cents != entry.amount_cents:
        why = "money out that Cellgate did not send (a bank fee?): explain it"
        return _decide(entry, stored, "wait", EntryStatus.WAITING, why)
    if not preview and stored is not None:
        if payment.status == PaymentStatus.IN_FILE:
            payment.status = PaymentStatus.EXECUTED.value
        stored["payment_id"] = payment.id
    why = f"payment P{payment.id} to {payment.payee_name} executed"
    return _decide(entry, stored, "payment", EntryStatus.PAYMENT, why)


def _reversal(
    db: Session,
    actor: Actor,
    prison: Prison,
    entry: CamtEntry,
    stored: BankEntry | None,
    preview: bool,
) -> EntryOutcome:
    """The bank took back an earlier credit: the money leaves the ledger's bank account again,
    and what the inmate was credited is taken back (unless spent: then an accountant decides)."""
    original = (
        db.scalar(
            select(BankEntry).where(
                BankEntry.end_to_end_id == entry.end_to_end_id,
                BankEntry.direction == "credit",
                BankEntry.reversal.is_(False),
                BankEntry.amount_cents == entry.amount_cents,
                BankEntry.status.in_([EntryStatus.DEPOSIT.value, EntryStatus.WAITING.value]),
            )
        )
        if entry.end_to_end_id
        else None
    )
    if original is None:
        why = "the bank took back a payment Cellgate cannot find (no such end-to-end id)"
        return _decide(entry, stored, "wait", EntryStatus.WAITING, why)
    why = f"the bank reversed entry {original.entry_reference}"
    if preview or stored is None:
        return EntryOutcome(entry, "reversal", why)
    deposit = db.get(Deposit, original.deposit_id) if original.deposit_id else None
    if deposit is not None and deposit.status in (DepositStatus.CREDITED, DepositStatus.RELEASED):
        spent = _take_back(db, actor, prison, deposit, entry.reference)
        if spent:
            return _decide(entry, stored, "wait", EntryStatus.WAITING, f"{why}, but {spent}")
    elif deposit is not None and deposit.status == DepositStatus.HELD:
        deposit.status = DepositStatus.RETURNED.value
        deposit.decided_by = actor.name
        deposit.decided_at = datetime.now(UTC)
        deposit.decision_reason = f"reversed by the bank ({entry.reference})"
    ledger.transfer(
        db,
        key=f"bank-out:{entry.reference}",
        debit_account_id=prison_account(db, prison.id, "family_deposits").id,
        credit_account_id=prison_account(db, prison.id, "bank").id,
        amount_cents=entry.amount_cents,
        code=TransferCode.BANK_PAYMENT,
        requested_by=actor.name,
        reason=f"reversed by the bank: {original.entry_reference}",
        reference=entry.reference,
    )
    original.status = EntryStatus.REVERSED.value
    original.reason = f"reversed by the bank in {entry.reference}"
    return _decide(entry, stored, "reversal", EntryStatus.REVERSAL, why)


def _take_back(db: Session, actor: Actor, prison: Prison, deposit: Deposit, reference: str) -> str:
    """Each part of the deposit's split back to the family deposits; or, if the inmate has
    spent some, nothing and the reason."""
    key = deposit.ledger_key
    parts = list(
        db.scalars(
            select(Transfer).where(Transfer.key.in_([key, f"{key}:debts", f"{key}:release_fund"]))
        )
    )
    inmate = db.get(Inmate, deposit.inmate_id)
    assert inmate is not None
    accounts = inmate_accounts(db, inmate)
    available = {
        a.id: a.posted_cents - a.pending_debits_cents
        for a in (accounts.spendable, accounts.release_fund, accounts.debts)
    }
    if any(available[t.credit_account_id] < t.amount_cents for t in parts):
        return f"{inmate.prison_number} has spent it already: an accountant decides"
    clearing = prison_account(db, prison.id, "family_deposits")
    ledger.apply(
        db,
        [
            TransferRequest(
                key=f"reversal:{reference}:{n}",
                debit_account_id=t.credit_account_id,
                credit_account_id=clearing.id,
                amount_cents=t.amount_cents,
                code=TransferCode.CORRECTION,
                reason=f"the bank took back deposit {deposit.bank_reference}",
                reference=reference,
            )
            for n, t in enumerate(parts)
        ],
        requested_by=actor.name,
    )
    deposit.decision_reason = f"reversed by the bank ({reference})"
    return ""
