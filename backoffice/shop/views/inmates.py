"""An inmate's shop page: his orders, bans and restrictions."""

from __future__ import annotations

from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ...surface import get_db
from ...web.access import staff_actor
from ...web.handling import perform
from .. import services
from ..models import InmateRestriction, ShopBan
from .common import _form_day, _inmate, bp


@bp.get("/inmates/<int:inmate_id>")
def inmate_view(inmate_id: int) -> Any:
    db = get_db()
    inmate = _inmate(db, inmate_id)
    bans = db.scalars(
        select(ShopBan).where(ShopBan.inmate_id == inmate.id).order_by(ShopBan.starts_on.desc())
    ).all()
    restrictions = db.scalars(
        select(InmateRestriction)
        .where(InmateRestriction.inmate_id == inmate.id)
        .order_by(InmateRestriction.tag)
    ).all()
    return render_template(
        "shop/inmate.html",
        inmate=inmate,
        orders=services.orders_of(db, inmate, limit=50),
        bans=bans,
        restrictions=restrictions,
    )


@bp.post("/inmates/<int:inmate_id>/ban")
def ban(inmate_id: int) -> Any:
    inmate = _inmate(get_db(), inmate_id)

    def action(db: Session) -> str:
        made = services.ban_from_shop(
            db,
            staff_actor(),
            inmate,
            starts_on=_form_day("starts_on"),
            ends_on=_form_day("ends_on"),
            reason=request.form.get("reason", ""),
        )
        return _(
            "Banned from the shop from %(starts_on)s to %(ends_on)s.",
            starts_on=made.starts_on,
            ends_on=made.ends_on,
        )

    return perform(action, "", url_for("shop.inmate_view", inmate_id=inmate_id))


@bp.post("/inmates/<int:inmate_id>/restrict")
def restrict(inmate_id: int) -> Any:
    inmate = _inmate(get_db(), inmate_id)

    def action(db: Session) -> str:
        tag = request.form.get("tag", "")
        services.restrict(db, staff_actor(), inmate, tag, request.form.get("reason", "").strip())
        return _(
            "Products tagged %(lower)s are no longer sold to this inmate.",
            lower=repr(tag.strip().lower()),
        )

    return perform(action, "", url_for("shop.inmate_view", inmate_id=inmate_id))
