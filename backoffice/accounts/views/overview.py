"""The accounts office's first page: money in and out per day, shop sales per category and the
oldest holds as charts, with what waits (held deposits, entries to approve)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import render_template

from ...surface import get_db
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
    sales = charts.sales_by_category(db, prison, since_on=today - timedelta(days=29))
    holds = charts.oldest_holds(db, prison)
    return render_template(
        "accounts/index.html",
        prison=prison,
        prisons=prison_choices(db),
        flow_chart=charts.flow_svg(flow, "Money in and out per day, last 30 days"),
        flow=flow,
        sales_chart=charts.bars_svg(
            [(c, float(v)) for c, v in sales], "Shop sales per category, last 30 days", "EUR"
        ),
        holds_chart=charts.bars_svg(
            [(label, age) for label, age, _ in holds], "Oldest open holds", "days", "bar-hold"
        ),
        held=deposits.held_count(db, prison.id),
        pending=len(services.entries(db, prison_id=prison.id, status=EntryStatus.PENDING)),
    )
