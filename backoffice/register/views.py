"""The register's pages: the events waiting (with why) for staff, who try them again once they
have put right what was missing; and the feed, the machine endpoint the register posts to."""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Flask, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from ..audit.services import Actor
from ..staff.models import Role
from ..surface import get_db, remote_addr, settings
from ..surface.json_body import MalformedJson, parse_json
from ..web.access import ACCESS, PUBLIC, staff_actor
from ..web.handling import perform
from . import services
from .reading import json_lines

bp = Blueprint("register", __name__, url_prefix="/register", template_folder="templates")

REGISTER_ACCESS: dict[str, frozenset[str]] = {
    "register.queue": frozenset({Role.ADMIN, Role.OFFICER}),
    "register.retry": frozenset({Role.ADMIN, Role.OFFICER}),
    # A machine, not a member of staff: it proves itself with the feed's token (below).
    "register.feed": PUBLIC,
}
MIN_TOKEN = 32


def init_app(app: Flask) -> None:
    ACCESS.update(REGISTER_ACCESS)
    app.register_blueprint(bp)
    csrf = app.extensions.get("csrf")
    if csrf is not None:
        csrf.exempt(feed)


@bp.get("")
def queue() -> Any:
    return render_template("register/queue.html", events=services.waiting(get_db()))


@bp.post("/retry")
def retry() -> Any:
    def run(db: Any) -> str:
        receipt = services.retry(db, staff_actor())
        return _(
            "%(applied)s applied, %(waiting)s still waiting.",
            applied=receipt.applied,
            waiting=receipt.waiting,
        )

    return perform(run, _("Tried again."), url_for("register.queue"))


def _token_ok() -> bool:
    expected = settings()["register.feed_token"]
    scheme, _sep, given = request.headers.get("Authorization", "").partition(" ")
    return (
        len(expected) >= MIN_TOKEN
        and scheme.lower() == "bearer"
        and hmac.compare_digest(given.strip().encode(), expected.encode())
    )


@bp.post("/feed")
def feed() -> Any:
    """A delivery of events: a JSON array of them, or JSON lines. Answers what it did."""
    if not _token_ok():
        return jsonify({"code": "unauthorized", "message": "The feed's token is wrong."}), 401
    raw = request.get_data(cache=False)
    try:
        body = parse_json(raw)
        events = body if isinstance(body, list) else [body]
    except MalformedJson:
        events = list(json_lines(raw.decode("utf-8", errors="replace")))
    db = get_db()
    actor = Actor(kind="system", id=None, name="register", remote_addr=remote_addr())
    receipt = services.receive(db, actor, events, source="feed")
    services.record_delivery(db, actor, receipt, "feed")
    db.commit()
    return jsonify(receipt.as_dict())
