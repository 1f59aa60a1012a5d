"""How the staff pages show money and time: in the reader's language (their profile's) and
their prison's time zone (the installation's for national staff). Times are stored in UTC;
a page never shows UTC.

    reader_language() -> str        "et", "ru" or "en"
    reader_zone() -> str            "Europe/Tallinn"
    filters for templates: cents|money ("€12.50"), cents|eur (a number, "12.50"),
    cents|amount_typed (a form's value, "1234.50"),
    at|when ("3 Dec 2026 14:00"), at|clock ("14:00"), day|day, day|weekday, zone_name(),
    at|moment_field ("2026-12-03T14:00": a datetime-local field's value, in the prison's zone),
    code|said (a stored status, kind or transfer code in the reader's words: web/labels.py)
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask, g
from flask_login import current_user

from .. import dates
from ..money.amounts import amount, money
from ..people.models import Prison
from ..surface import get_db, settings
from .labels import said
from .language import staff_language


def reader_language() -> str:
    """The language the page is in (web/language.py: the member of staff's own)."""
    return staff_language()


def reader_zone() -> str:
    if "reader_zone" not in g:
        user = getattr(current_user, "user", None)
        prison_id = getattr(user, "prison_id", None)
        prison = get_db().get(Prison, prison_id) if prison_id is not None else None
        g.reader_zone = prison.timezone if prison is not None else str(settings()["timezone"])
    return str(g.reader_zone)


def shown_money(cents: int | None) -> str:
    return money(int(cents or 0), reader_language())


def shown_amount(cents: int | None) -> str:
    return amount(int(cents or 0), reader_language())


def typed_amount(cents: int | None) -> str:
    """An amount as the reader would type it into a form: no thousands separator, so
    parse_cents reads it back ("1234,56")."""
    return amount(int(cents or 0), reader_language(), grouped=False)


def shown_moment(at: datetime | None) -> str:
    return "" if at is None else dates.moment(at, reader_zone(), reader_language())


def shown_clock(at: datetime | None) -> str:
    return "" if at is None else dates.clock(at, reader_zone(), reader_language())


def shown_day(on: date | datetime | None) -> str:
    return "" if on is None else dates.day(_local_day(on), reader_language())


def shown_weekday(on: date | datetime | None) -> str:
    return "" if on is None else dates.day(_local_day(on), reader_language(), weekday=True)


def _local_day(on: date | datetime) -> date:
    # A moment's day is the day it was in the prison, not in Greenwich.
    return dates.local(on, reader_zone()).date() if isinstance(on, datetime) else on


def moment_field(at: datetime | None) -> str:
    """A stored moment as a datetime-local field's value, on the prison's clock (the form reads
    it back in the same zone)."""
    return "" if at is None else dates.local(at, reader_zone()).strftime("%Y-%m-%dT%H:%M")


def shown_zone() -> str:
    return dates.zone_name(reader_zone(), reader_language())


def init_formats(app: Flask) -> None:
    app.add_template_filter(shown_money, "money")
    app.add_template_filter(shown_money, "cents")
    app.add_template_filter(shown_amount, "eur")
    app.add_template_filter(typed_amount, "amount_typed")
    app.add_template_filter(shown_moment, "when")
    app.add_template_filter(shown_clock, "clock")
    app.add_template_filter(shown_day, "day")
    app.add_template_filter(shown_weekday, "weekday")
    app.add_template_filter(moment_field, "moment_field")
    app.add_template_filter(said, "said")
    app.add_template_global(shown_zone, "zone_name")
