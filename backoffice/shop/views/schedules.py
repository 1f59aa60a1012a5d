"""Each wing's shop round, set by the shop manager."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...errors import InvalidInput
from ...people.models import Wing
from ...surface import get_db
from ...surface.i18n import N_
from ...web.access import staff_actor
from ...web.handling import perform
from ..models import ShopSchedule
from ..services.schedules import set_schedule
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
    return render_template(
        "shop/schedules.html", wings=wings, rounds=rounds, weekdays=[_(d) for d in WEEKDAYS]
    )


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
