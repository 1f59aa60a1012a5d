"""The administrator's device pages: the kiosks and tablets, registering one (its credential
shown once), renewing a registration and revoking a device (its open inmate sessions end)."""

from __future__ import annotations

from typing import Any

from flask import Flask, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ..db import utcnow
from ..errors import ServiceError
from ..people.models import Cell, Wing
from ..signin.services import end_device_sessions
from ..staff.models import Role
from ..staff.scope import scope_of
from ..surface import form_id, get_db, settings
from ..web.access import ACCESS, staff_actor
from ..web.handling import perform, translated_refusal
from ..web.pages import bp, templates_of
from .services import (
    list_devices,
    register_device,
    registration_ends_at,
    registration_of,
    renew_device,
    revoke_device,
)

templates = templates_of("devices", __name__)

# Every device page is the administrators'.
DEVICES_ACCESS: dict[str, frozenset[str]] = dict.fromkeys(
    ("views.devices", "views.device_register", "views.device_revoke", "views.device_renew"),
    frozenset({Role.ADMIN}),
)


def init_app(app: Flask) -> None:
    """Open the device pages to administrators (access.py refuses unnamed endpoints) and bring
    their templates; the pages themselves are on the shared "views" blueprint."""
    ACCESS.update(DEVICES_ACCESS)
    app.register_blueprint(templates)


@bp.get("/devices")
def devices() -> Any:
    db = get_db()
    scope = scope_of(db, staff_actor())
    wings = list(
        db.scalars(
            select(Wing).where(scope.where(Wing.prison_id)).order_by(Wing.prison_id, Wing.code)
        )
    )
    cells = list(
        db.scalars(
            select(Cell)
            .join(Cell.wing)
            .where(scope.where(Wing.prison_id))
            .options(selectinload(Cell.wing))
            .order_by(Cell.wing_id, Cell.number)
        )
    )
    registration = registration_of(settings())
    return render_template(
        "devices/devices.html",
        devices=[
            (d, registration_ends_at(d, registration)) for d in list_devices(db, scope.prison_id)
        ],
        now=utcnow(),
        wings=wings,
        cells=cells,
    )


@bp.post("/devices")
def device_register() -> Any:
    # Not through perform: the page that follows shows the new credential, once.
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
        flash(translated_refusal(error), "error")
        return redirect(url_for("views.devices"))
    db.commit()
    return render_template("devices/registered.html", device=new.device, credential=new.credential)


@bp.post("/devices/<int:device_id>/revoke")
def device_revoke(device_id: int) -> Any:
    def revoke(db: Session) -> str:
        device = revoke_device(
            db,
            staff_actor(),
            device_id,
            reason=request.form.get("reason", "").strip() or "not given",
        )
        ended = end_device_sessions(db, staff_actor(), device, "device revoked")
        return _(
            "%(name)s is revoked: its %(ended)s open inmate sessions have ended.",
            name=device.name,
            ended=ended,
        )

    return perform(revoke, "", url_for("views.devices"))


@bp.post("/devices/<int:device_id>/renew")
def device_renew(device_id: int) -> Any:
    def renew(db: Session) -> str:
        device = renew_device(db, staff_actor(), device_id)
        ends = registration_ends_at(device, registration_of(settings()))
        return _(
            "%(name)s is registered again until %(day)s.",
            name=device.name,
            day=ends.strftime("%Y-%m-%d"),
        )

    return perform(renew, "", url_for("views.devices"))
