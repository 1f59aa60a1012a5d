"""What the request services read from settings (once per app), the limits they hold texts to,
and the local day a moment falls on."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from ...settings import ROOT, Settings
from ..calendar import WorkingDays
from ..catalogue import DEFAULT_APPEAL_DEPARTMENT, Catalogue
from ..types import cached_catalogue

GOVERNORS_OFFICE = DEFAULT_APPEAL_DEPARTMENT

MESSAGE_MAX = 2000

APPEAL_MIN = 10

ANSWER_MAX = 8000

NOTE_MAX = 4000


@dataclass(frozen=True)
class Rules:
    """What the request services need from settings, read once per app."""

    catalogue: Catalogue
    calendar: WorkingDays
    appeal_window_days: int = 7
    due_soon_working_days: int = 2
    attachment_max_bytes: int = 5 * 1024 * 1024
    timezone: str = "Europe/Tallinn"


def rules_from_settings(settings: Settings) -> Rules:
    section = settings["requests"]
    path = Path(section["types_file"])
    if not path.is_absolute():
        path = ROOT / path
    return Rules(
        catalogue=cached_catalogue(path),
        calendar=WorkingDays.from_strings(section["holidays"]),
        appeal_window_days=section["appeal_window_days"],
        due_soon_working_days=section["due_soon_working_days"],
        attachment_max_bytes=section["attachment_max_bytes"],
        timezone=settings["timezone"],
    )


def local_day(moment: datetime, timezone: str) -> date:
    return moment.astimezone(ZoneInfo(timezone)).date()


def _type_name(rules: Rules | None, type_code: str, language: str) -> str:
    request_type = rules.catalogue.type(type_code) if rules else None
    return request_type.name(language) if request_type else type_code
