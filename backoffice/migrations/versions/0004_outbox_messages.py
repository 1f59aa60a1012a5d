"""outbox and messages: what goes to contacts by e-mail and SMS, the language each contact
reads; messages between inmates and contacts, their photos, screening rules, contact standings
and address codes

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

    op.create_table(
        "message_address_codes",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("used_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_address_codes")),
    )
    with op.batch_alter_table("message_address_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_address_codes_address"), ["address"], unique=False
        )

    op.create_table(
        "message_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("auto_pass", sa.Boolean(), nullable=False),
        sa.Column("held_words", sa.JSON(), nullable=False),
        sa.Column("max_per_day", sa.Integer(), nullable=False),
        sa.Column("max_length", sa.Integer(), nullable=False),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("updated_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "max_length BETWEEN 1 AND 20000", name=op.f("ck_message_rules_max_length_range")
        ),
        sa.CheckConstraint("max_per_day >= 1", name=op.f("ck_message_rules_max_per_day_positive")),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_message_rules_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_message_rules_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_rules")),
        sa.UniqueConstraint("prison_id", name=op.f("uq_message_rules_prison_id")),
    )
    op.create_table(
        "message_contact_standings",
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("on_watch", sa.Boolean(), nullable=False),
        sa.Column("blocked", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("changed_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("changed_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["visit_contacts.id"],
            name=op.f("fk_message_contact_standings_contact_id_visit_contacts"),
        ),
        sa.PrimaryKeyConstraint("contact_id", name=op.f("pk_message_contact_standings")),
    )
    op.create_table(
        "messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("privileged", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_because", sa.JSON(), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=False),
        sa.Column("decided_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("read_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("price_cents", sa.Integer(), nullable=False),
        sa.Column("hold_transfer_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("direction IN ('in', 'out')", name=op.f("ck_messages_direction")),
        sa.CheckConstraint(
            "status IN ('held', 'passed', 'rejected')", name=op.f("ck_messages_status")
        ),
        sa.CheckConstraint("price_cents >= 0", name=op.f("ck_messages_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["visit_contacts.id"],
            name=op.f("fk_messages_contact_id_visit_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_messages_inmate_id_inmates")
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_messages_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_contact_id"), ["contact_id"], unique=False)
        batch_op.create_index(
            "ix_messages_inmate_contact", ["inmate_id", "contact_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_messages_prison_id"), ["prison_id"], unique=False)
        batch_op.create_index(
            "ix_messages_status_privileged", ["status", "privileged"], unique=False
        )

    op.create_table(
        "message_attachments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "message_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("content_type", sa.String(length=32), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("width", sa.Integer(), nullable=False),
        sa.Column("height", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.CheckConstraint(
            "content_type IN ('image/jpeg', 'image/png')",
            name=op.f("ck_message_attachments_content_type"),
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["messages.id"], name=op.f("fk_message_attachments_message_id_messages")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_message_attachments")),
    )
    with op.batch_alter_table("message_attachments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_message_attachments_message_id"), ["message_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("message_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_attachments_message_id"))

    op.drop_table("message_attachments")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_status_privileged")
        batch_op.drop_index(batch_op.f("ix_messages_prison_id"))
        batch_op.drop_index("ix_messages_inmate_contact")
        batch_op.drop_index(batch_op.f("ix_messages_contact_id"))

    op.drop_table("messages")
    op.drop_table("message_contact_standings")
    op.drop_table("message_rules")
    with op.batch_alter_table("message_address_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_message_address_codes_address"))

    op.drop_table("message_address_codes")
    op.drop_table("outbox_contact_languages")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_messages_prison_id"))
        batch_op.drop_index(batch_op.f("ix_outbox_messages_contact_id"))
        batch_op.drop_index("ix_outbox_messages_due")
    op.drop_table("outbox_messages")
