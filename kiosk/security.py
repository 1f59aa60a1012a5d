"""How the kiosk browser proves it is a registered kiosk, and the headers every answer carries.

A kiosk is provisioned once: a technician opens /device on the kiosk computer and gives it the
device credential shown when the kiosk was registered in the back office (typed in, or passed
by the launcher in the URL fragment, which never reaches a server log). The server checks it and
keeps it in a long-lived HttpOnly, SameSite=Strict cookie; every later request is checked
against the devices table, so revoking the kiosk in the back office locks it out at once.
Only kiosks (not tablets) are accepted here, and only the inmates of the kiosk's wing can sign
in on it (checked by the sign-in services with the device this module finds).
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, jsonify, render_template, request, url_for
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from backoffice.db import utcnow
from backoffice.devices.models import Device, DeviceKind
from backoffice.devices.services import Standing, find_device, registration_of
from backoffice.settings import Settings
from backoffice.signin.services import device_refused
from backoffice.surface import check_shared_storage, get_db, remote_addr, shared_storage

DEVICE_COOKIE = "cellgate_kiosk_device"
# Endpoints a browser may reach before it is bound to a kiosk.
OPEN_ENDPOINTS = frozenset(
    {"health.health", "static", "kiosk.device_setup", "kiosk.language_switch"}
)

# No inline scripts or styles, nothing from outside the kiosk.
CSP = (
    "default-src 'none'; img-src 'self' data: blob:; media-src 'self' blob: mediastream:; "
    "style-src 'self'; script-src 'self'; connect-src 'self'; font-src 'self'; "
    "manifest-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
)
PERMISSIONS = "camera=(self), microphone=(), geolocation=(), payment=(), usb=(), serial=()"


def _open(endpoint: str) -> bool:
    # The kiosk agent is not a browser: it sends the device credential on every call and its
    # blueprint checks it (kiosk/agent_api.py).
    return endpoint in OPEN_ENDPOINTS or endpoint.startswith("agent.")


def current_device() -> Device | None:
    return g.get("kiosk_device")


def _device_key() -> str:
    """Rate limits count per kiosk; an unbound browser counts by its address."""
    device = current_device()
    return f"device:{device.id}" if device is not None else f"addr:{get_remote_address()}"


def make_limiter(settings: Settings) -> Limiter:
    return Limiter(
        key_func=_device_key,
        default_limits=[settings["kiosk.request_rate_limit"]],
        **shared_storage(settings),
        headers_enabled=False,
        strategy="fixed-window",
    )


def init_security(app: Flask, settings: Settings, limiter: Limiter) -> None:
    @app.before_request
    def check_device() -> Any:
        g.kiosk_device = None
        credential = request.cookies.get(DEVICE_COOKIE, "")
        standing = Standing.UNKNOWN
        if credential:
            db = get_db()
            device, standing = find_device(db, credential, utcnow(), registration_of(settings))
            if device is None or device.kind != DeviceKind.KIOSK:
                standing = Standing.UNKNOWN
            elif standing == Standing.ADMITTED:
                g.kiosk_device = device
            elif not _open(request.endpoint or ""):
                # Revoked or expired: on the record, and whoever was signed in is signed out.
                device_refused(
                    db, device, standing.value, surface="kiosk", remote_addr=remote_addr()
                )
                db.commit()
        if g.kiosk_device is None and not _open(request.endpoint or ""):
            if request.accept_mimetypes.best == "application/json":
                # The page's own polling (the card reader's news): send the screen to the
                # refusal, where nothing polls, rather than answer it every few seconds.
                return jsonify({"redirect": url_for("kiosk.start")}), 403
            return render_template("kiosk/not_a_kiosk.html", standing=standing.value), 403
        return None

    # Registered after check_device, so the limiter counts per kiosk.
    limiter.init_app(app)
    check_shared_storage(limiter, settings)

    @app.after_request
    def headers(response: Any) -> Any:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("Permissions-Policy", PERMISSIONS)
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if request.endpoint != "static":
            # Everything but the shared CSS, JS and icons may be personal: never keep it, so a
            # back button after sign-out asks the server again and gets the start screen.
            response.headers["Cache-Control"] = "no-store, max-age=0"
            response.headers["Pragma"] = "no-cache"
        return response


def bind_cookie(response: Any, credential: str, settings: Settings) -> Any:
    response.set_cookie(
        DEVICE_COOKIE,
        credential,
        max_age=settings["kiosk.device_cookie_days"] * 86400,
        httponly=True,
        secure=settings.mode == "production",
        samesite="Strict",
        path="/",
    )
    return response
