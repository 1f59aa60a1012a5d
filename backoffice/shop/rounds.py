"""Shop rounds: when a wing may order, when ordering closes, and the delivery day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta


@dataclass(frozen=True)
class Schedule:
    opens_weekday: int  # 0 = Monday
    cutoff_weekday: int
    cutoff_time: time
    delivery_weekday: int
    # The prison's shop holidays: a delivery day on one moves to the next day that is not.
    holidays: frozenset[date] = frozenset()


@dataclass(frozen=True)
class Round:
    window_open: bool
    opens_at: datetime  # local time the round's ordering opens
    cutoff_at: datetime  # local time ordering closes; later orders go to the next round
    delivery_on: date


def current_round(schedule: Schedule, now_local: datetime) -> Round:
    """The round an order placed at `now_local` belongs to: the first cut-off still ahead."""
    days = (schedule.cutoff_weekday - now_local.weekday()) % 7
    cutoff_at = datetime.combine(
        now_local.date() + timedelta(days=days), schedule.cutoff_time, now_local.tzinfo
    )
    if cutoff_at <= now_local:
        cutoff_at += timedelta(days=7)
    open_days = (schedule.cutoff_weekday - schedule.opens_weekday) % 7
    opens_at = datetime.combine(
        cutoff_at.date() - timedelta(days=open_days), time(0, 0), now_local.tzinfo
    )
    to_delivery = (schedule.delivery_weekday - schedule.cutoff_weekday) % 7 or 7
    delivery_on = after_holidays(cutoff_at.date() + timedelta(days=to_delivery), schedule.holidays)
    return Round(
        window_open=opens_at <= now_local,
        opens_at=opens_at,
        cutoff_at=cutoff_at,
        delivery_on=delivery_on,
    )


def after_holidays(day: date, holidays: frozenset[date]) -> date:
    """`day`, or the first day after it that is not a holiday."""
    while day in holidays:
        day += timedelta(days=1)
    return day


def period_starts(now_local: datetime) -> dict[str, datetime]:
    """Local start of the current day, week (Monday) and calendar month."""
    day = datetime.combine(now_local.date(), time(0, 0), now_local.tzinfo)
    return {
        "day": day,
        "week": day - timedelta(days=now_local.weekday()),
        "month": day.replace(day=1),
    }
