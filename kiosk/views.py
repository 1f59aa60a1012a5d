"""The kiosk's screens. Each view reads the form, calls a service with the database session and
the signed-in inmate as the actor, commits once and renders or redirects.

Who is signed in lives in the inmate-session table of the sign-in services; the kiosk's cookie
session only carries that session's token, the kiosk it was opened on, the chosen language and
the cart. Every request checks the token, that it was opened on this very kiosk and that the
inmate has not been idle too long.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from functools import wraps
from typing import Any
from zoneinfo import ZoneInfo

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select

from backoffice.audit.services import Actor, record
from backoffice.db import utcnow
from backoffice.devices.models import Device, DeviceKind
from backoffice.devices.services import authenticate_device, registration_of
from backoffice.errors import ServiceError
from backoffice.money import services as money_services
from backoffice.people.models import Inmate
from backoffice.requests import services as requests_services
from backoffice.settings import Settings
from backoffice.shop import messages as shop_messages
from backoffice.shop import services as shop_services
from backoffice.shop.models import Product
from backoffice.shop.protocol_versions import APP_KEY as SHOP_RULES
from backoffice.shop.protocol_versions import RuleBook
from backoffice.shop.protocols import Protocols
from backoffice.surface import get_db, remote_addr, settings
from backoffice.visits import services as visits_services

from . import i18n, sessions
from .security import bind_cookie, current_device

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


# --- device provisioning --------------------------------------------------------------------


@bp.route("/device", methods=["GET", "POST"])
def device_setup() -> Any:
    """Bind this browser to a registered kiosk (once, by a technician)."""
    error = ""
    if request.method == "POST":
        credential = request.form.get("credential", "").strip()
        db = get_db()
        registration = registration_of(kiosk_settings())
        device = (
            authenticate_device(db, credential, registration=registration) if credential else None
        )
        if device is None or device.kind != DeviceKind.KIOSK:
            record(
                db,
                Actor(kind="device", id=None, name="unknown", remote_addr=remote_addr()),
                "kiosk.provision",
                target_type="device",
                outcome="refused",
            )
            db.commit()
            error = _("This key does not belong to an active kiosk.")
        else:
            g.kiosk_device = device
            record(db, device_actor(), "kiosk.provision", target_type="device", target_id=device.id)
            db.commit()
            session.clear()
            return bind_cookie(redirect(url_for("kiosk.start")), credential, kiosk_settings())
    return render_template("kiosk/device.html", error=error), 403 if error else 200


# --- the signed-in inmate -------------------------------------------------------------------


def _forget() -> None:
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
        _end(token, "idle" if idle_too_long else "expired")
        return None
    inmate = sessions.inmate_for(get_db(), token, device, config)
    if inmate is None:
        _forget()
        return None
    session[SEEN] = now
    g.inmate = inmate
    return inmate


def _end(token: str, why: str) -> None:
    db = get_db()
    sessions.end(db, current_device(), token, why, remote_addr())
    db.commit()
    _forget()


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
    """Remember a fresh sign-in in the cookie session, in the inmate's own language."""
    _forget()
    now = time.time()
    session[TOKEN] = token
    session[BOUND_DEVICE] = current_device().id  # type: ignore[union-attr]
    session[STARTED] = now
    session[SEEN] = now
    i18n.set_language(inmate.language, current_app.extensions["kiosk_languages"])


@bp.app_context_processor
def screen_context() -> dict[str, Any]:
    inmate = g.get("inmate")
    return {
        "inmate": inmate,
        "idle_seconds": kiosk_settings()["kiosk.idle_seconds"],
        "menu": menu() if inmate is not None else [],
        "icon": icon,
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
]


# --- language, start, sign-out --------------------------------------------------------------


@bp.post("/language")
def language_switch() -> Any:
    i18n.set_language(request.form.get("lang", ""), current_app.extensions["kiosk_languages"])
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
        _end(token, "idle" if reason == "idle" else "signed out")
    else:
        _forget()
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


# --- money ----------------------------------------------------------------------------------


@bp.get("/money")
@signed_in
def money(inmate: Inmate) -> Any:
    db = get_db()
    zone = ZoneInfo(inmate.prison.timezone)
    lines = [
        {
            "when": line.at.astimezone(zone).strftime("%d.%m.%Y %H:%M"),
            "what": money_words(line),
            "amount_cents": -abs(line.amount_cents)
            if line.kind in ("pending", "post")
            else abs(line.amount_cents)
            if line.kind in ("void", "expire")
            else line.amount_cents,
            "held": line.kind == "pending",
        }
        for line in money_services.recent_transfers(db, inmate, limit=10)
    ]
    return render_template(
        "kiosk/money.html",
        balances=money_services.balances_for(db, inmate),
        lines=lines,
        money=format_money,
    )


def money_words(line: Any) -> str:
    """A movement of money said plainly, in the language on screen."""
    ref = line.reference
    if line.kind == "pending":
        return _("Held for shop order %(ref)s", ref=ref)
    if line.kind == "post":
        return _("Paid for shop order %(ref)s", ref=ref)
    if line.kind == "void":
        return _("Hold released, the money is free again (%(ref)s)", ref=ref)
    if line.kind == "expire":
        return _("Hold ended, the money is free again (%(ref)s)", ref=ref)
    words = {
        "opening": _("Money you had when the system started"),
        "deposit": _("Money sent to you"),
        "wage": _("Your wages"),
        "debt_share": _("Set aside for your debts"),
        "release_fund_share": _("Saved in your release fund"),
        "debt": _("Debt registered"),
        "order_capture": _("Paid for shop order %(ref)s", ref=ref),
        "refund": _("Money back from the shop (%(ref)s)", ref=ref),
        "release_payout": _("Paid out at release"),
        "creditor_payout": _("Paid to a creditor"),
        "correction": _("Correction by the accounts office"),
        "visit": _("Video call"),
    }
    return words.get(line.code, line.reason)


def format_money(cents: int) -> str:
    return shop_messages.money(cents, language())


# --- shop -----------------------------------------------------------------------------------

CART = "cart"
ORDER_KEY = "order_key"


def protocols() -> Protocols:
    """The rules in force (a reload reaches this worker on its next call)."""
    rules: RuleBook = current_app.extensions[SHOP_RULES]
    return rules.current(get_db())


def cart_lines() -> list[shop_services.CartLine]:
    raw = session.get(CART, {})
    return [shop_services.CartLine(int(pid), int(qty)) for pid, qty in raw.items() if int(qty) > 0]


def save_cart(lines: dict[int, int]) -> None:
    session[CART] = {str(pid): qty for pid, qty in lines.items() if qty > 0}


def said(violation: Any) -> str:
    """A refusal in the language on screen (the protocols speak the inmate's stored one)."""
    try:
        return shop_messages.render(violation.code, language(), violation.numbers)
    except (KeyError, IndexError, ValueError):
        return str(violation.message)


def order_key() -> str:
    """One key per cart: pressing 'Place order' twice makes one order."""
    if ORDER_KEY not in session:
        session[ORDER_KEY] = "kiosk-" + secrets.token_urlsafe(18)
    return str(session[ORDER_KEY])


@bp.get("/shop")
@signed_in
def shop(inmate: Inmate) -> Any:
    db = get_db()
    category = request.args.get("category", "")
    all_categories = shop_services.categories(db)
    codes = {c.code for c in all_categories}
    products = shop_services.catalogue_for(db, inmate, category if category in codes else None)
    check = shop_services.check_cart(
        db, inmate, cart_lines(), protocols=protocols(), settings=kiosk_settings()
    )
    in_cart = {line.product_id: line.quantity for line in cart_lines()}
    return render_template(
        "kiosk/shop.html",
        categories=all_categories,
        category=category,
        products=products,
        in_cart=in_cart,
        check=check,
        money=format_money,
        lang=language(),
    )


@bp.get("/shop/photo/<int:product_id>")
@signed_in
def product_photo(inmate: Inmate, product_id: int) -> Any:
    product = get_db().get(Product, product_id)
    if product is None or not product.photo:
        abort(404)
    response = make_response(product.photo)
    response.headers["Content-Type"] = product.photo_type or "image/jpeg"
    return response


@bp.post("/shop/cart")
@signed_in
def cart_change(inmate: Inmate) -> Any:
    """Add or take away one of a product. An addition the shop's rules would refuse is not
    made, and the screen says why in the inmate's language."""
    db = get_db()
    try:
        product_id = int(request.form.get("product_id", ""))
    except ValueError:
        abort(400)
    change = 1 if request.form.get("change") == "add" else -1
    current = {line.product_id: line.quantity for line in cart_lines()}
    wanted = dict(current)
    wanted[product_id] = max(0, wanted.get(product_id, 0) + change)
    back = request.form.get("back") == "cart"
    target = (
        url_for("kiosk.cart")
        if back
        else url_for("kiosk.shop", category=request.form.get("category", ""))
    )
    if change > 0:
        config = kiosk_settings()
        before = shop_services.check_cart(
            db,
            inmate,
            [shop_services.CartLine(p, q) for p, q in current.items()],
            protocols=protocols(),
            settings=config,
        )
        after = shop_services.check_cart(
            db,
            inmate,
            [shop_services.CartLine(p, q) for p, q in wanted.items() if q],
            protocols=protocols(),
            settings=config,
        )
        known = {(v.code, v.sku) for v in before.violations}
        new = [v for v in after.violations if (v.code, v.sku) not in known]
        if new:
            for violation in new:
                flash(said(violation), "error")
            return redirect(target)
    save_cart(wanted)
    session.pop(ORDER_KEY, None)
    return redirect(target)


@bp.get("/shop/cart")
@signed_in
def cart(inmate: Inmate) -> Any:
    db = get_db()
    lines = cart_lines()
    check = shop_services.check_cart(
        db, inmate, lines, protocols=protocols(), settings=kiosk_settings()
    )
    products = (
        {
            p.id: p
            for p in db.scalars(
                select(Product).where(Product.id.in_([line.product_id for line in lines]))
            )
        }
        if lines
        else {}
    )
    return render_template(
        "kiosk/cart.html",
        lines=[
            (products[line.product_id], line.quantity)
            for line in lines
            if line.product_id in products
        ],
        check=check,
        refusals=[said(v) for v in check.violations],
        key=order_key(),
        money=format_money,
        lang=language(),
    )


@bp.post("/shop/order")
@signed_in
def place_order(inmate: Inmate) -> Any:
    db = get_db()
    key = request.form.get("key", "")
    if key != session.get(ORDER_KEY):
        flash(_("The cart changed. Check it and press “Place order” again."), "error")
        return redirect(url_for("kiosk.cart"))
    try:
        order = shop_services.place_order(
            db,
            actor_for(inmate),
            inmate,
            cart_lines(),
            key=key,
            protocols=protocols(),
            settings=kiosk_settings(),
            substitution_consent=request.form.get("substitutes") == "yes",
        )
    except shop_services.OrderRefused as refused:
        db.commit()  # the refusal is audited
        for violation in refused.violations:
            flash(said(violation), "error")
        return redirect(url_for("kiosk.cart"))
    except ServiceError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("kiosk.cart"))
    db.commit()
    session.pop(CART, None)
    session.pop(ORDER_KEY, None)
    flash(_("Thank you! Your order is placed. The money is held until delivery."), "ok")
    return redirect(url_for("kiosk.order", order_id=order.id))


@bp.get("/orders")
@signed_in
def orders(inmate: Inmate) -> Any:
    return render_template(
        "kiosk/orders.html",
        orders=shop_services.orders_of(get_db(), inmate, limit=20),
        money=format_money,
        status_word=status_word,
    )


@bp.get("/orders/<int:order_id>")
@signed_in
def order(inmate: Inmate, order_id: int) -> Any:
    db = get_db()
    try:
        the_order = shop_services.order_for_inmate(db, inmate, order_id)
    except ServiceError:
        abort(404)
    return render_template(
        "kiosk/order.html",
        order=the_order,
        can_acknowledge=shop_services.may_acknowledge(db, the_order),
        money=format_money,
        status_word=status_word,
        lang=language(),
    )


@bp.post("/orders/<int:order_id>/<any(received, cancel):action>")
@signed_in
def order_action(inmate: Inmate, order_id: int, action: str) -> Any:
    db = get_db()
    try:
        if action == "received":
            shop_services.deliver_order(db, actor_for(inmate), order_id, inmate=inmate)
            message = _("Thank you. The delivery is confirmed and paid from your money.")
        else:
            shop_services.cancel_order(db, actor_for(inmate), order_id, inmate=inmate)
            message = _("The order is cancelled and the money is free again.")
    except shop_services.BeforeDeliveryDay as early:
        db.rollback()
        day = early.delivery_on.isoformat()
        flash(
            _("The order is brought on %(day)s: confirm it then, when you have it.", day=day),
            "error",
        )
        return redirect(url_for("kiosk.order", order_id=order_id))
    except ServiceError as error:
        db.rollback()
        flash(error.message, "error")
        return redirect(url_for("kiosk.order", order_id=order_id))
    db.commit()
    flash(message, "ok")
    return redirect(url_for("kiosk.order", order_id=order_id))


def status_word(status: str) -> str:
    words = {
        "placed": _("Placed: waiting for the shop"),
        "picking": _("Being packed"),
        "packed": _("Packed: on its way to you"),
        "delivered": _("Delivered"),
        "cancelled": _("Cancelled"),
        "expired": _("Not delivered: the money is free again"),
    }
    return words.get(status, status)


# --- sign-in --------------------------------------------------------------------------------


def _signed_in_answer(inmate: Inmate, token: str) -> Any:
    previous = session.get(TOKEN)
    if previous:
        # Someone signed in over another inmate's session: that one ends now, not when idle.
        _end(previous, "replaced at the kiosk")
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


# --- requests to staff ----------------------------------------------------------------------


def request_rules() -> requests_services.Rules:
    app = current_app
    if "kiosk_request_rules" not in app.extensions:
        app.extensions["kiosk_request_rules"] = requests_services.rules_from_settings(
            kiosk_settings()
        )
    return app.extensions["kiosk_request_rules"]  # type: ignore[no-any-return]


def request_fields(fields: Any) -> dict[str, Any]:
    """The form's answers, by field code, as the request services take them."""
    answers: dict[str, Any] = {}
    for spec in fields:
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
            error, bad_field = refused.message, str(refused.details.get("field", ""))
        else:
            db.commit()
            flash(
                _(
                    "Your request is sent. Receipt %(receipt)s, answer due by %(due)s.",
                    receipt=case.receipt,
                    due=case.due_on.strftime("%d.%m.%Y"),
                ),
                "ok",
            )
            return redirect(url_for("kiosk.request_case", request_id=case.id))
    return render_template(
        "kiosk/request_new.html", kind=kind, error=error, bad_field=bad_field, form=request.form
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
    db = get_db()
    rules = request_rules()
    try:
        if action == "reply":
            requests_services.reply(
                db, actor_for(inmate), rules, inmate, request_id, request.form.get("body", "")
            )
            message = _("Your message is added to the request.")
        else:
            requests_services.withdraw(db, actor_for(inmate), rules, inmate, request_id)
            message = _("The request is withdrawn.")
    except ServiceError as refused:
        db.rollback()
        flash(refused.message, "error")
        return redirect(url_for("kiosk.request_case", request_id=request_id))
    db.commit()
    flash(message, "ok")
    return redirect(url_for("kiosk.request_case", request_id=request_id))


# --- video calls ----------------------------------------------------------------------------


def visit_rules() -> visits_services.VisitRules:
    app = current_app
    if "kiosk_visit_rules" not in app.extensions:
        app.extensions["kiosk_visit_rules"] = visits_services.VisitRules.from_settings(
            kiosk_settings()
        )
    return app.extensions["kiosk_visit_rules"]  # type: ignore[no-any-return]


def booking_word(status: str) -> str:
    words = {
        "held": _("Kept for you: confirm it"),
        "confirmed": _("Booked"),
        "cancelled": _("Cancelled"),
        "expired": _("Not confirmed in time"),
        "ended": _("Took place"),
        "failed": _("Failed: you may book again"),
    }
    return words.get(status, status)


def contact_word(status: str) -> str:
    words = {
        "pending": _("Waiting for approval"),
        "approved": _("Approved"),
        "refused": _("Not approved"),
        "withdrawn": _("No longer approved"),
    }
    return words.get(status, status)


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
            flash(refused.message, "error")
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
    db = get_db()
    try:
        slot_id = int(request.form.get("slot_id", ""))
        contact_id = int(request.form.get("contact_id", ""))
    except ValueError:
        flash(_("Choose who you want to call and when."), "error")
        return redirect(url_for("kiosk.visits"))
    try:
        visits_services.hold_slot(
            db, actor_for(inmate), inmate, slot_id, contact_id, utcnow(), visit_rules()
        )
    except ServiceError as refused:
        db.rollback()
        flash(refused.message, "error")
        return redirect(url_for("kiosk.visits"))
    db.commit()
    flash(_("The time is kept for you. Press “Confirm” to book it."), "ok")
    return redirect(url_for("kiosk.visits"))


@bp.post("/visits/<int:booking_id>/<any(confirm, cancel):action>")
@signed_in
def visit_action(inmate: Inmate, booking_id: int, action: str) -> Any:
    db = get_db()
    try:
        if action == "confirm":
            visits_services.confirm_booking(
                db, actor_for(inmate), inmate, booking_id, utcnow(), visit_rules()
            )
            message = _("The video call is booked. Your contact gets an invitation.")
        else:
            visits_services.cancel_booking(
                db, actor_for(inmate), inmate, booking_id, utcnow(), visit_rules()
            )
            message = _("The video call is cancelled.")
    except ServiceError as refused:
        db.rollback()
        flash(refused.message, "error")
        return redirect(url_for("kiosk.visits"))
    db.commit()
    flash(message, "ok")
    return redirect(url_for("kiosk.visits"))
