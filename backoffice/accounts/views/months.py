"""The daily reconciliation, and the month close."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from babel.dates import format_date
from flask import flash, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from ...dates import babel_locale
from ...errors import InvalidInput, ServiceError
from ...surface import get_db
from ...web.access import staff_actor
from ...web.formats import reader_language
from ...web.handling import perform
from .. import reconciliation, services
from .common import books_read, bp, date_arg, page_prison, prison_choices


@bp.get("/reconciliation")
def reconciliation_page() -> Any:
    db = get_db()
    prison = page_prison(db)
    books_read(db, prison.id, "reconciliation")
    try:
        day = date_arg("day") or services.local_today(prison.timezone)
    except ServiceError as refused:
        flash(_(refused.message), "error")
        day = services.local_today(prison.timezone)
    result = reconciliation.reconcile(db, prison, day)
    return render_template(
        "accounts/reconciliation.html", result=result, prison=prison, prisons=prison_choices(db)
    )


@bp.get("/months")
def months() -> Any:
    db = get_db()
    prison = page_prison(db)
    books_read(db, prison.id, "months")
    today = services.local_today(prison.timezone)
    return render_template(
        "accounts/months.html",
        prison=prison,
        prisons=prison_choices(db),
        closed=services.closed_months(db, prison.id),
        last_month=services.month_start(services.month_start(today) - timedelta(days=1)),
    )


@bp.post("/months")
def month_close() -> Any:
    db = get_db()
    prison = page_prison(db)

    def close(db: Session) -> str:
        raw = request.form.get("month", "").strip()
        try:
            month_on = date.fromisoformat(f"{raw}-01" if len(raw) == 7 else raw)
        except ValueError:
            raise InvalidInput(_("month: like 2026-10, please")) from None
        closed = services.close_month(db, staff_actor(), prison, month_on)
        return _(
            "%(month_on)s is closed.",
            month_on=format_date(closed.month_on, "LLLL y", locale=babel_locale(reader_language())),
        )

    return perform(close, "", url_for("accounts.months", prison=prison.id))
