"""The accountant's tables: family deposits read from bank statements (credited, or held for a
security officer), manual corrections and payouts under maker-checker, closed months, and the
record of which released inmates have been pseudonymised.

Ledger ids (accounts, transfers) are kept as plain integers: the ledger's tables live in another
metadata, and its journal is append-only anyway.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import BIG_ID, Base, UTCDateTime, utcnow
from ..people.models import Inmate, one_of


class DepositStatus(StrEnum):
    CREDITED = "credited"  # passed the checks and was credited at import
    HELD = "held"  # waiting for a security officer
    RELEASED = "released"  # held, then credited by a security officer
    RETURNED = "returned"  # held, then sent back to the sender by a security officer


# A held deposit is decided once: released or returned.
DEPOSIT_TRANSITIONS: dict[DepositStatus, frozenset[DepositStatus]] = {
    DepositStatus.HELD: frozenset({DepositStatus.RELEASED, DepositStatus.RETURNED}),
    DepositStatus.CREDITED: frozenset(),
    DepositStatus.RELEASED: frozenset(),
    DepositStatus.RETURNED: frozenset(),
}


class Deposit(Base):
    """One line of a bank statement: money a family member sent to an inmate."""

    __tablename__ = "accounting_deposits"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(one_of("status", DepositStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    # The bank's own reference of the statement line: one line is credited at most once.
    bank_reference: Mapped[str] = mapped_column(String(100), unique=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    booked_on: Mapped[date] = mapped_column(Date, index=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    sender_name: Mapped[str] = mapped_column(String(200))
    # The sender's account number (IBAN), upper case without spaces; the security rules count
    # senders by it (by name when a bank gives none).
    sender_account: Mapped[str] = mapped_column(String(64), index=True)
    message: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16))
    # Why it was held: the security rules it met, in words.
    hold_reasons: Mapped[list[str]] = mapped_column(JSON, default=list)
    import_batch: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str] = mapped_column(String(500), default="")
    # The ledger key the money was (or will be) credited under: derived from the bank reference.
    ledger_key: Mapped[str] = mapped_column(String(200))

    inmate: Mapped[Inmate] = relationship()


class EntryKind(StrEnum):
    RELEASE_PAYOUT = "release_payout"  # the release fund paid out (cash office) on release
    CREDITOR_PAYOUT = "creditor_payout"  # money set aside for debts paid to the creditor
    CORRECTION = "correction"  # a mistake put right by a transfer, never by an edit


class EntryStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ManualEntry(Base):
    """A manual money movement: entered by one member of staff, moved only when another
    approves it (maker-checker)."""

    __tablename__ = "accounting_manual_entries"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(one_of("kind", EntryKind), name="kind"),
        CheckConstraint(one_of("status", EntryStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    debit_account_id: Mapped[int] = mapped_column(BigInteger)
    credit_account_id: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    reason: Mapped[str] = mapped_column(String(500))
    # The accounting date: it must not fall in a closed month.
    effective_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default=EntryStatus.PENDING.value, index=True)
    entered_by_id: Mapped[int | None] = mapped_column()
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column()
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_note: Mapped[str] = mapped_column(String(500), default="")
    transfer_id: Mapped[int | None] = mapped_column(BigInteger)

    inmate: Mapped[Inmate] = relationship()


class MonthClose(Base):
    """A closed month of one prison: no manual entry or deposit may be dated in it any more.
    Keeps the chain head and the trial balance's totals as they were at the close."""

    __tablename__ = "accounting_month_closes"
    __table_args__ = (UniqueConstraint("prison_id", "month_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"))
    # The first day of the month.
    month_on: Mapped[date] = mapped_column(Date)
    closed_by: Mapped[str] = mapped_column(String(200))
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    chain_sequence: Mapped[int] = mapped_column(BigInteger)
    chain_hash: Mapped[str] = mapped_column(String(64))
    totals: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class Pseudonymisation(Base):
    """A released inmate whose personal data the retention run replaced by a pseudonym."""

    __tablename__ = "accounting_pseudonymisations"

    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(32))
    done_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    done_by: Mapped[str] = mapped_column(String(200))
