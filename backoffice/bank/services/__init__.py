"""The bank's services.

    import_camt(db, actor, prison, data, *, rules, income, preview=False) -> CamtImport
    assign_entry(db, actor, prison, entry_id, prison_number, note, *, rules, income)
    explain_entry(db, actor, prison, entry_id, note) -> BankEntry
    waiting_entries(db, prison_id) / recent_entries(db, prison_id)

statements: camt files in; matching: which inmate a payment is for. The bank's balance
against the ledger is backoffice.bank.balance. Services flush; the entry point commits.
"""

from __future__ import annotations

from .matching import Match, PrisonInmates
from .statements import (
    CamtImport,
    EntryOutcome,
    assign_entry,
    bank_key,
    explain_entry,
    import_camt,
    recent_entries,
    waiting_entries,
)

__all__ = [
    "CamtImport",
    "EntryOutcome",
    "Match",
    "PrisonInmates",
    "assign_entry",
    "bank_key",
    "explain_entry",
    "import_camt",
    "recent_entries",
    "waiting_entries",
]
