"""Each wing's shop round, set by the shop manager."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import InvalidInput
from ...people.models import Prison, Wing
from ...surface import form_id, get_db
from ...surface.i18n import N_
from ...web.access import staff_actor
from ...web.handling import perform
from ..models import ShopHoliday, ShopSchedule
from ..services.schedules import add_holiday, remove_holiday, set_schedule
from .common import _my_prison, bp

WEEKDAYS = (
    N_("Monday"),
    N_("Tuesday"),
    N_("Wednesday"),
    N_("Thursday"),
    N_("Friday"),
    N_("Saturday"),
    N_("Sunday"),
)


@bp.get("/schedules")
def schedules() -> Any:
    db = get_db()
    stmt = select(Wing).order_by(Wing.prison_id, Wing.code)
    if _my_prison() is not None:
        stmt = stmt.where(Wing.prison_id == _my_prison())
    wings = list(db.scalars(stmt))
    rounds = {s.wing_id: s for s in db.scalars(select(ShopSchedule))}
    prison_ids = sorted({wing.prison_id for wing in wings})
    holidays = db.scalars(
        select(ShopHoliday)
        .where(ShopHoliday.prison_id.in_(prison_ids), ShopHoliday.on_date >= date.today())
        .order_by(ShopHoliday.on_date)
    )
    return render_template(
        "shop/schedules.html", wings=wings, rounds=rounds, weekdays=[_(d) for d in WEEKDAYS],
        holidays=list(holidays),
        prisons=list(db.scalars(select(Prison).where(Prison.id.in_(prison_ids)))),
    )  # fmt: skip


def _weekday(name: str) -> int:
    raw = request.form.get(name, "")
    if not raw.isdigit():
        raise InvalidInput(
            _(
                "%(capitalize)s: choose a weekday.",
                capitalize=name.replace("_", " ").capitalize(),
            )
        )
    return int(raw)


@bp.post("/schedules/<int:wing_id>")
def schedule_set(wing_id: int) -> Any:
    def run(db: Session) -> None:
        set_schedule(
            db, staff_actor(), wing_id, opens_weekday=_weekday("opens_weekday"),
            cutoff_weekday=_weekday("cutoff_weekday"),
            cutoff_time=request.form.get("cutoff_time", "").strip(),
            delivery_weekday=_weekday("delivery_weekday"), scope=_my_prison(),
        )  # fmt: skip

    return perform(run, _("The round of the wing is saved."), url_for("shop.schedules"))


@bp.post("/holidays")
def holiday_add() -> Any:
    def run(db: Session) -> str:
        try:
            on = date.fromisoformat(request.form.get("on_date", ""))
        except ValueError:
            raise InvalidInput(_("Day: choose a date.")) from None
        prison_id = form_id(request.form.get("prison_id"))
        moved = add_holiday(db, staff_actor(), prison_id, on, request.form.get("reason", ""))
        return _(
            "No delivery on %(day)s; %(moved)s waiting orders moved to the next day.",
            day=on.isoformat(), moved=moved,
        )  # fmt: skip

    return perform(run, "", url_for("shop.schedules"))


@bp.post("/holidays/<int:holiday_id>/remove")
def holiday_remove(holiday_id: int) -> Any:
    def run(db: Session) -> None:
        remove_holiday(db, staff_actor(), holiday_id)

    return perform(run, _("The holiday is removed."), url_for("shop.schedules"))
