"""Video visits: contacts, bars, endpoints, session templates, blocked dates, slots,
bookings, invitations and the outbox to contacts."""

import sqlalchemy as sa

from .columns import big_id, boolean, date, integer, json, moment, string, text
from .tables import create, drop


def upgrade() -> None:
    create(
        "visit_blocked_dates",
        integer("id"),
        integer("prison_id", refers="prisons"),
        date("blocked_on"),
        string("reason", 200),
        moment("created_at"),
        string("created_by", 200),
        unique=[("prison_id", "blocked_on")],
        indexes=["prison_id"],
    )

    create(
        "visit_session_templates",
        integer("id"),
        integer("prison_id", refers="prisons"),
        string("name", 100),
        json("weekdays"),
        sa.Column("starts_at_local", sa.Time(), nullable=False),
        integer("length_minutes"),
        integer("parallel_calls"),
        date("valid_from"),
        date("valid_until", nullable=True),
        boolean("active"),
        checks={
            "length_range": "length_minutes BETWEEN 5 AND 240",
            "parallel_calls_positive": "parallel_calls >= 1",
        },
        indexes=["prison_id"],
    )

    create(
        "visit_slots",
        big_id("id"),
        integer("prison_id", refers="prisons"),
        integer("template_id", refers="visit_session_templates"),
        moment("starts_at"),
        moment("ends_at"),
        integer("capacity"),
        checks={"capacity_positive": "capacity >= 1", "ends_after_start": "ends_at > starts_at"},
        unique=[("template_id", "starts_at")],
        indexes=["prison_id", "starts_at", "template_id"],
    )

    create(
        "visit_bars",
        integer("id"),
        integer("inmate_id", refers="inmates"),
        string("full_name", 200),
        string("phone", 32),
        string("email", 254),
        string("category", 16),
        text("reason"),
        moment("created_at"),
        string("created_by", 200),
        checks={"category": "category IN ('victim', 'co_accused', 'court_order', 'other')"},
        indexes=["inmate_id"],
    )

    create(
        "visit_contacts",
        integer("id"),
        integer("inmate_id", refers="inmates"),
        string("full_name", 200),
        string("relation", 16),
        string("phone", 32),
        string("email", 254),
        string("status", 16),
        boolean("privileged"),
        moment("requested_at"),
        moment("decided_at", nullable=True),
        string("decided_by", 200),
        text("decision_reason"),
        checks={
            "reachable": "phone <> '' OR email <> ''",
            "relation": "relation IN ('spouse', 'partner', 'parent', 'child', 'sibling', 'relative', 'friend', 'lawyer', 'other')",
            "status": "status IN ('pending', 'approved', 'refused', 'barred')",
        },
        indexes=["inmate_id"],
    )

    create(
        "visit_endpoints",
        integer("id"),
        integer("prison_id", refers="prisons"),
        string("kind", 16),
        string("name", 100),
        integer("wing_id", nullable=True, refers="wings"),
        integer("device_id", nullable=True, refers="devices"),
        boolean("active"),
        checks={
            "tablet_has_device": "kind = 'booth' OR device_id IS NOT NULL",
            "kind": "kind IN ('booth', 'tablet')",
        },
        unique=[("prison_id", "name")],
        indexes=["device_id", "prison_id", "wing_id"],
    )

    create(
        "visit_bookings",
        big_id("id"),
        big_id("slot_id", refers="visit_slots"),
        integer("place", nullable=True),
        integer("inmate_id", refers="inmates"),
        integer("contact_id", refers="visit_contacts"),
        integer("endpoint_id", nullable=True, refers="visit_endpoints"),
        string("status", 16),
        moment("held_at"),
        moment("hold_expires_at"),
        moment("confirmed_at", nullable=True),
        moment("closed_at", nullable=True),
        string("close_reason", 200),
        string("closed_by", 200),
        string("room", 64, nullable=True),
        boolean("privileged"),
        boolean("quota_exempt"),
        big_id("rebook_of_id", nullable=True, refers="visit_bookings"),
        checks={
            "status": "status IN ('held', 'confirmed', 'cancelled', 'expired', 'ended', 'failed')",
            "place_positive": "place IS NULL OR place >= 1",
        },
        unique=["rebook_of_id", "room", ("slot_id", "place")],
        indexes=["contact_id", "endpoint_id", "inmate_id", "slot_id"],
    )

    create(
        "visit_invitations",
        big_id("id"),
        big_id("booking_id", refers="visit_bookings"),
        string("token_hash", 64),
        moment("created_at"),
        moment("expires_at"),
        moment("revoked_at", nullable=True),
        unique=["token_hash"],
        indexes=["booking_id"],
    )

    create(
        "visit_notifications",
        big_id("id"),
        big_id("booking_id", nullable=True, refers="visit_bookings"),
        integer("contact_id", refers="visit_contacts"),
        string("kind", 32),
        string("channel", 8),
        string("address", 254),
        text("body"),
        moment("created_at"),
        moment("sent_at", nullable=True),
        indexes=["booking_id", "contact_id", "sent_at"],
    )


def downgrade() -> None:
    drop(
        "visit_notifications",
        "visit_invitations",
        "visit_bookings",
        "visit_endpoints",
        "visit_contacts",
        "visit_bars",
        "visit_slots",
        "visit_session_templates",
        "visit_blocked_dates",
    )
