"""Double-entry prison money. Imports SQLAlchemy only: no Flask, nothing else of Cellgate's.

Money is whole cents. Every transfer debits one account and credits another of the same ledger,
so a ledger's balances always sum to zero. Holds are pending transfers, later posted (in full or
in part), voided or expired exactly once. Every money-moving call carries an idempotency key.
The journal is append-only and hash-chained. Calls flush; the caller commits.
"""

from .accounts import (
    account_by_code,
    close_account,
    insert_missing_accounts,
    open_account,
    open_ledger,
)
from .errors import (
    AccountClosed,
    CodeNotAllowed,
    HoldExpired,
    HoldNotPending,
    IdempotencyConflict,
    InsufficientFunds,
    InvalidAmount,
    LedgerError,
    PostExceedsHold,
    UnknownAccount,
)
from .income import IncomeRules, Split, split_income
from .journal import apply, apply_many, expire_pending, post_pending, transfer, void_pending
from .models import Account, Ledger, Seal, SealQueue, Transfer, TransferCode, TransferKind
from .operations import Resolution, TransferRequest
from .reports import (
    Balance,
    ChainReport,
    Statement,
    StatementLine,
    balance,
    check,
    statement,
    trial_balance,
    verify_chain,
)
from .sealing import SEAL_BATCH, seal_waiting
from .totals import LockedAccount, lock_accounts

__all__ = [
    "SEAL_BATCH",
    "Account",
    "AccountClosed",
    "Balance",
    "ChainReport",
    "CodeNotAllowed",
    "HoldExpired",
    "HoldNotPending",
    "IdempotencyConflict",
    "IncomeRules",
    "InsufficientFunds",
    "InvalidAmount",
    "Ledger",
    "LedgerError",
    "LockedAccount",
    "PostExceedsHold",
    "Resolution",
    "Seal",
    "SealQueue",
    "Split",
    "Statement",
    "StatementLine",
    "Transfer",
    "TransferCode",
    "TransferKind",
    "TransferRequest",
    "UnknownAccount",
    "account_by_code",
    "apply",
    "apply_many",
    "balance",
    "check",
    "close_account",
    "expire_pending",
    "insert_missing_accounts",
    "lock_accounts",
    "open_account",
    "open_ledger",
    "post_pending",
    "seal_waiting",
    "split_income",
    "statement",
    "transfer",
    "trial_balance",
    "verify_chain",
    "void_pending",
]
