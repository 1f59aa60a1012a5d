"""The demo prison as a newcomer opens it on a tablet (`make demo`), on SQLite and PostgreSQL:
every inmate of both wings has money to spend and an approved contact to call, every product a
real picture, and the tablet app's printed address binds a browser to a demo tablet."""

from __future__ import annotations

import io

import PIL.Image
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.cli import tablet_app_addresses
from backoffice.money.services import balances_for
from backoffice.people.models import Inmate
from backoffice.seed import DEMO_PRISON_CODE, seed_demo
from backoffice.settings import Settings
from backoffice.shop.models import Product
from backoffice.visits import services as visits
from tablet_api import create_app


def test_every_demo_inmate_has_money_a_contact_and_every_product_a_picture(
    db: Session, settings: Settings
) -> None:
    devices = seed_demo(db, min_password_length=12)
    db.commit()
    inmates = list(db.scalars(select(Inmate)))
    assert {i.wing.code for i in inmates} == {"A", "B"}
    for inmate in inmates:
        assert balances_for(db, inmate).available_cents > 0, inmate.prison_number
        # The demo's second prison is there for the separation of its books: no calls there.
        if inmate.prison.code == DEMO_PRISON_CODE:
            assert any(c.approved for c in visits.contacts_of(db, inmate)), inmate.prison_number
    for product in db.scalars(select(Product).where(Product.active.is_(True))):
        assert product.photo_type == "image/jpeg", product.sku
        assert product.photo is not None
        with PIL.Image.open(io.BytesIO(product.photo)) as picture:
            assert picture.size == (480, 336)
            # A picture, not a grey box: many colours, and the pack's own among them.
            colours = picture.convert("RGB").getcolors(maxcolors=1 << 16) or []
            assert len(colours) > 200, product.sku
    # The addresses `make demo` prints carry each demo tablet's own credential.
    printed = dict(tablet_app_addresses(settings))
    tablets = [d for d in devices if d.kind == "tablet"]
    assert len(printed) == len(tablets) == 2
    for device in tablets:
        assert any(
            address.endswith(f"/app/#device={device.credential}") for address in printed.values()
        )


def test_the_tablet_app_is_served_with_a_strict_policy_and_calls_only_the_api(
    settings: Settings,
) -> None:
    app: Flask = create_app(settings)
    client = app.test_client()
    assert client.get("/").headers["Location"] == "/app/"
    with client.get("/app/") as page:
        page.get_data()
    assert page.status_code == 200 and page.mimetype == "text/html"
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'none'" in policy and "script-src 'self'" in policy
    assert "unsafe" not in policy
    assert page.headers["Permissions-Policy"].startswith("camera=(self)")
    assert b'<script type="module" src="/app/main.js">' in page.data
    assert b"<script>" not in page.data and b"style=" not in page.data
    for name, mimetype in (("main.js", "text/javascript"), ("strings.json", "application/json")):
        with client.get(f"/app/{name}") as served:
            assert served.status_code == 200 and served.mimetype == mimetype
    # The service worker lists the shell it keeps, with a version made of the files.
    worker = client.get("/app/sw.js")
    text = worker.get_data(as_text=True)
    assert '"/app/main.js"' in text and '"/app/screens/shop.js"' in text
    assert "__VERSION__" not in text and "__SHELL__" not in text
    assert (
        client.get("/app/sw.js", headers={"If-None-Match": worker.headers["ETag"]}).status_code
        == 304
    )
    assert client.get("/app/../backoffice/settings.py").status_code == 404
    app.extensions["cellgate"]["engine"].dispose()
