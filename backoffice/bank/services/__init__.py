"""The bank's services.

    import_camt(db, actor, prison, data, *, rules, income, preview=False) -> CamtImport
    import_bank_file(...)  the same for a camt file or an Estonian bank's CSV statement
    assign_entry(db, actor, prison, entry_id, prison_number, note, *, rules, income)
    explain_entry(db, actor, prison, entry_id, note) -> BankEntry
    waiting_entries(db, prison_id) / recent_entries(db, prison_id)

    enter_release_payout / enter_return / enter_debt_payouts, approve_payment, reject_payment,
    write_payment_file(db, actor, prison, debtor, *, today) -> PaymentFile

statements: camt files in; waiting: the accountant's decisions on what a statement left
waiting; matching: which inmate a payment is for; payments: money out (maker-checker, then one
pain.001 file). The bank's balance
against the ledger is backoffice.bank.balance. Services flush; the entry point commits.
"""

from __future__ import annotations

from .matching import Match, PrisonInmates
from .payments import (
    approve_payment,
    debts_paid,
    enter_debt_payouts,
    enter_release_payout,
    enter_return,
    payment_files,
    payments,
    reject_payment,
    write_payment_file,
)
from .statements import CamtImport, EntryOutcome, import_bank_file, import_camt
from .waiting import assign_entry, explain_entry, recent_entries, waiting_entries

__all__ = [
    "CamtImport",
    "EntryOutcome",
    "Match",
    "PrisonInmates",
    "approve_payment",
    "assign_entry",
    "debts_paid",
    "enter_debt_payouts",
    "enter_release_payout",
    "enter_return",
    "explain_entry",
    "import_bank_file",
    "import_camt",
    "payment_files",
    "payments",
    "recent_entries",
    "reject_payment",
    "waiting_entries",
    "write_payment_file",
]
