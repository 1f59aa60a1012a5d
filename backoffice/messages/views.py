"""Screening for security officers: the prison's held messages, each read with its photos and
passed or rejected with a reason the sender reads; the prison's rules; a contact put on watch
or blocked. Privileged correspondence never appears here, and asking for it by id is refused."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, Response, abort, render_template, request, url_for
from flask_babel import gettext as _

from ..errors import InvalidInput, ServiceError
from ..staff.models import Role
from ..surface import get_db, settings
from ..web.access import ACCESS, staff_actor, staff_prison
from ..web.handling import perform
from . import services

bp = Blueprint("messages", __name__, url_prefix="/messages", template_folder="templates")

OFFICERS = frozenset({Role.OFFICER})
MESSAGES_ACCESS: dict[str, frozenset[str]] = {
    "messages.screening": OFFICERS,
    "messages.show": OFFICERS,
    "messages.photo": OFFICERS,
    "messages.pass_message": OFFICERS,
    "messages.reject": OFFICERS,
    "messages.rules": OFFICERS,
    "messages.save_rules": OFFICERS,
    "messages.standing": OFFICERS,
}


def init_app(app: Flask) -> None:
    ACCESS.update(MESSAGES_ACCESS)
    app.register_blueprint(bp)


def _now() -> datetime:
    return datetime.now(UTC)


def _family_url() -> str:
    return str(settings()["family.base_url"])


@bp.get("/")
def screening() -> Any:
    prison = staff_prison()
    held = services.screening_queue(get_db(), staff_actor(), prison.id)
    return render_template("messages/screening.html", prison=prison, held=held)


def _screened(message_id: int) -> Any:
    db = get_db()
    try:
        message = services.message_for_screening(db, staff_actor(), message_id)
    except ServiceError as error:
        db.commit()  # a refusal of privileged correspondence stays on the record
        abort(error.status)
    return message


@bp.get("/<int:message_id>")
def show(message_id: int) -> Any:
    message = _screened(message_id)
    standing = services.standing_of(get_db(), message.contact_id)
    return render_template("messages/show.html", message=message, standing=standing)


@bp.get("/photos/<int:attachment_id>")
def photo(attachment_id: int) -> Any:
    db = get_db()
    try:
        attachment = services.attachment_for_screening(db, staff_actor(), attachment_id)
    except ServiceError as error:
        db.commit()
        abort(error.status)
    return Response(attachment.data, mimetype=attachment.content_type,
                    headers={"Cache-Control": "no-store"})  # fmt: skip


@bp.post("/<int:message_id>/pass")
def pass_message(message_id: int) -> Any:
    _screened(message_id)
    return perform(
        lambda db: (
            services.pass_message(db, staff_actor(), message_id, _now(), family_url=_family_url())
            and None
        ),
        _("The message is passed."),
        url_for("messages.screening"),
    )


@bp.post("/<int:message_id>/reject")
def reject(message_id: int) -> Any:
    _screened(message_id)
    reason = request.form.get("reason", "")
    return perform(
        lambda db: (
            services.reject_message(
                db, staff_actor(), message_id, _now(), reason=reason, family_url=_family_url()
            )
            and None
        ),
        _("The message is rejected; the sender reads why."),
        url_for("messages.screening"),
    )


@bp.get("/rules")
def rules() -> Any:
    prison = staff_prison()
    return render_template("messages/rules.html", prison=prison,
                           rules=services.rules_for(get_db(), prison.id))  # fmt: skip


@bp.post("/rules")
def save_rules() -> Any:
    prison = staff_prison()
    form = request.form

    def save(db: Any) -> None:
        try:
            numbers = [int(form.get(name, "")) for name in
                       ("max_per_day", "max_length", "price_cents")]  # fmt: skip
        except ValueError:
            raise InvalidInput(_("Write whole numbers.")) from None
        services.set_rules(db, staff_actor(), prison.id, auto_pass=form.get("auto_pass") == "on",
                           held_words=form.get("held_words", "").splitlines(),
                           max_per_day=numbers[0], max_length=numbers[1],
                           price_cents=numbers[2], now=_now())  # fmt: skip

    return perform(save, _("The rules are saved."), url_for("messages.rules", prison=prison.id))


@bp.post("/contacts/<int:contact_id>/standing")
def standing(contact_id: int) -> Any:
    form = request.form
    back = (
        form.get("back", "")
        if form.get("back", "").startswith("/messages/")
        else url_for("messages.screening")
    )
    return perform(
        lambda db: (
            services.set_standing(
                db,
                staff_actor(),
                contact_id,
                on_watch=form.get("on_watch") == "on",
                blocked=form.get("blocked") == "on",
                reason=form.get("reason", ""),
                now=_now(),
            )
            and None
        ),
        _("The contact's standing is saved."),
        back,
    )
