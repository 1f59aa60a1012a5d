"""The catalogue and the balance, which every tablet reads when the app opens, on SQLite and
PostgreSQL: an unchanged answer is 304 to the ETag the tablet kept; any change a tablet would
show (a price, a product running out or coming back, a name's language, a new product, money
received or held) gives a new answer; the catalogue is the same bytes for every inmate of a
wing in one language, and exactly what the products say."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.orm import Session

import ledger
from backoffice.audit.services import Actor
from backoffice.devices.services import revoke_device
from backoffice.money.services import (
    BALANCE_COLUMNS,
    balances_for,
    inmate_accounts,
    prison_account,
)
from backoffice.people.models import Inmate, Prison
from backoffice.shop import services as shop
from backoffice.shop.models import Category, Product
from backoffice.signin.models import InmateSession, TabletSession
from backoffice.signin.services.inmate_sessions import end_session
from tablet_api import create_app
from tests.integration.tablet_world import (
    Tablet,
    World,
    build_world,
    deposit,
    tablet,
    tablet_settings,
)

STAFF = Actor(kind="staff", id=1, name="sirje", roles=frozenset({"shop"}))


@pytest.fixture
def world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    return build_world(db, prison, make_inmate)


@pytest.fixture
def app(database_url: str, world: World) -> Iterator[Flask]:
    app = create_app(tablet_settings(database_url))
    yield app
    app.extensions["cellgate"]["engine"].dispose()


@pytest.fixture
def alice(app: Flask, world: World) -> Tablet:
    a1 = tablet(app, world.tablet_a1)
    assert a1.sign_in(world.alice).status_code == 201
    return a1


def revalidate(client: Tablet, path: str, etag: str) -> int:
    answer = client.get(path, headers={"If-None-Match": etag})
    if answer.status_code == 304:
        assert answer.data == b""
        assert answer.headers["ETag"] == etag
    return int(answer.status_code)


def test_an_unchanged_catalogue_is_304_and_each_change_a_new_answer(
    alice: Tablet, world: World, db: Session
) -> None:
    first = alice.get("/api/v1/catalogue")
    assert first.status_code == 200
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "private, no-cache"
    assert revalidate(alice, "/api/v1/catalogue", etag) == 304
    coffee = world.products["coffee"]

    shop.change_price(db, STAFF, coffee, 399)
    db.commit()
    assert revalidate(alice, "/api/v1/catalogue", etag) == 200
    priced = alice.get("/api/v1/catalogue")
    assert {p["id"]: p["price_cents"] for p in priced.json["products"]}[coffee] == 399
    etag = priced.headers["ETag"]
    assert revalidate(alice, "/api/v1/catalogue", etag) == 304

    # Running out: what inmates' orders reserved takes the last of it.
    product = db.get(Product, coffee)
    assert product is not None
    product.reserved = product.stock
    db.commit()
    gone = alice.get("/api/v1/catalogue", headers={"If-None-Match": etag})
    assert gone.status_code == 200
    assert {p["id"]: p["in_stock"] for p in gone.json["products"]}[coffee] is False
    etag = gone.headers["ETag"]
    # Stock that moves without anything running out changes nothing a tablet shows.
    product.stock += 5
    db.commit()
    back = alice.get("/api/v1/catalogue", headers={"If-None-Match": etag})
    assert back.status_code == 200 and back.json["products"][0]["in_stock"] is True
    etag = back.headers["ETag"]
    product.stock += 5
    db.commit()
    assert revalidate(alice, "/api/v1/catalogue", etag) == 304

    shop.set_photo(db, STAFF, coffee, b"\xff\xd8\xff" + b"\x00" * 100)
    db.commit()
    pictured = alice.get("/api/v1/catalogue", headers={"If-None-Match": etag})
    assert pictured.status_code == 200
    shown = {p["id"]: p["photo"] for p in pictured.json["products"]}
    assert shown[coffee] == f"/api/v1/products/{coffee}/photo"

    shop.create_product(
        db,
        STAFF,
        sku="TEA-1",
        category_code="food",
        names={"et": "Tee", "ru": "Чай", "en": "Tea"},
        price_cents=150,
        stock=10,
    )
    db.commit()
    more = alice.get("/api/v1/catalogue", headers={"If-None-Match": pictured.headers["ETag"]})
    assert more.status_code == 200
    assert "Tea" in {p["name"] for p in more.json["products"]}


def test_the_catalogue_is_shared_by_a_wing_and_a_language_and_says_what_the_products_say(
    app: Flask, alice: Tablet, world: World, db: Session
) -> None:
    carol = tablet(app, world.tablet_a2)
    assert carol.sign_in(world.carol).status_code == 201  # Estonian, the same wing
    english = alice.get("/api/v1/catalogue")
    estonian = carol.get("/api/v1/catalogue")
    assert english.headers["ETag"] != estonian.headers["ETag"]
    assert {p["name"] for p in estonian.json["products"]} == {
        "coffee et",
        "soap et",
        "cigarettes et",
    }
    assert [c["name"] for c in estonian.json["categories"]] == ["Toit", "Tubakas"]
    # Alice picks Estonian: now she has Carol's very catalogue, and Carol's ETag answers 304.
    assert alice.call("PATCH", "/api/v1/me", json={"language": "et"}).status_code == 200
    assert revalidate(alice, "/api/v1/catalogue", estonian.headers["ETag"]) == 304
    # The category filter is a catalogue of its own.
    food = carol.get("/api/v1/catalogue?category=food")
    assert {p["category"] for p in food.json["products"]} == {"food"}
    assert food.headers["ETag"] != estonian.headers["ETag"]
    # Every product as the products table says it, in the answer's language.
    for shown in english.json["products"]:
        product = db.get(Product, shown["id"])
        assert product is not None
        assert shown == {
            "id": product.id,
            "sku": product.sku,
            "category": product.category.code,
            "name": product.name("en"),
            "unit": product.unit,
            "price_cents": product.price_cents,
            "tags": list(product.tags),
            "in_stock": product.free_stock > 0,
            "photo": None,
        }


def test_an_unchanged_balance_is_304_and_money_moving_a_new_answer(
    alice: Tablet, world: World, db: Session
) -> None:
    first = alice.get("/api/v1/balance")
    etag = first.headers["ETag"]
    assert revalidate(alice, "/api/v1/balance", etag) == 304
    deposit(db, world.alice, 1_000)
    db.commit()
    richer = alice.get("/api/v1/balance", headers={"If-None-Match": etag})
    assert richer.status_code == 200
    assert richer.json["spendable_cents"] == first.json["spendable_cents"] + 1_000
    cart = {"lines": [{"product_id": world.products["coffee"], "quantity": 1}]}
    placed = alice.post(
        "/api/v1/orders", json=cart, headers={"Idempotency-Key": "cache-order-0001"}
    )
    assert placed.status_code == 201
    held = alice.get("/api/v1/balance", headers={"If-None-Match": richer.headers["ETag"]})
    assert held.status_code == 200 and held.json["held_cents"] == 350
    # Each inmate's own: Bob, on the same tablet, never gets Alice's balance as unchanged.
    assert alice.call("DELETE", "/api/v1/session").status_code == 204
    alice.access = ""
    signed_in = alice.sign_in(world.bob)
    assert signed_in.status_code == 201, signed_in.json
    assert revalidate(alice, "/api/v1/balance", held.headers["ETag"]) == 200


def test_a_product_photo_is_kept_an_hour_and_revalidated(
    alice: Tablet, world: World, db: Session
) -> None:
    coffee = world.products["coffee"]
    assert alice.get(f"/api/v1/products/{coffee}/photo").status_code == 404
    picture = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    shop.set_photo(db, STAFF, coffee, picture)
    db.commit()
    photo = alice.get(f"/api/v1/products/{coffee}/photo")
    assert photo.status_code == 200
    assert photo.data == picture and photo.mimetype == "image/png"
    assert photo.headers["Cache-Control"] == "private, max-age=3600"
    assert revalidate(alice, f"/api/v1/products/{coffee}/photo", photo.headers["ETag"]) == 304
    # Only a registered tablet gets it.
    stranger = tablet(alice.client.application, "cgd_nobody.wrong")
    assert stranger.get(f"/api/v1/products/{coffee}/photo").status_code == 401


def _kept_catalogue(alice: Tablet) -> str:
    etag = str(alice.get("/api/v1/catalogue").headers["ETag"])
    assert revalidate(alice, "/api/v1/catalogue", etag) == 304
    return etag


def test_a_kept_catalogue_is_no_304_once_the_tablet_is_revoked(
    alice: Tablet, world: World, db: Session
) -> None:
    # The 304 comes from the very statement that reads the device and the session: it must
    # still be refused the moment staff revoke the tablet, not after any cache runs out.
    etag = _kept_catalogue(alice)
    session = db.scalars(
        select(TabletSession).where(TabletSession.inmate_id == world.alice.id)
    ).one()
    revoke_device(db, Actor.system("test"), session.device_id, reason="stolen")
    db.commit()
    refused = alice.get("/api/v1/catalogue", headers={"If-None-Match": etag})
    assert refused.status_code == 401
    assert refused.json["code"] == "device-revoked"
    assert "ETag" not in refused.headers


def test_a_kept_catalogue_is_no_304_once_staff_end_the_session(
    alice: Tablet, world: World, db: Session
) -> None:
    etag = _kept_catalogue(alice)
    session = db.scalars(
        select(TabletSession).where(TabletSession.inmate_id == world.alice.id)
    ).one()
    assert session.inmate_session_id is not None
    inmate_session = db.get(InmateSession, session.inmate_session_id)
    assert inmate_session is not None
    end_session(db, STAFF, inmate_session, "ended by the wing officer")
    db.commit()
    refused = alice.get("/api/v1/catalogue", headers={"If-None-Match": etag})
    assert refused.status_code == 401
    assert refused.json["code"] == "session-ended"
    # And it stays ended: the tablet session was ended with it, on the record.
    db.expire_all()
    assert db.get(TabletSession, session.id).ended_at is not None  # type: ignore[union-attr]


def test_a_kept_catalogue_is_no_304_after_signing_out_or_moving_cells(
    app: Flask, alice: Tablet, world: World, db: Session
) -> None:
    etag = _kept_catalogue(alice)
    assert alice.call("DELETE", "/api/v1/session").status_code == 204
    assert alice.get("/api/v1/catalogue", headers={"If-None-Match": etag}).status_code == 401
    # Signed in again, then moved to another cell by staff: his next revalidation is refused.
    again = tablet(app, world.tablet_a1)
    assert again.sign_in(world.alice).status_code == 201
    assert revalidate(again, "/api/v1/catalogue", etag) == 304
    cells = {c.number: c for w in world.prison.wings for c in w.cells}
    moved = db.get(Inmate, world.alice.id)
    assert moved is not None
    moved.cell_id = cells["A3"].id
    db.commit()
    refused = again.get("/api/v1/catalogue", headers={"If-None-Match": etag})
    assert refused.json["code"] == "session-ended"


def test_a_category_renamed_or_reordered_is_a_new_catalogue(alice: Tablet, db: Session) -> None:
    etag = _kept_catalogue(alice)
    food = db.scalars(select(Category).where(Category.code == "food")).one()
    food.name_en = "Groceries"
    db.commit()
    renamed = alice.get("/api/v1/catalogue", headers={"If-None-Match": etag})
    assert renamed.status_code == 200
    assert {"code": "food", "name": "Groceries"} in renamed.json["categories"]
    etag = renamed.headers["ETag"]
    assert revalidate(alice, "/api/v1/catalogue", etag) == 304
    food.sort_order += 100
    db.commit()
    assert revalidate(alice, "/api/v1/catalogue", etag) == 200


@pytest.mark.postgres_only
def test_a_connection_lost_under_a_signed_in_read_is_a_503_and_the_next_call_works(
    app: Flask, alice: Tablet, db: Session
) -> None:
    # The signed-in call's read runs outside a transaction (autocommit for that one
    # statement): a connection lost there must not come back to serve a transaction in
    # autocommit, nor turn into a 500.
    etag = _kept_catalogue(alice)
    engine = app.extensions["cellgate"]["engine"]
    ours = db.execute(text("SELECT pg_backend_pid()")).scalar_one()
    db.commit()
    with db.get_bind().connect() as other:
        # The app's pooled connections: every backend of this database but the test's own.
        other.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), :ours)"
            ),
            {"ours": ours},
        )
    lost = alice.get("/api/v1/catalogue", headers={"If-None-Match": etag})
    assert lost.status_code == 503
    assert revalidate(alice, "/api/v1/catalogue", etag) == 304
    # And the pool's connections write in transactions again: an order is placed whole.
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SHOW transaction_isolation").scalar() == "read committed"
        assert conn.connection.dbapi_connection.autocommit is False


def test_the_balance_read_with_the_session_is_what_the_money_service_says(
    alice: Tablet, world: World, db: Session
) -> None:
    # On PostgreSQL the four figures come from the statement that reads the session; they
    # must be the money service's, each account its own (not the spendable one four times).
    accounts = inmate_accounts(db, world.alice)
    source = prison_account(db, world.alice.prison_id, "family_deposits")
    for n, (account, cents) in enumerate(
        ((accounts.release_fund, 2_500), (accounts.debts, 700), (accounts.spendable, 40))
    ):
        ledger.transfer(
            db,
            key=f"balance-figures-{n}",
            debit_account_id=source.id,
            credit_account_id=account.id,
            amount_cents=cents,
            code=ledger.TransferCode.DEPOSIT,
            requested_by="test",
            reason="figures",
        )
    db.commit()
    cart = {"lines": [{"product_id": world.products["soap"], "quantity": 2}]}
    assert (
        alice.post(
            "/api/v1/orders", json=cart, headers={"Idempotency-Key": "figures-order-01"}
        ).status_code
        == 201
    )
    shown = alice.get("/api/v1/balance").json
    db.expire_all()
    said = balances_for(db, world.alice)
    assert shown == {
        "currency": shown["currency"],
        "spendable_cents": said.spendable_cents,
        "held_cents": said.held_cents,
        "available_cents": said.available_cents,
        "release_fund_cents": said.release_fund_cents,
        "debts_set_aside_cents": said.debts_set_aside_cents,
    }
    assert (said.spendable_cents, said.held_cents) == (10_040, 240)
    assert (said.release_fund_cents, said.debts_set_aside_cents) == (2_500, 700)
    if db.get_bind().dialect.name == "postgresql":
        # The figures the tablet API reads beside the session find his accounts (a code
        # that named none would leave the balance to the slower way, never to a wrong one).
        beside = db.execute(select(*BALANCE_COLUMNS).where(Inmate.id == world.alice.id)).one()
        assert tuple(beside) == (10_040, 240, 2_500, 700)
