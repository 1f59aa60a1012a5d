"""The staff pages at the site's root share one blueprint, "views": sign-in and home
(web/views.py), and the pages of the devices, audit and people features, each in its feature's
own views module. Their endpoints keep the names the access table and every url_for use
("views.devices", "views.audit", "views.inmates").

A feature adds its routes to `bp` when its views module is imported, and brings its templates
with a blueprint of its own (`templates_of`), registered by the app factory beside `bp`.
What any feature's pages read from the request the same way: the prison the page is about
(`chosen_prison`), an amount typed into a form (`form_cents`) and the inmate a form names by
his prison number in that prison (`form_inmate`).
"""

from __future__ import annotations

from flask import Blueprint, abort, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput, NotFound
from ..money.amounts import AmountError, parse_cents
from ..people.models import Inmate, Prison

bp = Blueprint("views", __name__)


def templates_of(name: str, import_name: str) -> Blueprint:
    """A blueprint with no routes that serves a feature's templates/ folder (beside the module
    `import_name`) to every page, under names like "devices/devices.html"."""
    return Blueprint(name, import_name, template_folder="templates")


def chosen_prison(db: Session) -> Prison:
    """The prison a staff page is about: the member of staff's own, or (national staff) the
    one chosen with ?prison=, or the first."""
    mine = current_user.user.prison_id
    wanted = mine if mine is not None else request.values.get("prison", type=int)
    prison = (
        db.get(Prison, wanted)
        if wanted is not None
        else db.scalar(select(Prison).order_by(Prison.id))
    )
    if prison is None:
        abort(404)
    return prison


def form_cents(name: str) -> int:
    """The form field `name` as an amount above 0, read by money.amounts; refused with the
    field's name."""
    try:
        return parse_cents(request.form.get(name, ""))
    except AmountError as error:
        raise InvalidInput("%(name)s: %(reason)s", name=name, reason=error) from None


def form_inmate(db: Session, prison: Prison, field: str = "prison_number") -> Inmate:
    """The inmate of `prison` whose prison number the form's `field` holds; refused, saying so,
    when there is none there."""
    number = request.form.get(field, "").strip().upper()
    inmate = db.scalar(
        select(Inmate).where(Inmate.prison_number == number, Inmate.prison_id == prison.id)
    )
    if inmate is None:
        raise NotFound("no inmate %(number)s in %(prison)s", number=number, prison=prison.name)
    return inmate
