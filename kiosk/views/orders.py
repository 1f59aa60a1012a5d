"""The inmate's shop orders: the list, one order, and confirming or cancelling it."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from backoffice.errors import ServiceError
from backoffice.people.models import Inmate
from backoffice.shop import services as shop_services
from backoffice.surface import get_db

from .screen import (
    act,
    actor_for,
    bp,
    format_money,
    language,
    said,
    signed_in,
    word_for,
)


@bp.get("/orders")
@signed_in
def orders(inmate: Inmate) -> Any:
    return render_template(
        "kiosk/orders.html",
        orders=shop_services.orders_of(get_db(), inmate, limit=20),
        money=format_money,
        status_word=status_word,
    )


@bp.get("/orders/<int:order_id>")
@signed_in
def order(inmate: Inmate, order_id: int) -> Any:
    db = get_db()
    try:
        the_order = shop_services.order_for_inmate(db, inmate, order_id)
    except ServiceError:
        abort(404)
    return render_template(
        "kiosk/order.html",
        order=the_order,
        can_acknowledge=shop_services.may_acknowledge(db, the_order),
        money=format_money,
        status_word=status_word,
        lang=language(),
    )


@bp.post("/orders/<int:order_id>/<any(received, cancel):action>")
@signed_in
def order_action(inmate: Inmate, order_id: int, action: str) -> Any:
    def run(db: Session) -> str:
        if action == "received":
            shop_services.deliver_order(db, actor_for(inmate), order_id, inmate=inmate)
            return _("Thank you. The delivery is confirmed and paid from your money.")
        shop_services.cancel_order(db, actor_for(inmate), order_id, inmate=inmate)
        return _("The order is cancelled and the money is free again.")

    return act(run, url_for("kiosk.order", order_id=order_id), refusal=not_yet_due)


def not_yet_due(error: ServiceError) -> str:
    """A refusal of the order's buttons; one too early says the day in the language on screen."""
    if isinstance(error, shop_services.BeforeDeliveryDay):
        day = error.delivery_on.isoformat()
        return _("The order is brought on %(day)s: confirm it then, when you have it.", day=day)
    return said(error)


status_word = partial(word_for, "order")
