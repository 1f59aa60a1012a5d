"""Signing in at the kiosk: with a PIN, the face, or a card the kiosk agent read and its PIN."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from backoffice.errors import ServiceError
from backoffice.people.models import Inmate
from backoffice.surface import get_db, remote_addr

from .. import sessions
from .screen import TOKEN, begin, bp, end_session, kiosk_settings, the_device, wants_json


def _signed_in_answer(inmate: Inmate, token: str) -> Any:
    previous = session.get(TOKEN)
    if previous:
        # Someone signed in over another inmate's session: that one ends now, not when idle.
        end_session(previous, "replaced at the kiosk")
    begin(inmate, token)
    target = url_for("kiosk.home")
    if wants_json():
        return jsonify({"redirect": target})
    return redirect(target)


def _refused_answer(message: str, template: str | None = None, **context: Any) -> Any:
    if wants_json() or template is None:
        return jsonify({"message": message}), 401
    return render_template(template, error=message, **context), 401


@bp.route("/sign-in/pin", methods=["GET", "POST"])
def sign_in_pin() -> Any:
    if not sessions.pin_allowed(kiosk_settings()):
        abort(404)
    if request.method == "GET":
        return render_template("kiosk/pin.html", error="", number="")
    number = request.form.get("prison_number", "").strip().upper()
    db = get_db()
    try:
        inmate, token = sessions.sign_in_pin(
            db, the_device(), number, request.form.get("pin", ""), remote_addr(), kiosk_settings()
        )
    except ServiceError as error:
        db.commit()  # the failed attempt and any lockout are kept
        return _refused_answer(sessions.refusal(error), "kiosk/pin.html", number=number)
    db.commit()
    return _signed_in_answer(inmate, token)


@bp.post("/sign-in/face")
def sign_in_face() -> Any:
    config = kiosk_settings()
    frames = [f.read() for f in request.files.getlist("frame")][: config["kiosk.face_frames"]]
    db = get_db()
    try:
        inmate, token = sessions.sign_in_face(db, the_device(), frames, remote_addr(), config)
    except ServiceError as error:
        db.commit()
        return _refused_answer(sessions.refusal(error))
    db.commit()
    return _signed_in_answer(inmate, token)


@bp.get("/sign-in/card")
def card_state() -> Any:
    """What the kiosk agent has seen in the reader: nothing, a card waiting for its PIN, or a
    refusal. The start screen asks every second."""
    db = get_db()
    state = sessions.card_state(db, the_device())
    db.commit()
    if state.get("pin_needed"):
        state["redirect"] = url_for("kiosk.sign_in_card_pin")
    return jsonify(state)


@bp.route("/sign-in/card/pin", methods=["GET", "POST"])
def sign_in_card_pin() -> Any:
    """The card in the reader proved its key; the inmate types the PIN to finish."""
    db = get_db()
    pending = sessions.pending_card(db, the_device())
    if pending is None:
        flash(_("Put your card on the reader."), "info")
        return redirect(url_for("kiosk.start"))
    if request.method == "GET":
        return render_template("kiosk/card_pin.html", error="", pending=pending)
    try:
        inmate, token = sessions.sign_in_card_pin(
            db,
            the_device(),
            pending.challenge_id,
            request.form.get("pin", ""),
            remote_addr(),
            kiosk_settings(),
        )
    except ServiceError as error:
        db.commit()
        return _refused_answer(sessions.refusal(error), "kiosk/card_pin.html", pending=pending)
    db.commit()
    return _signed_in_answer(inmate, token)


# Sign-in attempts have their own, lower rate limit (per kiosk).
SIGN_IN_ENDPOINTS = (
    "kiosk.sign_in_pin",
    "kiosk.sign_in_face",
    "kiosk.sign_in_card_pin",
    "kiosk.device_setup",
)
