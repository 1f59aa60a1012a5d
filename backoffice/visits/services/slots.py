"""What can be booked: endpoints (booths and tablets), session templates, blocked dates, and
the slots the templates open over the booking horizon."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import is_postgresql
from ...devices.models import Device
from ...errors import Conflict, InvalidInput, NotFound
from ...people.models import Prison, Wing
from ...words import N_
from ..models import BlockedDate, Booking, Endpoint, EndpointKind, SessionTemplate, Slot
from .lifecycle import _cancel_future
from .rules import ACTIVE_BOOKING, SYSTEM, _add_unless_taken, _day_start, _zone

# --- endpoints and session templates ---------------------------------------------------------


def add_endpoint(
    db: Session,
    actor: Actor,
    prison_id: int,
    *,
    kind: str,
    name: str,
    wing_id: int | None = None,
    device_id: int | None = None,
) -> Endpoint:
    if kind not in {k.value for k in EndpointKind}:
        raise InvalidInput("An endpoint is a booth or a tablet.")
    if kind == EndpointKind.TABLET and device_id is None:
        raise InvalidInput("A tablet endpoint needs its registered tablet.")
    name = (name or "").strip()
    if not name:
        raise InvalidInput("Give the endpoint a name.")
    # The views choose the prison the member of staff works in; a wing or tablet named in the
    # form must be of that prison too.
    wing = db.get(Wing, wing_id) if wing_id is not None else None
    device = db.get(Device, device_id) if device_id is not None else None
    if (wing_id is not None and (wing is None or wing.prison_id != prison_id)) or (
        device_id is not None and (device is None or device.prison_id != prison_id)
    ):
        raise NotFound("No such wing or tablet in this prison.")
    endpoint = Endpoint(
        prison_id=prison_id, kind=kind, name=name, wing_id=wing_id, device_id=device_id
    )
    _add_unless_taken(db, endpoint, N_("An endpoint called %(name)s already exists."), name=name)
    record(db, actor, "visits.endpoint_added", target_type="visit_endpoint", target_id=endpoint.id)
    return endpoint


def add_session_template(
    db: Session,
    actor: Actor,
    prison_id: int,
    *,
    name: str,
    weekdays: Iterable[int],
    starts_at_local: time,
    length_minutes: int,
    parallel_calls: int,
    valid_from: date,
    valid_until: date | None = None,
) -> SessionTemplate:
    days = sorted(set(weekdays))
    if not days or any(d not in range(7) for d in days):
        raise InvalidInput("Weekdays are 0 (Monday) to 6 (Sunday); choose at least one.")
    if not 5 <= length_minutes <= 240:
        raise InvalidInput("A call lasts 5 to 240 minutes.")
    if parallel_calls < 1:
        raise InvalidInput("At least one call at a time.")
    template = SessionTemplate(
        prison_id=prison_id,
        name=name.strip() or "Video calls",
        weekdays=days,
        starts_at_local=starts_at_local,
        length_minutes=length_minutes,
        parallel_calls=parallel_calls,
        valid_from=valid_from,
        valid_until=valid_until,
        active=True,
    )
    db.add(template)
    db.flush()
    record(
        db,
        actor,
        "visits.template_added",
        target_type="visit_session_template",
        target_id=template.id,
        weekdays=days,
        starts_at=starts_at_local.isoformat(timespec="minutes"),
        length_minutes=length_minutes,
        parallel_calls=parallel_calls,
    )
    return template


def session_templates(db: Session, prison_id: int) -> list[SessionTemplate]:
    stmt = select(SessionTemplate).where(SessionTemplate.prison_id == prison_id)
    return list(db.scalars(stmt.order_by(SessionTemplate.active.desc(), SessionTemplate.name)))


def endpoints_of(db: Session, prison_id: int) -> list[Endpoint]:
    stmt = select(Endpoint).where(Endpoint.prison_id == prison_id)
    return list(db.scalars(stmt.order_by(Endpoint.kind, Endpoint.name)))


def stop_template(db: Session, actor: Actor, template_id: int) -> SessionTemplate:
    """No new bookings in this template's sessions; calls already booked stay."""
    template = db.get(SessionTemplate, template_id)
    if template is None:
        raise NotFound("No such session template.")
    if not template.active:
        raise Conflict("%(name)s is already stopped.", name=template.name)
    template.active = False
    db.flush()
    record(
        db,
        actor,
        "visits.template_stopped",
        target_type="visit_session_template",
        target_id=template.id,
    )
    return template


# --- blocked dates ---------------------------------------------------------------------------


def _blocked_days(db: Session, prison_id: int, first: date, last: date) -> set[date]:
    stmt = select(BlockedDate.blocked_on).where(
        BlockedDate.prison_id == prison_id,
        BlockedDate.blocked_on >= first,
        BlockedDate.blocked_on <= last,
    )
    return set(db.scalars(stmt))


def blocked_dates(db: Session, prison_id: int, since: date | None = None) -> list[BlockedDate]:
    stmt = select(BlockedDate).where(BlockedDate.prison_id == prison_id)
    if since is not None:
        stmt = stmt.where(BlockedDate.blocked_on >= since)
    return list(db.scalars(stmt.order_by(BlockedDate.blocked_on)))


def block_date(
    db: Session, actor: Actor, prison_id: int, day: date, *, reason: str, now: datetime
) -> BlockedDate:
    """No calls in this prison on this day; calls already booked are cancelled and the
    contacts told."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write why the day is blocked.")
    prison = db.get(Prison, prison_id)
    if prison is None:
        raise NotFound("No such prison.")
    zone = _zone(prison)
    day_slots = (
        Slot.prison_id == prison_id,
        Slot.starts_at >= _day_start(day, zone),
        Slot.starts_at < _day_start(day + timedelta(days=1), zone),
    )
    # The day's slots are locked first, like hold_slot does: a hold racing with the block either
    # commits before (and is cancelled below) or waits and then sees the blocked day.
    db.execute(select(Slot.id).where(*day_slots).order_by(Slot.id).with_for_update()).all()
    blocked = BlockedDate(
        prison_id=prison_id, blocked_on=day, reason=reason, created_at=now, created_by=actor.name
    )
    _add_unless_taken(db, blocked, N_("%(day)s is already blocked."), day=day)
    record(
        db,
        actor,
        "visits.date_blocked",
        target_type="visit_blocked_date",
        target_id=blocked.id,
        day=day.isoformat(),
        reason=reason,
    )
    stmt = (
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(*day_slots, Booking.status.in_(ACTIVE_BOOKING))
        .order_by(Booking.id)
    )
    _cancel_future(db, actor, list(db.scalars(stmt)), f"date blocked: {reason}", now)
    return blocked


def unblock_date(
    db: Session, actor: Actor, blocked_id: int, *, prison_id: int | None = None
) -> None:
    """Open a blocked day again; with `prison_id`, only a day blocked in that prison (the
    member of staff's own: another prison's days are not found)."""
    blocked = db.get(BlockedDate, blocked_id)
    if blocked is None or prison_id not in (None, blocked.prison_id):
        raise NotFound("That day is not blocked.")
    record(
        db,
        actor,
        "visits.date_unblocked",
        target_type="visit_blocked_date",
        target_id=blocked.id,
        day=blocked.blocked_on.isoformat(),
    )
    db.delete(blocked)
    db.flush()


# --- slots -----------------------------------------------------------------------------------


def open_slots(db: Session, prison: Prison, first: date, last: date) -> int:
    """Create the slots of the prison's active templates for the days first..last (local),
    skipping blocked days; existing slots stay as they are. Safe to run concurrently."""
    zone = _zone(prison)
    blocked = _blocked_days(db, prison.id, first, last)
    templates = list(
        db.scalars(
            select(SessionTemplate).where(
                SessionTemplate.prison_id == prison.id, SessionTemplate.active.is_(True)
            )
        )
    )
    rows: list[dict[str, Any]] = []
    day = first
    while day <= last:
        if day not in blocked:
            for t in templates:
                if day.weekday() not in t.weekdays or day < t.valid_from:
                    continue
                if t.valid_until is not None and day > t.valid_until:
                    continue
                starts = datetime.combine(day, t.starts_at_local, zone).astimezone(UTC)
                rows.append(
                    {
                        "prison_id": prison.id,
                        "template_id": t.id,
                        "starts_at": starts,
                        "ends_at": starts + timedelta(minutes=t.length_minutes),
                        "capacity": t.parallel_calls,
                    }
                )
        day += timedelta(days=1)
    if rows:
        # Insert only what is missing: an upsert of every row on every look would burn
        # PostgreSQL sequence numbers for nothing.
        existing = set(
            db.execute(
                select(Slot.template_id, Slot.starts_at).where(
                    Slot.prison_id == prison.id,
                    Slot.starts_at >= min(r["starts_at"] for r in rows),
                    Slot.starts_at <= max(r["starts_at"] for r in rows),
                )
            )
        )
        rows = [r for r in rows if (r["template_id"], r["starts_at"]) not in existing]
    if not rows:
        return 0
    insert = pg_insert if is_postgresql(db) else sqlite_insert
    stmt = (
        insert(Slot)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["template_id", "starts_at"])
    )
    # RETURNING counts what was inserted (rowcount is -1 for a multi-row insert on psycopg).
    created = len(db.execute(stmt.returning(Slot.id)).all())
    if created:
        record(
            db,
            SYSTEM,
            "visits.slots_opened",
            target_type="prison",
            target_id=prison.id,
            first=first.isoformat(),
            last=last.isoformat(),
            created=created,
        )
    return created
