"""One order: its page, packing (with shortfalls and substitutes), delivery, cancelling and
refunds."""

from __future__ import annotations

import secrets
from typing import Any

from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from ...errors import InvalidInput
from ...surface import equipment, get_db, settings
from ...web.access import staff_actor
from ...web.formats import shown_money
from ...web.handling import perform
from .. import services
from .common import _int, _order, bp


@bp.get("/orders/<int:order_id>")
def order_view(order_id: int) -> Any:
    db = get_db()
    order = _order(db, order_id)
    substitutes = (
        services.substitutes_for(db, order.inmate)
        if order.substitution_consent and order.status in ("placed", "picking")
        else []
    )
    return render_template(
        "shop/order.html",
        order=order,
        substitutes=substitutes,
        # A fresh key per page: pressing Refund twice refunds once.
        refund_key=secrets.token_urlsafe(16),
    )


@bp.post("/orders/<int:order_id>/pack")
def pack(order_id: int) -> Any:
    order = _order(get_db(), order_id)
    line_ids = [line.id for line in order.lines]

    def action(db: Session) -> str:
        packed = {line_id: _int(f"packed_{line_id}") for line_id in line_ids}
        substitutes = {
            line_id: _int(f"substitute_{line_id}")
            for line_id in line_ids
            if request.form.get(f"substitute_{line_id}", "").strip()
        }
        # A substitute must pass the rules in force (the last reload's, else the start file's).
        config = settings()
        done = services.pack_order(
            db,
            staff_actor(),
            order_id,
            packed,
            substitutes,
            protocols=equipment().shop_rules.current(db),
            settings=config,
            language=current_user.user.language,
        )
        short = sum(line.quantity - (line.packed_quantity or 0) for line in done.lines)
        if short:
            return _(
                "Packed with %(short)s item(s) short; the inmate will not be charged for them.",
                short=short,
            )
        return _("Packed in full.")

    return perform(action, "", url_for("shop.order_view", order_id=order_id))


@bp.post("/orders/<int:order_id>/deliver")
def deliver(order_id: int) -> Any:
    _order(get_db(), order_id)

    def action(db: Session) -> str:
        order = services.deliver_order(db, staff_actor(), order_id)
        return _(
            "Delivered: %(shown_money)s charged, %(shown_money2)s released.",
            shown_money=shown_money(order.charged_cents),
            shown_money2=shown_money(order.held_cents - order.charged_cents),
        )

    return perform(action, "", url_for("shop.order_view", order_id=order_id))


@bp.post("/orders/<int:order_id>/cancel")
def cancel(order_id: int) -> Any:
    _order(get_db(), order_id)
    return perform(
        lambda db: services.cancel_order(db, staff_actor(), order_id) and None,
        _("Cancelled: the money held for it is released."),
        url_for("shop.order_view", order_id=order_id),
    )


@bp.post("/orders/<int:order_id>/refund")
def refund(order_id: int) -> Any:
    _order(get_db(), order_id)

    def action(db: Session) -> str:
        key = request.form.get("key", "").strip()
        if not key:
            raise InvalidInput(_("The form is out of date: reload the page and try again."))
        made = services.refund_line(
            db,
            staff_actor(),
            order_id,
            _int("line_id"),
            _int("quantity"),
            reason=request.form.get("reason", ""),
            key=f"backoffice:{key}",
        )
        return _(
            "Refunded %(shown_money)s to the inmate's spendable account.",
            shown_money=shown_money(made.amount_cents),
        )

    return perform(action, "", url_for("shop.order_view", order_id=order_id))
