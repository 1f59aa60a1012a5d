"""Requests: applications and complaints, their events and attachments."""

import sqlalchemy as sa
from alembic import op

from .columns import big_id, big_integer, binary, boolean, date, integer, json, moment, string, text
from .tables import create, drop

STATUSES = "'submitted', 'in_progress', 'approved', 'declined', 'rejected', 'withdrawn', 'appealed', 'closed'"
EVENT_KINDS = (
    "'submitted', 'claimed', 'forwarded', 'note', 'inmate_reply', 'answered', 'withdrawn', "
    "'appealed', 'closed', 'escalated', 'attached'"
)


def upgrade() -> None:
    create(
        "request_receipt_counters",
        integer("prison_id", refers="prisons"),
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        big_integer("last_number"),
        primary_key=("prison_id", "year"),
    )
    create(
        "request_department_staff",
        string("department_code", 64),
        integer("staff_user_id", refers="staff_users", ondelete="CASCADE"),
        boolean("supervisor"),
        primary_key=("department_code", "staff_user_id"),
    )
    create(
        "requests",
        integer("id"),
        string("receipt", 32),
        integer("prison_id", refers="prisons"),
        integer("inmate_id", refers="inmates"),
        string("type_code", 64),
        string("department_code", 64),
        string("status", 16),
        string("language", 2),
        json("fields"),
        boolean("confidential"),
        moment("submitted_at"),
        date("submitted_on"),
        date("due_on"),
        integer("assigned_to_id", nullable=True, refers="staff_users"),
        moment("answered_at", nullable=True),
        date("answered_on", nullable=True),
        integer("answer_working_days", nullable=True),
        text("answer_text"),
        string("rejection_reason", 16, nullable=True),
        date("appeal_until_on", nullable=True),
        integer("appeal_of_id", nullable=True, refers="requests"),
        moment("escalated_at", nullable=True),
        string("escalated_department", 64, nullable=True),
        moment("closed_at", nullable=True),
        moment("updated_at"),
        checks={
            "rejection_reason": "rejection_reason IS NULL OR rejection_reason IN ('wrong_type', 'duplicate', 'abusive')",
            "status": f"status IN ({STATUSES})",
        },
        unique=["receipt"],
        indexes=["answered_on", "appeal_of_id", "assigned_to_id"],
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
    create(
        "request_attachments",
        integer("id"),
        integer("request_id", refers="requests"),
        string("filename", 200),
        string("content_type", 64),
        integer("size_bytes"),
        binary("data"),
        boolean("visible_to_inmate"),
        integer("uploaded_by_id", nullable=True, refers="staff_users"),
        moment("uploaded_at"),
        indexes=["request_id"],
    )
    create(
        "request_events",
        big_id("id"),
        integer("request_id", refers="requests"),
        moment("occurred_at"),
        string("kind", 16),
        string("actor_kind", 16),
        integer("actor_id", nullable=True),
        string("actor_name", 200),
        string("from_status", 16, nullable=True),
        string("to_status", 16, nullable=True),
        string("from_department", 64, nullable=True),
        string("to_department", 64, nullable=True),
        text("body"),
        boolean("visible_to_inmate"),
        checks={"kind": f"kind IN ({EVENT_KINDS})"},
        indexes=["request_id"],
    )


def downgrade() -> None:
    drop(
        "request_events",
        "request_attachments",
        "requests",
        "request_department_staff",
        "request_receipt_counters",
    )
