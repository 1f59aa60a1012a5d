"""The outbox for staff: every message to a contact with its state (queued, sending, sent,
failed), its attempts and last error; a failed one can be sent again."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Blueprint, Flask, render_template, request, url_for
from flask_babel import gettext as _

from ..staff.models import Role
from ..staff.scope import scope_of
from ..surface import get_db
from ..web.access import ACCESS, staff_actor
from ..web.handling import perform
from . import services
from .models import MessageStatus

bp = Blueprint("outbox", __name__, url_prefix="/outbox", template_folder="templates")

# Visit staff answer families about their invitations; admins look after the mail and SMS
# gateways. Bodies are not shown: an invitation link is the family's credential.
OUTBOX_ACCESS: dict[str, frozenset[str]] = {
    "outbox.messages": frozenset({Role.VISITS, Role.ADMIN}),
    "outbox.retry": frozenset({Role.VISITS, Role.ADMIN}),
}


def init_app(app: Flask) -> None:
    ACCESS.update(OUTBOX_ACCESS)
    app.register_blueprint(bp)


@bp.get("/")
def messages() -> Any:
    status = request.args.get("status") or None
    if status not in {s.value for s in MessageStatus}:
        status = None
    db = get_db()
    within = scope_of(db, staff_actor())
    return render_template(
        "outbox/messages.html",
        messages=services.messages(db, status=status, within=within),
        counts=services.counts(db, within=within),
        status=status,
    )


@bp.post("/<int:message_id>/retry")
def retry(message_id: int) -> Any:
    return perform(
        lambda db: services.retry(db, staff_actor(), message_id, datetime.now(UTC)) and None,
        _("The message will be sent again."),
        url_for("outbox.messages"),
    )
