"""Video calls: the inmate's contacts and bookings, holding a time, confirming or cancelling."""

from __future__ import annotations

from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from backoffice.db import utcnow
from backoffice.errors import ServiceError
from backoffice.people.models import Inmate
from backoffice.surface import equipment, get_db
from backoffice.visits import services as visits_services

from .screen import act, actor_for, bp, said, signed_in, word_for


def visit_rules() -> visits_services.VisitRules:
    return equipment().visit_rules


booking_word = partial(word_for, "booking")
contact_word = partial(word_for, "contact")


@bp.get("/visits")
@signed_in
def visits(inmate: Inmate) -> Any:
    db = get_db()
    now = utcnow()
    zone = ZoneInfo(inmate.prison.timezone)
    contacts = visits_services.contacts_of(db, inmate)
    approved = [c for c in contacts if c.approved]
    offers: list[Any] = []
    if approved:
        try:
            offers = [
                o
                for o in visits_services.available_slots(db, inmate, now, visit_rules())
                if o.places_left > 0 and o.within_quota
            ][:12]
        except ServiceError as refused:
            flash(said(refused), "error")
        db.commit()  # the slot rows made for the booking horizon must stay for hold_slot
    return render_template(
        "kiosk/visits.html",
        bookings=visits_services.bookings_of(db, inmate)[:10],
        contacts=contacts,
        approved=approved,
        offers=offers,
        zone=zone,
        now=now,
        booking_word=booking_word,
        contact_word=contact_word,
    )


@bp.post("/visits/book")
@signed_in
def visit_book(inmate: Inmate) -> Any:
    try:
        slot_id = int(request.form.get("slot_id", ""))
        contact_id = int(request.form.get("contact_id", ""))
    except ValueError:
        flash(_("Choose who you want to call and when."), "error")
        return redirect(url_for("kiosk.visits"))

    def run(db: Session) -> str:
        visits_services.hold_slot(
            db, actor_for(inmate), inmate, slot_id, contact_id, utcnow(), visit_rules()
        )
        return _("The time is kept for you. Press “Confirm” to book it.")

    return act(run, url_for("kiosk.visits"))


@bp.post("/visits/<int:booking_id>/<any(confirm, cancel):action>")
@signed_in
def visit_action(inmate: Inmate, booking_id: int, action: str) -> Any:
    def run(db: Session) -> str:
        if action == "confirm":
            visits_services.confirm_booking(
                db, actor_for(inmate), inmate, booking_id, utcnow(), visit_rules()
            )
            return _("The video call is booked. Your contact gets an invitation.")
        visits_services.cancel_booking(
            db, actor_for(inmate), inmate, booking_id, utcnow(), visit_rules()
        )
        return _("The video call is cancelled.")

    return act(run, url_for("kiosk.visits"))
