"""Video visits: the inmate's contacts and the people barred from calling, call endpoints
(booths and cell tablets), session templates and blocked dates per prison, the bookable slots,
bookings, invitation links for contacts and the outbox of messages to contacts."""

from __future__ import annotations

from datetime import date, datetime, time
from enum import StrEnum

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Date,
    ForeignKey,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db import BIG_ID, Base, UTCDateTime, utcnow
from ..devices.models import Device
from ..people.models import Inmate, Prison, Wing, one_of


class Relation(StrEnum):
    SPOUSE = "spouse"
    PARTNER = "partner"
    PARENT = "parent"
    CHILD = "child"
    SIBLING = "sibling"
    RELATIVE = "relative"
    FRIEND = "friend"
    LAWYER = "lawyer"
    OTHER = "other"


class ContactStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"
    BARRED = "barred"


class BarCategory(StrEnum):
    VICTIM = "victim"
    CO_ACCUSED = "co_accused"
    COURT_ORDER = "court_order"
    OTHER = "other"


class EndpointKind(StrEnum):
    BOOTH = "booth"
    TABLET = "tablet"


class BookingStatus(StrEnum):
    HELD = "held"
    CONFIRMED = "confirmed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"
    ENDED = "ended"
    FAILED = "failed"


B = BookingStatus

# Every allowed change of a booking's status, in one place. A held place is kept for a few
# minutes; a confirmed call is cancelled before it happens, or ended by staff, or marks a
# technical failure (which lets the inmate rebook without using the quota).
TRANSITIONS: dict[BookingStatus, frozenset[BookingStatus]] = {
    B.HELD: frozenset({B.CONFIRMED, B.EXPIRED, B.CANCELLED}),
    B.CONFIRMED: frozenset({B.CANCELLED, B.ENDED, B.FAILED}),
    B.CANCELLED: frozenset(),
    B.EXPIRED: frozenset(),
    B.ENDED: frozenset(),
    B.FAILED: frozenset(),
}

# Statuses that occupy a place in the slot (a held one only until its hold expires).
OCCUPYING = frozenset({B.HELD, B.CONFIRMED, B.ENDED, B.FAILED})


class Contact(Base):
    """A person an inmate asked to call. Staff approve or refuse after checks, with a reason."""

    __tablename__ = "visit_contacts"
    __table_args__ = (
        CheckConstraint(one_of("relation", Relation), name="relation"),
        CheckConstraint(one_of("status", ContactStatus), name="status"),
        CheckConstraint("phone <> '' OR email <> ''", name="reachable"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    relation: Mapped[str] = mapped_column(String(16))
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    status: Mapped[str] = mapped_column(String(16), default=ContactStatus.PENDING.value)
    # A lawyer's calls are privileged: never monitored, never recorded.
    privileged: Mapped[bool] = mapped_column(default=False)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(200), default="")
    # Why staff approved, refused or barred; staff-only.
    decision_reason: Mapped[str] = mapped_column(Text, default="")

    inmate: Mapped[Inmate] = relationship()

    @property
    def approved(self) -> bool:
        return self.status == ContactStatus.APPROVED.value

    @property
    def address(self) -> str:
        return self.email or self.phone

    @property
    def status_for_inmate(self) -> str:
        # The inmate is not told that a person is barred, nor why.
        return ContactStatus.REFUSED.value if self.status == ContactStatus.BARRED else self.status


class Bar(Base):
    """A person this inmate may not call (a victim, a co-accused, a court order). A contact
    request that matches a bar by phone, e-mail or name is refused on the spot."""

    __tablename__ = "visit_bars"
    __table_args__ = (CheckConstraint(one_of("category", BarCategory), name="category"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    full_name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str] = mapped_column(String(32), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    category: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")


class Endpoint(Base):
    """Where the inmate sits during a call: a booth on a wing, or the tablet of a cell."""

    __tablename__ = "visit_endpoints"
    __table_args__ = (
        UniqueConstraint("prison_id", "name"),
        CheckConstraint(one_of("kind", EndpointKind), name="kind"),
        CheckConstraint("kind = 'booth' OR device_id IS NOT NULL", name="tablet_has_device"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    # A booth may serve one wing only; None: any wing of the prison.
    wing_id: Mapped[int | None] = mapped_column(ForeignKey("wings.id"), index=True)
    device_id: Mapped[int | None] = mapped_column(ForeignKey("devices.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    prison: Mapped[Prison] = relationship()
    wing: Mapped[Wing | None] = relationship()
    device: Mapped[Device | None] = relationship()


class SessionTemplate(Base):
    """When calls happen in a prison: on these weekdays (0 is Monday) at this local time, this
    long, this many calls at once."""

    __tablename__ = "visit_session_templates"
    __table_args__ = (
        CheckConstraint("length_minutes BETWEEN 5 AND 240", name="length_range"),
        CheckConstraint("parallel_calls >= 1", name="parallel_calls_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    weekdays: Mapped[list[int]] = mapped_column(JSON, default=list)
    starts_at_local: Mapped[time] = mapped_column(Time)
    length_minutes: Mapped[int] = mapped_column(default=30)
    parallel_calls: Mapped[int] = mapped_column(default=1)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)
    active: Mapped[bool] = mapped_column(default=True)

    prison: Mapped[Prison] = relationship()


class BlockedDate(Base):
    """A day without calls in one prison (a lockdown, a holiday, staff training)."""

    __tablename__ = "visit_blocked_dates"
    __table_args__ = (UniqueConstraint("prison_id", "blocked_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    blocked_on: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by: Mapped[str] = mapped_column(String(200), default="")


class Slot(Base):
    """One session on one day: `capacity` calls can run at once from `starts_at` to
    `ends_at`. Created from the templates for the booking horizon."""

    __tablename__ = "visit_slots"
    __table_args__ = (
        UniqueConstraint("template_id", "starts_at"),
        CheckConstraint("capacity >= 1", name="capacity_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    prison_id: Mapped[int] = mapped_column(ForeignKey("prisons.id"), index=True)
    template_id: Mapped[int] = mapped_column(ForeignKey("visit_session_templates.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int] = mapped_column()

    prison: Mapped[Prison] = relationship()
    template: Mapped[SessionTemplate] = relationship()


class Booking(Base):
    """An inmate's call with one contact in one slot. An occupying booking holds one numbered
    place of the slot; (slot, place) is unique, so a slot can never hold more calls than it has
    places, whatever the concurrency. A booking that stops occupying gives its place back (the
    place becomes NULL, which the unique constraint does not count)."""

    __tablename__ = "visit_bookings"
    __table_args__ = (
        UniqueConstraint("slot_id", "place"),
        CheckConstraint(one_of("status", BookingStatus), name="status"),
        CheckConstraint("place IS NULL OR place >= 1", name="place_positive"),
    )

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("visit_slots.id"), index=True)
    place: Mapped[int | None] = mapped_column()
    inmate_id: Mapped[int] = mapped_column(ForeignKey("inmates.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("visit_contacts.id"), index=True)
    endpoint_id: Mapped[int | None] = mapped_column(ForeignKey("visit_endpoints.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=BookingStatus.HELD.value)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime())
    hold_expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Why it was cancelled, ended or failed (inmate, released, transferred, date blocked, ...).
    close_reason: Mapped[str] = mapped_column(String(200), default="")
    closed_by: Mapped[str] = mapped_column(String(200), default="")
    # The conference room's name: random, so nobody can walk into another family's call.
    room: Mapped[str | None] = mapped_column(String(64), unique=True)
    privileged: Mapped[bool] = mapped_column(default=False)
    # A rebooking of a call that failed for technical reasons does not use the weekly quota.
    quota_exempt: Mapped[bool] = mapped_column(default=False)
    rebook_of_id: Mapped[int | None] = mapped_column(ForeignKey("visit_bookings.id"), unique=True)

    slot: Mapped[Slot] = relationship()
    inmate: Mapped[Inmate] = relationship()
    contact: Mapped[Contact] = relationship()
    endpoint: Mapped[Endpoint | None] = relationship()


class Invitation(Base):
    """The contact's link to one booking. Only a hash of its random token is kept."""

    __tablename__ = "visit_invitations"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("visit_bookings.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    booking: Mapped[Booking] = relationship()


class Notification(Base):
    """The outbox of messages to contacts (invitation, cancellation, failure). A sender outside
    this package delivers them after the commit and marks them sent."""

    __tablename__ = "visit_notifications"

    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("visit_bookings.id"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("visit_contacts.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    # email | sms
    channel: Mapped[str] = mapped_column(String(8))
    address: Mapped[str] = mapped_column(String(254))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), index=True)
