"""Dates and times as people read them: the one place that turns a stored moment (UTC) or a
day into text, through Babel, in the reader's language and the prison's time zone.

    local(at, zone) -> datetime            a stored moment in the prison's zone
    day(on, language, *, weekday=False)    "3. dets 2026"; "neljapäev, 3. detsember 2026"
    moment(at, zone, language)             "3. dets 2026 14:00" in the zone, never UTC
    slot(at, zone, language)               "N, 3. dets 14:00": a call or a window, with its weekday
    clock(at, zone, language)              "14:00"
    zone_name(zone, language)              "Ida-Euroopa aeg": where a page names the zone

English is written the British way (day before month, a 24-hour clock): Babel's plain "en"
is American ("12/3/26, 2:00 PM"), which nobody in an Estonian prison reads.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_skeleton, format_time, get_timezone_name

BABEL_LOCALES = {"en": "en_GB"}


def babel_locale(language: str) -> str:
    return BABEL_LOCALES.get(language, language)


def local(at: datetime, zone: str) -> datetime:
    return at.astimezone(ZoneInfo(zone))


def day(on: date, language: str, *, weekday: bool = False) -> str:
    return format_date(on, "full" if weekday else "medium", locale=babel_locale(language))


def month(on: date, language: str) -> str:
    """The month of a day, as a reader names it: "December 2026", "detsember 2026"."""
    return format_skeleton("yMMMM", on, locale=babel_locale(language))


def clock(at: datetime, zone: str, language: str) -> str:
    return format_time(local(at, zone), "HH:mm", locale=babel_locale(language))


def moment(at: datetime, zone: str, language: str) -> str:
    here = local(at, zone)
    return f"{day(here.date(), language)} {clock(here, zone, language)}"


def slot(at: datetime, zone: str, language: str) -> str:
    here = local(at, zone)
    weekday = format_skeleton("MMMEd", here.date(), locale=babel_locale(language))
    return f"{weekday} {clock(here, zone, language)}"


def zone_name(zone: str, language: str) -> str:
    return str(
        get_timezone_name(ZoneInfo(zone), "long", locale=babel_locale(language), return_zone=False)
    )
