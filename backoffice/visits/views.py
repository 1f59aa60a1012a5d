"""The visit staff's back office: contact approvals and bars, the day's calls per booth (end a
call, mark a technical failure), blocked dates. The contact's invitation link opens on the
family site (backoffice/family), in the contact's language."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import InvalidInput
from ..people.models import Inmate
from ..staff.models import Role
from ..surface import equipment, form_id, get_db
from ..surface.i18n import N_
from ..web.access import ACCESS, staff_actor
from ..web.access import sees_prison as _visible
from ..web.access import staff_prison as _prison
from ..web.handling import perform
from . import services
from .models import Bar, BarCategory, Booking, Contact

bp = Blueprint("visits", __name__, url_prefix="/visits", template_folder="templates")

STAFF_ONLY = frozenset({Role.VISITS})
VISITS_ACCESS: dict[str, frozenset[str]] = {
    "visits.contacts": STAFF_ONLY,
    "visits.decide": STAFF_ONLY,
    "visits.bar": STAFF_ONLY,
    "visits.calls": STAFF_ONLY,
    "visits.end_call": STAFF_ONLY,
    "visits.call_failed": STAFF_ONLY,
    "visits.reinvite": STAFF_ONLY,
    "visits.setup": STAFF_ONLY,
    "visits.add_template": STAFF_ONLY,
    "visits.stop_template": STAFF_ONLY,
    "visits.add_booth": STAFF_ONLY,
    "visits.blocked": STAFF_ONLY,
    "visits.block": STAFF_ONLY,
    "visits.unblock": STAFF_ONLY,
}


def init_app(app: Flask) -> None:
    """Open the visit pages to visit staff (access.py refuses unnamed endpoints) and mount the
    blueprint (the visit rules were read once, at start)."""
    ACCESS.update(VISITS_ACCESS)
    app.register_blueprint(bp)


def _rules() -> services.VisitRules:
    return equipment().visit_rules


def _now() -> datetime:
    return datetime.now(UTC)


def _form_day(name: str) -> date:
    try:
        return date.fromisoformat(request.values.get(name, ""))
    except ValueError:
        raise InvalidInput(_("Dates are written YYYY-MM-DD.")) from None


# --- contacts --------------------------------------------------------------------------------


@bp.get("/")
@bp.get("/contacts")
def contacts() -> Any:
    db = get_db()
    prison = _prison()
    pending = services.pending_contacts(db, prison.id)
    inmate_ids = {c.inmate_id for c in pending}
    bars: dict[int, list[Bar]] = {}
    if inmate_ids:
        for bar in db.scalars(select(Bar).where(Bar.inmate_id.in_(inmate_ids)).order_by(Bar.id)):
            bars.setdefault(bar.inmate_id, []).append(bar)
    return render_template(
        "visits/contacts.html",
        prison=prison,
        pending=pending,
        bars=bars,
        categories=[c.value for c in BarCategory],
    )


@bp.post("/contacts/<int:contact_id>/decide")
def decide(contact_id: int) -> Any:
    contact = get_db().get(Contact, contact_id)
    if contact is None or not _visible(contact.inmate.prison_id):
        abort(404)
    approve = request.form.get("decision") == "approve"

    def action(db: Session) -> None:
        services.decide_contact(
            db,
            staff_actor(),
            contact_id,
            approve=approve,
            reason=request.form.get("reason", ""),
            privileged=request.form.get("privileged") == "on" if approve else None,
            now=_now(),
        )

    return perform(
        action,
        f"{contact.full_name}: {'approved' if approve else 'refused'}.",
        url_for("visits.contacts"),
    )


@bp.post("/bars")
def bar() -> Any:
    db = get_db()
    number = request.form.get("prison_number", "").strip()
    inmate = db.scalars(select(Inmate).where(Inmate.prison_number == number)).first()
    if inmate is None or not _visible(inmate.prison_id):
        flash(
            _(
                "No inmate with prison number %(number)s.",
                number=repr(number),
            ),
            "error",
        )
        return redirect(url_for("visits.contacts"))

    def action(db: Session) -> None:
        services.bar_person(
            db,
            staff_actor(),
            inmate,
            full_name=request.form.get("full_name", ""),
            phone=request.form.get("phone", ""),
            email=request.form.get("email", ""),
            category=request.form.get("category", ""),
            reason=request.form.get("reason", ""),
            now=_now(),
        )

    return perform(
        action,
        _(
            "%(full_name)s may not call this person any more.",
            full_name=inmate.full_name,
        ),
        url_for("visits.contacts"),
    )


# --- the day's calls -------------------------------------------------------------------------


@bp.get("/calls")
def calls() -> Any:
    db = get_db()
    prison = _prison()
    zone = ZoneInfo(prison.timezone)
    today = _now().astimezone(zone).date()
    day = today
    if request.args.get("day"):
        try:
            day = date.fromisoformat(request.args["day"])
        except ValueError:
            flash(_("Dates are written YYYY-MM-DD; showing today."), "error")
    return render_template(
        "visits/calls.html",
        prison=prison,
        day=day,
        groups=services.calls_of_day(db, prison.id, day),
        zone=zone,
        now=_now(),
    )


def _staff_booking(booking_id: int) -> Booking:
    booking = get_db().get(Booking, booking_id)
    if booking is None or not _visible(booking.slot.prison_id):
        abort(404)
    return booking


def _calls_page(booking: Booking) -> str:
    """The day's calls the booking is among: where a call's form goes back to."""
    day = booking.slot.starts_at.astimezone(ZoneInfo(booking.slot.prison.timezone)).date()
    return url_for("visits.calls", day=day.isoformat(), prison=booking.slot.prison_id)


@bp.post("/calls/<int:booking_id>/end")
def end_call(booking_id: int) -> Any:
    booking = _staff_booking(booking_id)
    reason = request.form.get("reason", "")
    return perform(
        lambda db: (
            services.end_call(db, staff_actor(), booking_id, reason=reason, now=_now()) and None
        ),
        _(
            "The call of %(full_name)s is ended.",
            full_name=booking.inmate.full_name,
        ),
        _calls_page(booking),
    )


@bp.post("/calls/<int:booking_id>/failed")
def call_failed(booking_id: int) -> Any:
    booking = _staff_booking(booking_id)
    reason = request.form.get("reason", "")
    return perform(
        lambda db: (
            services.mark_failed(db, staff_actor(), booking_id, reason=reason, now=_now()) and None
        ),
        _(
            "The call of %(full_name)s is marked failed; they may rebook it "
            "without using their quota.",
            full_name=booking.inmate.full_name,
        ),
        _calls_page(booking),
    )


@bp.post("/calls/<int:booking_id>/reinvite")
def reinvite(booking_id: int) -> Any:
    booking = _staff_booking(booking_id)
    return perform(
        lambda db: (
            services.reissue_invitation(db, staff_actor(), booking_id, _now(), _rules()) and None
        ),
        _(
            "A new link is on its way to %(full_name)s; the old one no longer works.",
            full_name=booking.contact.full_name,
        ),
        _calls_page(booking),
    )


# --- session templates and booths ------------------------------------------------------------

WEEKDAYS = [N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")]
# The form's weekday boxes: 0 (Monday) to 6, as written; "²" or "01" is no weekday.
WEEKDAY_NUMBERS = frozenset(str(n) for n in range(7))


@bp.get("/setup")
def setup() -> Any:
    db = get_db()
    prison = _prison()
    return render_template(
        "visits/setup.html",
        prison=prison,
        templates=services.session_templates(db, prison.id),
        endpoints=services.endpoints_of(db, prison.id),
        weekdays=[_(d) for d in WEEKDAYS],
        wings=prison.wings,
    )


def _form_int(name: str) -> int:
    raw = request.form.get(name, "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6:
        raise InvalidInput(
            _(
                "%(capitalize)s: a whole number, please.",
                capitalize=name.replace("_", " ").capitalize(),
            )
        )
    return int(raw)


@bp.post("/templates")
def add_template() -> Any:
    prison = _prison()

    def action(db: Session) -> None:
        try:
            starts = time.fromisoformat(request.form.get("starts_at", ""))
        except ValueError:
            raise InvalidInput(_("The start time is written HH:MM.")) from None
        until = request.form.get("valid_until", "").strip()
        services.add_session_template(
            db,
            staff_actor(),
            prison.id,
            name=request.form.get("name", ""),
            weekdays=[int(d) for d in request.form.getlist("weekday") if d in WEEKDAY_NUMBERS],
            starts_at_local=starts,
            length_minutes=_form_int("length_minutes"),
            parallel_calls=_form_int("parallel_calls"),
            valid_from=_form_day("valid_from"),
            valid_until=_form_day("valid_until") if until else None,
        )

    return perform(
        action,
        _("Session template added; its sessions open for booking now."),
        url_for("visits.setup", prison=prison.id),
    )


@bp.post("/templates/<int:template_id>/stop")
def stop_template(template_id: int) -> Any:
    prison = _prison()

    def action(db: Session) -> str:
        template = services.stop_template(db, staff_actor(), template_id)
        if template.prison_id != prison.id:
            abort(404)
        return _(
            "%(name)s: no new bookings; calls already booked stay.",
            name=template.name,
        )

    return perform(action, "", url_for("visits.setup", prison=prison.id))


@bp.post("/booths")
def add_booth() -> Any:
    prison = _prison()
    wing_id = request.form.get("wing_id", "")

    def action(db: Session) -> None:
        services.add_endpoint(
            db,
            staff_actor(),
            prison.id,
            kind="booth",
            name=request.form.get("name", ""),
            wing_id=form_id(wing_id),
        )

    return perform(action, _("Booth added."), url_for("visits.setup", prison=prison.id))


# --- blocked dates ---------------------------------------------------------------------------


@bp.get("/blocked")
def blocked() -> Any:
    prison = _prison()
    today = _now().astimezone(ZoneInfo(prison.timezone)).date()
    return render_template(
        "visits/blocked.html",
        prison=prison,
        blocked=services.blocked_dates(get_db(), prison.id, since=today),
    )


@bp.post("/blocked")
def block() -> Any:
    prison = _prison()

    def action(db: Session) -> str:
        day = _form_day("day")
        services.block_date(
            db, staff_actor(), prison.id, day, reason=request.form.get("reason", ""), now=_now()
        )
        return _(
            "No calls on %(isoformat)s; calls already booked that day are cancelled.",
            isoformat=day.isoformat(),
        )

    return perform(action, "", url_for("visits.blocked", prison=prison.id))


@bp.post("/blocked/<int:blocked_id>/delete")
def unblock(blocked_id: int) -> Any:
    prison = _prison()
    return perform(
        lambda db: services.unblock_date(db, staff_actor(), blocked_id, prison_id=prison.id),
        _("The day is open for calls again."),
        url_for("visits.blocked", prison=prison.id),
    )
