"""money as banks, courts and payroll send it: bank statements and their entries, outgoing
payments and their pain.001 files, debts' decision, priority and payee, debt corrections,
payrolls waiting for a second person

Revision ID: 0003
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import ledger.base

revision: str = "0003"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bank_payment_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.String(length=35), nullable=False),
        sa.Column("payments", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("xml", sa.Text(), nullable=False),
        sa.Column("written_by", sa.String(length=200), nullable=False),
        sa.Column("written_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_bank_payment_files_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_payment_files")),
        sa.UniqueConstraint("message_id", name=op.f("uq_bank_payment_files_message_id")),
    )
    with op.batch_alter_table("bank_payment_files", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bank_payment_files_prison_id"), ["prison_id"], unique=False
        )

    op.create_table(
        "bank_statements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("message_kind", sa.String(length=16), nullable=False),
        sa.Column("statement_ref", sa.String(length=100), nullable=False),
        sa.Column("account_iban", sa.String(length=64), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("from_on", sa.Date(), nullable=True),
        sa.Column("to_on", sa.Date(), nullable=True),
        sa.Column("opening_cents", sa.BigInteger(), nullable=True),
        sa.Column("closing_cents", sa.BigInteger(), nullable=True),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.Column("file_sha256", sa.String(length=64), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("explained_cents", sa.BigInteger(), nullable=False),
        sa.Column("explanation", sa.String(length=500), nullable=False),
        sa.Column("explained_by", sa.String(length=200), nullable=False),
        sa.Column("explained_at", ledger.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_bank_statements_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_statements")),
        sa.UniqueConstraint(
            "prison_id",
            "account_iban",
            "statement_ref",
            name=op.f("uq_bank_statements_prison_id_account_iban_statement_ref"),
        ),
    )
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bank_statements_prison_id"), ["prison_id"], unique=False
        )

    op.create_table(
        "bank_entries",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("entry_reference", sa.String(length=100), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.Integer(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("direction", sa.String(length=6), nullable=False),
        sa.Column("reversal", sa.Boolean(), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=64), nullable=False),
        sa.Column("counterparty_name", sa.String(length=200), nullable=False),
        sa.Column("counterparty_account", sa.String(length=64), nullable=False),
        sa.Column("reference_number", sa.String(length=35), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=True),
        sa.Column("deposit_id", sa.BigInteger(), nullable=True),
        sa.Column("payment_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", ledger.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "direction IN ('credit', 'debit')", name=op.f("ck_bank_entries_direction")
        ),
        sa.CheckConstraint(
            "status IN ('deposit', 'waiting', 'refused', 'reversal', 'reversed', 'payment', 'returned', 'explained')",
            name=op.f("ck_bank_entries_status"),
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_bank_entries_amount_positive")),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_bank_entries_inmate_id_inmates")
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_bank_entries_prison_id_prisons")
        ),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["bank_statements.id"],
            name=op.f("fk_bank_entries_statement_id_bank_statements"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_entries")),
        sa.UniqueConstraint("entry_reference", name=op.f("uq_bank_entries_entry_reference")),
    )
    with op.batch_alter_table("bank_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bank_entries_end_to_end_id"), ["end_to_end_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bank_entries_inmate_id"), ["inmate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_entries_prison_id"), ["prison_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_bank_entries_statement_id"), ["statement_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_bank_entries_status"), ["status"], unique=False)

    op.create_table(
        "bank_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_key", sa.String(length=100), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=True),
        sa.Column("debt_id", sa.Integer(), nullable=True),
        sa.Column("payee_name", sa.String(length=140), nullable=False, server_default=""),
        sa.Column("payee_iban", sa.String(length=34), nullable=False, server_default=""),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("remittance", sa.String(length=140), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", ledger.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("transfer_ids", sa.String(length=200), nullable=False),
        sa.Column("file_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('release_payout', 'return_to_sender', 'creditor_payout')",
            name=op.f("ck_bank_payments_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'in_file', 'executed', 'rejected')",
            name=op.f("ck_bank_payments_status"),
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_bank_payments_amount_positive")),
        sa.ForeignKeyConstraint(
            ["debt_id"], ["inmate_debts.id"], name=op.f("fk_bank_payments_debt_id_inmate_debts")
        ),
        sa.ForeignKeyConstraint(
            ["file_id"],
            ["bank_payment_files.id"],
            name=op.f("fk_bank_payments_file_id_bank_payment_files"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_bank_payments_inmate_id_inmates")
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_bank_payments_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_payments")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_bank_payments_end_to_end_id")),
        sa.UniqueConstraint("source_key", name=op.f("uq_bank_payments_source_key")),
    )
    with op.batch_alter_table("bank_payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_bank_payments_debt_id"), ["debt_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_payments_file_id"), ["file_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_payments_inmate_id"), ["inmate_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_bank_payments_prison_id"), ["prison_id"], unique=False)

    op.create_table(
        "inmate_debt_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("debt_id", sa.Integer(), nullable=False),
        sa.Column("old_amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("new_amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", ledger.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_inmate_debt_corrections_status"),
        ),
        sa.CheckConstraint(
            "new_amount_cents > 0", name=op.f("ck_inmate_debt_corrections_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["debt_id"],
            ["inmate_debts.id"],
            name=op.f("fk_inmate_debt_corrections_debt_id_inmate_debts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inmate_debt_corrections")),
    )
    with op.batch_alter_table("inmate_debt_corrections", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_inmate_debt_corrections_debt_id"), ["debt_id"], unique=False
        )

    op.create_table(
        "money_payrolls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("csv_text", sa.Text(), nullable=False),
        sa.Column("lines", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", ledger.base.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'paid', 'rejected')", name=op.f("ck_money_payrolls_status")
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_money_payrolls_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_money_payrolls")),
        sa.UniqueConstraint("key", name=op.f("uq_money_payrolls_key")),
    )
    with op.batch_alter_table("money_payrolls", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_money_payrolls_prison_id"), ["prison_id"], unique=False
        )

    with op.batch_alter_table("inmate_debts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "decision_reference", sa.String(length=100), nullable=False, server_default=""
            )
        )
        batch_op.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
        batch_op.add_column(
            sa.Column("payee_name", sa.String(length=140), nullable=False, server_default="")
        )
        batch_op.add_column(
            sa.Column("payee_iban", sa.String(length=34), nullable=False, server_default="")
        )


def downgrade() -> None:
    with op.batch_alter_table("inmate_debts", schema=None) as batch_op:
        batch_op.drop_column("payee_iban")
        batch_op.drop_column("payee_name")
        batch_op.drop_column("priority")
        batch_op.drop_column("decision_reference")

    with op.batch_alter_table("inmate_debt_corrections", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inmate_debt_corrections_debt_id"))

    op.drop_table("inmate_debt_corrections")
    with op.batch_alter_table("money_payrolls", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_money_payrolls_prison_id"))

    op.drop_table("money_payrolls")
    with op.batch_alter_table("bank_payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_payments_prison_id"))
        batch_op.drop_index(batch_op.f("ix_bank_payments_inmate_id"))
        batch_op.drop_index(batch_op.f("ix_bank_payments_file_id"))
        batch_op.drop_index(batch_op.f("ix_bank_payments_debt_id"))

    op.drop_table("bank_payments")
    with op.batch_alter_table("bank_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_entries_status"))
        batch_op.drop_index(batch_op.f("ix_bank_entries_statement_id"))
        batch_op.drop_index(batch_op.f("ix_bank_entries_prison_id"))
        batch_op.drop_index(batch_op.f("ix_bank_entries_inmate_id"))
        batch_op.drop_index(batch_op.f("ix_bank_entries_end_to_end_id"))

    op.drop_table("bank_entries")
    with op.batch_alter_table("bank_statements", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_statements_prison_id"))

    op.drop_table("bank_statements")
    with op.batch_alter_table("bank_payment_files", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_bank_payment_files_prison_id"))

    op.drop_table("bank_payment_files")
