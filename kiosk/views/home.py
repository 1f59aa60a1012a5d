"""The start screen, the language switch, signing out, the idle clock and the home screen."""

from __future__ import annotations

from typing import Any

from flask import flash, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _

from backoffice.money import services as money_services
from backoffice.people.models import Inmate
from backoffice.people.services import choose_language
from backoffice.surface import get_db

from .. import i18n, sessions
from .screen import (
    TOKEN,
    actor_for,
    bp,
    current_inmate,
    end_session,
    forget,
    format_money,
    kiosk_settings,
    signed_in,
)


@bp.post("/language")
def language_switch() -> Any:
    """The language on screen; a signed-in inmate's profile remembers it, so that what is
    written for him (request types, refusals, notices) follows it too."""
    chosen = request.form.get("lang", "")
    languages = kiosk_settings()["languages"]
    i18n.set_language(chosen, languages)
    inmate = current_inmate()
    if inmate is not None and chosen in languages:
        db = get_db()
        choose_language(db, actor_for(inmate), inmate, chosen)
        db.commit()
    target = request.form.get("next", "")
    # Only a path on this kiosk: never a link that leaves it ("//host" and "/\\host" would).
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        target = url_for("kiosk.start")
    return redirect(target)


@bp.get("/")
def start() -> Any:
    if current_inmate() is not None:
        return redirect(url_for("kiosk.home"))
    config = kiosk_settings()
    return render_template(
        "kiosk/start.html",
        pin_allowed=sessions.pin_allowed(config),
        face_frames=config["kiosk.face_frames"],
        face_gap_ms=config["kiosk.face_frame_gap_ms"],
    )


@bp.post("/sign-out")
def sign_out() -> Any:
    token = session.get(TOKEN)
    reason = request.form.get("why", "")
    if token:
        end_session(token, "idle" if reason == "idle" else "signed out")
    else:
        forget()
    if reason == "idle":
        flash(_("You were signed out because nothing happened for a while."), "info")
    else:
        flash(_("You are signed out. Goodbye!"), "ok")
    return redirect(url_for("kiosk.start"))


@bp.post("/still-here")
@signed_in
def still_here(inmate: Inmate) -> Any:
    """The page saw a touch: keep the server's idle clock in step with the visible one."""
    return jsonify({"idle_seconds": kiosk_settings()["kiosk.idle_seconds"]})


@bp.get("/home")
@signed_in
def home(inmate: Inmate) -> Any:
    balances = money_services.balances_for(get_db(), inmate)
    return render_template("kiosk/home.html", balances=balances, money=format_money)
