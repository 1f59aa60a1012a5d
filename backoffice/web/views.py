"""The staff UI's own pages: signing in and out, and the home page that lists what each role
can do. The pages of features live with their features."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import login_user, logout_user

from ..audit.services import Actor
from ..staff.services import SignInPolicy, SignInRefused, authenticate
from ..surface import get_db, remote_addr, settings
from .access import StaffSession
from .pages import bp


def safe_next(target: str | None) -> str:
    # Only paths on this site: an open redirect would let a phishing link borrow our sign-in.
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("views.home")


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Any:
    if request.method == "GET":
        return render_template("sign_in.html")
    auth = settings()["auth"]
    policy = SignInPolicy(
        max_failed=auth["max_failed_sign_ins"], lockout=timedelta(minutes=auth["lockout_minutes"])
    )
    db = get_db()
    try:
        user = authenticate(
            db,
            Actor(kind="staff", id=None, name="", remote_addr=remote_addr()),
            request.form.get("username", ""),
            request.form.get("password", ""),
            policy,
        )
    except SignInRefused as refused:
        db.commit()  # the failure count and the audit row must stay
        flash(_(refused.text, **refused.values), "error")
        return render_template("sign_in.html"), 401
    db.commit()
    session.clear()
    login_user(StaffSession(user))
    session.permanent = True
    now = datetime.now(UTC).timestamp()
    session["signed_in_at"] = now
    session["last_seen"] = now
    return redirect(safe_next(request.args.get("next")))


@bp.post("/sign-out")
def sign_out() -> Any:
    logout_user()
    session.clear()
    flash(_("You have signed out."))
    return redirect(url_for("views.sign_in"))


@bp.get("/")
def home() -> Any:
    return render_template("home.html")
