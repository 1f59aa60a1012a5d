"""What the ledger refuses. Each error has a stable `code` and a message that says what to do."""

from __future__ import annotations


class LedgerError(Exception):
    code = "ledger-error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidAmount(LedgerError):
    code = "invalid-amount"


class UnknownAccount(LedgerError):
    code = "unknown-account"


class AccountClosed(LedgerError):
    code = "account-closed"


class CodeNotAllowed(LedgerError):
    code = "code-not-allowed"


class InsufficientFunds(LedgerError):
    code = "insufficient-funds"

    def __init__(
        self, message: str, *, account_id: int, available_cents: int, needed_cents: int = 0
    ) -> None:
        super().__init__(message)
        self.account_id = account_id
        self.available_cents = available_cents
        self.needed_cents = needed_cents


class IdempotencyConflict(LedgerError):
    code = "idempotency-conflict"


class HoldNotPending(LedgerError):
    code = "hold-not-pending"


class PostExceedsHold(LedgerError):
    code = "post-exceeds-hold"


class HoldExpired(LedgerError):
    code = "hold-expired"
