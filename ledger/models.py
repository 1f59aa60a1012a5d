"""Ledger tables: ledgers (one per currency, carrying the head of the journal's hash chain),
accounts with cached balances, and the append-only journal of transfers.

An account's balance is its credits less its debits. Pending transfers (holds) count in the
pending columns until a later transfer posts, voids or expires them; that later transfer
names the hold in `pending_id`, which is unique, so a hold is resolved at most once.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import LedgerBase, UTCDateTime, utcnow

# A 64-bit key for the journal; SQLite only auto-increments INTEGER keys.
BIG_ID = BigInteger().with_variant(Integer(), "sqlite")
GENESIS_HASH = "0" * 64


class TransferCode(StrEnum):
    """Why money moved. Accounts may restrict which codes can debit them."""

    OPENING = "opening"
    DEPOSIT = "deposit"
    WAGE = "wage"
    DEBT_SHARE = "debt_share"
    RELEASE_FUND_SHARE = "release_fund_share"
    DEBT = "debt"
    ORDER_HOLD = "order_hold"
    ORDER_CAPTURE = "order_capture"
    REFUND = "refund"
    RELEASE_PAYOUT = "release_payout"
    CREDITOR_PAYOUT = "creditor_payout"
    CORRECTION = "correction"
    VISIT = "visit"
    BANK_RECEIPT = "bank_receipt"  # money arrived at the prison's bank account
    BANK_PAYMENT = "bank_payment"  # money left it (a payment sent, a credit the bank took back)
    MESSAGE = "message"
    PRISON_TRANSFER = "prison_transfer"  # an inmate's money carried to another prison's books


class TransferKind(StrEnum):
    SINGLE = "single"  # posted at once
    PENDING = "pending"  # a hold: counts as pending until resolved
    POST = "post"  # resolves a hold: posts all of it or a part
    VOID = "void"  # resolves a hold: releases it
    EXPIRE = "expire"  # resolves a hold whose time ran out


RESOLUTIONS = (TransferKind.POST, TransferKind.VOID, TransferKind.EXPIRE)


class Ledger(LedgerBase):
    __tablename__ = "ledger_ledgers"
    # Room for the head's many updates in place: the migration sets a fillfactor.
    __table_args__ = ({"postgresql_with": {"fillfactor": 10}},)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    currency: Mapped[str] = mapped_column(String(3))
    # The head of the journal's hash chain: the last transfer's sequence and hash.
    head_sequence: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Account(LedgerBase):
    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("ledger_id", "code"),
        # What a transfer's two sides refer to: an account in the transfer's own ledger.
        Index("uq_ledger_accounts_id_ledger_id", "id", "ledger_id", unique=True),
        CheckConstraint(
            "posted_debits_cents >= 0 AND posted_credits_cents >= 0 "
            "AND pending_debits_cents >= 0 AND pending_credits_cents >= 0",
            name="totals_not_negative",
        ),
        # The second line of defence behind the service's check, under any concurrency.
        CheckConstraint(
            "NOT no_overdraft OR "
            "posted_credits_cents - posted_debits_cents - pending_debits_cents >= 0",
            name="no_overdraft",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ledger_id: Mapped[int] = mapped_column(ForeignKey("ledger_ledgers.id"))
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    no_overdraft: Mapped[bool] = mapped_column(Boolean, default=False)
    closed: Mapped[bool] = mapped_column(Boolean, default=False)
    # Comma-separated transfer codes allowed to debit this account; NULL allows every code.
    debit_codes: Mapped[str | None] = mapped_column(String(300))
    posted_debits_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    posted_credits_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_debits_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    pending_credits_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def posted_cents(self) -> int:
        return self.posted_credits_cents - self.posted_debits_cents

    @property
    def available_cents(self) -> int:
        return self.posted_cents - self.pending_debits_cents

    def may_be_debited_by(self, code: str) -> bool:
        return self.debit_codes is None or code in self.debit_codes.split(",")


class Transfer(LedgerBase):
    """One line of the journal. Never updated or deleted (triggers refuse it). Its place in its
    ledger's hash chain is its `Seal`: written with it, or, for a single transfer on
    PostgreSQL, by the sealer a moment after its commit."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        CheckConstraint("amount_cents > 0", name="amount_positive"),
        CheckConstraint("debit_account_id <> credit_account_id", name="two_accounts"),
        CheckConstraint("kind IN ('single', 'pending', 'post', 'void', 'expire')", name="kind"),
        CheckConstraint(
            "(pending_id IS NULL) = (kind IN ('single', 'pending'))", name="resolution_names_hold"
        ),
        # Both sides are accounts of the transfer's ledger. (`ledger_id` refers to no ledger row
        # itself: that check would share-lock the row every commit of the ledger updates.)
        ForeignKeyConstraint(
            ["debit_account_id", "ledger_id"], ["ledger_accounts.id", "ledger_accounts.ledger_id"]
        ),
        ForeignKeyConstraint(
            ["credit_account_id", "ledger_id"], ["ledger_accounts.id", "ledger_accounts.ledger_id"]
        ),
        # An account's transfers in the order they happened: ids are taken under the account's
        # lock, so per account they follow the order of commits.
        Index("ix_ledger_transfers_debit", "debit_account_id", "id"),
        Index("ix_ledger_transfers_credit", "credit_account_id", "id"),
        # A hold is resolved at most once. Only resolutions name a hold: the index leaves out
        # the other transfers (most of them), which would all be inserted at one spot.
        Index(
            "uq_ledger_transfers_pending_id",
            "pending_id",
            unique=True,
            postgresql_where=text("pending_id IS NOT NULL"),
            sqlite_where=text("pending_id IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    ledger_id: Mapped[int] = mapped_column(Integer)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(8))
    code: Mapped[str] = mapped_column(String(32), index=True)
    debit_account_id: Mapped[int] = mapped_column(Integer)
    credit_account_id: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    pending_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfers.id"))
    requested_by: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(String(500))
    reference: Mapped[str] = mapped_column(String(100), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # SHA-256 of the transfer's contents (`sealing.content_of`), written with the row.
    content_hash: Mapped[str] = mapped_column(String(64))
    seal: Mapped[Seal | None] = relationship(viewonly=True)

    @property
    def sequence(self) -> int | None:
        """Its place in the ledger's hash chain; None while it waits for its seal."""
        return self.seal.sequence if self.seal else None

    @property
    def chain_hash(self) -> str | None:
        """The chain's hash up to and with it; None while it waits for its seal."""
        return self.seal.chain_hash if self.seal else None


class Seal(LedgerBase):
    """A transfer's place in its ledger's hash chain: its `sequence` and the chain's hash up
    to and with it (`sealing.chain_link` of the one before and its `content_hash`). Written
    once and never updated or deleted, like the journal (the migration's triggers refuse it)."""

    __tablename__ = "ledger_seals"
    __table_args__ = (UniqueConstraint("ledger_id", "sequence"),)

    transfer_id: Mapped[int] = mapped_column(
        BIG_ID, ForeignKey("ledger_transfers.id"), primary_key=True, autoincrement=False
    )
    ledger_id: Mapped[int] = mapped_column(Integer)
    sequence: Mapped[int] = mapped_column(BigInteger)
    chain_hash: Mapped[str] = mapped_column(String(64))


class SealQueue(LedgerBase):
    """A transfer waiting for its seal (PostgreSQL): the single-transfer statement writes its
    entry with the transfer, and the sealer (`sealing.seal_waiting`) takes every committed
    entry at once, seals those transfers in id order and deletes the entries.
    It refers to nothing, so that writing an entry locks no row. On SQLite nothing waits."""

    __tablename__ = "ledger_seal_queue"

    transfer_id: Mapped[int] = mapped_column(BIG_ID, primary_key=True, autoincrement=False)
    ledger_id: Mapped[int] = mapped_column(Integer)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime(), server_default=func.now())
