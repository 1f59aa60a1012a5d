"""outbox: messages to contacts (e-mail, SMS) and the language each contact reads

Revision ID: 0004
Revises: 0001
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import backoffice.db

revision: str = "0004"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "outbox_messages",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("prison_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim", sa.String(length=64), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=False),
        sa.Column("sent_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint("channel IN ('email', 'sms')", name=op.f("ck_outbox_messages_channel")),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'failed')",
            name=op.f("ck_outbox_messages_status"),
        ),
        sa.CheckConstraint(
            "language IN ('et', 'ru', 'en')", name=op.f("ck_outbox_messages_language")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["visit_contacts.id"],
            name=op.f("fk_outbox_messages_contact_id_visit_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_outbox_messages_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("key", name=op.f("uq_outbox_messages_key")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_messages_dedupe_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_messages_due", ["status", "next_attempt_at"])
        batch_op.create_index(batch_op.f("ix_outbox_messages_contact_id"), ["contact_id"])
        batch_op.create_index(batch_op.f("ix_outbox_messages_prison_id"), ["prison_id"])

    op.create_table(
        "outbox_contact_languages",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("chosen_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "language IN ('et', 'ru', 'en')", name=op.f("ck_outbox_contact_languages_language")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["visit_contacts.id"],
            name=op.f("fk_outbox_contact_languages_contact_id_visit_contacts"),
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_outbox_contact_languages")),
    )


def downgrade() -> None:
    op.drop_table("outbox_contact_languages")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_prison_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_contact_id"))
        batch_op.drop_index("ix_outbox_messages_due")
    op.drop_table("outbox_messages")
