"""A wing's shop round (opening weekday, cut-off weekday and time, delivery weekday), set by the
shop manager; a wing without one follows the default round of the settings."""

from __future__ import annotations

import re

from sqlalchemy.orm import Session

from ...audit.services import Actor, record
from ...errors import InvalidInput, NotFound
from ...people.models import Wing
from ..models import ShopSchedule

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
