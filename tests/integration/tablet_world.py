"""A small prison for the tablet API's tests: two inmates sharing cell A1 (with its tablet), a
third in cell A2 (with its own tablet), a revoked tablet, money, a shop that is always open."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

import ledger
from backoffice.audit.services import Actor
from backoffice.db import utcnow
from backoffice.devices.services import register_device, revoke_device
from backoffice.money.services import inmate_accounts, prison_account
from backoffice.people.models import Cell, Inmate, Prison
from backoffice.settings import Settings
from backoffice.shop import services as shop
from backoffice.shop.models import Category, ShopSchedule
from backoffice.signin.models import InmateCredentials
from tests.conftest import test_settings

PIN = "4826"


@cache
def pin_hash() -> str:
    return PasswordHasher().hash(PIN)


def tablet_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "signin.pin_allowed": True,
        "tablet.sign_in_methods": ["pin", "face"],
        # Tests sign in many times from one address and one tablet.
        "tablet.sign_in_rate_limit": "1000 per minute",
        "tablet.anonymous_rate_limit": "1000 per minute",
        **overrides,
    }
    return test_settings(database_url, **values)


def deposit(db: Session, inmate: Inmate, cents: int) -> None:
    source = prison_account(db, inmate.prison_id, "family_deposits")
    ledger.transfer(
        db,
        key=secrets.token_hex(8),
        debit_account_id=source.id,
        credit_account_id=inmate_accounts(db, inmate).spendable.id,
        amount_cents=cents,
        code=ledger.TransferCode.DEPOSIT,
        requested_by="test",
        reason="family deposit",
    )


def always_open(db: Session, prison: Prison) -> None:
    """Every wing's round closes at 23:59 on Sunday and opens again on Monday: open all week
    except that last minute, so tests do not depend on the day they run."""
    for wing in prison.wings:
        db.merge(
            ShopSchedule(
                wing_id=wing.id,
                opens_weekday=0,
                cutoff_weekday=6,
                cutoff_time="23:59",
                delivery_weekday=1,
            )
        )


@dataclass
class World:
    prison: Prison
    alice: Inmate  # cell A1, English
    bob: Inmate  # cell A1, Russian
    carol: Inmate  # cell A2, Estonian
    tablet_a1: str
    tablet_a2: str
    revoked: str
    products: dict[str, int] = field(default_factory=dict)


def build_world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    system = Actor.system("test")
    alice = make_inmate(cell="A1", language="en", first_name="Alice", last_name="Ames")
    bob = make_inmate(cell="A1", language="ru", first_name="Boris", last_name="Bykov")
    carol = make_inmate(cell="A2", language="et", first_name="Carol", last_name="Kask")
    cells = {c.number: c for w in prison.wings for c in w.cells}

    def tablet(name: str, cell: Cell) -> Any:
        return register_device(db, system, kind="tablet", name=name, cell_id=cell.id)

    a1 = tablet("tablet-A1", cells["A1"])
    a2 = tablet("tablet-A2", cells["A2"])
    old = tablet("tablet-A1-old", cells["A1"])
    revoke_device(db, system, old.device.id, "replaced")
    for person in (alice, bob, carol):
        # The PIN as set_pin stores it, hashed once per test run (argon2 is slow on purpose).
        db.add(InmateCredentials(inmate_id=person.id, pin_hash=pin_hash(), pin_set_at=utcnow()))
        deposit(db, person, 10_000)
    db.add_all(
        [
            Category(code="food", name_et="Toit", name_ru="Еда", name_en="Food"),
            Category(code="tobacco", name_et="Tubakas", name_ru="Табак", name_en="Tobacco"),
        ]
    )
    db.flush()
    products = {}
    for name, sku, category, price in [
        ("coffee", "COF-1", "food", 350),
        ("soap", "SOAP-1", "food", 120),
        ("cigarettes", "CIG-20", "tobacco", 600),
    ]:
        products[name] = shop.create_product(
            db,
            system,
            sku=sku,
            category_code=category,
            names={"et": f"{name} et", "ru": f"{name} ru", "en": name.title()},
            price_cents=price,
            stock=1000,
        ).id
    always_open(db, prison)
    db.commit()
    return World(prison, alice, bob, carol, a1.credential, a2.credential, old.credential, products)


class Tablet:
    """A tablet's HTTP client: sends its device credential, and the access token once signed in."""

    def __init__(self, client: FlaskClient, credential: str) -> None:
        self.client = client
        self.credential = credential
        self.access = ""
        self.refresh = ""

    def headers(self, **more: str) -> dict[str, str]:
        headers = {"X-Device-Credential": self.credential, **more}
        if self.access:
            headers["Authorization"] = f"Bearer {self.access}"
        return headers

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        headers = self.headers(**kwargs.pop("headers", {}))
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Any:
        return self.call("POST", path, **kwargs)

    def sign_in(self, inmate: Inmate, pin: str = PIN) -> Any:
        response = self.post(
            "/api/v1/session/pin", json={"prison_number": inmate.prison_number, "pin": pin}
        )
        if response.status_code == 201:
            self.access = response.json["access_token"]
            self.refresh = response.json["refresh_token"]
        return response


def tablet(app: Flask, credential: str) -> Tablet:
    return Tablet(app.test_client(), credential)
