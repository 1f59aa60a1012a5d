"""Video visits: who may call whom, and when. The platform books and gates the calls; the media
runs on the prison's Jitsi Meet, which admits a participant with an HS256 JWT room token that
Cellgate issues only inside the join window.

Inmate-facing functions (the kiosk and the tablet API call these; their screens live there).
`rules` is a `VisitRules` (`VisitRules.from_settings(settings)`) or the `Settings` themselves;
`now` is an aware UTC datetime, passed in so that tests fix the clock. The caller commits.
Refusals raise `backoffice.errors` errors whose message can be shown to the inmate as it is:
NotFound (404), Forbidden (403), Conflict (409), InvalidInput (422).

    contacts_of(db, inmate) -> list[Contact]
        Every contact the inmate asked for; show `contact.status_for_inmate` (a barred person
        reads "refused": the inmate is not told why).
    request_contact(db, actor, inmate, *, full_name, relation, phone="", email="", now)
        -> Contact (pending; refused on the spot when it matches a bar)
    available_slots(db, inmate, now, rules) -> list[SlotOffer]
        Sessions 2..28 days ahead (settings) in the inmate's prison, not on blocked dates,
        with places left and whether the inmate's weekly quota allows one more. It creates
        the horizon's slot rows from the session templates when missing: commit afterwards,
        so that the slot ids it returns stay valid for hold_slot.
    hold_slot(db, actor, inmate, slot_id, contact_id, now, rules, *, via=None, rebook_of=None)
        -> Booking (status "held" until `hold_expires_at`, 10 minutes by default). `via` is
        "tablet" or "booth" (None: the cell's tablet if it has one, else a free booth).
        `rebook_of` is the id of the inmate's call that failed for technical reasons: the new
        booking does not use the weekly quota.
    confirm_booking(db, actor, inmate, booking_id, now, rules) -> Confirmed
        (the booking and the contact's invitation link; the link also goes to the outbox)
    cancel_booking(db, actor, inmate, booking_id, now, rules) -> Booking
    bookings_of(db, inmate) -> list[Booking] (newest slot first)
    join_token_for_inmate(db, inmate, booking_id, now, rules, *, actor=None) -> RoomToken
        Only from `join_early_minutes` (5) before the start until the end of the slot, for a
        confirmed call with an approved contact. `RoomToken.url` opens the room.

Contacts (the public invitation page):
    invitation_for(db, token, now) -> Invitation          (valid, unexpired, not revoked)
    join_token_for_contact(db, token, now, rules, *, booking_id=None, remote_addr="")

Staff (role "visits"): pending_contacts, decide_contact, withdraw_approval, bar_person;
session_templates, add_session_template, stop_template, endpoints_of, add_endpoint;
block_date, unblock_date; calls_of_day, end_call, mark_failed, reissue_invitation (a lost
link: the old one stops working), monitor_token (refused for privileged calls);
cancel_for_departure and sweep (expire holds; cancel the calls of released or transferred
inmates and tell their contacts). The outbox: outbox, mark_sent.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import jwt
from sqlalchemy import and_, func, or_, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from ..audit.services import Actor, record
from ..db import is_postgresql
from ..errors import Conflict, Forbidden, InvalidInput, NotFound
from ..people.models import Inmate, InmateStatus, Prison
from ..settings import Settings
from .models import (
    TRANSITIONS,
    Bar,
    BarCategory,
    BlockedDate,
    Booking,
    BookingStatus,
    Contact,
    ContactStatus,
    Endpoint,
    EndpointKind,
    Invitation,
    Notification,
    Relation,
    SessionTemplate,
    Slot,
)

B = BookingStatus
SYSTEM = Actor.system("visits")
ACTIVE_BOOKING = (B.HELD.value, B.CONFIRMED.value)
# Calls that use the week's quota: held (until the hold expires), confirmed, ended by staff, and
# failed (its unit of quota passes to the free rebooking, which is quota-exempt wherever it is).
QUOTA_STATUSES = (B.HELD.value, B.CONFIRMED.value, B.ENDED.value, B.FAILED.value)


# --- rules -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class VisitRules:
    min_days_ahead: int = 2
    max_days_ahead: int = 28
    hold: timedelta = timedelta(minutes=10)
    join_early: timedelta = timedelta(minutes=5)
    invitation_base_url: str = "http://127.0.0.1:8003/visits/join/"
    jitsi_url: str = "https://meet.example.org"
    jitsi_audience: str = "jitsi"
    jitsi_app_id: str = "cellgate"
    jitsi_domain: str = "meet.example.org"
    jitsi_secret: str = field(default="", repr=False)
    weekly_quota: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> VisitRules:
        v = settings["visits"]
        return cls(
            min_days_ahead=v["min_days_ahead"],
            max_days_ahead=v["max_days_ahead"],
            hold=timedelta(minutes=v["hold_minutes"]),
            join_early=timedelta(minutes=v["join_early_minutes"]),
            invitation_base_url=v["invitation_base_url"],
            jitsi_url=v["jitsi_url"].rstrip("/"),
            jitsi_audience=v["jitsi_audience"],
            jitsi_app_id=v["jitsi_app_id"],
            jitsi_domain=v["jitsi_domain"],
            jitsi_secret=v["jitsi_secret"],
            weekly_quota={status: dict(levels) for status, levels in v["weekly_quota"].items()},
        )

    def quota_for(self, inmate: Inmate) -> int:
        levels = self.weekly_quota.get(inmate.legal_status, {})
        return int(levels.get(inmate.regime_level, levels.get("default", 0)))


def _rules(rules: VisitRules | Settings) -> VisitRules:
    return rules if isinstance(rules, VisitRules) else VisitRules.from_settings(rules)


def _zone(prison: Prison) -> ZoneInfo:
    return ZoneInfo(prison.timezone)


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def _check_aware(now: datetime) -> None:
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")


# --- contacts --------------------------------------------------------------------------------

PHONE = re.compile(r"^\+?[0-9]{6,20}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def _phone(raw: str) -> str:
    return re.sub(r"[\s\-().]", "", raw or "")


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def contacts_of(db: Session, inmate: Inmate) -> list[Contact]:
    stmt = (
        select(Contact)
        .where(Contact.inmate_id == inmate.id)
        .order_by(Contact.full_name, Contact.id)
    )
    return list(db.scalars(stmt))


def _matching_bar(
    db: Session, inmate_id: int, full_name: str, phone: str, email: str
) -> Bar | None:
    for bar in db.scalars(select(Bar).where(Bar.inmate_id == inmate_id).order_by(Bar.id)):
        if (
            (phone and bar.phone and _phone(bar.phone) == phone)
            or (email and bar.email and bar.email.casefold() == email.casefold())
            or _name_key(bar.full_name) == _name_key(full_name)
        ):
            return bar
    return None


def request_contact(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    full_name: str,
    relation: str,
    phone: str = "",
    email: str = "",
    now: datetime,
) -> Contact:
    """The inmate asks to add a person. Staff decide; a barred person is refused at once."""
    _check_aware(now)
    full_name = " ".join((full_name or "").split())
    phone = _phone(phone)
    email = (email or "").strip()
    if not full_name or len(full_name) > 200:
        raise InvalidInput("Write the person's full name (at most 200 characters).")
    if relation not in {r.value for r in Relation}:
        raise InvalidInput("Choose how you know the person.", relation=relation)
    if not phone and not email:
        raise InvalidInput("Give the person's phone number or e-mail address.")
    if phone and not PHONE.match(phone):
        raise InvalidInput("The phone number should be 6 to 20 digits, optionally with +.")
    if email and (len(email) > 254 or not EMAIL.match(email)):
        raise InvalidInput("The e-mail address does not look right.")
    if inmate.status != InmateStatus.ACTIVE.value:
        raise Forbidden("Only a person in custody can add contacts.")
    for existing in contacts_of(db, inmate):
        same = (phone and _phone(existing.phone) == phone) or (
            email and existing.email.casefold() == email.casefold()
        )
        if same and existing.status in (ContactStatus.PENDING, ContactStatus.APPROVED):
            raise Conflict(
                f"{existing.full_name} is already on your list ({existing.status}).",
                contact_id=existing.id,
            )
    contact = Contact(
        inmate_id=inmate.id,
        full_name=full_name,
        relation=relation,
        phone=phone,
        email=email,
        status=ContactStatus.PENDING.value,
        privileged=False,
        requested_at=now,
    )
    db.add(contact)
    db.flush()
    record(
        db,
        actor,
        "visits.contact_requested",
        target_type="visit_contact",
        target_id=contact.id,
        inmate_id=inmate.id,
        relation=relation,
    )
    bar = _matching_bar(db, inmate.id, full_name, phone, email)
    if bar is not None:
        contact.status = ContactStatus.BARRED.value
        contact.decided_at = now
        contact.decided_by = SYSTEM.name
        contact.decision_reason = f"matches bar #{bar.id} ({bar.category})"
        db.flush()
        record(
            db,
            SYSTEM,
            "visits.contact_barred",
            target_type="visit_contact",
            target_id=contact.id,
            bar_id=bar.id,
            category=bar.category,
        )
    return contact


def pending_contacts(db: Session, prison_id: int | None = None) -> list[Contact]:
    stmt = (
        select(Contact)
        .options(selectinload(Contact.inmate))
        .where(Contact.status == ContactStatus.PENDING.value)
        .order_by(Contact.requested_at, Contact.id)
    )
    if prison_id is not None:
        stmt = stmt.join(Inmate, Inmate.id == Contact.inmate_id).where(
            Inmate.prison_id == prison_id
        )
    return list(db.scalars(stmt))


def _contact(db: Session, contact_id: int, *, lock: bool = True) -> Contact:
    stmt = select(Contact).where(Contact.id == contact_id)
    if lock:
        stmt = stmt.with_for_update()
    contact = db.scalars(stmt.execution_options(populate_existing=True)).first()
    if contact is None:
        raise NotFound("No such contact.", contact_id=contact_id)
    return contact


def decide_contact(
    db: Session,
    actor: Actor,
    contact_id: int,
    *,
    approve: bool,
    reason: str,
    now: datetime,
    privileged: bool | None = None,
) -> Contact:
    """Staff approve or refuse a pending contact after their checks, with the reason. A lawyer
    is privileged by default: the calls are never monitored."""
    _check_aware(now)
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write the reason for the decision (what was checked, or why not).")
    contact = _contact(db, contact_id)
    if contact.status != ContactStatus.PENDING.value:
        raise Conflict(f"This contact was already decided ({contact.status}).")
    if approve:
        bar = _matching_bar(db, contact.inmate_id, contact.full_name, contact.phone, contact.email)
        if bar is not None:
            raise Conflict(
                f"{contact.full_name} matches a bar ({bar.category}): they cannot be approved.",
                bar_id=bar.id,
            )
        contact.status = ContactStatus.APPROVED.value
        contact.privileged = (
            contact.relation == Relation.LAWYER.value if privileged is None else privileged
        )
    else:
        contact.status = ContactStatus.REFUSED.value
        contact.privileged = False
    contact.decided_at = now
    contact.decided_by = actor.name
    contact.decision_reason = reason
    db.flush()
    record(
        db,
        actor,
        "visits.contact_approved" if approve else "visits.contact_refused",
        target_type="visit_contact",
        target_id=contact.id,
        inmate_id=contact.inmate_id,
        reason=reason,
        privileged=contact.privileged,
    )
    return contact


def withdraw_approval(
    db: Session, actor: Actor, contact_id: int, *, reason: str, now: datetime
) -> Contact:
    """An approved contact is refused after all; their future calls are cancelled."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write why the approval is withdrawn.")
    contact = _contact(db, contact_id)
    if contact.status != ContactStatus.APPROVED.value:
        raise Conflict(f"This contact is not approved ({contact.status}).")
    contact.status = ContactStatus.REFUSED.value
    contact.decided_at = now
    contact.decided_by = actor.name
    contact.decision_reason = reason
    db.flush()
    record(
        db,
        actor,
        "visits.contact_withdrawn",
        target_type="visit_contact",
        target_id=contact.id,
        reason=reason,
    )
    _cancel_future(db, actor, _future_of_contact(db, contact.id, now), "contact not approved", now)
    return contact


def bar_person(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    *,
    full_name: str,
    category: str,
    reason: str,
    now: datetime,
    phone: str = "",
    email: str = "",
) -> Bar:
    """This inmate may not call this person (a victim, a co-accused...). A matching contact is
    barred at once and its future calls cancelled."""
    full_name = " ".join((full_name or "").split())
    if not full_name:
        raise InvalidInput("Write the barred person's full name.")
    if category not in {c.value for c in BarCategory}:
        raise InvalidInput("Choose why the person is barred.", category=category)
    if not (reason or "").strip():
        raise InvalidInput("Write the reason for the bar (a court order, a case number...).")
    bar = Bar(
        inmate_id=inmate.id,
        full_name=full_name,
        phone=_phone(phone),
        email=(email or "").strip(),
        category=category,
        reason=reason.strip(),
        created_at=now,
        created_by=actor.name,
    )
    db.add(bar)
    db.flush()
    record(
        db,
        actor,
        "visits.person_barred",
        target_type="visit_bar",
        target_id=bar.id,
        inmate_id=inmate.id,
        category=category,
    )
    for contact in contacts_of(db, inmate):
        if contact.status == ContactStatus.BARRED.value:
            continue
        if _matching_bar(db, inmate.id, contact.full_name, contact.phone, contact.email) is bar:
            contact.status = ContactStatus.BARRED.value
            contact.decided_at = now
            contact.decided_by = actor.name
            contact.decision_reason = f"bar #{bar.id} ({category}): {bar.reason}"
            contact.privileged = False
            db.flush()
            record(
                db,
                actor,
                "visits.contact_barred",
                target_type="visit_contact",
                target_id=contact.id,
                bar_id=bar.id,
                category=category,
            )
            _cancel_future(db, actor, _future_of_contact(db, contact.id, now), "barred", now)
    return bar


# --- endpoints, templates, blocked dates, slots ----------------------------------------------


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
    endpoint = Endpoint(
        prison_id=prison_id, kind=kind, name=name, wing_id=wing_id, device_id=device_id
    )
    db.add(endpoint)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise Conflict(f"An endpoint called {name} already exists.") from None
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
        raise Conflict(f"{template.name} is already stopped.")
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
    db.add(blocked)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise Conflict(f"{day.isoformat()} is already blocked.") from None
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


def unblock_date(db: Session, actor: Actor, blocked_id: int) -> None:
    blocked = db.get(BlockedDate, blocked_id)
    if blocked is None:
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


# --- booking ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlotOffer:
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    local_start: datetime
    places_left: int
    within_quota: bool


def _occupied(db: Session, slot_ids: list[int], now: datetime) -> dict[int, int]:
    if not slot_ids:
        return {}
    stmt = (
        select(Booking.slot_id, func.count())
        .where(
            Booking.slot_id.in_(slot_ids),
            Booking.place.is_not(None),
            or_(Booking.status != B.HELD.value, Booking.hold_expires_at > now),
        )
        .group_by(Booking.slot_id)
    )
    return {slot_id: count for slot_id, count in db.execute(stmt)}


def _week_bounds(day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    monday = day - timedelta(days=day.weekday())
    return _day_start(monday, zone), _day_start(monday + timedelta(days=7), zone)


def _used_in_week(db: Session, inmate: Inmate, day: date, zone: ZoneInfo, now: datetime) -> int:
    start, end = _week_bounds(day, zone)
    stmt = (
        select(func.count())
        .select_from(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.inmate_id == inmate.id,
            Booking.quota_exempt.is_(False),
            Booking.status.in_(QUOTA_STATUSES),
            or_(Booking.status != B.HELD.value, Booking.hold_expires_at > now),
            Slot.starts_at >= start,
            Slot.starts_at < end,
        )
    )
    return int(db.scalar(stmt) or 0)


def _check_active(inmate: Inmate) -> None:
    if inmate.status != InmateStatus.ACTIVE.value:
        raise Forbidden("Video calls are only for people in custody here.")


def available_slots(
    db: Session, inmate: Inmate, now: datetime, rules: VisitRules | Settings
) -> list[SlotOffer]:
    """Sessions the inmate may book now, with the places left in each."""
    _check_aware(now)
    rules = _rules(rules)
    _check_active(inmate)
    prison = db.get(Prison, inmate.prison_id)
    assert prison is not None
    zone = _zone(prison)
    today = _local_day(now, zone)
    first = today + timedelta(days=rules.min_days_ahead)
    last = today + timedelta(days=rules.max_days_ahead)
    open_slots(db, prison, first, last)
    blocked = _blocked_days(db, prison.id, first, last)
    slots = list(
        db.scalars(
            select(Slot)
            .join(SessionTemplate, SessionTemplate.id == Slot.template_id)
            .where(
                Slot.prison_id == prison.id,
                SessionTemplate.active.is_(True),
                Slot.starts_at >= _day_start(first, zone),
                Slot.starts_at < _day_start(last + timedelta(days=1), zone),
                Slot.starts_at > now,
            )
            .order_by(Slot.starts_at, Slot.id)
        )
    )
    occupied = _occupied(db, [s.id for s in slots], now)
    quota = rules.quota_for(inmate)
    used: dict[date, int] = {}
    offers = []
    for slot in slots:
        day = _local_day(slot.starts_at, zone)
        if day in blocked:
            continue
        monday = day - timedelta(days=day.weekday())
        if monday not in used:
            used[monday] = _used_in_week(db, inmate, day, zone, now)
        offers.append(
            SlotOffer(
                slot_id=slot.id,
                starts_at=slot.starts_at,
                ends_at=slot.ends_at,
                local_start=slot.starts_at.astimezone(zone),
                places_left=max(0, slot.capacity - occupied.get(slot.id, 0)),
                within_quota=used[monday] < quota,
            )
        )
    return offers


def _lock_inmate(db: Session, inmate_id: int) -> Inmate:
    stmt = (
        select(Inmate)
        .where(Inmate.id == inmate_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return db.scalars(stmt).one()


def _lock_slot(db: Session, slot_id: int) -> Slot:
    stmt = (
        select(Slot)
        .where(Slot.id == slot_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    slot = db.scalars(stmt).first()
    if slot is None:
        raise NotFound("No such video call session.", slot_id=slot_id)
    return slot


def _booking(db: Session, booking_id: int) -> Booking:
    stmt = (
        select(Booking)
        .where(Booking.id == booking_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    booking = db.scalars(stmt).first()
    if booking is None:
        raise NotFound("No such video call.", booking_id=booking_id)
    return booking


def _inmates_booking(db: Session, inmate: Inmate, booking_id: int) -> Booking:
    booking = _booking(db, booking_id)
    if booking.inmate_id != inmate.id:
        # The same answer as for a booking that does not exist: ids are not an oracle.
        raise NotFound("No such video call.", booking_id=booking_id)
    return booking


def _move(
    db: Session,
    actor: Actor,
    booking: Booking,
    to: BookingStatus,
    now: datetime,
    *,
    reason: str = "",
    **details: Any,
) -> None:
    current = BookingStatus(booking.status)
    if to not in TRANSITIONS[current]:
        raise Conflict(f"This call is {current.value}: it cannot become {to.value}.")
    booking.status = to.value
    if to in (B.CANCELLED, B.EXPIRED):
        booking.place = None  # gives the place back to the slot
    if to is B.CONFIRMED:
        booking.confirmed_at = now
    else:
        booking.closed_at = now
        booking.close_reason = reason
        booking.closed_by = actor.name
    if to in (B.CANCELLED, B.EXPIRED, B.ENDED, B.FAILED):
        for invitation in db.scalars(
            select(Invitation).where(
                Invitation.booking_id == booking.id, Invitation.revoked_at.is_(None)
            )
        ):
            invitation.revoked_at = now
    db.flush()
    record(
        db,
        actor,
        f"visits.booking_{to.value}",
        target_type="visit_booking",
        target_id=booking.id,
        before=current.value,
        inmate_id=booking.inmate_id,
        reason=reason,
        **details,
    )


def _expire_holds_in(db: Session, slot_id: int, now: datetime) -> None:
    stmt = select(Booking).where(
        Booking.slot_id == slot_id,
        Booking.status == B.HELD.value,
        Booking.hold_expires_at <= now,
    )
    for booking in db.scalars(stmt):
        _move(db, SYSTEM, booking, B.EXPIRED, now, reason="not confirmed in time")


def _pick_endpoint(
    db: Session, inmate: Inmate, slot: Slot, via: str | None, now: datetime
) -> Endpoint:
    endpoints = list(
        db.scalars(
            select(Endpoint)
            .options(selectinload(Endpoint.device))
            .where(Endpoint.prison_id == slot.prison_id, Endpoint.active.is_(True))
            .order_by(Endpoint.name, Endpoint.id)
        )
    )
    busy = set(
        db.scalars(
            select(Booking.endpoint_id).where(
                Booking.slot_id == slot.id,
                Booking.place.is_not(None),
                or_(Booking.status != B.HELD.value, Booking.hold_expires_at > now),
            )
        )
    )
    tablets = [
        e
        for e in endpoints
        if e.kind == EndpointKind.TABLET
        and e.device is not None
        and e.device.revoked_at is None
        and e.device.cell_id == inmate.cell_id
        and e.id not in busy
    ]
    booths = [
        e
        for e in endpoints
        if e.kind == EndpointKind.BOOTH
        and (e.wing_id is None or e.wing_id == inmate.wing_id)
        and e.id not in busy
    ]
    if via == EndpointKind.TABLET:
        choice = tablets
    elif via == EndpointKind.BOOTH:
        choice = booths
    elif via is None:
        choice = tablets + booths
    else:
        raise InvalidInput("Choose the tablet or a booth.")
    if not choice:
        where = {"tablet": "Your cell's tablet", "booth": "No booth"}.get(via or "", "No booth")
        raise Conflict(f"{where} is not free for that session; choose another time.")
    return choice[0]


def hold_slot(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    slot_id: int,
    contact_id: int,
    now: datetime,
    rules: VisitRules | Settings,
    *,
    via: str | None = None,
    rebook_of: int | None = None,
) -> Booking:
    """Hold one place of a session for the inmate's call with an approved contact. The hold
    lasts `hold` (10 minutes) unless confirmed. Rows are locked in a fixed order (inmate, then
    slot) so two holds never overbook a session nor exceed one inmate's quota; the unique
    (slot, place) is the last guard."""
    _check_aware(now)
    rules = _rules(rules)
    inmate = _lock_inmate(db, inmate.id)
    _check_active(inmate)
    # Locked so that a withdrawal of approval cannot slip between this check and the commit.
    contact = _contact(db, contact_id)
    if contact.inmate_id != inmate.id:
        raise NotFound("No such contact.", contact_id=contact_id)
    if not contact.approved:
        raise Forbidden(f"{contact.full_name} is not an approved contact yet.")
    slot = _lock_slot(db, slot_id)
    if slot.prison_id != inmate.prison_id:
        raise NotFound("No such video call session.", slot_id=slot_id)
    prison = db.get(Prison, slot.prison_id)
    assert prison is not None
    zone = _zone(prison)
    day = _local_day(slot.starts_at, zone)
    ahead = (day - _local_day(now, zone)).days
    if ahead < rules.min_days_ahead or slot.starts_at <= now:
        raise Conflict(f"Calls are booked at least {rules.min_days_ahead} days ahead.")
    if ahead > rules.max_days_ahead:
        raise Conflict(f"Calls are booked at most {rules.max_days_ahead} days ahead.")
    if day in _blocked_days(db, prison.id, day, day):
        raise Conflict(f"There are no calls on {day.isoformat()}.")

    exempt = False
    if rebook_of is not None:
        failed = _inmates_booking(db, inmate, rebook_of)
        if failed.status != B.FAILED.value:
            raise Conflict("Only a call that failed for technical reasons is rebooked free.")
        already = db.scalar(select(Booking.id).where(Booking.rebook_of_id == failed.id))
        if already is not None:
            raise Conflict("That failed call was already rebooked.", booking_id=already)
        exempt = True

    # One hold at a time: choosing another session gives the previous place back.
    for old in db.scalars(
        select(Booking).where(
            Booking.inmate_id == inmate.id,
            Booking.status == B.HELD.value,
            Booking.hold_expires_at > now,
        )
    ):
        _move(db, actor, old, B.CANCELLED, now, reason="another session held")

    if not exempt:
        quota = rules.quota_for(inmate)
        used = _used_in_week(db, inmate, day, zone, now)
        if used >= quota:
            monday = day - timedelta(days=day.weekday())
            raise Conflict(
                f"You have used your {quota} video calls for the week of {monday.isoformat()}.",
                quota=quota,
                used=used,
            )

    overlapping = db.scalar(
        select(Booking.id)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.inmate_id == inmate.id,
            Booking.status.in_(ACTIVE_BOOKING),
            or_(Booking.status != B.HELD.value, Booking.hold_expires_at > now),
            Slot.starts_at < slot.ends_at,
            Slot.ends_at > slot.starts_at,
        )
    )
    if overlapping is not None:
        raise Conflict("You already have a call at that time.", booking_id=overlapping)

    _expire_holds_in(db, slot.id, now)
    taken = set(
        db.scalars(
            select(Booking.place).where(Booking.slot_id == slot.id, Booking.place.is_not(None))
        )
    )
    free = [p for p in range(1, slot.capacity + 1) if p not in taken]
    if not free:
        raise Conflict("That session is full; choose another time.", slot_id=slot.id)
    endpoint = _pick_endpoint(db, inmate, slot, via, now)
    booking = Booking(
        slot_id=slot.id,
        place=free[0],
        inmate_id=inmate.id,
        contact_id=contact.id,
        endpoint_id=endpoint.id,
        status=B.HELD.value,
        held_at=now,
        hold_expires_at=now + rules.hold,
        privileged=contact.privileged,
        quota_exempt=exempt,
        rebook_of_id=rebook_of,
    )
    db.add(booking)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise Conflict("That session just filled up; choose another time.") from None
    record(
        db,
        actor,
        "visits.slot_held",
        target_type="visit_booking",
        target_id=booking.id,
        inmate_id=inmate.id,
        slot_id=slot.id,
        place=booking.place,
        contact_id=contact.id,
        endpoint_id=endpoint.id,
        quota_exempt=exempt,
        rebook_of=rebook_of,
    )
    return booking


@dataclass(frozen=True)
class Confirmed:
    booking: Booking
    # Shown once: only its hash is stored. It also goes to the contact through the outbox.
    invitation_url: str


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _notify(db: Session, booking: Booking, kind: str, body: str, now: datetime) -> Notification:
    contact = booking.contact
    note = Notification(
        booking_id=booking.id,
        contact_id=contact.id,
        kind=kind,
        channel="email" if contact.email else "sms",
        address=contact.email or contact.phone,
        body=body,
        created_at=now,
    )
    db.add(note)
    db.flush()
    return note


def _when(booking: Booking) -> str:
    zone = _zone(booking.slot.prison)
    start = booking.slot.starts_at.astimezone(zone)
    end = booking.slot.ends_at.astimezone(zone)
    return f"{start:%Y-%m-%d %H:%M}-{end:%H:%M} ({zone.key})"


def confirm_booking(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    booking_id: int,
    now: datetime,
    rules: VisitRules | Settings,
) -> Confirmed:
    """Confirm a held call before the hold expires; the contact gets an invitation link."""
    _check_aware(now)
    rules = _rules(rules)
    inmate = _lock_inmate(db, inmate.id)
    booking = _inmates_booking(db, inmate, booking_id)
    if booking.status != B.HELD.value:
        raise Conflict(f"This call is {booking.status}: only a held call can be confirmed.")
    if now >= booking.hold_expires_at:
        raise Conflict("The hold has expired; choose the session again.")
    _check_active(inmate)
    if not booking.contact.approved:
        raise Forbidden(f"{booking.contact.full_name} is not an approved contact.")
    booking.room = f"cellgate-{secrets.token_hex(16)}"
    booking.privileged = booking.contact.privileged
    _move(db, actor, booking, B.CONFIRMED, now)
    url = _invite(db, actor, booking, now, rules)
    return Confirmed(booking=booking, invitation_url=url)


def _invite(db: Session, actor: Actor, booking: Booking, now: datetime, rules: VisitRules) -> str:
    """A new invitation link for the booking's contact, into the outbox; returns the link."""
    token = secrets.token_urlsafe(32)
    db.add(
        Invitation(
            booking_id=booking.id,
            token_hash=_hash(token),
            created_at=now,
            expires_at=booking.slot.ends_at,
        )
    )
    db.flush()
    url = f"{rules.invitation_base_url}{token}"
    early = int(rules.join_early.total_seconds() // 60)
    _notify(
        db,
        booking,
        "invitation",
        f"{booking.inmate.full_name} has booked a video call with you on {_when(booking)}. "
        f"Join from {early} minutes before the start: {url}",
        now,
    )
    record(
        db,
        actor,
        "visits.invitation_issued",
        target_type="visit_booking",
        target_id=booking.id,
        contact_id=booking.contact_id,
        expires_at=booking.slot.ends_at.isoformat(),
    )
    return url


def reissue_invitation(
    db: Session, actor: Actor, booking_id: int, now: datetime, rules: VisitRules | Settings
) -> str:
    """The contact lost the link: the old links stop working and a new one is sent."""
    rules = _rules(rules)
    booking = _booking(db, booking_id)
    if booking.status != B.CONFIRMED.value or booking.slot.ends_at <= now:
        raise Conflict("Only a confirmed call that has not ended has an invitation.")
    revoked = 0
    for invitation in db.scalars(
        select(Invitation).where(
            Invitation.booking_id == booking.id, Invitation.revoked_at.is_(None)
        )
    ):
        invitation.revoked_at = now
        revoked += 1
    db.flush()
    record(
        db,
        actor,
        "visits.invitation_revoked",
        target_type="visit_booking",
        target_id=booking.id,
        revoked=revoked,
    )
    return _invite(db, actor, booking, now, rules)


def _cancel_future(
    db: Session, actor: Actor, bookings: Iterable[Booking], reason: str, now: datetime
) -> int:
    count = 0
    for booking in bookings:
        if booking.status not in ACTIVE_BOOKING or booking.slot.ends_at <= now:
            continue
        was_confirmed = booking.status == B.CONFIRMED.value
        _move(db, actor, booking, B.CANCELLED, now, reason=reason)
        if was_confirmed:
            _notify(
                db,
                booking,
                "cancelled",
                f"The video call with {booking.inmate.full_name} on {_when(booking)} is cancelled.",
                now,
            )
        count += 1
    return count


def _future_of_contact(db: Session, contact_id: int, now: datetime) -> list[Booking]:
    stmt = (
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.contact_id == contact_id,
            Booking.status.in_(ACTIVE_BOOKING),
            Slot.ends_at > now,
        )
    )
    return list(db.scalars(stmt))


def cancel_booking(
    db: Session,
    actor: Actor,
    inmate: Inmate,
    booking_id: int,
    now: datetime,
    rules: VisitRules | Settings,
) -> Booking:
    """The inmate cancels a held or confirmed call before it starts; the place and the week's
    quota are given back, and the contact is told."""
    _check_aware(now)
    booking = _inmates_booking(db, inmate, booking_id)
    if booking.status not in ACTIVE_BOOKING:
        raise Conflict(f"This call is already {booking.status}.")
    if booking.slot.starts_at <= now:
        raise Conflict("The call has started; it can no longer be cancelled.")
    _cancel_future(db, actor, [booking], "cancelled by the inmate", now)
    return booking


def bookings_of(db: Session, inmate: Inmate) -> list[Booking]:
    stmt = (
        select(Booking)
        .options(selectinload(Booking.slot), selectinload(Booking.contact))
        .join(Slot, Slot.id == Booking.slot_id)
        .where(Booking.inmate_id == inmate.id)
        .order_by(Slot.starts_at.desc(), Booking.id.desc())
    )
    return list(db.scalars(stmt))


# --- joining ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class RoomToken:
    token: str
    room: str
    url: str
    display_name: str
    expires_at: datetime
    privileged: bool


def join_window(booking: Booking, rules: VisitRules) -> tuple[datetime, datetime]:
    """From `join_early` before the start (inclusive) to the end of the slot (exclusive)."""
    return booking.slot.starts_at - rules.join_early, booking.slot.ends_at


def _check_joinable(booking: Booking, now: datetime, rules: VisitRules) -> None:
    if booking.status != B.CONFIRMED.value:
        raise Forbidden(f"This call is {booking.status}: it cannot be joined.")
    if not booking.contact.approved:
        raise Forbidden("This contact is not approved for video calls.")
    if booking.inmate.status != InmateStatus.ACTIVE.value:
        raise Forbidden("This call cannot take place.")
    opens, closes = join_window(booking, rules)
    if now < opens:
        raise Forbidden(f"The call opens at {opens.isoformat()}; come back then.")
    if now >= closes:
        raise Forbidden("The call's time is over.")


def _room_token(
    booking: Booking,
    rules: VisitRules,
    now: datetime,
    *,
    user_id: str,
    name: str,
    moderator: bool = False,
) -> RoomToken:
    if not rules.jitsi_secret:
        raise RuntimeError("visits.jitsi_secret is not set")
    opens, closes = join_window(booking, rules)
    assert booking.room is not None
    claims = {
        # Jitsi's token authentication (prosody mod_auth_token): aud, iss = app id,
        # sub = the meet domain, room = the room name; context.user is what others see.
        "aud": rules.jitsi_audience,
        "iss": rules.jitsi_app_id,
        "sub": rules.jitsi_domain,
        "room": booking.room,
        "iat": int(now.timestamp()),
        "nbf": int(opens.timestamp()),
        "exp": int(closes.timestamp()),
        "moderator": moderator,
        "context": {
            "user": {"id": user_id, "name": name, "moderator": moderator},
            # Nothing is recorded by the conferencing server; a privileged call is marked so.
            "features": {"recording": False, "livestreaming": False, "transcription": False},
            "privileged": booking.privileged,
        },
    }
    token = jwt.encode(claims, rules.jitsi_secret, algorithm="HS256")
    return RoomToken(
        token=token,
        room=booking.room,
        url=f"{rules.jitsi_url}/{booking.room}?jwt={token}",
        display_name=name,
        expires_at=closes,
        privileged=booking.privileged,
    )


def join_token_for_inmate(
    db: Session,
    inmate: Inmate,
    booking_id: int,
    now: datetime,
    rules: VisitRules | Settings,
    *,
    actor: Actor | None = None,
) -> RoomToken:
    _check_aware(now)
    rules = _rules(rules)
    actor = actor or Actor(kind="inmate", id=inmate.id, name=inmate.prison_number)
    booking = _inmates_booking(db, inmate, booking_id)
    _check_joinable(booking, now, rules)
    room = _room_token(booking, rules, now, user_id=f"inmate-{inmate.id}", name=inmate.full_name)
    record(
        db,
        actor,
        "visits.room_token_issued",
        target_type="visit_booking",
        target_id=booking.id,
        side="inmate",
    )
    return room


def invitation_for(db: Session, token: str, now: datetime) -> Invitation:
    """The invitation a contact's link stands for, if it is still good."""
    if not token or len(token) > 128:
        raise NotFound("This link is not valid.")
    invitation = db.scalars(
        select(Invitation)
        .options(selectinload(Invitation.booking))
        .where(Invitation.token_hash == _hash(token))
    ).first()
    if invitation is None:
        raise NotFound("This link is not valid.")
    if invitation.revoked_at is not None:
        raise Forbidden(
            "This link is no longer valid: the call was cancelled or ended, "
            "or a newer link was sent."
        )
    if now >= invitation.expires_at:
        raise Forbidden("This link has expired.")
    return invitation


def join_token_for_contact(
    db: Session,
    token: str,
    now: datetime,
    rules: VisitRules | Settings,
    *,
    booking_id: int | None = None,
    remote_addr: str = "",
) -> RoomToken:
    """The contact's room token, from the invitation link. The link belongs to one booking:
    presented for any other it is refused."""
    _check_aware(now)
    rules = _rules(rules)
    invitation = invitation_for(db, token, now)
    booking = invitation.booking
    if booking_id is not None and booking_id != booking.id:
        raise Forbidden("This link is for another call.")
    _check_joinable(booking, now, rules)
    contact = booking.contact
    room = _room_token(booking, rules, now, user_id=f"contact-{contact.id}", name=contact.full_name)
    record(
        db,
        Actor(kind="contact", id=contact.id, name=contact.full_name, remote_addr=remote_addr),
        "visits.room_token_issued",
        target_type="visit_booking",
        target_id=booking.id,
        side="contact",
    )
    return room


def monitor_token(
    db: Session, actor: Actor, booking_id: int, now: datetime, rules: VisitRules | Settings
) -> RoomToken:
    """A member of staff listens in on a call. A lawyer's call is privileged: never."""
    rules = _rules(rules)
    booking = _booking(db, booking_id)
    if booking.privileged or booking.contact.privileged:
        record(
            db,
            actor,
            "visits.monitor_refused",
            target_type="visit_booking",
            target_id=booking.id,
            outcome="refused",
        )
        raise Forbidden("This call is privileged (a lawyer): it is never monitored.")
    _check_joinable(booking, now, rules)
    room = _room_token(
        booking, rules, now, user_id=f"staff-{actor.id}", name=f"Staff: {actor.name}"
    )
    record(db, actor, "visits.monitor_started", target_type="visit_booking", target_id=booking.id)
    return room


# --- staff: today's calls --------------------------------------------------------------------


@dataclass
class EndpointCalls:
    endpoint: Endpoint | None
    bookings: list[Booking]


def calls_of_day(db: Session, prison_id: int, day: date) -> list[EndpointCalls]:
    """The day's confirmed, ended and failed calls of a prison, per booth or tablet."""
    prison = db.get(Prison, prison_id)
    if prison is None:
        raise NotFound("No such prison.")
    zone = _zone(prison)
    stmt = (
        select(Booking)
        .options(
            selectinload(Booking.slot),
            selectinload(Booking.contact),
            selectinload(Booking.inmate),
            selectinload(Booking.endpoint),
        )
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Slot.prison_id == prison_id,
            Slot.starts_at >= _day_start(day, zone),
            Slot.starts_at < _day_start(day + timedelta(days=1), zone),
            Booking.status.in_((B.CONFIRMED.value, B.ENDED.value, B.FAILED.value)),
        )
        .order_by(Slot.starts_at, Booking.id)
    )
    groups: dict[int | None, EndpointCalls] = {}
    for booking in db.scalars(stmt):
        group = groups.setdefault(booking.endpoint_id, EndpointCalls(booking.endpoint, []))
        group.bookings.append(booking)
    return sorted(
        groups.values(), key=lambda g: (g.endpoint is None, g.endpoint and g.endpoint.name)
    )


def end_call(db: Session, actor: Actor, booking_id: int, *, reason: str, now: datetime) -> Booking:
    """Staff end a call (conduct, security). No more room tokens are issued for it; the
    conferencing server's own kick is the operator's job."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write why the call is ended.")
    booking = _booking(db, booking_id)
    if booking.slot.ends_at <= now:
        raise Conflict("The call's time is already over.")
    _move(db, actor, booking, B.ENDED, now, reason=reason)
    return booking


def mark_failed(
    db: Session, actor: Actor, booking_id: int, *, reason: str, now: datetime
) -> Booking:
    """The call failed for technical reasons: it does not count, and the inmate may rebook it
    once without using the weekly quota (`hold_slot(..., rebook_of=booking_id)`)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Write what failed.")
    booking = _booking(db, booking_id)
    _move(db, actor, booking, B.FAILED, now, reason=reason)
    _notify(
        db,
        booking,
        "failed",
        f"The video call with {booking.inmate.full_name} on {_when(booking)} failed for "
        "technical reasons. It will be booked again at no cost to them.",
        now,
    )
    return booking


# --- release, transfer, sweeping -------------------------------------------------------------


def _departure_reason(inmate: Inmate, slot: Slot) -> str | None:
    if inmate.status == InmateStatus.RELEASED.value:
        return "released"
    if inmate.status == InmateStatus.TRANSFERRED.value or inmate.prison_id != slot.prison_id:
        return "transferred"
    return None


def cancel_for_departure(db: Session, actor: Actor, inmate: Inmate, now: datetime) -> int:
    """Cancel the future calls of an inmate who was released or transferred (call it from the
    release or transfer; `sweep` catches any that were missed). Contacts are told."""
    stmt = (
        select(Booking)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.inmate_id == inmate.id,
            Booking.status.in_(ACTIVE_BOOKING),
            Slot.ends_at > now,
        )
        .order_by(Booking.id)
    )
    count = 0
    for booking in db.scalars(stmt):
        reason = _departure_reason(inmate, booking.slot)
        if reason is not None:
            count += _cancel_future(db, actor, [booking], reason, now)
    return count


@dataclass(frozen=True)
class SweepResult:
    holds_expired: int
    cancelled_for_departure: int


def sweep(db: Session, actor: Actor, now: datetime) -> SweepResult:
    """Expire unconfirmed holds and cancel the calls of inmates who left; run it every few
    minutes (`cellgate visits sweep`)."""
    expired = 0
    for booking in db.scalars(
        select(Booking)
        .where(Booking.status == B.HELD.value, Booking.hold_expires_at <= now)
        .order_by(Booking.id)
        .with_for_update()
    ).all():
        _move(db, actor, booking, B.EXPIRED, now, reason="not confirmed in time")
        expired += 1
    departed = db.scalars(
        select(Inmate)
        .join(Booking, Booking.inmate_id == Inmate.id)
        .join(Slot, Slot.id == Booking.slot_id)
        .where(
            Booking.status.in_(ACTIVE_BOOKING),
            Slot.ends_at > now,
            or_(
                Inmate.status != InmateStatus.ACTIVE.value,
                and_(Inmate.prison_id != Slot.prison_id),
            ),
        )
        .distinct()
    ).all()
    cancelled = sum(cancel_for_departure(db, actor, inmate, now) for inmate in departed)
    return SweepResult(holds_expired=expired, cancelled_for_departure=cancelled)


def outbox(db: Session, *, unsent_only: bool = True, limit: int = 200) -> list[Notification]:
    stmt = select(Notification).order_by(Notification.id)
    if unsent_only:
        stmt = stmt.where(Notification.sent_at.is_(None))
    return list(db.scalars(stmt.limit(limit)))


def mark_sent(db: Session, notification_id: int, now: datetime) -> None:
    """The sender delivered the message. Its body (which may hold an invitation link) is
    cleared: after delivery the link lives only with the contact."""
    note = db.get(Notification, notification_id)
    if note is None:
        raise NotFound("No such message.")
    note.sent_at = now
    note.body = "[delivered]"
    db.flush()
