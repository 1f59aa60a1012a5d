"""The sessions on offer to an inmate: places left in each, and whether the weekly quota allows
one more."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ...errors import Forbidden
from ...people.models import Inmate, InmateStatus, Prison
from ...settings import Settings
from ..models import Booking, SessionTemplate, Slot
from .rules import (
    QUOTA_STATUSES,
    B,
    VisitRules,
    _check_aware,
    _day_start,
    _local_day,
    _rules,
    _zone,
)
from .slots import _blocked_days, open_slots


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
