"""The bank's tables: imported statements and their entries, payments approved to leave the
account, and the payment files (pain.001) that carried them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import BIG_ID, Base, UTCDateTime, utcnow
from ..people.models import Inmate, one_of


class BankStatement(Base):
    """One statement (camt.053) or notification (camt.054) of one bank account. Imported again,
    it is the same row: the bank's statement id is the key."""

    __tablename__ = "bank_statements"
    __table_args__ = (UniqueConstraint("prison_id", "account_iban", "statement_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    message_kind: Mapped[str] = mapped_column(String(16))  # camt.053 | camt.054
    statement_ref: Mapped[str] = mapped_column(String(100))
    account_iban: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3))
    from_on: Mapped[date | None] = mapped_column(Date)
    to_on: Mapped[date | None] = mapped_column(Date)
    # Booked balances at the start and the end (camt.054 has none).
    opening_cents: Mapped[int | None] = mapped_column(BigInteger)
    closing_cents: Mapped[int | None] = mapped_column(BigInteger)
    entries: Mapped[int] = mapped_column(Integer, default=0)
    file_sha256: Mapped[str] = mapped_column(String(64))
    imported_by: Mapped[str] = mapped_column(String(200))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # A difference from the ledger, explained by an accountant (the amount it explains).
    explained_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    explanation: Mapped[str] = mapped_column(String(500), default="")
    explained_by: Mapped[str] = mapped_column(String(200), default="")
    explained_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class EntryStatus(StrEnum):
    DEPOSIT = "deposit"  # a credit that became a family deposit (credited or held)
    WAITING = "waiting"  # waits for an accountant: `reason` says why
    REFUSED = "refused"  # never booked (another currency): `reason` says why
    REVERSAL = "reversal"  # the bank took back an earlier credit
    REVERSED = "reversed"  # an earlier credit the bank took back
    PAYMENT = "payment"  # money out that Cellgate sent (a pain.001 payment executed)
    RETURNED = "returned"  # a credit an accountant sent back to its sender
    EXPLAINED = "explained"  # money out Cellgate did not send, explained by an accountant


class BankEntry(Base):
    """One booked entry of a statement. The bank's entry reference is unique: an entry seen
    in a second statement (an overlap, a re-import) is never booked twice."""

    __tablename__ = "bank_entries"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("direction IN ('credit', 'debit')", name="direction"),
        CheckConstraint(one_of("status", EntryStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    entry_reference: Mapped[str] = mapped_column(String(100), unique=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("bank_statements.id"), index=True)
    booked_on: Mapped[date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    direction: Mapped[str] = mapped_column(String(6))
    reversal: Mapped[bool] = mapped_column(Boolean, default=False)
    end_to_end_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    counterparty_name: Mapped[str] = mapped_column(String(200), default="")
    counterparty_account: Mapped[str] = mapped_column(String(64), default="")
    reference_number: Mapped[str] = mapped_column(String(35), default="")
    text: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    reason: Mapped[str] = mapped_column(String(500), default="")
    inmate_id: Mapped[int | None] = mapped_column(ForeignKey("inmates.id"), index=True)
    deposit_id: Mapped[int | None] = mapped_column(BigInteger)
    payment_id: Mapped[int | None] = mapped_column(Integer)
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    inmate: Mapped[Inmate | None] = relationship()


class PaymentKind(StrEnum):
    RELEASE_PAYOUT = "release_payout"  # the release fund, to the released inmate's account
    RETURN_TO_SENDER = "return_to_sender"  # a deposit (or bank entry) sent back
    CREDITOR_PAYOUT = "creditor_payout"  # the debt share, to the court or bailiff


class PaymentStatus(StrEnum):
    PENDING = "pending"  # entered; waits for a second person
    APPROVED = "approved"  # the money has moved in the ledger; waits for a payment file
    IN_FILE = "in_file"  # written into a pain.001 file
    EXECUTED = "executed"  # seen leaving the account on a bank statement
    REJECTED = "rejected"


PAYMENT_TRANSITIONS: dict[PaymentStatus, frozenset[PaymentStatus]] = {
    PaymentStatus.PENDING: frozenset({PaymentStatus.APPROVED, PaymentStatus.REJECTED}),
    PaymentStatus.APPROVED: frozenset({PaymentStatus.IN_FILE}),
    PaymentStatus.IN_FILE: frozenset({PaymentStatus.EXECUTED}),
    PaymentStatus.EXECUTED: frozenset(),
    PaymentStatus.REJECTED: frozenset(),
}


class OutgoingPayment(Base):
    """Money to leave the prison's bank account: entered by one member of staff, approved by
    another (only then does the ledger move), then written once into a payment file."""

    __tablename__ = "bank_payments"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint(one_of("kind", PaymentKind), name="kind"),
        CheckConstraint(one_of("status", PaymentStatus), name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    # What it pays, once: "deposit:12", "entry:7", "debt:3:2026-12-03", "release:5".
    source_key: Mapped[str] = mapped_column(String(100), unique=True)
    inmate_id: Mapped[int | None] = mapped_column(ForeignKey("inmates.id"), index=True)
    debt_id: Mapped[int | None] = mapped_column(ForeignKey("inmate_debts.id"), index=True)
    payee_name: Mapped[str] = mapped_column(String(140))
    payee_iban: Mapped[str] = mapped_column(String(34))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    remittance: Mapped[str] = mapped_column(String(140))
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    status: Mapped[str] = mapped_column(String(16), default=PaymentStatus.PENDING.value)
    entered_by_id: Mapped[int | None] = mapped_column(Integer)
    entered_by: Mapped[str] = mapped_column(String(200))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    transfer_ids: Mapped[str] = mapped_column(String(200), default="")
    file_id: Mapped[int | None] = mapped_column(ForeignKey("bank_payment_files.id"), index=True)

    inmate: Mapped[Inmate | None] = relationship()


class PaymentFile(Base):
    """A pain.001 credit transfer initiation written for the bank, kept as written."""

    __tablename__ = "bank_payment_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    message_id: Mapped[str] = mapped_column(String(35), unique=True)
    payments: Mapped[int] = mapped_column(Integer)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    xml: Mapped[str] = mapped_column(Text)
    written_by: Mapped[str] = mapped_column(String(200))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
