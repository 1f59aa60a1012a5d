"""Staff accounts, for administrators: create, roles, prison, disable, a new password. An
administrator of one prison sees and manages only that prison's staff."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from ..errors import ServiceError
from ..people.services import places
from ..surface import get_db, settings
from ..web.access import ACCESS, staff_actor
from ..web.handling import perform
from . import accounts
from .models import Role
from .services import create_staff_user

bp = Blueprint("staff", __name__, url_prefix="/staff", template_folder="templates")

ADMIN = frozenset({Role.ADMIN})
STAFF_ACCESS: dict[str, frozenset[str]] = {
    "staff.index": ADMIN,
    "staff.create": ADMIN,
    "staff.account": ADMIN,
    "staff.roles": ADMIN,
    "staff.prison": ADMIN,
    "staff.active": ADMIN,
    "staff.password": ADMIN,
}


def init_app(app: Flask) -> None:
    ACCESS.update(STAFF_ACCESS)
    app.register_blueprint(bp)


def _scope() -> int | None:
    return current_user.user.prison_id  # type: ignore[no-any-return]


def _prison_field() -> int | None:
    raw = request.form.get("prison_id", "").strip()
    return int(raw) if raw.isdigit() else None


def _min_length() -> int:
    return int(settings()["auth"]["min_password_length"])


@bp.get("")
def index() -> Any:
    db = get_db()
    return render_template(
        "staff/index.html",
        users=accounts.staff_in(db, _scope()),
        prisons=places.prisons_in(db, _scope()),
        roles=[r.value for r in Role],
        national=_scope() is None,
    )


@bp.post("")
def create() -> Any:
    form = request.form

    def run(db: Session) -> str:
        user = create_staff_user(
            db, staff_actor(), username=form.get("username", ""),
            full_name=form.get("full_name", ""), password=form.get("password", ""),
            roles=form.getlist("roles"), min_password_length=_min_length(),
            prison_id=accounts.check_prison(db, _prison_field(), _scope()),
        )  # fmt: skip
        return _("Account %(username)s created.", username=user.username)

    return perform(run, "", url_for("staff.index"))


@bp.get("/<int:user_id>")
def account(user_id: int) -> Any:
    db = get_db()
    try:
        user = accounts.staff_of(db, user_id, _scope())
    except ServiceError:
        abort(404)
    return render_template(
        "staff/account.html",
        user=user,
        prisons=places.prisons_in(db, _scope()),
        roles=[r.value for r in Role],
        national=_scope() is None,
    )


def _back(user_id: int) -> str:
    return url_for("staff.account", user_id=user_id)


@bp.post("/<int:user_id>/roles")
def roles(user_id: int) -> Any:
    wanted = request.form.getlist("roles")
    return perform(
        lambda db: accounts.set_roles(db, staff_actor(), user_id, wanted, _scope()),
        _("Roles changed."),
        _back(user_id),
    )


@bp.post("/<int:user_id>/prison")
def prison(user_id: int) -> Any:
    chosen = _prison_field()
    return perform(
        lambda db: accounts.set_prison(db, staff_actor(), user_id, chosen, _scope()),
        _("Prison changed."),
        _back(user_id),
    )


@bp.post("/<int:user_id>/active")
def active(user_id: int) -> Any:
    enable = request.form.get("active") == "1"
    return perform(
        lambda db: accounts.set_active(db, staff_actor(), user_id, enable, _scope()),
        _("Account enabled.") if enable else _("Account disabled: signed out everywhere."),
        _back(user_id),
    )


@bp.post("/<int:user_id>/password")
def password(user_id: int) -> Any:
    new = request.form.get("password", "")
    return perform(
        lambda db: accounts.reset_password(
            db, staff_actor(), user_id, new, min_password_length=_min_length(), scope=_scope()
        ),
        _("New password set; the account's sessions ended."),
        _back(user_id),
    )
