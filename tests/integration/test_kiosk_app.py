"""The kiosk app through Flask's test client, on SQLite and PostgreSQL: device binding, PIN
sign-in in the inmate's language, the session bound to its kiosk, idle and sign-out, money,
the cart's refusals and the order, headers and rate limits. The real browser runs in e2e."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.bank.reference import inmate_reference
from backoffice.devices.services import register_device, revoke_device
from backoffice.money.services import inmate_accounts, prison_account, register_debt
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.shop import services as shop
from backoffice.shop.models import Category, Order, Product, ShopSchedule
from backoffice.signin import services as signin
from backoffice.visits import services as visits
from hardware.cards import card_response
from kiosk import create_app
from kiosk.security import DEVICE_COOKIE
from tests.conftest import test_settings, wing_of

PIN = "4826"


@pytest.fixture
def kiosk_settings(database_url: str) -> Settings:
    return test_settings(database_url, **{"signin.pin_allowed": True})


@pytest.fixture
def app(kiosk_settings: Settings) -> Any:
    app = create_app(kiosk_settings)
    yield app
    app.extensions["cellgate"]["engine"].dispose()


@pytest.fixture
def kiosks(db: Session, prison: Prison, system: Actor) -> dict[str, str]:
    """Credentials of a kiosk on wing A, one on wing B, and a tablet."""
    made = {}
    for name, kind, wing in (("kiosk-a", "kiosk", "A"), ("kiosk-b", "kiosk", "B")):
        made[name] = register_device(
            db, system, kind=kind, name=name, wing_id=wing_of(db, prison, wing).id
        ).credential
    cell = wing_of(db, prison, "A").cells[0]
    made["tablet"] = register_device(
        db, system, kind="tablet", name="tablet-a1", cell_id=cell.id
    ).credential
    db.commit()
    return made


@pytest.fixture
def catalogue(db: Session, prison: Prison, system: Actor) -> dict[str, Product]:
    db.add(Category(code="food", name_et="Toit", name_ru="Еда", name_en="Food"))
    db.flush()
    made = {}
    for name, sku, price in (("coffee", "COF-1", 350), ("radio", "RAD-1", 4_000)):
        made[name] = shop.create_product(
            db,
            system,
            sku=sku,
            category_code="food",
            names={"et": f"{name} et", "ru": f"{name} ru", "en": name.title()},
            price_cents=price,
            stock=50,
        )
    # Ordering is open today whatever the weekday: the cut-off is two days ahead.
    for wing in prison.wings:
        today = date.today().weekday()
        db.add(
            ShopSchedule(
                wing_id=wing.id,
                opens_weekday=today,
                cutoff_weekday=(today + 2) % 7,
                cutoff_time="23:59",
                delivery_weekday=(today + 3) % 7,
            )
        )
    db.commit()
    return made


def deposit(db: Session, inmate: Inmate, cents: int) -> None:
    ledger.transfer(
        db,
        key=secrets.token_hex(8),
        debit_account_id=prison_account(db, inmate.prison_id, "family_deposits").id,
        credit_account_id=inmate_accounts(db, inmate).spendable.id,
        amount_cents=cents,
        code=ledger.TransferCode.DEPOSIT,
        requested_by="test",
        reason="deposit",
    )
    db.commit()


@pytest.fixture
def estonian(db: Session, make_inmate: Callable[..., Inmate], system: Actor) -> Inmate:
    inmate = make_inmate(language="et", legal_status="remand", first_name="Mart")
    signin.set_pin(db, system, inmate, PIN)
    db.commit()
    deposit(db, inmate, 2_000)
    return inmate


def csrf(page: bytes) -> str:
    found = re.search(rb'name="csrf-token" content="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1).decode()


def kiosk_client(app: Flask, credential: str) -> FlaskClient:
    client = app.test_client()
    client.set_cookie(DEVICE_COOKIE, credential)
    return client


def sign_in(client: FlaskClient, number: str, pin: str = PIN) -> Any:
    token = csrf(client.get("/sign-in/pin").data)
    return client.post(
        "/sign-in/pin", data={"csrf_token": token, "prison_number": number, "pin": pin}
    )


def post(client: FlaskClient, path: str, page: str = "/home", **form: str) -> Any:
    token = csrf(client.get(page).data)
    return client.post(path, data={"csrf_token": token, **form})


def test_an_unbound_browser_sees_only_the_set_up_screen(app: Flask, kiosks: dict[str, str]):
    client = app.test_client()
    for path in ("/", "/home", "/money", "/sign-in/pin"):
        response = client.get(path)
        assert response.status_code == 403
        assert b"not set up as a kiosk" in response.data or b"kioskina" in response.data
    # Its own language can still be chosen on that screen.
    token = csrf(client.get("/device").data)
    switched = client.post("/language", data={"csrf_token": token, "lang": "ru", "next": "/"})
    assert switched.status_code == 302
    assert "Этот экран не настроен как киоск" in client.get("/").text
    # A tablet's credential is not a kiosk's.
    client.set_cookie(DEVICE_COOKIE, kiosks["tablet"])
    assert client.get("/").status_code == 403


def test_provisioning_sets_a_long_lived_httponly_device_cookie(
    app: Flask, kiosks: dict[str, str], db: Session
):
    client = app.test_client()
    page = client.get("/device")
    assert page.status_code == 200
    wrong = client.post("/device", data={"csrf_token": csrf(page.data), "credential": "cgd_x.y"})
    assert wrong.status_code == 403
    response = client.post(
        "/device", data={"csrf_token": csrf(page.data), "credential": kiosks["kiosk-a"]}
    )
    assert response.status_code == 302
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{DEVICE_COOKIE}=")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Max-Age=" in cookie
    assert client.get("/").status_code == 200
    outcomes = db.scalars(
        select(AuditEvent.outcome).where(AuditEvent.action == "kiosk.provision")
    ).all()
    assert sorted(outcomes) == ["ok", "refused"]


def test_revoking_the_kiosk_locks_it_out_at_once(
    app: Flask, kiosks: dict[str, str], db: Session, estonian: Inmate, system: Actor
):
    client = kiosk_client(app, kiosks["kiosk-a"])
    assert sign_in(client, estonian.prison_number).status_code == 302
    assert client.get("/home").status_code == 200
    device_id = db.scalar(
        select(AuditEvent.device_id).where(AuditEvent.action == "inmate.session_start")
    )
    revoke_device(db, system, device_id, "stolen")
    db.commit()
    assert client.get("/home").status_code == 403


def test_pin_sign_in_speaks_the_inmates_language_and_shows_his_money(
    app: Flask, kiosks: dict[str, str], estonian: Inmate
):
    client = kiosk_client(app, kiosks["kiosk-a"])
    response = sign_in(client, estonian.prison_number)
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")
    session_cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in session_cookie and "SameSite=Strict" in session_cookie
    home = client.get("/home")
    assert '<html lang="et">' in home.text
    assert "Logi välja" in home.text  # "Sign out" in Estonian
    assert "Saad kulutada: <strong>20,00 €</strong>" in home.text  # money at a glance
    money = client.get("/money")
    assert "20,00 €" in money.text
    assert "Sulle saadetud raha" in money.text  # the deposit, said plainly
    assert money.headers["Cache-Control"].startswith("no-store")


def test_the_language_switch_works_on_every_screen(
    app: Flask, kiosks: dict[str, str], estonian: Inmate
):
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    response = post(client, "/language", page="/money", lang="ru", next="/money")
    assert response.headers["Location"] == "/money"
    assert "Мои деньги" in client.get("/money").text
    # Never a way off the kiosk.
    for elsewhere in ("https://example.org/", "//example.org/", "/\\example.org/"):
        away = post(client, "/language", lang="en", next=elsewhere)
        assert away.headers["Location"] == "/"


def test_wrong_pin_and_other_wings_inmates_are_refused(
    app: Flask,
    kiosks: dict[str, str],
    estonian: Inmate,
    make_inmate: Callable[..., Inmate],
    db: Session,
    system: Actor,
):
    client = kiosk_client(app, kiosks["kiosk-a"])
    wrong = sign_in(client, estonian.prison_number, "9513")
    assert wrong.status_code == 401
    assert "Vale" in wrong.text or "Wrong" in wrong.text
    elsewhere = make_inmate(wing="B", cell="B1")
    signin.set_pin(db, system, elsewhere, PIN)
    db.commit()
    assert sign_in(client, elsewhere.prison_number).status_code == 401
    assert client.get("/home").status_code == 302


def test_a_session_is_bound_to_its_kiosk(app: Flask, kiosks: dict[str, str], estonian: Inmate):
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    assert client.get("/home").status_code == 200
    # The same cookies carried to the other wing's kiosk show nothing personal.
    client.set_cookie(DEVICE_COOKIE, kiosks["kiosk-b"])
    response = client.get("/home")
    assert response.status_code == 302 and response.headers["Location"].endswith("/")


def test_sign_out_leaves_nothing_behind(app: Flask, kiosks: dict[str, str], estonian: Inmate):
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    response = post(client, "/sign-out")
    assert response.status_code == 302
    for path in ("/home", "/money", "/shop", "/orders"):
        assert client.get(path).status_code == 302
    assert "Mart" not in client.get("/").text


def test_idle_session_ends_at_the_server_too(
    kiosk_settings: Settings, kiosks: dict[str, str], estonian: Inmate, db: Session
):
    app = create_app(kiosk_settings.with_overrides({"kiosk.idle_seconds": 1}))
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    with client.session_transaction() as cookie_session:
        cookie_session["seen_at"] = datetime.now(UTC).timestamp() - 60
    assert client.get("/money").status_code == 302
    reasons = db.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "inmate.session_end")
    ).all()
    assert any(r.get("reason") == "idle" for r in reasons)
    app.extensions["cellgate"]["engine"].dispose()


def test_the_cart_refuses_what_money_cannot_cover_and_says_why(
    app: Flask,
    kiosks: dict[str, str],
    estonian: Inmate,
    catalogue: dict[str, Product],
    db: Session,
):
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    coffee, radio = catalogue["coffee"], catalogue["radio"]
    post(client, "/shop/cart", page="/shop", product_id=str(coffee.id), change="add")
    refused = post(client, "/shop/cart", page="/shop", product_id=str(radio.id), change="add")
    page = client.get(refused.headers["Location"]).text
    assert "See maksab 40,00 €; saad kulutada veel 16,50 €." in page  # in Estonian
    cart = client.get("/shop/cart").text
    assert "coffee et" in cart and "radio et" not in cart
    key = re.search(r'name="key" value="([^"]+)"', cart).group(1)
    placed = post(client, "/shop/order", page="/shop/cart", key=key)
    assert placed.status_code == 302 and "/orders/" in placed.headers["Location"]
    order_page = client.get(placed.headers["Location"]).text
    assert "3,50 €" in order_page
    # Pressing "Place order" again with the same key makes no second order.
    post(client, "/shop/order", page="/shop/cart", key=key)
    assert len(db.scalars(select(Order).where(Order.inmate_id == estonian.id)).all()) == 1
    db.rollback()  # SQLite: a reader here would hold the write lock the kiosk needs
    money = client.get("/money").text
    assert "3,50 €" in money  # held for the order


def test_the_plus_stops_where_the_rules_would_refuse_and_says_why(
    app: Flask,
    kiosks: dict[str, str],
    estonian: Inmate,
    catalogue: dict[str, Product],
):
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    coffee, radio = catalogue["coffee"], catalogue["radio"]

    def add_button(page: str, product: Product) -> str:
        found = re.search(
            rf'<li class="product" data-sku="{product.sku}">.*?(<button [^>]*value="add"[^>]*>)'
            r".*?</li>",
            page,
            re.S,
        )
        assert found, product.sku
        return found.group(1)

    # 20.00 € cannot buy a 40.00 € radio: its button is off before the inmate taps, with why.
    shop_page = client.get("/shop").text
    assert "disabled" in add_button(shop_page, radio)
    assert "disabled" not in add_button(shop_page, coffee)
    # Said about the item, with what is left to spend (not "the order would cost 40,00 €").
    assert f'id="stop-{radio.id}">See maksab 40,00 €; saad kulutada veel 20,00 €.' in shop_page
    # Five coffees (17.50 €) fit; a sixth would not, so the cart's "+" stops at five.
    for _ in range(5):
        post(client, "/shop/cart", page="/shop", product_id=str(coffee.id), change="add")
    cart = client.get("/shop/cart").text
    plus = re.search(r'<button [^>]*value="add"[^>]*>', cart)
    assert plus and "disabled" in plus.group(0)
    assert f'id="stop-{coffee.id}">See maksab 3,50 €; saad kulutada veel 2,50 €.' in cart
    assert '<span class="count">5</span>' in cart
    assert "saad kulutada" not in re.sub(r'<span class="stop".*?</span>', "", cart)  # no refusal


def test_security_headers_on_every_answer(app: Flask, kiosks: dict[str, str]):
    client = kiosk_client(app, kiosks["kiosk-a"])
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"].startswith("no-store")
    assert "camera=(self)" in response.headers["Permissions-Policy"]
    assert "<script>" not in response.text and " style=" not in response.text
    # The start screen renews itself while it waits (fresh form tokens, no old messages).
    assert 'data-refresh-seconds="300"' in response.text
    # A number and PIN screen left half-typed goes back to the start after the idle time.
    pin_page = client.get("/sign-in/pin").text
    assert 'data-refresh-seconds="60" data-refresh-to="/"' in pin_page
    assert not re.search(r'(src|href|action)="(https?:)?//', response.text)


def test_sign_in_attempts_are_rate_limited_per_kiosk(
    kiosk_settings: Settings, kiosks: dict[str, str], estonian: Inmate
):
    app = create_app(kiosk_settings.with_overrides({"kiosk.sign_in_rate_limit": "3 per minute"}))
    client = kiosk_client(app, kiosks["kiosk-a"])
    codes = [sign_in(client, estonian.prison_number, "9513").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    app.extensions["cellgate"]["engine"].dispose()


def test_sign_in_attempts_are_counted_across_every_worker(
    kiosk_settings: Settings,
    kiosks: dict[str, str],
    estonian: Inmate,
    redis_storage: dict[str, str],
):
    """Two app instances are two gunicorn workers (or hosts) behind the kiosk's address: with
    the counters in Redis the third wrong PIN is the last, whichever worker took the others."""
    limited = kiosk_settings.with_overrides(
        {"kiosk.sign_in_rate_limit": "3 per minute", **redis_storage}
    )
    workers = [kiosk_client(create_app(limited), kiosks["kiosk-a"]) for _ in range(2)]
    codes = [sign_in(workers[n % 2], estonian.prison_number, "9513").status_code for n in range(5)]
    assert codes == [401, 401, 401, 429, 429]
    # The other wing's kiosk counts its own attempts.
    other = kiosk_client(create_app(limited), kiosks["kiosk-b"])
    assert sign_in(other, estonian.prison_number, "9513").status_code == 401
    for client in [*workers, other]:
        client.application.extensions["cellgate"]["engine"].dispose()


def test_a_card_in_the_reader_reaches_the_screen_which_asks_for_the_pin(
    app: Flask, kiosks: dict[str, str], estonian: Inmate, db: Session, system: Actor
):
    card, key = signin.issue_card(db, system, estonian)
    db.commit()
    screen = kiosk_client(app, kiosks["kiosk-a"])
    assert screen.get("/sign-in/card", headers={"Accept": "application/json"}).json == {
        "pin_needed": False
    }
    # The kiosk agent (hardware/agent.py) relays the card's challenge and answer.
    agent = app.test_client()
    bearer = {"Authorization": f"Bearer {kiosks['kiosk-a']}"}
    challenge = agent.post(
        "/agent/card/challenge", json={"card_number": card.card_number}, headers=bearer
    ).json
    answer = card_response(key, bytes.fromhex(challenge["challenge"]))
    verified = agent.post(
        "/agent/card/verify",
        json={"challenge_id": challenge["challenge_id"], "response": answer.hex()},
        headers=bearer,
    )
    assert verified.json["status"] == "pin-required"
    # The start screen's next look at the reader sends the inmate to the PIN.
    state = screen.get("/sign-in/card", headers={"Accept": "application/json"}).json
    assert state["pin_needed"] and state["redirect"] == "/sign-in/card/pin"
    page = screen.get("/sign-in/card/pin")
    assert "Mart" in page.text
    response = screen.post("/sign-in/card/pin", data={"csrf_token": csrf(page.data), "pin": PIN})
    assert response.status_code == 302 and response.headers["Location"].endswith("/home")
    assert screen.get("/home").status_code == 200
    # Without the kiosk's credential the agent's endpoints answer nothing.
    assert agent.post("/agent/card/challenge", json={"card_number": "x"}).status_code == 401


def test_a_request_is_sent_followed_and_withdrawn_at_the_kiosk(
    app: Flask, kiosks: dict[str, str], estonian: Inmate
):
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    listing = client.get("/requests").text
    assert "Arsti vastuvõtt" in listing  # "See the doctor", in the inmate's Estonian
    form = client.get("/requests/new/see_doctor")
    assert 'class="keyboard"' in form.text  # an on-screen keyboard: a kiosk has none
    empty = client.post("/requests/new/see_doctor", data={"csrf_token": csrf(form.data)})
    assert empty.status_code == 422 and 'class="notice error"' in empty.text
    sent = client.post(
        "/requests/new/see_doctor",
        data={"csrf_token": csrf(form.data), "f-reason": "Hammas valutab"},
    )
    assert sent.status_code == 302
    case = client.get(sent.headers["Location"]).text
    receipt = re.search(r'<dd id="receipt">([^<]+)</dd>', case).group(1)
    assert "Hammas valutab" in case and receipt in client.get("/requests").text
    withdrawn = post(client, sent.headers["Location"] + "/withdraw", page="/requests")
    assert "Taotlus on tagasi võetud" in client.get(withdrawn.headers["Location"]).text


def test_a_date_is_chosen_by_touch_day_month_and_year(
    app: Flask, kiosks: dict[str, str], estonian: Inmate
):
    """No browser date mask at a kiosk: the day, the month (by name, in the language on
    screen) and the year are buttons; an impossible or half-chosen date is refused plainly."""
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    form = client.get("/requests/new/see_doctor")
    assert 'type="date"' not in form.text
    assert 'name="f-since-day" value="31"' in form.text and ">märts<" in form.text
    this_year = datetime.now(ZoneInfo("Europe/Tallinn")).year
    assert f'name="f-since-year" value="{this_year - 1}"' in form.text  # "since": the past
    assert f'name="f-since-year" value="{this_year + 1}"' not in form.text
    answers = {"csrf_token": csrf(form.data), "f-reason": "Selg valutab"}
    for wrong in ({"f-since-day": "31", "f-since-month": "2"}, {"f-since-day": "31",
                  "f-since-month": "2", "f-since-year": str(this_year - 1)}):  # fmt: skip
        refused = client.post("/requests/new/see_doctor", data={**answers, **wrong})
        assert refused.status_code == 422
        assert "vali päev, kuu ja aasta" in refused.text
        assert 'name="f-since-day" value="31" checked' in refused.text  # what he pressed stays
    chosen = {"f-since-day": "3", "f-since-month": "2", "f-since-year": str(this_year - 1)}
    sent = client.post("/requests/new/see_doctor", data={**answers, **chosen})
    assert sent.status_code == 302
    case = client.get(sent.headers["Location"]).text
    assert f"<dd>3. veebr {this_year - 1}</dd>" in case  # the date in words, in Estonian


def test_a_video_call_is_held_confirmed_and_cancelled_at_the_kiosk(
    app: Flask,
    kiosks: dict[str, str],
    estonian: Inmate,
    db: Session,
    prison: Prison,
    system: Actor,
):
    now = datetime.now(UTC)
    contact = visits.request_contact(
        db,
        system,
        estonian,
        full_name="Maria Tamm",
        relation="spouse",
        phone="+3725551234",
        now=now,
    )
    visits.decide_contact(db, system, contact.id, approve=True, reason="checked", now=now)
    visits.add_endpoint(db, system, prison.id, kind="booth", name="Booth A")
    visits.add_session_template(
        db,
        system,
        prison.id,
        name="Evenings",
        weekdays=range(7),
        starts_at_local=time(18, 0),
        length_minutes=30,
        parallel_calls=2,
        valid_from=date.today(),
    )
    db.commit()
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    page = client.get("/visits").text
    assert "Maria Tamm" in page
    # Each slot says its weekday and the prison's clock, in Estonian: "N, 3. dets 18:00".
    assert re.search(r"[ETKNRLP], \d{1,2}\. [a-zäõöü]+ 18:00</button>", page)
    slot_id = re.search(r'name="slot_id" value="(\d+)"', page).group(1)
    held = post(client, "/visits/book", page="/visits", slot_id=slot_id, contact_id=str(contact.id))
    page = client.get(held.headers["Location"]).text
    assert 'data-status="held"' in page
    booking_id = re.search(r"/visits/(\d+)/confirm", page).group(1)
    post(client, f"/visits/{booking_id}/confirm", page="/visits")
    assert 'data-status="confirmed"' in client.get("/visits").text
    post(client, f"/visits/{booking_id}/cancel", page="/visits")
    assert 'data-status="cancelled"' in client.get("/visits").text


def test_the_inmate_acknowledges_delivery_and_pays_what_he_got(
    app: Flask,
    kiosks: dict[str, str],
    estonian: Inmate,
    catalogue: dict[str, Product],
    db: Session,
    system: Actor,
):
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    coffee = catalogue["coffee"]
    for _ in range(2):
        post(client, "/shop/cart", page="/shop", product_id=str(coffee.id), change="add")
    cart = client.get("/shop/cart").text
    key = re.search(r'name="key" value="([^"]+)"', cart).group(1)
    order_url = post(client, "/shop/order", page="/shop/cart", key=key).headers["Location"]
    order_id = int(order_url.rsplit("/", 1)[1])
    assert 'id="received"' not in client.get(order_url).text  # not packed yet
    # The shop packs one coffee of the two: the inmate pays for one.
    order = db.get(Order, order_id)
    shop.pack_order(db, system, order_id, {order.lines[0].id: 1})
    db.commit()
    # Packed days before it is brought: he cannot say he has it yet, not even by a sent form.
    day = order.delivery_on.isoformat()
    page = client.get(order_url).text
    assert 'id="received"' not in page and "pakitud: 1" in page
    assert f"Kättesaamist saad kinnitada alates {day}, kui tellimus sulle tuuakse." in page
    early = post(client, f"{order_url}/received", page=order_url)
    page = client.get(early.headers["Location"]).text
    assert f"Tellimus tuuakse {day}: kinnita see siis, kui see on sinu käes." in page
    assert "Pakitud: tuleb sinu juurde" in page  # still packed, nothing paid
    assert "20,00 €" in client.get("/money").text
    # The delivery day comes (in the prison's time).
    order.delivery_on = datetime.now(ZoneInfo(estonian.prison.timezone)).date()
    db.commit()
    page = client.get(order_url).text
    assert 'id="received"' in page
    done = post(client, f"{order_url}/received", page=order_url)
    page = client.get(done.headers["Location"]).text
    assert "Kätte toimetatud" in page and "3,50 €" in page  # delivered, paid one coffee
    money = client.get("/money").text
    assert "16,50 €" in money  # 20,00 € less the one coffee
    db.rollback()


def test_the_inmate_sees_the_substitute_he_gets_and_its_price(
    app: Flask,
    kiosks: dict[str, str],
    estonian: Inmate,
    catalogue: dict[str, Product],
    db: Session,
    system: Actor,
    kiosk_settings: Settings,
):
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    coffee = catalogue["coffee"]
    tea = shop.create_product(
        db,
        system,
        sku="TEA-1",
        category_code="food",
        names={"et": "Tee", "ru": "Чай", "en": "Tea"},
        price_cents=300,
        stock=5,
    )
    db.commit()
    for _ in range(2):
        post(client, "/shop/cart", page="/shop", product_id=str(coffee.id), change="add")
    key = re.search(r'name="key" value="([^"]+)"', client.get("/shop/cart").text).group(1)
    placed = post(client, "/shop/order", page="/shop/cart", key=key, substitutes="yes")
    order_url = placed.headers["Location"]
    order = db.get(Order, int(order_url.rsplit("/", 1)[1]))
    # No coffee on the shelf: two teas instead, at the tea's price.
    shop.pack_order(
        db,
        system,
        order.id,
        {},
        {order.lines[0].id: tea.id},
        protocols=shop.protocols_from(kiosk_settings),
        settings=kiosk_settings,
    )
    db.commit()
    page = client.get(order_url).text
    assert "Tee</span> (coffee et asemel; 3,00 € tükk)" in page
    assert 'id="to-pay">6,00 €<' in page
    assert "7,00 €" in page  # what is held until delivery


def test_a_product_that_does_not_exist_is_answered_plainly(
    app: Flask, kiosks: dict[str, str], estonian: Inmate, catalogue: dict[str, Product]
):
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    response = post(client, "/shop/cart", page="/shop", product_id="999999", change="add")
    assert response.status_code == 404
    assert "Seda ei saa teha" in response.text  # "This cannot be done", in Estonian


def test_the_inmate_sees_the_payment_reference_and_each_debt_with_what_was_paid(
    app: Flask, kiosks: dict[str, str], db: Session, estonian: Inmate, system: Actor
) -> None:
    register_debt(db, system, estonian, creditor="court_fines", amount_cents=5_000,
                  description="fine", decision_reference="1-23-4567")  # fmt: skip
    db.commit()
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    money = client.get("/money").text
    assert "Teie viitenumber" in money and inmate_reference(estonian.id) in money
    assert "Kohtutrahv (1-23-4567)" in money  # a court fine, in Estonian
    assert "50,00 €" in money and "Veel maksta" in money


def test_a_refusal_names_the_order_in_the_language_on_screen(
    app: Flask,
    kiosks: dict[str, str],
    estonian: Inmate,
    catalogue: dict[str, Product],
    db: Session,
    system: Actor,
):
    """An Estonian inmate who switched the kiosk to Russian reads a refusal with its order's
    number in Russian, not the service's English."""
    client = kiosk_client(app, kiosks["kiosk-a"])
    sign_in(client, estonian.prison_number)
    post(client, "/language", page="/shop", lang="ru", next="/shop")
    coffee = catalogue["coffee"]
    post(client, "/shop/cart", page="/shop", product_id=str(coffee.id), change="add")
    key = re.search(r'name="key" value="([^"]+)"', client.get("/shop/cart").text).group(1)
    order_url = post(client, "/shop/order", page="/shop/cart", key=key).headers["Location"]
    order = db.get(Order, int(order_url.rsplit("/", 1)[1]))
    shop.pack_order(db, system, order.id, {order.lines[0].id: 1})
    db.commit()
    refused = post(client, f"{order_url}/cancel", page=order_url)
    page = client.get(refused.headers["Location"]).text
    assert f"Заказ {order.number} уже собирают, и отменить его нельзя" in page
    assert "already being packed" not in page
    db.rollback()
