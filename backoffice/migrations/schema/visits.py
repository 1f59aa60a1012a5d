"""Video visits: contacts, bars, endpoints, session templates, blocked dates, slots,
bookings, invitations and the outbox to contacts."""

import sqlalchemy as sa
from alembic import op

import backoffice.db


def upgrade() -> None:
    op.create_table(
        "visit_blocked_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("blocked_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_visit_blocked_dates_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_blocked_dates")),
        sa.UniqueConstraint(
            "prison_id", "blocked_on", name=op.f("uq_visit_blocked_dates_prison_id_blocked_on")
        ),
    )
    with op.batch_alter_table("visit_blocked_dates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_blocked_dates_prison_id"), ["prison_id"], unique=False
        )

    op.create_table(
        "visit_session_templates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("weekdays", sa.JSON(), nullable=False),
        sa.Column("starts_at_local", sa.Time(), nullable=False),
        sa.Column("length_minutes", sa.Integer(), nullable=False),
        sa.Column("parallel_calls", sa.Integer(), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "length_minutes BETWEEN 5 AND 240", name=op.f("ck_visit_session_templates_length_range")
        ),
        sa.CheckConstraint(
            "parallel_calls >= 1", name=op.f("ck_visit_session_templates_parallel_calls_positive")
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_visit_session_templates_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_session_templates")),
    )
    with op.batch_alter_table("visit_session_templates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_session_templates_prison_id"), ["prison_id"], unique=False
        )

    op.create_table(
        "visit_slots",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("template_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.CheckConstraint("capacity >= 1", name=op.f("ck_visit_slots_capacity_positive")),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_visit_slots_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_visit_slots_prison_id_prisons")
        ),
        sa.ForeignKeyConstraint(
            ["template_id"],
            ["visit_session_templates.id"],
            name=op.f("fk_visit_slots_template_id_visit_session_templates"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_slots")),
        sa.UniqueConstraint(
            "template_id", "starts_at", name=op.f("uq_visit_slots_template_id_starts_at")
        ),
    )
    with op.batch_alter_table("visit_slots", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_slots_prison_id"), ["prison_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_slots_starts_at"), ["starts_at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_visit_slots_template_id"), ["template_id"], unique=False
        )

    op.create_table(
        "visit_bars",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("category", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "category IN ('victim', 'co_accused', 'court_order', 'other')",
            name=op.f("ck_visit_bars_category"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_visit_bars_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_bars")),
    )
    with op.batch_alter_table("visit_bars", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_bars_inmate_id"), ["inmate_id"], unique=False)

    op.create_table(
        "visit_contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("full_name", sa.String(length=200), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("phone", sa.String(length=32), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("privileged", sa.Boolean(), nullable=False),
        sa.Column("requested_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decision_reason", sa.Text(), nullable=False),
        sa.CheckConstraint("phone <> '' OR email <> ''", name=op.f("ck_visit_contacts_reachable")),
        sa.CheckConstraint(
            "relation IN ('spouse', 'partner', 'parent', 'child', 'sibling', 'relative', 'friend', 'lawyer', 'other')",
            name=op.f("ck_visit_contacts_relation"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'refused', 'barred')",
            name=op.f("ck_visit_contacts_status"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_visit_contacts_inmate_id_inmates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_contacts")),
    )
    with op.batch_alter_table("visit_contacts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_contacts_inmate_id"), ["inmate_id"], unique=False
        )

    op.create_table(
        "visit_endpoints",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("wing_id", sa.Integer(), nullable=True),
        sa.Column("device_id", sa.Integer(), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "kind = 'booth' OR device_id IS NOT NULL",
            name=op.f("ck_visit_endpoints_tablet_has_device"),
        ),
        sa.CheckConstraint("kind IN ('booth', 'tablet')", name=op.f("ck_visit_endpoints_kind")),
        sa.ForeignKeyConstraint(
            ["device_id"], ["devices.id"], name=op.f("fk_visit_endpoints_device_id_devices")
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_visit_endpoints_prison_id_prisons")
        ),
        sa.ForeignKeyConstraint(
            ["wing_id"], ["wings.id"], name=op.f("fk_visit_endpoints_wing_id_wings")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_endpoints")),
        sa.UniqueConstraint("prison_id", "name", name=op.f("uq_visit_endpoints_prison_id_name")),
    )
    with op.batch_alter_table("visit_endpoints", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_endpoints_device_id"), ["device_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_endpoints_prison_id"), ["prison_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_visit_endpoints_wing_id"), ["wing_id"], unique=False)

    op.create_table(
        "visit_bookings",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("slot_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("place", sa.Integer(), nullable=True),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("endpoint_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("held_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("hold_expires_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("confirmed_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("close_reason", sa.String(length=200), nullable=False),
        sa.Column("closed_by", sa.String(length=200), nullable=False),
        sa.Column("room", sa.String(length=64), nullable=True),
        sa.Column("privileged", sa.Boolean(), nullable=False),
        sa.Column("quota_exempt", sa.Boolean(), nullable=False),
        sa.Column(
            "rebook_of_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.CheckConstraint(
            "status IN ('held', 'confirmed', 'cancelled', 'expired', 'ended', 'failed')",
            name=op.f("ck_visit_bookings_status"),
        ),
        sa.CheckConstraint(
            "place IS NULL OR place >= 1", name=op.f("ck_visit_bookings_place_positive")
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["visit_contacts.id"],
            name=op.f("fk_visit_bookings_contact_id_visit_contacts"),
        ),
        sa.ForeignKeyConstraint(
            ["endpoint_id"],
            ["visit_endpoints.id"],
            name=op.f("fk_visit_bookings_endpoint_id_visit_endpoints"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_visit_bookings_inmate_id_inmates")
        ),
        sa.ForeignKeyConstraint(
            ["rebook_of_id"],
            ["visit_bookings.id"],
            name=op.f("fk_visit_bookings_rebook_of_id_visit_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["slot_id"], ["visit_slots.id"], name=op.f("fk_visit_bookings_slot_id_visit_slots")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_bookings")),
        sa.UniqueConstraint("rebook_of_id", name=op.f("uq_visit_bookings_rebook_of_id")),
        sa.UniqueConstraint("room", name=op.f("uq_visit_bookings_room")),
        sa.UniqueConstraint("slot_id", "place", name=op.f("uq_visit_bookings_slot_id_place")),
    )
    with op.batch_alter_table("visit_bookings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_bookings_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_bookings_endpoint_id"), ["endpoint_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_bookings_inmate_id"), ["inmate_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_visit_bookings_slot_id"), ["slot_id"], unique=False)

    op.create_table(
        "visit_invitations",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "booking_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["visit_bookings.id"],
            name=op.f("fk_visit_invitations_booking_id_visit_bookings"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_visit_invitations_token_hash")),
    )
    with op.batch_alter_table("visit_invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_invitations_booking_id"), ["booking_id"], unique=False
        )

    op.create_table(
        "visit_notifications",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "booking_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("contact_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["booking_id"],
            ["visit_bookings.id"],
            name=op.f("fk_visit_notifications_booking_id_visit_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["visit_contacts.id"],
            name=op.f("fk_visit_notifications_contact_id_visit_contacts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_notifications")),
    )
    with op.batch_alter_table("visit_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_notifications_booking_id"), ["booking_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_notifications_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_notifications_sent_at"), ["sent_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("visit_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_notifications_sent_at"))
        batch_op.drop_index(batch_op.f("ix_visit_notifications_contact_id"))
        batch_op.drop_index(batch_op.f("ix_visit_notifications_booking_id"))

    op.drop_table("visit_notifications")
    with op.batch_alter_table("visit_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_invitations_booking_id"))

    op.drop_table("visit_invitations")
    with op.batch_alter_table("visit_bookings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_bookings_slot_id"))
        batch_op.drop_index(batch_op.f("ix_visit_bookings_inmate_id"))
        batch_op.drop_index(batch_op.f("ix_visit_bookings_endpoint_id"))
        batch_op.drop_index(batch_op.f("ix_visit_bookings_contact_id"))

    op.drop_table("visit_bookings")
    with op.batch_alter_table("visit_endpoints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_endpoints_wing_id"))
        batch_op.drop_index(batch_op.f("ix_visit_endpoints_prison_id"))
        batch_op.drop_index(batch_op.f("ix_visit_endpoints_device_id"))

    op.drop_table("visit_endpoints")
    with op.batch_alter_table("visit_contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_contacts_inmate_id"))

    op.drop_table("visit_contacts")
    with op.batch_alter_table("visit_bars", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_bars_inmate_id"))

    op.drop_table("visit_bars")
    with op.batch_alter_table("visit_slots", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_slots_template_id"))
        batch_op.drop_index(batch_op.f("ix_visit_slots_starts_at"))
        batch_op.drop_index(batch_op.f("ix_visit_slots_prison_id"))

    op.drop_table("visit_slots")
    with op.batch_alter_table("visit_session_templates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_session_templates_prison_id"))

    op.drop_table("visit_session_templates")
    with op.batch_alter_table("visit_blocked_dates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_blocked_dates_prison_id"))

    op.drop_table("visit_blocked_dates")
