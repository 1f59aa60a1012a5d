"""outbox and messages: what goes to contacts by e-mail and SMS, the language each contact
reads; messages between inmates and contacts, their photos, screening rules, contact standings
and address codes

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

from alembic import op

from backoffice.migrations.schema.columns import (
    big_id,
    binary,
    boolean,
    integer,
    json,
    moment,
    string,
    text,
)
from backoffice.migrations.schema.tables import create, drop

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LANGUAGE = "language IN ('et', 'ru', 'en')"


def upgrade() -> None:
    create(
        "outbox_messages",
        big_id("id"),
        string("key", 64),
        string("dedupe_key", 200),
        string("kind", 32),
        string("channel", 8),
        string("address", 254),
        string("language", 2),
        string("subject", 200),
        text("body"),
        integer("contact_id", nullable=True, refers="visit_contacts"),
        integer("prison_id", nullable=True, refers="prisons"),
        string("status", 16),
        integer("attempts"),
        moment("created_at"),
        moment("next_attempt_at"),
        moment("claimed_until", nullable=True),
        string("claim", 64),
        string("last_error", 500),
        moment("sent_at", nullable=True),
        checks={
            "channel": "channel IN ('email', 'sms')",
            "status": "status IN ('queued', 'sending', 'sent', 'failed')",
            "language": LANGUAGE,
        },
        unique=["key", "dedupe_key"],
        indexes=["contact_id", "prison_id"],
    )
    op.create_index("ix_outbox_messages_due", "outbox_messages", ["status", "next_attempt_at"])
    create(
        "outbox_contact_languages",
        integer("contact_id", refers="visit_contacts"),
        string("language", 2),
        moment("chosen_at"),
        checks={"language": LANGUAGE},
        primary_key=("contact_id",),
    )
    create(
        "message_address_codes",
        big_id("id"),
        string("address", 254),
        string("code_hash", 64),
        moment("created_at"),
        moment("expires_at"),
        integer("attempts"),
        moment("used_at", nullable=True),
        indexes=["address"],
    )
    create(
        "message_rules",
        integer("id"),
        integer("prison_id", refers="prisons"),
        boolean("auto_pass"),
        json("held_words"),
        integer("max_per_day"),
        integer("max_length"),
        integer("price_cents"),
        moment("updated_at"),
        string("updated_by", 200),
        checks={
            "max_length_range": "max_length BETWEEN 1 AND 20000",
            "max_per_day_positive": "max_per_day >= 1",
            "price_not_negative": "price_cents >= 0",
        },
        unique=["prison_id"],
    )
    create(
        "message_contact_standings",
        integer("contact_id", refers="visit_contacts"),
        boolean("on_watch"),
        boolean("blocked"),
        text("reason"),
        moment("changed_at"),
        string("changed_by", 200),
        primary_key=("contact_id",),
    )
    create(
        "messages",
        big_id("id"),
        integer("prison_id", refers="prisons"),
        integer("inmate_id", refers="inmates"),
        integer("contact_id", refers="visit_contacts"),
        string("direction", 3),
        text("body"),
        boolean("privileged"),
        string("status", 16),
        json("held_because"),
        text("reject_reason"),
        moment("decided_at", nullable=True),
        string("decided_by", 200),
        moment("created_at"),
        moment("read_at", nullable=True),
        integer("price_cents"),
        integer("hold_transfer_id", nullable=True),
        checks={
            "direction": "direction IN ('in', 'out')",
            "status": "status IN ('held', 'passed', 'rejected')",
            "price_not_negative": "price_cents >= 0",
        },
        indexes=["contact_id", "prison_id"],
    )
    op.create_index("ix_messages_inmate_contact", "messages", ["inmate_id", "contact_id"])
    op.create_index("ix_messages_status_privileged", "messages", ["status", "privileged"])
    create(
        "message_attachments",
        big_id("id"),
        big_id("message_id", refers="messages"),
        string("content_type", 32),
        integer("size_bytes"),
        integer("width"),
        integer("height"),
        string("sha256", 64),
        binary("data"),
        checks={"content_type": "content_type IN ('image/jpeg', 'image/png')"},
        indexes=["message_id"],
    )


def downgrade() -> None:
    drop(
        "message_attachments",
        "messages",
        "message_contact_standings",
        "message_rules",
        "message_address_codes",
        "outbox_contact_languages",
        "outbox_messages",
    )
