"""money as banks, courts and payroll send it: bank statements and their entries, outgoing
payments and their pain.001 files, debts' decision, priority and payee, debt corrections,
payrolls waiting for a second person

Revision ID: 0003
Revises: 0006
"""

from collections.abc import Sequence

from alembic import op

from backoffice.migrations.schema.columns import (
    big_id,
    big_integer,
    boolean,
    date,
    integer,
    moment,
    string,
    text,
)
from backoffice.migrations.schema.tables import create, drop

revision: str = "0003"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ENTRY_STATUSES = (
    "'deposit', 'waiting', 'refused', 'reversal', 'reversed', 'payment', 'returned', 'explained'"
)
PAYMENT_KINDS = "'release_payout', 'return_to_sender', 'creditor_payout'"
PAYMENT_STATUSES = "'pending', 'approved', 'in_file', 'executed', 'rejected'"


def upgrade() -> None:
    create(
        "bank_payment_files",
        integer("id"),
        integer("prison_id", refers="prisons"),
        string("message_id", 35),
        integer("payments"),
        big_integer("total_cents"),
        text("xml"),
        string("written_by", 200),
        moment("written_at"),
        unique=["message_id"],
        indexes=["prison_id"],
    )
    create(
        "bank_statements",
        integer("id"),
        integer("prison_id", refers="prisons"),
        string("message_kind", 16),
        string("statement_ref", 100),
        string("account_iban", 64),
        string("currency", 3),
        date("from_on", nullable=True),
        date("to_on", nullable=True),
        big_integer("opening_cents", nullable=True),
        big_integer("closing_cents", nullable=True),
        integer("entries"),
        string("file_sha256", 64),
        string("imported_by", 200),
        moment("imported_at"),
        big_integer("explained_cents"),
        string("explanation", 500),
        string("explained_by", 200),
        moment("explained_at", nullable=True),
        unique=[("prison_id", "account_iban", "statement_ref")],
        indexes=["prison_id"],
    )
    create(
        "bank_entries",
        big_id("id"),
        string("entry_reference", 100),
        integer("prison_id", refers="prisons"),
        integer("statement_id", refers="bank_statements"),
        date("booked_on"),
        big_integer("amount_cents"),
        string("currency", 3),
        string("direction", 6),
        boolean("reversal"),
        string("end_to_end_id", 64),
        string("counterparty_name", 200),
        string("counterparty_account", 64),
        string("reference_number", 35),
        string("text", 500),
        string("status", 16),
        string("reason", 500),
        integer("inmate_id", nullable=True, refers="inmates"),
        big_integer("deposit_id", nullable=True),
        integer("payment_id", nullable=True),
        string("decided_by", 200),
        moment("decided_at", nullable=True),
        checks={
            "direction": "direction IN ('credit', 'debit')",
            "status": f"status IN ({ENTRY_STATUSES})",
            "amount_positive": "amount_cents > 0",
        },
        unique=["entry_reference"],
        indexes=["end_to_end_id", "inmate_id", "prison_id", "statement_id", "status"],
    )
    create(
        "bank_payments",
        integer("id"),
        integer("prison_id", refers="prisons"),
        string("kind", 20),
        string("source_key", 100),
        integer("inmate_id", nullable=True, refers="inmates"),
        integer("debt_id", nullable=True, refers="inmate_debts"),
        string("payee_name", 140, server_default=""),
        string("payee_iban", 34, server_default=""),
        big_integer("amount_cents"),
        string("remittance", 140),
        string("end_to_end_id", 35),
        string("status", 16),
        integer("entered_by_id", nullable=True),
        string("entered_by", 200),
        moment("entered_at"),
        string("decided_by", 200),
        moment("decided_at", nullable=True),
        string("transfer_ids", 200),
        integer("file_id", nullable=True, refers="bank_payment_files"),
        checks={
            "kind": f"kind IN ({PAYMENT_KINDS})",
            "status": f"status IN ({PAYMENT_STATUSES})",
            "amount_positive": "amount_cents > 0",
        },
        unique=["end_to_end_id", "source_key"],
        indexes=["debt_id", "file_id", "inmate_id", "prison_id"],
    )
    create(
        "inmate_debt_corrections",
        integer("id"),
        integer("debt_id", refers="inmate_debts"),
        big_integer("old_amount_cents"),
        big_integer("new_amount_cents"),
        string("reason", 500),
        string("status", 16),
        integer("entered_by_id", nullable=True),
        string("entered_by", 200),
        moment("entered_at"),
        string("decided_by", 200),
        moment("decided_at", nullable=True),
        checks={
            "status": "status IN ('pending', 'approved', 'rejected')",
            "amount_positive": "new_amount_cents > 0",
        },
        indexes=["debt_id"],
    )
    create(
        "money_payrolls",
        integer("id"),
        integer("prison_id", refers="prisons"),
        string("key", 100),
        text("csv_text"),
        integer("lines"),
        big_integer("total_cents"),
        string("status", 16),
        integer("entered_by_id", nullable=True),
        string("entered_by", 200),
        moment("entered_at"),
        string("decided_by", 200),
        moment("decided_at", nullable=True),
        checks={"status": "status IN ('pending', 'paid', 'rejected')"},
        unique=["key"],
        indexes=["prison_id"],
    )
    with op.batch_alter_table("inmate_debts") as batch_op:
        batch_op.add_column(string("decision_reference", 100, server_default=""))
        batch_op.add_column(integer("priority", server_default="1"))
        batch_op.add_column(string("payee_name", 140, server_default=""))
        batch_op.add_column(string("payee_iban", 34, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("inmate_debts") as batch_op:
        for column in ("payee_iban", "payee_name", "priority", "decision_reference"):
            batch_op.drop_column(column)
    drop(
        "inmate_debt_corrections",
        "money_payrolls",
        "bank_payments",
        "bank_entries",
        "bank_statements",
        "bank_payment_files",
    )
