"""Inmates' money on top of the ledger.

    money_ledger(db, prison_id, currency="EUR") -> Ledger   the prison's books ("prison:<id>")
    open_prison_books(db, prison_id) -> Ledger           a new prison's books and accounts
    move_to_book(db, actor, inmate, from_prison_id, key=...) -> BookMove
                                                         a transferred inmate's money, carried
                                                         from the old prison's book to the new
    inmate_accounts(db, inmate) -> InmateAccounts        spendable, release fund, debts (opened
                                                         on first use)
    prison_account(db, prison_id, code) -> Account       shop, family_deposits, payroll, cash, ...
    income_rules(settings) -> ledger.IncomeRules
    receive_money(db, actor, inmate, *, key, amount_cents, source_code, code, reason, rules)
                                                         money in, split by the income rules
    receive_many(db, actor, credits, *, prison_id, source_code, code, rules, batch)
                                                         the same for a statement's deposits
    wage_run(db, actor, csv_text, *, key, prison_id, rules) -> WageRun
    register_debt(db, actor, inmate, *, creditor, amount_cents, description) -> Debt
    debts_remaining_cents(db, inmate) -> int
    balances_for(db, inmate) -> InmateBalances
    recent_transfers(db, inmate, *, limit=20, before_id=None) -> list[MoneyLine]

    upload_payroll / preview_payroll / approve_payroll   the wage run in the back office
    debts_of(db, inmate) -> list[DebtLine]               each debt and what was paid to it
    enter_correction / approve_correction / reject_correction   a debt's amount, maker-checker

One module per use case: accounts (the ledger, inmates' and prisons' accounts), income (money
in and its split, debts), debts (what was paid, corrections), payroll, balances. Services
flush; the entry point commits. Ledger errors pass through as ledger.LedgerError.
"""

from __future__ import annotations

from .accounts import (
    DEBTS_DEBITS,
    PRISON_ACCOUNTS,
    RELEASE_FUND_DEBITS,
    InmateAccounts,
    accounts_of_inmates,
    book_code,
    inmate_accounts,
    money_ledger,
    open_prison_books,
    prison_account,
    prison_of_book,
)
from .balances import (
    BALANCE_COLUMNS,
    InmateBalances,
    MoneyLine,
    balances_for,
    inmate_by_number,
    recent_transfers,
)
from .books import BookMove, carry_left_behind, clearing_problem, move_to_book
from .debts import (
    DebtLine,
    approve_correction,
    debts_of,
    enter_correction,
    paid_towards,
    pending_corrections,
    prison_debts,
    reject_correction,
)
from .income import debts_remaining_cents, income_rules, receive_money, register_debt
from .payroll import MAX_PRISON_NUMBER, MAX_WAGE_CENTS, WageLine, WageRun, parse_payroll, wage_run
from .payrolls import (
    PayrollLine,
    approve_payroll,
    payrolls,
    preview_payroll,
    reject_payroll,
    upload_payroll,
)
from .receipts import Credit, receive_many

__all__ = [
    "BALANCE_COLUMNS",
    "DEBTS_DEBITS",
    "MAX_PRISON_NUMBER",
    "MAX_WAGE_CENTS",
    "PRISON_ACCOUNTS",
    "RELEASE_FUND_DEBITS",
    "BookMove",
    "Credit",
    "DebtLine",
    "InmateAccounts",
    "InmateBalances",
    "MoneyLine",
    "PayrollLine",
    "WageLine",
    "WageRun",
    "accounts_of_inmates",
    "approve_correction",
    "approve_payroll",
    "balances_for",
    "book_code",
    "carry_left_behind",
    "clearing_problem",
    "debts_of",
    "debts_remaining_cents",
    "enter_correction",
    "income_rules",
    "inmate_accounts",
    "inmate_by_number",
    "money_ledger",
    "move_to_book",
    "open_prison_books",
    "paid_towards",
    "parse_payroll",
    "payrolls",
    "pending_corrections",
    "preview_payroll",
    "prison_account",
    "prison_debts",
    "prison_of_book",
    "receive_many",
    "receive_money",
    "recent_transfers",
    "register_debt",
    "reject_correction",
    "reject_payroll",
    "upload_payroll",
    "wage_run",
]
