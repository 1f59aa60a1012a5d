"""Requests as cases: the case, its history (notes, replies, answers, moves), its documents,
the receipt counters and the staff of each department."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import BIG_ID, Base, UTCDateTime, utcnow
from ..people.models import Inmate, one_of
from ..staff.models import StaffUser


class RequestStatus(StrEnum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    APPROVED = "approved"
    DECLINED = "declined"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    APPEALED = "appealed"
    CLOSED = "closed"


S = RequestStatus

# Every allowed change of status, in one place. Claiming moves a new case to in progress;
# forwarding, notes and replies do not change the status. An answered case is closed when its
# appeal window has passed; an appeal is a new case (appeal_of_id) and the appealed one waits in
# APPEALED until the appeal is closed, then closes with it.
TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.SUBMITTED: frozenset({S.IN_PROGRESS, S.APPROVED, S.DECLINED, S.REJECTED, S.WITHDRAWN}),
    S.IN_PROGRESS: frozenset({S.APPROVED, S.DECLINED, S.REJECTED, S.WITHDRAWN}),
    S.APPROVED: frozenset({S.CLOSED, S.APPEALED}),
    S.DECLINED: frozenset({S.CLOSED, S.APPEALED}),
    S.REJECTED: frozenset({S.CLOSED, S.APPEALED}),
    S.WITHDRAWN: frozenset(),
    S.APPEALED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
}
OPEN = frozenset({S.SUBMITTED, S.IN_PROGRESS})
ANSWERED = frozenset({S.APPROVED, S.DECLINED, S.REJECTED})


class RejectionReason(StrEnum):
    """Standard reasons to reject a request without deciding it."""

    WRONG_TYPE = "wrong_type"
    DUPLICATE = "duplicate"
    ABUSIVE = "abusive"


class EventKind(StrEnum):
    SUBMITTED = "submitted"
    CLAIMED = "claimed"
    FORWARDED = "forwarded"
    NOTE = "note"
    INMATE_REPLY = "inmate_reply"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"
    APPEALED = "appealed"
    CLOSED = "closed"
    ESCALATED = "escalated"
    ATTACHED = "attached"


class Request(Base):
    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint(one_of("status", RequestStatus), name="status"),
        CheckConstraint(
            f"rejection_reason IS NULL OR {one_of('rejection_reason', RejectionReason)}",
            name="rejection_reason",
        ),
        # A department's queue: open cases by deadline.
        Index("ix_requests_queue", "prison_id", "department_code", "status", "due_on"),
        # The one-open-at-a-time check and an inmate's own list.
        Index("ix_requests_inmate_type_status", "inmate_id", "type_code", "status"),
        # Answer-time statistics over a period.
        Index("ix_requests_answered_on", "answered_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # TST-2026-000042: prison, year, a sequence per prison and year
    # (see services/steps.py, _next_receipt).
    receipt: Mapped[str] = mapped_column(String(32), unique=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"))
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"))
    type_code: Mapped[str] = mapped_column(String(64))
    department_code: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RequestStatus.SUBMITTED.value)
    # The language the inmate wrote in and reads answers in.
    language: Mapped[str] = mapped_column(String(2))
    fields: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Copied from the type at submission: only the governor's office sees it.
    confidential: Mapped[bool] = mapped_column(default=False)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The day of submission in the prison's time zone: deadlines count from it.
    submitted_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    assigned_to_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The working day the answer was given on, in the prison's time zone (for statistics).
    answered_on: Mapped[date | None] = mapped_column(Date)
    # Working days from submitted_on to answered_on, counted with the calendar of that day.
    answer_working_days: Mapped[int | None] = mapped_column(Integer)
    answer_text: Mapped[str] = mapped_column(Text, default="")
    rejection_reason: Mapped[str | None] = mapped_column(String(16))
    # Last day (inclusive) the inmate may appeal the answer; None: no appeal.
    appeal_until_on: Mapped[date | None] = mapped_column(Date)
    appeal_of_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), index=True)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The department the case was overdue in when escalated (its supervisors see it).
    escalated_department: Mapped[str | None] = mapped_column(String(64))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    inmate: Mapped[Inmate] = relationship()
    assigned_to: Mapped[StaffUser | None] = relationship()
    appeal_of: Mapped[Request | None] = relationship(remote_side=[id])
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id"
    )
    attachments: Mapped[list[RequestAttachment]] = relationship(
        back_populates="request", order_by="RequestAttachment.id"
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN


class RequestEvent(Base):
    """One step in a case's history. Notes staff keep to themselves have visible_to_inmate
    false; everything else an inmate may read has it true."""

    __tablename__ = "request_events"
    __table_args__ = (CheckConstraint(one_of("kind", EventKind), name="kind"),)

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    kind: Mapped[str] = mapped_column(String(16))
    actor_kind: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[int | None] = mapped_column()
    actor_name: Mapped[str] = mapped_column(String(200), default="")
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    from_department: Mapped[str | None] = mapped_column(String(64))
    to_department: Mapped[str | None] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text, default="")
    visible_to_inmate: Mapped[bool] = mapped_column(default=True)

    request: Mapped[Request] = relationship(back_populates="events")


class RequestAttachment(Base):
    """A scanned document on a case. Kept in the database so every host of a scaled-out
    installation serves it without a shared file system."""

    __tablename__ = "request_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    visible_to_inmate: Mapped[bool] = mapped_column(default=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    request: Mapped[Request] = relationship(back_populates="attachments")


class ReceiptCounter(Base):
    """The last receipt number given in a prison in a year; locked while a number is taken."""

    __tablename__ = "request_receipt_counters"

    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last_number: Mapped[int] = mapped_column(BigInteger())


class DepartmentStaff(Base):
    """Who works in which request department (the departments are codes from the request types
    file). Members handle the department's queue; supervisors also receive its escalated
    overdue cases. Members of the governor's office see every department's cases and are the
    only ones who see confidential cases."""

    __tablename__ = "request_department_staff"

    department_code: Mapped[str] = mapped_column(String(64), primary_key=True)
    staff_user_id: Mapped[int] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), primary_key=True
    )
    supervisor: Mapped[bool] = mapped_column(default=False)

    staff_user: Mapped[StaffUser] = relationship()
