"""The accountant's services: the journal searched, statements for any period, manual payouts and
corrections under maker-checker, and the month close.

    search_journal(db, query, *, limit) -> JournalPage
    inmate_statement(db, inmate, *, part, since_on, until_on, tz) -> InmateStatement
    create_entry(db, actor, inmate, *, kind, amount_cents, reason, effective_on, ...) -> ManualEntry
    approve_entry(db, actor, entry_id) -> ManualEntry        (another person; money moves here)
    reject_entry(db, actor, entry_id, note) -> ManualEntry
    close_month(db, actor, prison, month_on) -> MonthClose     (each refuses a non-accountant)
    read_books(db, actor, prison_id, what)                   accountant or auditor; audited
                                                             when read from outside the prison
    refuse_closed_month(db, prison_id, day, what)            raises Conflict in a closed month

One module per use case: journal, statements, month_close, entries (common: local days,
posted kinds, an inmate's three account parts). Services flush; the entry point commits.
Every change writes an audit row.
"""

from .access import read_books, require_keeper
from .common import INMATE_PARTS, POSTED_KINDS, day_start, local_today, month_start, next_month
from .entries import (
    CREDITOR_ACCOUNTS,
    EntryAccounts,
    approve_entry,
    create_entry,
    entries,
    entry_accounts,
    reject_entry,
)
from .journal import JournalPage, JournalQuery, JournalRow, search_journal
from .month_close import close_month, closed_months, is_month_closed, refuse_closed_month
from .statements import HoldRow, InmateStatement, StatementRow, inmate_statement

__all__ = [
    "CREDITOR_ACCOUNTS",
    "INMATE_PARTS",
    "POSTED_KINDS",
    "EntryAccounts",
    "HoldRow",
    "InmateStatement",
    "JournalPage",
    "JournalQuery",
    "JournalRow",
    "StatementRow",
    "approve_entry",
    "close_month",
    "closed_months",
    "create_entry",
    "day_start",
    "entries",
    "entry_accounts",
    "inmate_statement",
    "is_month_closed",
    "local_today",
    "month_start",
    "next_month",
    "read_books",
    "refuse_closed_month",
    "reject_entry",
    "require_keeper",
    "search_journal",
]
