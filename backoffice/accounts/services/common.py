"""What the accountant's services share: which transfers are posted, an inmate's three accounts,
local days (a prison's days start at midnight in its time zone) and the newest of the records
staff decide on (deposits, manual entries)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ledger import TransferKind

from ..models import Deposit, ManualEntry

# The records staff decide on: each has its prison, a status and an id that grows with time.
Decided = TypeVar("Decided", Deposit, ManualEntry)

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


def newest(
    db: Session, model: type[Decided], *, prison_id: int | None, status: str, limit: int
) -> list[Decided]:
    """The newest records of `model`, of one prison unless None, of one status unless ""."""
    stmt = select(model)
    if prison_id is not None:
        stmt = stmt.where(model.prison_id == prison_id)
    if status:
        stmt = stmt.where(model.status == status)
    return list(db.scalars(stmt.order_by(model.id.desc()).limit(limit)))
