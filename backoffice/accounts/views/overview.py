"""The accounts office's first page: money in and out per day, shop sales per category and the
oldest holds as charts, with what waits (held deposits, entries to approve)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from flask_babel import ngettext

from ...surface import get_db
from ...web.formats import reader_language, shown_amount, shown_day, shown_money
from .. import charts, deposits, services
from ..models import EntryStatus
from .common import books_read, bp, page_prison, prison_choices


@bp.get("/")
def index() -> Any:
    db = get_db()
    prison = page_prison(db)
    books_read(db, prison.id, "overview")
    today = services.local_today(prison.timezone)
    flow = charts.money_flow(db, prison, days=30, today=today)
    sales = charts.sales_by_category(
        db, prison, since_on=today - timedelta(days=29), language=reader_language()
    )
    holds = charts.oldest_holds(db, prison)
    words = charts.FlowWords(
        title=_("Money in and out per day, last 30 days"),
        money_in=_("money in"),
        money_out=_("money out"),
        amount=shown_amount,
        day=shown_day,
    )
    return render_template(
        "accounts/index.html",
        prison=prison,
        prisons=prison_choices(db),
        flow_chart=charts.flow_svg(flow, words),
        flow=flow,
        sales_chart=charts.bars_svg(
            [(c, float(v)) for c, v in sales],
            _("Shop sales per category, last 30 days"),
            shown=lambda cents: shown_money(int(cents)),
            nothing=_("No sales in these 30 days."),
        ),
        holds_chart=charts.bars_svg(
            [(label, age) for label, age, _cents in holds],
            _("Oldest open holds"),
            shown=hold_age,
            nothing=_("No hold is open."),
            cls="bar-hold",
            scale_at_least=1.0,
        ),
        held=deposits.held_count(db, prison.id),
        pending=len(services.entries(db, prison_id=prison.id, status=EntryStatus.PENDING)),
    )


def hold_age(days: float) -> str:
    """How long a hold has been open, in the unit a person would say it in: minutes, hours,
    then whole days."""
    minutes = int(days * 24 * 60)
    if minutes < 60:
        return ngettext("%(num)d minute", "%(num)d minutes", max(minutes, 1))
    if minutes < 24 * 60:
        return ngettext("%(num)d hour", "%(num)d hours", minutes // 60)
    return ngettext("%(num)d day", "%(num)d days", minutes // (24 * 60))
