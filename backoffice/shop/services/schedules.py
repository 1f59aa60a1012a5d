"""A wing's shop round (opening weekday, cut-off weekday and time, delivery weekday), set by the
shop manager; a wing without one follows the default round of the settings. And the prison's
shop holidays: no delivery on them, the round's delivery moves to the next day that is not one."""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...db import utcnow
from ...errors import Conflict, InvalidInput, NotFound
from ...people.models import Prison, Wing
from ...staff.scope import check_in_scope
from ..models import Order, OrderStatus, ShopHoliday, ShopSchedule
from ..rounds import after_holidays

TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def set_schedule(
    db: Session,
    actor: Actor,
    wing_id: int,
    *,
    opens_weekday: int,
    cutoff_weekday: int,
    cutoff_time: str,
    delivery_weekday: int,
    scope: int | None,
) -> ShopSchedule:
    wing = db.get(Wing, wing_id)
    if wing is None or (scope is not None and wing.prison_id != scope):
        raise NotFound("No such wing in your prison.")
    days = (opens_weekday, cutoff_weekday, delivery_weekday)
    if not all(0 <= d <= 6 for d in days):
        raise InvalidInput("Weekdays: 0 (Monday) to 6 (Sunday).")
    if not TIME.match(cutoff_time):
        raise InvalidInput("Cut-off time: HH:MM, e.g. 12:00.")
    if delivery_weekday == cutoff_weekday:
        raise InvalidInput("Delivery: on another day than the cut-off.")
    schedule = db.get(ShopSchedule, wing.id) or ShopSchedule(wing_id=wing.id)
    schedule.opens_weekday, schedule.cutoff_weekday = opens_weekday, cutoff_weekday
    schedule.cutoff_time, schedule.delivery_weekday = cutoff_time, delivery_weekday
    db.add(schedule)
    db.flush()
    record(db, actor, "shop.schedule", target_type="wing", target_id=wing.id, opens=opens_weekday,
           cutoff=f"{cutoff_weekday} {cutoff_time}", delivery=delivery_weekday)  # fmt: skip
    return schedule


# Orders not yet on their way: a holiday moves their delivery day.
WAITING = (OrderStatus.PLACED.value, OrderStatus.PICKING.value, OrderStatus.PACKED.value)


def holidays_from(db: Session, prison_id: int, first: date) -> frozenset[date]:
    """The prison's shop holidays on `first` or later."""
    stmt = select(ShopHoliday.on_date).where(
        ShopHoliday.prison_id == prison_id, ShopHoliday.on_date >= first
    )
    return frozenset(db.scalars(stmt))


def add_holiday(
    db: Session, actor: Actor, prison_id: int, on: date, reason: str, *, now: datetime | None = None
) -> int:
    """No delivery on `on` in this prison. The orders waiting to be delivered that day move to
    the next day that is not a holiday, each audited; how many moved."""
    if prison_id is None:  # a national member of staff names the prison
        raise NotFound("No such prison.")
    check_in_scope(db, actor, prison_id, "prison")
    prison = db.get(Prison, prison_id)
    if prison is None:
        raise NotFound("No such prison.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise InvalidInput("Say why there is no delivery that day (a public holiday...).")
    now = now or utcnow()
    if on < now.astimezone(ZoneInfo(prison.timezone)).date():  # today on the prison's clock
        raise InvalidInput("A holiday is today or later.")
    taken = select(ShopHoliday.id).where(
        ShopHoliday.prison_id == prison_id, ShopHoliday.on_date == on
    )
    if db.scalar(taken) is not None:
        raise Conflict("%(day)s is already a shop holiday.", day=on)
    db.add(ShopHoliday(prison_id=prison_id, on_date=on, reason=reason[:200], created_by=actor.name,
                       created_at=now))  # fmt: skip
    db.flush()
    moved_to = after_holidays(on, holidays_from(db, prison_id, on))
    waiting = db.scalars(
        select(Order)
        .join(Wing, Wing.id == Order.wing_id)
        .where(Wing.prison_id == prison_id, Order.delivery_on == on, Order.status.in_(WAITING))
        .with_for_update()
    ).all()
    for order in waiting:
        order.delivery_on = moved_to
        record(db, actor, "shop.order_delivery_moved", target_type="order", target_id=order.id,
               previous=on.isoformat(), delivery_on=moved_to.isoformat())  # fmt: skip
    record(db, actor, "shop.holiday", target_type="prison", target_id=prison_id, on=on.isoformat(),
           reason=reason, orders_moved=len(waiting))  # fmt: skip
    return len(waiting)


def remove_holiday(db: Session, actor: Actor, holiday_id: int) -> None:
    """Delivery on that day again, for rounds from now on (moved orders stay where they went)."""
    holiday = db.get(ShopHoliday, holiday_id)
    if holiday is None:
        raise NotFound("No such holiday.")
    check_in_scope(db, actor, holiday.prison_id, "holiday")
    record(db, actor, "shop.holiday_removed", target_type="prison", target_id=holiday.prison_id,
           on=holiday.on_date.isoformat())  # fmt: skip
    db.delete(holiday)
    db.flush()
