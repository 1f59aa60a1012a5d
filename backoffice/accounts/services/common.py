"""What the accountant's services share: which transfers are posted, an inmate's three accounts,
and local days (a prison's days start at midnight in its time zone)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ledger import TransferKind

POSTED_KINDS = (TransferKind.SINGLE.value, TransferKind.POST.value)
INMATE_PARTS = ("spendable", "release_fund", "debts")


def local_today(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def day_start(day: date, tz: str) -> datetime:
    """Midnight at the start of `day` in the time zone, as an aware UTC time."""
    return datetime.combine(day, time(0), ZoneInfo(tz)).astimezone(UTC)


def month_start(day: date) -> date:
    return day.replace(day=1)


def next_month(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
