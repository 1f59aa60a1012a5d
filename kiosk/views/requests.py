"""Requests to staff: the inmate's cases, a new request and replying to or withdrawing one."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import get_month_names
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from backoffice.errors import InvalidInput, ServiceError
from backoffice.people.models import Inmate
from backoffice.requests import services as requests_services
from backoffice.surface import equipment, get_db

from .screen import act, actor_for, bp, format_day, language, prison_zone, said, signed_in


def request_rules() -> requests_services.Rules:
    return equipment().request_rules


def date_choice(when: str) -> dict[str, Any]:
    """What a date field offers as buttons (a kiosk has no keyboard for a date mask): the
    days, the months by name in the language on screen, and the years a `when` allows."""
    this_year = datetime.now(ZoneInfo(prison_zone())).year
    years = {"past": (this_year - 1, this_year), "future": (this_year, this_year + 1)}
    names = get_month_names("wide", context="stand-alone", locale=language())
    return {
        "day": [(day, str(day)) for day in range(1, 32)],
        "month": [(number, names[number]) for number in range(1, 13)],
        "year": [
            (year, str(year)) for year in years.get(when, (this_year - 1, this_year, this_year + 1))
        ],
    }


def _chosen_date(code: str, label: str) -> str:
    """The day, month and year pressed for a date field, as the services take a date; ""
    when none was pressed. Refused when only some were, or the day does not exist."""
    parts = [request.form.get(f"f-{code}-{part}", "").strip() for part in ("year", "month", "day")]
    if not any(parts):
        return ""
    try:
        return date(*(int(part) for part in parts)).isoformat()
    except ValueError:
        raise InvalidInput(
            _("%(label)s: choose a day, a month and a year (a day that exists).", label=label),
            field=code,
        ) from None


def request_fields(fields: Any) -> dict[str, Any]:
    """The form's answers, by field code, as the request services take them."""
    answers: dict[str, Any] = {}
    for spec in fields:
        if spec.kind == "date":
            if chosen := _chosen_date(spec.code, spec.label):
                answers[spec.code] = chosen
            continue
        if spec.kind == "contact":
            name = request.form.get(f"f-{spec.code}-name", "").strip()
            phone = request.form.get(f"f-{spec.code}-phone", "").strip()
            if name or phone:
                answers[spec.code] = {"name": name, "phone": phone}
            continue
        value = request.form.get(f"f-{spec.code}", "").strip()
        if value:
            answers[spec.code] = value
    return answers


@bp.get("/requests")
@signed_in
def requests(inmate: Inmate) -> Any:
    rules = request_rules()
    return render_template(
        "kiosk/requests.html",
        cases=requests_services.list_for_inmate(get_db(), inmate, rules),
        types=requests_services.types_for_inmate(rules, inmate),
    )


@bp.route("/requests/new/<type_code>", methods=["GET", "POST"])
@signed_in
def request_new(inmate: Inmate, type_code: str) -> Any:
    rules = request_rules()
    kind = next(
        (t for t in requests_services.types_for_inmate(rules, inmate) if t.code == type_code), None
    )
    if kind is None:
        abort(404)
    error, bad_field = "", ""
    if request.method == "POST":
        db = get_db()
        try:
            case = requests_services.submit(
                db, actor_for(inmate), rules, inmate, type_code, request_fields(kind.fields)
            )
        except ServiceError as refused:
            db.rollback()
            error, bad_field = said(refused), str(refused.details.get("field", ""))
        else:
            db.commit()
            flash(
                _(
                    "Your request is sent. Receipt %(receipt)s, answer due by %(due)s.",
                    receipt=case.receipt,
                    due=format_day(case.due_on),
                ),
                "ok",
            )
            return redirect(url_for("kiosk.request_case", request_id=case.id))
    return render_template(
        "kiosk/request_new.html",
        kind=kind,
        error=error,
        bad_field=bad_field,
        form=request.form,
        date_choice=date_choice,
    ), (422 if error else 200)


@bp.get("/requests/<int:request_id>")
@signed_in
def request_case(inmate: Inmate, request_id: int) -> Any:
    try:
        case = requests_services.get_for_inmate(get_db(), request_rules(), inmate, request_id)
    except ServiceError:
        abort(404)
    return render_template("kiosk/request_case.html", case=case)


@bp.post("/requests/<int:request_id>/<any(reply, withdraw):action>")
@signed_in
def request_action(inmate: Inmate, request_id: int, action: str) -> Any:
    rules = request_rules()

    def run(db: Session) -> str:
        if action == "reply":
            requests_services.reply(
                db, actor_for(inmate), rules, inmate, request_id, request.form.get("body", "")
            )
            return _("Your message is added to the request.")
        requests_services.withdraw(db, actor_for(inmate), rules, inmate, request_id)
        return _("The request is withdrawn.")

    return act(run, url_for("kiosk.request_case", request_id=request_id))
