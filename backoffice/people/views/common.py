"""What the people pages share: their blueprint, who may open them, and the administrator's
prison (the scope every service is called with)."""

from __future__ import annotations

from flask import Blueprint, request
from flask_babel import gettext as _
from flask_login import current_user

from ...errors import InvalidInput
from ...staff.models import Role

# Rooted in the feature's package: its templates/ serve the inmates page (on "views") too.
people_bp = Blueprint(
    "people", "backoffice.people", url_prefix="/people", template_folder="templates"
)

ADMIN = frozenset({Role.ADMIN})
CUSTODY = frozenset({Role.ADMIN, Role.OFFICER})
PEOPLE_PAGES: dict[str, frozenset[str]] = {
    "people.places": ADMIN,
    "people.prison_create": ADMIN,
    "people.prison_rename": ADMIN,
    "people.wing_create": ADMIN,
    "people.wing_rename": ADMIN,
    "people.wing_close": ADMIN,
    "people.cell_create": ADMIN,
    "people.cell_rename": ADMIN,
    "people.cell_close": ADMIN,
    "people.admission": CUSTODY,
    "people.admit": CUSTODY,
    "people.inmate": CUSTODY,
    "people.step": CUSTODY,
}


def scope() -> int | None:
    """The signed-in member of staff's prison; None for national staff."""
    return current_user.user.prison_id  # type: ignore[no-any-return]


def form_int(name: str, default: int | None = None) -> int:
    raw = request.form.get(name, "").strip()
    if not raw and default is not None:
        return default
    if not raw.isdigit():
        raise InvalidInput(
            _(
                "%(capitalize)s: a whole number.",
                capitalize=name.replace("_", " ").capitalize(),
            )
        )
    return int(raw)
