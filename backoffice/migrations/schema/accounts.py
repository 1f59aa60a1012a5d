"""Inmates' money: debts (the ledger's accounts are opened by the services); accounting:
family deposits from bank statements, maker-checker entries, month closes, pseudonymisations."""

import sqlalchemy as sa
from alembic import op

import ledger.base


def upgrade() -> None:
    _create_debts()
    _create_accounting()


def downgrade() -> None:
    _drop_accounting()
    _drop_debts()


def _create_debts() -> None:
    op.create_table(
        "inmate_debts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("creditor", sa.String(length=32), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column("registered_by", sa.String(length=200), nullable=False),
        sa.Column("registered_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_inmate_debts_amount_positive")),
        sa.CheckConstraint(
            "creditor IN ('court_fines', 'victim_compensation')",
            name=op.f("ck_inmate_debts_creditor"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_inmate_debts_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_inmate_debts")),
    )
    with op.batch_alter_table("inmate_debts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inmate_debts_inmate_id"), ["inmate_id"], unique=False)


def _create_accounting() -> None:
    op.create_table(
        "accounting_month_closes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("month_on", sa.Date(), nullable=False),
        sa.Column("closed_by", sa.String(length=200), nullable=False),
        sa.Column("closed_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("chain_sequence", sa.BigInteger(), nullable=False),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.Column("totals", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_accounting_month_closes_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_month_closes")),
        sa.UniqueConstraint(
            "prison_id", "month_on", name=op.f("uq_accounting_month_closes_prison_id_month_on")
        ),
    )
    op.create_table(
        "accounting_deposits",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("bank_reference", sa.String(length=100), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("booked_on", sa.Date(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("sender_name", sa.String(length=200), nullable=False),
        sa.Column("sender_account", sa.String(length=64), nullable=False),
        sa.Column("message", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("hold_reasons", sa.JSON(), nullable=False),
        sa.Column("import_batch", sa.String(length=64), nullable=False),
        sa.Column("imported_by", sa.String(length=200), nullable=False),
        sa.Column("imported_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", ledger.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.String(length=500), nullable=False),
        sa.Column("ledger_key", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "status IN ('credited', 'held', 'released', 'returned')",
            name=op.f("ck_accounting_deposits_status"),
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_accounting_deposits_amount_positive")),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_accounting_deposits_inmate_id_inmates")
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_accounting_deposits_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_deposits")),
        sa.UniqueConstraint("bank_reference", name=op.f("uq_accounting_deposits_bank_reference")),
    )
    with op.batch_alter_table("accounting_deposits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accounting_deposits_booked_on"), ["booked_on"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_accounting_deposits_inmate_id"), ["inmate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_accounting_deposits_prison_id"), ["prison_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_accounting_deposits_sender_account"), ["sender_account"], unique=False
        )

    op.create_table(
        "accounting_manual_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("debit_account_id", sa.BigInteger(), nullable=False),
        sa.Column("credit_account_id", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=True),
        sa.Column("entered_by", sa.String(length=200), nullable=False),
        sa.Column("entered_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", ledger.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False),
        sa.Column("transfer_id", sa.BigInteger(), nullable=True),
        sa.CheckConstraint(
            "kind IN ('release_payout', 'creditor_payout', 'correction')",
            name=op.f("ck_accounting_manual_entries_kind"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected')",
            name=op.f("ck_accounting_manual_entries_status"),
        ),
        sa.CheckConstraint(
            "amount_cents > 0", name=op.f("ck_accounting_manual_entries_amount_positive")
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"],
            ["inmates.id"],
            name=op.f("fk_accounting_manual_entries_inmate_id_inmates"),
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"],
            ["prisons.id"],
            name=op.f("fk_accounting_manual_entries_prison_id_prisons"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounting_manual_entries")),
    )
    with op.batch_alter_table("accounting_manual_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_accounting_manual_entries_inmate_id"), ["inmate_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_accounting_manual_entries_prison_id"), ["prison_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_accounting_manual_entries_status"), ["status"], unique=False
        )

    op.create_table(
        "accounting_pseudonymisations",
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("pseudonym", sa.String(length=32), nullable=False),
        sa.Column("done_at", ledger.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["inmate_id"],
            ["inmates.id"],
            name=op.f("fk_accounting_pseudonymisations_inmate_id_inmates"),
        ),
        sa.PrimaryKeyConstraint("inmate_id", name=op.f("pk_accounting_pseudonymisations")),
    )


def _drop_debts() -> None:
    op.drop_table("inmate_debts")


def _drop_accounting() -> None:
    op.drop_table("accounting_pseudonymisations")
    with op.batch_alter_table("accounting_manual_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounting_manual_entries_status"))
        batch_op.drop_index(batch_op.f("ix_accounting_manual_entries_prison_id"))
        batch_op.drop_index(batch_op.f("ix_accounting_manual_entries_inmate_id"))

    op.drop_table("accounting_manual_entries")
    with op.batch_alter_table("accounting_deposits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounting_deposits_sender_account"))
        batch_op.drop_index(batch_op.f("ix_accounting_deposits_prison_id"))
        batch_op.drop_index(batch_op.f("ix_accounting_deposits_inmate_id"))
        batch_op.drop_index(batch_op.f("ix_accounting_deposits_booked_on"))

    op.drop_table("accounting_deposits")
    op.drop_table("accounting_month_closes")
