"""The visit rules read from the settings, the booking states' groups, and the helpers every
visit service shares (the prison's zone, a local day's start, an aware clock, adding a row that
a unique rule guards)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...audit.services import Actor
from ...errors import Conflict
from ...people.models import Inmate, Prison
from ...settings import Settings
from ..models import BookingStatus

B = BookingStatus
SYSTEM = Actor.system("visits")
ACTIVE_BOOKING = (B.HELD.value, B.CONFIRMED.value)
# Calls that use the week's quota: held (until the hold expires), confirmed, ended by staff, and
# failed (its unit of quota passes to the free rebooking, which is quota-exempt wherever it is).
QUOTA_STATUSES = (B.HELD.value, B.CONFIRMED.value, B.ENDED.value, B.FAILED.value)


@dataclass(frozen=True)
class VisitRules:
    min_days_ahead: int = 2
    max_days_ahead: int = 28
    hold: timedelta = timedelta(minutes=10)
    join_early: timedelta = timedelta(minutes=5)
    invitation_base_url: str = "http://127.0.0.1:8004/join/"
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


def _add_unless_taken(db: Session, row: object, taken: str, **values: object) -> None:
    """Add and flush `row`; if a unique rule refuses it, a Conflict saying `taken` (a template
    over `values`), and the rest of the transaction goes on (the insert was tried in a
    savepoint)."""
    db.add(row)
    try:
        with db.begin_nested():
            db.flush()
    except IntegrityError:
        raise Conflict(taken, **values) from None
