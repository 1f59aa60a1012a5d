"""Requests: applications and complaints, their events and attachments."""

import sqlalchemy as sa
from alembic import op

import backoffice.db

STATUSES = "'submitted', 'in_progress', 'approved', 'declined', 'rejected', 'withdrawn', 'appealed', 'closed'"
EVENT_KINDS = (
    "'submitted', 'claimed', 'forwarded', 'note', 'inmate_reply', 'answered', 'withdrawn', "
    "'appealed', 'closed', 'escalated', 'attached'"
)


def upgrade() -> None:
    op.create_table(
        "request_receipt_counters",
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["prison_id"],
            ["prisons.id"],
            name=op.f("fk_request_receipt_counters_prison_id_prisons"),
        ),
        sa.PrimaryKeyConstraint("prison_id", "year", name=op.f("pk_request_receipt_counters")),
    )
    op.create_table(
        "request_department_staff",
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("staff_user_id", sa.Integer(), nullable=False),
        sa.Column("supervisor", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_user_id"],
            ["staff_users.id"],
            name=op.f("fk_request_department_staff_staff_user_id_staff_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "department_code", "staff_user_id", name=op.f("pk_request_department_staff")
        ),
    )
    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("receipt", sa.String(length=32), nullable=False),
        sa.Column("prison_id", sa.Integer(), nullable=False),
        sa.Column("inmate_id", sa.Integer(), nullable=False),
        sa.Column("type_code", sa.String(length=64), nullable=False),
        sa.Column("department_code", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("language", sa.String(length=2), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("confidential", sa.Boolean(), nullable=False),
        sa.Column("submitted_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("submitted_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("assigned_to_id", sa.Integer(), nullable=True),
        sa.Column("answered_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("answered_on", sa.Date(), nullable=True),
        sa.Column("answer_working_days", sa.Integer(), nullable=True),
        sa.Column("answer_text", sa.Text(), nullable=False),
        sa.Column("rejection_reason", sa.String(length=16), nullable=True),
        sa.Column("appeal_until_on", sa.Date(), nullable=True),
        sa.Column("appeal_of_id", sa.Integer(), nullable=True),
        sa.Column("escalated_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("escalated_department", sa.String(length=64), nullable=True),
        sa.Column("closed_at", backoffice.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("updated_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "rejection_reason IS NULL OR rejection_reason IN ('wrong_type', 'duplicate', 'abusive')",
            name=op.f("ck_requests_rejection_reason"),
        ),
        sa.CheckConstraint(f"status IN ({STATUSES})", name=op.f("ck_requests_status")),
        sa.ForeignKeyConstraint(
            ["appeal_of_id"], ["requests.id"], name=op.f("fk_requests_appeal_of_id_requests")
        ),
        sa.ForeignKeyConstraint(
            ["assigned_to_id"],
            ["staff_users.id"],
            name=op.f("fk_requests_assigned_to_id_staff_users"),
        ),
        sa.ForeignKeyConstraint(
            ["inmate_id"], ["inmates.id"], name=op.f("fk_requests_inmate_id_inmates")
        ),
        sa.ForeignKeyConstraint(
            ["prison_id"], ["prisons.id"], name=op.f("fk_requests_prison_id_prisons")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint("receipt", name=op.f("uq_requests_receipt")),
    )
    op.create_index("ix_requests_answered_on", "requests", ["answered_on"], unique=False)
    op.create_index(op.f("ix_requests_appeal_of_id"), "requests", ["appeal_of_id"], unique=False)
    op.create_index(
        op.f("ix_requests_assigned_to_id"), "requests", ["assigned_to_id"], unique=False
    )
    op.create_index(
        "ix_requests_inmate_type_status",
        "requests",
        ["inmate_id", "type_code", "status"],
        unique=False,
    )
    op.create_index(
        "ix_requests_queue",
        "requests",
        ["prison_id", "department_code", "status", "due_on"],
        unique=False,
    )
    op.create_table(
        "request_attachments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("visible_to_inmate", sa.Boolean(), nullable=False),
        sa.Column("uploaded_by_id", sa.Integer(), nullable=True),
        sa.Column("uploaded_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_attachments_request_id_requests"),
        ),
        sa.ForeignKeyConstraint(
            ["uploaded_by_id"],
            ["staff_users.id"],
            name=op.f("fk_request_attachments_uploaded_by_id_staff_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_attachments")),
    )
    op.create_index(
        op.f("ix_request_attachments_request_id"),
        "request_attachments",
        ["request_id"],
        unique=False,
    )
    op.create_table(
        "request_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", backoffice.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("actor_kind", sa.String(length=16), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("actor_name", sa.String(length=200), nullable=False),
        sa.Column("from_status", sa.String(length=16), nullable=True),
        sa.Column("to_status", sa.String(length=16), nullable=True),
        sa.Column("from_department", sa.String(length=64), nullable=True),
        sa.Column("to_department", sa.String(length=64), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("visible_to_inmate", sa.Boolean(), nullable=False),
        sa.CheckConstraint(f"kind IN ({EVENT_KINDS})", name=op.f("ck_request_events_kind")),
        sa.ForeignKeyConstraint(
            ["request_id"], ["requests.id"], name=op.f("fk_request_events_request_id_requests")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_events")),
    )
    op.create_index(
        op.f("ix_request_events_request_id"), "request_events", ["request_id"], unique=False
    )


def downgrade() -> None:
    op.drop_table("request_events")
    op.drop_table("request_attachments")
    op.drop_table("requests")
    op.drop_table("request_department_staff")
    op.drop_table("request_receipt_counters")
