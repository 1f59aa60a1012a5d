"""Rounds per wing and delivery day: the list, the day's totals, a round, starting its
picking, the pick list and the packing slips."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from flask import render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...people.models import Wing
from ...surface import get_db
from ...web.access import staff_actor
from ...web.handling import perform
from .. import services
from ..models import Order, OrderStatus
from .common import _day, _my_prison, _wing, bp


@bp.get("/")
def index() -> Any:
    db = get_db()
    stmt = select(Wing).order_by(Wing.prison_id, Wing.code)
    if _my_prison() is not None:
        stmt = stmt.where(Wing.prison_id == _my_prison())
    wings = list(db.scalars(stmt))
    rounds = {wing.id: services.delivery_days(db, wing.id) for wing in wings}
    days = sorted({day for wing_days in rounds.values() for day in wing_days}, reverse=True)
    return render_template("shop/index.html", wings=wings, rounds=rounds, days=days)


@bp.get("/day/<day>")
def day(day: str) -> Any:
    db = get_db()
    delivery_on = _day(day)
    stmt = select(Wing).order_by(Wing.prison_id, Wing.code)
    if _my_prison() is not None:
        stmt = stmt.where(Wing.prison_id == _my_prison())
    wings = list(db.scalars(stmt))
    per_wing = [(wing, services.round_totals(db, wing.id, delivery_on)) for wing in wings]
    per_wing = [(wing, totals) for wing, totals in per_wing if totals.orders]
    return render_template(
        "shop/day.html",
        delivery_on=delivery_on,
        per_wing=per_wing,
        totals=services.round_totals(db, None, delivery_on, prison_id=_my_prison()),
    )


def _round_page(
    template: str, wing_id: int, day: str, **contents: Callable[[Session, int, date], Any]
) -> str:
    """A page about one round: its wing and delivery day, and what each of `contents` reads
    for that round under its name."""
    db = get_db()
    wing = _wing(db, wing_id)
    delivery_on = _day(day)
    found = {name: read(db, wing_id, delivery_on) for name, read in contents.items()}
    return render_template(template, wing=wing, delivery_on=delivery_on, **found)


@bp.get("/round/<int:wing_id>/<day>")
def round_view(wing_id: int, day: str) -> Any:
    return _round_page(
        "shop/round.html",
        wing_id,
        day,
        orders=services.orders_for_round,
        totals=services.round_totals,
    )


@bp.post("/round/<int:wing_id>/<day>/picking")
def start_picking(wing_id: int, day: str) -> Any:
    _wing(get_db(), wing_id)
    delivery_on = _day(day)

    def action(db: Session) -> str:
        count = services.start_picking(db, staff_actor(), wing_id, delivery_on)
        return _(
            "%(count)s orders are now being picked; inmates can no longer cancel them.",
            count=count,
        )

    return perform(action, "", url_for("shop.round_view", wing_id=wing_id, day=day))


@bp.get("/round/<int:wing_id>/<day>/pick-list")
def pick_list(wing_id: int, day: str) -> Any:
    return _round_page(
        "shop/pick_list.html", wing_id, day, picks=services.pick_list, totals=services.round_totals
    )


def _orders_to_pack(db: Session, wing_id: int, delivery_on: date) -> list[Order]:
    return [
        o
        for o in services.orders_for_round(db, wing_id, delivery_on)
        if o.status not in (OrderStatus.CANCELLED, OrderStatus.EXPIRED)
    ]


@bp.get("/round/<int:wing_id>/<day>/slips")
def packing_slips(wing_id: int, day: str) -> Any:
    return _round_page("shop/slips.html", wing_id, day, orders=_orders_to_pack)
