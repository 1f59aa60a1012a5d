"""Inmates' money: debts (the ledger's accounts are opened by the services); accounting:
family deposits from bank statements, maker-checker entries, month closes, pseudonymisations."""

from .columns import big_id, big_integer, date, integer, json, moment, string
from .tables import create, drop


def upgrade() -> None:
    _create_debts()
    _create_accounting()


def downgrade() -> None:
    drop("accounting_pseudonymisations", "accounting_manual_entries", "accounting_deposits",
         "accounting_month_closes", "inmate_debts")  # fmt: skip


def _create_debts() -> None:
    create(
        "inmate_debts",
        integer("id"),
        integer("inmate_id", refers="inmates"),
        string("creditor", 32),
        big_integer("amount_cents"),
        string("description", 500),
        string("registered_by", 200),
        moment("registered_at"),
        checks={
            "amount_positive": "amount_cents > 0",
            "creditor": "creditor IN ('court_fines', 'victim_compensation')",
        },
        indexes=["inmate_id"],
    )


def _create_accounting() -> None:
    create(
        "accounting_month_closes",
        integer("id"),
        integer("prison_id", refers="prisons"),
        date("month_on"),
        string("closed_by", 200),
        moment("closed_at"),
        big_integer("chain_sequence"),
        string("chain_hash", 64),
        json("totals"),
        unique=[("prison_id", "month_on")],
    )
    create(
        "accounting_deposits",
        big_id("id"),
        string("bank_reference", 100),
        integer("prison_id", refers="prisons"),
        integer("inmate_id", refers="inmates"),
        date("booked_on"),
        big_integer("amount_cents"),
        string("sender_name", 200),
        string("sender_account", 64),
        string("message", 500),
        string("status", 16),
        json("hold_reasons"),
        string("import_batch", 64),
        string("imported_by", 200),
        moment("imported_at"),
        string("decided_by", 200),
        moment("decided_at", nullable=True),
        string("decision_reason", 500),
        string("ledger_key", 200),
        checks={
            "status": "status IN ('credited', 'held', 'released', 'returned')",
            "amount_positive": "amount_cents > 0",
        },
        unique=["bank_reference"],
        indexes=["booked_on", "inmate_id", "prison_id", "sender_account"],
    )

    create(
        "accounting_manual_entries",
        integer("id"),
        integer("prison_id", refers="prisons"),
        integer("inmate_id", refers="inmates"),
        string("kind", 16),
        big_integer("debit_account_id"),
        big_integer("credit_account_id"),
        big_integer("amount_cents"),
        string("reason", 500),
        date("effective_on"),
        string("status", 16),
        integer("entered_by_id", nullable=True),
        string("entered_by", 200),
        moment("entered_at"),
        integer("decided_by_id", nullable=True),
        string("decided_by", 200),
        moment("decided_at", nullable=True),
        string("decision_note", 500),
        big_integer("transfer_id", nullable=True),
        checks={
            "kind": "kind IN ('release_payout', 'creditor_payout', 'correction')",
            "status": "status IN ('pending', 'approved', 'rejected')",
            "amount_positive": "amount_cents > 0",
        },
        indexes=["inmate_id", "prison_id", "status"],
    )

    create(
        "accounting_pseudonymisations",
        integer("inmate_id", refers="inmates"),
        string("pseudonym", 32),
        moment("done_at"),
        string("done_by", 200),
        primary_key=("inmate_id",),
    )
