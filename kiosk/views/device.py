"""Provisioning: a technician binds this browser to a registered kiosk, once."""

from __future__ import annotations

from typing import Any

from flask import g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from backoffice.audit.services import Actor, record
from backoffice.devices.models import DeviceKind
from backoffice.devices.services import authenticate_device, registration_of
from backoffice.surface import get_db, remote_addr

from ..security import bind_cookie
from .screen import bp, device_actor, kiosk_settings


@bp.route("/device", methods=["GET", "POST"])
def device_setup() -> Any:
    """Bind this browser to a registered kiosk (once, by a technician)."""
    error = ""
    if request.method == "POST":
        credential = request.form.get("credential", "").strip()
        db = get_db()
        registration = registration_of(kiosk_settings())
        device = (
            authenticate_device(db, credential, registration=registration) if credential else None
        )
        if device is None or device.kind != DeviceKind.KIOSK:
            record(
                db,
                Actor(kind="device", id=None, name="unknown", remote_addr=remote_addr()),
                "kiosk.provision",
                target_type="device",
                outcome="refused",
            )
            db.commit()
            error = _("This key does not belong to an active kiosk.")
        else:
            g.kiosk_device = device
            record(db, device_actor(), "kiosk.provision", target_type="device", target_id=device.id)
            db.commit()
            session.clear()
            return bind_cookie(redirect(url_for("kiosk.start")), credential, kiosk_settings())
    return render_template("kiosk/device.html", error=error), 403 if error else 200
