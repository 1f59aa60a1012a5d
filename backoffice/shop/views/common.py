"""What the shop's pages share: the blueprint, who may open which page, and the helpers
that find a wing, an order, a product or an inmate of the member of staff's prison (404
otherwise) and read a form's days, numbers and amounts."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TypeVar

from flask import Blueprint, abort, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from ...errors import InvalidInput
from ...money.amounts import AmountError, parse_cents
from ...people.models import Inmate, Wing
from ...staff.models import Role
from ...web.access import ANY_STAFF
from ..models import Order, Product

# The rows a member of staff sees only in his own prison.
R = TypeVar("R", Wing, Order, Product, Inmate)

bp = Blueprint(
    "shop",
    __name__,
    # The shop's package: its templates/ and static/ beside views/.
    root_path=str(Path(__file__).parent.parent),
    url_prefix="/shop",
    template_folder="templates",
    static_folder="static",
    static_url_path="/static",
)

SHOP_STAFF = frozenset({Role.SHOP})
# No product costs more; a larger price is a typing mistake (and order totals must stay far
# inside the ledger's cents).
MAX_PRICE_CENTS = 1_000_000
# Officers hand orders over on the wing and may confirm the delivery themselves.
DELIVERY = frozenset({Role.SHOP, Role.OFFICER})
# Bans are disciplinary sanctions and restrictions come from the wing or the doctor: officers
# set them as well as the shop.
SANCTIONS = frozenset({Role.SHOP, Role.OFFICER})

SHOP_ACCESS: dict[str, frozenset[str]] = {
    "shop.static": ANY_STAFF,
    "shop.index": DELIVERY,
    "shop.day": SHOP_STAFF,
    "shop.round_view": DELIVERY,
    "shop.start_picking": SHOP_STAFF,
    "shop.pick_list": SHOP_STAFF,
    "shop.packing_slips": DELIVERY,
    "shop.order_view": DELIVERY,
    "shop.pack": SHOP_STAFF,
    "shop.deliver": DELIVERY,
    "shop.cancel": SHOP_STAFF,
    "shop.refund": SHOP_STAFF,
    "shop.products": SHOP_STAFF,
    "shop.product_create": SHOP_STAFF,
    "shop.product_view": SHOP_STAFF,
    "shop.product_update": SHOP_STAFF,
    "shop.product_photo": SHOP_STAFF,
    "shop.product_photo_upload": SHOP_STAFF,
    "shop.inmate_view": SANCTIONS,
    "shop.ban": SANCTIONS,
    "shop.restrict": SANCTIONS,
    # Read-only: the shop applies them, the accounts office answers for what they let through.
    "shop.rules_in_force": frozenset({Role.SHOP, Role.ACCOUNTANT}),
    "shop.schedules": SHOP_STAFF,
    "shop.schedule_set": SHOP_STAFF,
    "shop.holiday_add": SHOP_STAFF,
    "shop.holiday_remove": SHOP_STAFF,
}


def _my_prison() -> int | None:
    """The signed-in member of staff's prison; None for national staff (every prison)."""
    return current_user.user.prison_id  # type: ignore[no-any-return]


def _visible(prison_id: int | None) -> bool:
    mine = _my_prison()
    return mine is None or prison_id is None or prison_id == mine


def _visible_row(db: Session, model: type[R], row_id: int) -> R:
    """The row, or 404 when there is none or it belongs to another prison than the user's."""
    row = db.get(model, row_id)
    if row is None or not _visible(row.prison_id):
        abort(404)
    return row


def _wing(db: Session, wing_id: int) -> Wing:
    return _visible_row(db, Wing, wing_id)


def _order(db: Session, order_id: int) -> Order:
    return _visible_row(db, Order, order_id)


def _product(db: Session, product_id: int) -> Product:
    return _visible_row(db, Product, product_id)


def _inmate(db: Session, inmate_id: int) -> Inmate:
    return _visible_row(db, Inmate, inmate_id)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(404)


def _form_day(name: str) -> date:
    try:
        return date.fromisoformat(request.form.get(name, "").strip())
    except ValueError:
        raise InvalidInput(
            _(
                "%(capitalize)s: a date like 2026-12-01, please.",
                capitalize=name.replace("_", " ").capitalize(),
            )
        ) from None


def _int(name: str, default: int | None = None) -> int:
    raw = request.form.get(name, "").strip()
    if raw == "" and default is not None:
        return default
    try:
        return int(raw)
    except ValueError:
        raise InvalidInput(
            _(
                "%(capitalize)s: a whole number, please.",
                capitalize=name.replace("_", " ").capitalize(),
            )
        ) from None


def _cents(name: str) -> int:
    try:
        return parse_cents(request.form.get(name, ""), zero=True, most_cents=MAX_PRICE_CENTS)
    except AmountError as error:
        label = name.replace("_", " ").capitalize()
        if error.kind == "too_large":
            raise InvalidInput(f"{label}: {error.message}.") from None
        raise InvalidInput(_("%(label)s: an amount like 2.50, please.", label=label)) from None
