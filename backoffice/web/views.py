from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_login import login_user, logout_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..audit.services import Actor, AuditQuery, search
from ..db import utcnow
from ..devices.services import (
    list_devices,
    register_device,
    registration_ends_at,
    registration_of,
    renew_device,
    revoke_device,
)
from ..errors import ServiceError
from ..people.models import Cell, Inmate, Wing
from ..signin.services import end_device_sessions
from ..staff.services import SignInPolicy, SignInRefused, authenticate
from ..surface import form_id, get_db, remote_addr, settings
from .access import StaffSession, staff_actor

bp = Blueprint("views", __name__)


def _safe_next(target: str | None) -> str:
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
        flash(refused.message, "error")
        return render_template("sign_in.html"), 401
    db.commit()
    session.clear()
    login_user(StaffSession(user))
    session.permanent = True
    now = datetime.now(UTC).timestamp()
    session["signed_in_at"] = now
    session["last_seen"] = now
    return redirect(_safe_next(request.args.get("next")))


@bp.post("/sign-out")
def sign_out() -> Any:
    logout_user()
    session.clear()
    flash("You have signed out.")
    return redirect(url_for("views.sign_in"))


@bp.get("/")
def home() -> Any:
    return render_template("home.html")


def _parse_day(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        flash(f"Dates are written YYYY-MM-DD; {value!r} was ignored.", "error")
        return None


@bp.get("/audit")
def audit() -> Any:
    args = request.args
    until = _parse_day(args.get("until"))
    query = AuditQuery(
        actor_name=args.get("actor", "").strip(),
        action=args.get("action", "").strip(),
        target_type=args.get("target_type", "").strip(),
        target_id=args.get("target_id", "").strip(),
        outcome=args.get("outcome", "").strip(),
        since=_parse_day(args.get("since")),
        until=until + timedelta(days=1) if until else None,
    )
    return render_template("audit.html", events=search(get_db(), query), query=query)


@bp.get("/devices")
def devices() -> Any:
    db = get_db()
    wings = list(db.scalars(select(Wing).order_by(Wing.prison_id, Wing.code)))
    cells = list(
        db.scalars(
            select(Cell).options(selectinload(Cell.wing)).order_by(Cell.wing_id, Cell.number)
        )
    )
    registration = registration_of(settings())
    return render_template(
        "devices.html",
        devices=[(d, registration_ends_at(d, registration)) for d in list_devices(db)],
        now=utcnow(),
        wings=wings,
        cells=cells,
    )


@bp.post("/devices")
def device_register() -> Any:
    db = get_db()
    form = request.form
    try:
        new = register_device(
            db,
            staff_actor(),
            kind=form.get("kind", ""),
            name=form.get("name", ""),
            wing_id=form_id(form.get("wing_id")),
            cell_id=form_id(form.get("cell_id")),
            location=form.get("location", ""),
        )
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("views.devices"))
    db.commit()
    return render_template("device_registered.html", device=new.device, credential=new.credential)


@bp.post("/devices/<int:device_id>/revoke")
def device_revoke(device_id: int) -> Any:
    db = get_db()
    try:
        device = revoke_device(
            db,
            staff_actor(),
            device_id,
            reason=request.form.get("reason", "").strip() or "not given",
        )
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("views.devices"))
    ended = end_device_sessions(db, staff_actor(), device, "device revoked")
    db.commit()
    flash(f"{device.name} is revoked: its {ended} open inmate sessions have ended.")
    return redirect(url_for("views.devices"))


@bp.post("/devices/<int:device_id>/renew")
def device_renew(device_id: int) -> Any:
    db = get_db()
    try:
        device = renew_device(db, staff_actor(), device_id)
    except ServiceError as error:
        flash(error.message, "error")
        return redirect(url_for("views.devices"))
    db.commit()
    ends = registration_ends_at(device, registration_of(settings()))
    flash(f"{device.name} is registered again until {ends:%Y-%m-%d}.")
    return redirect(url_for("views.devices"))


@bp.get("/inmates")
def inmates() -> Any:
    db = get_db()
    stmt = (
        select(Inmate)
        .options(selectinload(Inmate.wing), selectinload(Inmate.cell))
        .order_by(Inmate.last_name, Inmate.first_name)
    )
    text = request.args.get("q", "").strip()
    if text:
        like = f"%{text}%"
        stmt = stmt.where(
            Inmate.prison_number.ilike(like)
            | Inmate.last_name.ilike(like)
            | Inmate.first_name.ilike(like)
        )
    return render_template("inmates.html", inmates=list(db.scalars(stmt.limit(500))), q=text)
