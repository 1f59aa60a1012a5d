"""Staff sessions and role checks for the back office, in one place.

Every endpoint is named in ACCESS with the roles that may use it; an endpoint that is not named
is refused, so a new page is closed until someone decides who may see it. Roles are duties: no
role, `admin` included, opens another role's pages (tests/integration/test_role_duties.py holds
the whole table).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, abort, flash, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, logout_user
from sqlalchemy import select

from ..audit.services import Actor
from ..people.models import Prison
from ..settings import Settings
from ..staff.models import Role, StaffUser
from ..surface import get_db, remote_addr
from ..surface.i18n import N_

PUBLIC = frozenset()
ANY_STAFF = frozenset({"*"})
ALL_ROLES = frozenset(r.value for r in Role)

ACCESS: dict[str, frozenset[str]] = {
    "health.health": PUBLIC,
    "static": PUBLIC,
    "views.sign_in": PUBLIC,
    "views.sign_out": ANY_STAFF,
    "views.home": ANY_STAFF,
    # Each feature adds its own endpoints from its views' init_app.
}


def staff_actor() -> Actor:
    """The signed-in member of staff, as the services take them: who acts, from where."""
    user = current_user.user
    return Actor(
        kind="staff", id=user.id, name=user.username, remote_addr=remote_addr(), roles=user.roles
    )


class StaffSession(UserMixin):  # type: ignore[misc]
    """What Flask-Login keeps: the staff row, checked against the database on every request."""

    def __init__(self, user: StaffUser) -> None:
        self.user = user
        self.id = user.id

    def get_id(self) -> str:
        # The session version ends every session when the password changes or the account locks.
        return f"{self.user.id}:{self.user.session_version}"

    def has_role(self, *roles: str) -> bool:
        return self.user.has_role(*roles)


def staff_prison() -> Prison:
    """The staff member's prison; national staff choose one with ?prison= (else the first)."""
    db = get_db()
    wanted = current_user.user.prison_id or request.values.get("prison", type=int)
    prison = (
        db.get(Prison, wanted) if wanted else db.scalars(select(Prison).order_by(Prison.id)).first()
    )
    if prison is None:
        abort(404)
    return prison


def sees_prison(prison_id: int) -> bool:
    """Whether the staff member works in that prison (national staff see every prison)."""
    mine = current_user.user.prison_id
    return mine is None or mine == prison_id


def init_access(app: Flask, settings: Settings) -> None:
    login = LoginManager(app)
    login.login_view = "views.sign_in"
    login.login_message = N_("Please sign in.")
    login.localize_callback = _
    login.session_protection = "strong"
    idle = timedelta(minutes=settings["auth"]["idle_minutes"])
    absolute = timedelta(hours=settings["auth"]["session_hours"])
    app.permanent_session_lifetime = idle

    @login.user_loader
    def load(user_key: str) -> StaffSession | None:
        user_id, _sep, version = user_key.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = get_db().get(StaffUser, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        if user.locked_until is not None and user.locked_until > datetime.now(UTC):
            return None
        return StaffSession(user)

    @app.before_request
    def check_access() -> Any:
        endpoint = request.endpoint or ""
        allowed = ACCESS.get(endpoint)
        if allowed is None:
            abort(404)
        if allowed is PUBLIC:
            return None
        if not current_user.is_authenticated:
            return login.unauthorized()
        now = datetime.now(UTC)
        signed_in_at = datetime.fromtimestamp(session.get("signed_in_at", 0), UTC)
        last_seen = datetime.fromtimestamp(session.get("last_seen", 0), UTC)
        if now - signed_in_at > absolute or now - last_seen > idle:
            logout_user()
            session.clear()
            flash(_("Your session has ended. Please sign in again."))
            return redirect(url_for("views.sign_in", next=request.path))
        session["last_seen"] = now.timestamp()
        if allowed is not ANY_STAFF and not current_user.has_role(*allowed):
            abort(403)
        return None
