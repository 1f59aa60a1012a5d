"""Errors that services raise; each entry point maps them to its own kind of answer. The
ledger's own refusals reach the surfaces as LedgerError, named here so that no surface needs
to import the ledger."""

from ledger.errors import LedgerError

__all__ = ["Conflict", "Forbidden", "InvalidInput", "LedgerError", "NotFound", "ServiceError"]


class ServiceError(Exception):
    """A request that cannot be done as asked; the message says why and what to do next."""

    status = 400
    code = "bad-request"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(ServiceError):
    status = 404
    code = "not-found"


class Forbidden(ServiceError):
    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class InvalidInput(ServiceError):
    status = 422
    code = "invalid-input"
