"""What every kiosk screen shares: the blueprint, the kiosk and the inmate as actors, the
language on screen, money shown in it, and who is signed in.

Who is signed in lives in the inmate-session table of the sign-in services; the kiosk's cookie
session only carries that session's token, the kiosk it was opened on, the chosen language and
the cart. Every request checks the token, that it was opened on this very kiosk and that the
inmate has not been idle too long.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date, datetime
from functools import wraps
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    g,
    jsonify,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from backoffice import dates
from backoffice.audit.services import Actor
from backoffice.devices.models import Device
from backoffice.errors import ServiceError
from backoffice.people.models import Inmate
from backoffice.people.services import choose_language
from backoffice.settings import Settings
from backoffice.shop import messages as shop_messages
from backoffice.surface import commit_once, get_db, remote_addr, settings
from backoffice.surface.refusals import say

from .. import i18n, sessions
from ..security import current_device

bp = Blueprint("kiosk", __name__)

# The cookie session's keys.
TOKEN = "inmate_session"
BOUND_DEVICE = "device_id"
STARTED = "started_at"
SEEN = "seen_at"


# --- helpers for every screen ---------------------------------------------------------------


def kiosk_settings() -> Settings:
    return settings()


def icon(name: str) -> Markup:
    href = url_for("static", filename="icons.svg") + "#" + name
    return Markup(
        '<svg class="icon" aria-hidden="true" focusable="false"><use href="{}"></use></svg>'
    ).format(href)


def actor_for(inmate: Inmate) -> Actor:
    device = current_device()
    return Actor(
        kind="inmate",
        id=inmate.id,
        name=f"inmate {inmate.prison_number}",
        device_id=device.id if device else None,
        remote_addr=remote_addr(),
    )


def the_device() -> Device:
    """The kiosk this request comes from (every view but provisioning runs behind the check)."""
    device = current_device()
    if device is None:
        abort(403)
    return device


def device_actor() -> Actor:
    device = current_device()
    assert device is not None
    return Actor(
        kind="device",
        id=device.id,
        name=f"kiosk {device.name}",
        device_id=device.id,
        remote_addr=remote_addr(),
    )


def language() -> str:
    return str(i18n.current_language())


def wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def format_money(cents: int) -> str:
    return shop_messages.money(cents, language())


def prison_zone() -> str:
    """The inmate's prison's time zone (the installation's before sign-in): every time on
    screen is the prison's clock."""
    inmate = g.get("inmate")
    return inmate.prison.timezone if inmate is not None else str(settings()["timezone"])


def format_day(on: date) -> str:
    return dates.day(on, language())


def format_moment(at: datetime) -> str:
    return dates.moment(at, prison_zone(), language())


def format_clock(at: datetime) -> str:
    return dates.clock(at, prison_zone(), language())


def format_slot(at: datetime) -> str:
    return dates.slot(at, prison_zone(), language())


def word_for(kind: str, status: str) -> str:
    """How a screen names the status of an order, a video-call booking, a contact or a message,
    in the language on screen; a status not named here is shown as it is."""
    words = {
        ("order", "placed"): _("Placed: waiting for the shop"),
        ("order", "picking"): _("Being packed"),
        ("order", "packed"): _("Packed: on its way to you"),
        ("order", "delivered"): _("Delivered"),
        ("order", "cancelled"): _("Cancelled"),
        ("order", "expired"): _("Not delivered: the money is free again"),
        ("booking", "held"): _("Kept for you: confirm it"),
        ("booking", "confirmed"): _("Booked"),
        ("booking", "cancelled"): _("Cancelled"),
        ("booking", "expired"): _("Not confirmed in time"),
        ("booking", "ended"): _("Took place"),
        ("booking", "failed"): _("Failed: you may book again"),
        ("contact", "pending"): _("Waiting for approval"),
        ("contact", "approved"): _("Approved"),
        ("contact", "refused"): _("Not approved"),
        ("contact", "withdrawn"): _("No longer approved"),
        ("message", "held"): _("Waiting for the prison's check"),
        ("message", "passed"): _("Passed on"),
    }
    return words.get((kind, status), status)


def said(error: Exception) -> str:
    """A service's refusal in the language on screen, its values shown the inmate's way (the
    prison's clock, money in the language's style)."""
    return say(error, language(), _, prison_zone())


def act(
    action: Callable[[Session], str],
    back: str,
    *,
    refusal: Callable[[ServiceError], str] = said,
) -> Response:
    """Run one service call of a screen's button and commit once: the message `action` returns
    is shown as done and the screen goes `back`. A refusal is rolled back and shown as an error,
    in the words `refusal` gives it (its own, in the language on screen, unless said
    otherwise)."""
    return commit_once(action, back, refusal=refusal, category="ok")


# --- the signed-in inmate -------------------------------------------------------------------


def forget() -> None:
    """Drop everything personal from the cookie session; the language goes back to default."""
    session.clear()


def current_inmate() -> Inmate | None:
    """The inmate signed in on this kiosk, or None. Ends the session when it was opened on
    another kiosk, has been idle too long or has run past its length."""
    if "inmate" in g:
        return g.inmate  # type: ignore[no-any-return]
    g.inmate = None
    token = session.get(TOKEN)
    if not token:
        return None
    device = current_device()
    config = kiosk_settings()
    now = time.time()
    # Two seconds of grace, so the page's own countdown reaches the server first.
    idle = config["kiosk.idle_seconds"] + 2
    too_long = now - session.get(STARTED, 0) > config["kiosk.session_minutes"] * 60
    idle_too_long = now - session.get(SEEN, 0) > idle
    if device is None or session.get(BOUND_DEVICE) != device.id or too_long or idle_too_long:
        end_session(token, "idle" if idle_too_long else "expired")
        return None
    inmate = sessions.inmate_for(get_db(), token, device, config)
    if inmate is None:
        forget()
        return None
    session[SEEN] = now
    g.inmate = inmate
    return inmate


def end_session(token: str, why: str) -> None:
    db = get_db()
    sessions.end(db, current_device(), token, why, remote_addr())
    db.commit()
    forget()


def signed_in(view: Callable[..., Any]) -> Callable[..., Any]:
    """The view needs a signed-in inmate; it is passed as the first argument."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        inmate = current_inmate()
        if inmate is None:
            if wants_json():
                return jsonify({"redirect": url_for("kiosk.start")}), 401
            return redirect(url_for("kiosk.start"))
        return view(inmate, *args, **kwargs)

    return wrapper


def begin(inmate: Inmate, token: str) -> None:
    """Remember a fresh sign-in in the cookie session. The screen keeps a language chosen
    before signing in (and the inmate's profile remembers it); otherwise it speaks his own."""
    languages = kiosk_settings()["languages"]
    chosen = session.get(i18n.SESSION_KEY)
    if chosen in languages and chosen != inmate.language:
        db = get_db()
        choose_language(db, actor_for(inmate), inmate, chosen)
        db.commit()
    forget()
    now = time.time()
    session[TOKEN] = token
    session[BOUND_DEVICE] = current_device().id  # type: ignore[union-attr]
    session[STARTED] = now
    session[SEEN] = now
    i18n.set_language(inmate.language, languages)


@bp.app_context_processor
def screen_context() -> dict[str, Any]:
    inmate = g.get("inmate")
    return {
        "inmate": inmate,
        "idle_seconds": kiosk_settings()["kiosk.idle_seconds"],
        "menu": menu() if inmate is not None else [],
        "icon": icon,
        "day": format_day,
        "moment": format_moment,
        "clock": format_clock,
        "slot": format_slot,
    }


def menu() -> list[dict[str, str]]:
    return [
        {"endpoint": endpoint, "icon": name, "label": label()}
        for endpoint, name, label in MENU
        if endpoint in current_app.view_functions
    ]


# (endpoint, icon, label): a screen shows in the menu once its feature is there.
MENU: list[tuple[str, str, Callable[[], str]]] = [
    ("kiosk.money", "money", lambda: _("My money")),
    ("kiosk.shop", "shop", lambda: _("Shop")),
    ("kiosk.cart", "cart", lambda: _("Cart")),
    ("kiosk.orders", "orders", lambda: _("My orders")),
    ("kiosk.requests", "requests", lambda: _("Requests")),
    ("kiosk.visits", "video", lambda: _("Video calls")),
    ("kiosk.library", "book", lambda: _("Library")),
    ("kiosk.conversations", "requests", lambda: _("Messages")),
]
