"""Family deposits from bank statements: a preview of what an import would do, the import, and
the security officer's decision on held deposits.

Every statement line is checked before any money moves. A line is held for a security officer
when, within the check window (the booking day and the days before it, `accounts.check_days` in
all), the inmate would have more than `max_senders_per_inmate` different senders, or the sender
would have paid more than `max_inmates_per_sender` different inmates, or its amount is over
`hold_over_cents`. Earlier lines of the same file count too. A line over `max_line_cents` is
refused as a mistake. Money is credited through backoffice.money.services.receive_money (the
income split) under a key made from the bank's reference, so a statement line imported twice is
credited once.

    preview_import(db, prison, csv_text, *, rules) -> list[LineOutcome]   (changes nothing)
    import_statement(db, actor, prison, csv_text, *, rules, income) -> ImportResult
    release_deposit(db, actor, deposit_id, reason, *, income) -> Deposit
    return_deposit(db, actor, deposit_id, reason) -> Deposit

statement_import.py checks and imports the lines; held.py holds the officer's decisions.
"""

from __future__ import annotations

from .held import deposits, held_count, release_deposit, return_deposit
from .statement_import import (
    ImportResult,
    LineOutcome,
    SecurityRules,
    as_dict,
    hold_reasons,
    import_statement,
    ledger_key,
    new_deposit,
    preview_import,
)

__all__ = [
    "ImportResult",
    "LineOutcome",
    "SecurityRules",
    "as_dict",
    "deposits",
    "held_count",
    "hold_reasons",
    "import_statement",
    "ledger_key",
    "new_deposit",
    "preview_import",
    "release_deposit",
    "return_deposit",
]
