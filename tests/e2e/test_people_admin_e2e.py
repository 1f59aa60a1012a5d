"""A new wing from nothing, in a real browser: the administrator signs in to the back office
(gunicorn, Chromium through Playwright), creates a wing and a cell, admits an inmate to it and
registers a tablet there; the inmate then signs in on that tablet through the tablet API
(gunicorn) with its credential, and is refused on a tablet of another cell."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.devices.models import Device
from backoffice.people.models import Inmate
from backoffice.seed import demo_devices, demo_password, seed_demo
from backoffice.signin import services as signin
from tests.e2e.browsing import follow
from tests.e2e.kiosk_world import CHROMIUM, CHROMIUM_FLAGS, World, kiosk_server

pytestmark = pytest.mark.e2e
PIN = "482913"


@pytest.fixture
def world(tmp_path: Path) -> World:
    url = f"sqlite:///{tmp_path / 'people.sqlite3'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    with make_session_factory(engine)() as db:
        seed_demo(db, min_password_length=12)
        db.commit()
    engine.dispose()
    return World(url, tmp_path)


def call(url: str, body: dict[str, Any], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as refused:
        return refused.code, json.loads(refused.read() or b"{}")


@pytest.fixture
def servers(world: World) -> Iterator[tuple[str, str]]:
    with (
        kiosk_server(world, "backoffice", app="backoffice.web:create_app()") as office,
        kiosk_server(world, "tablet", app="tablet_api:create_app()", base="/api/v1",
                     signin__pin_allowed="true") as tablet,
    ):  # fmt: skip
        yield office.url, tablet.url


def test_an_administrator_opens_a_cell_admits_an_inmate_who_signs_in_on_its_tablet(
    world: World, servers: tuple[str, str]
) -> None:
    office, tablet_api = servers
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        page = browser.new_page()
        page.goto(f"{office}/sign-in")
        page.get_by_label("Username").fill("admin")
        page.get_by_label("Password").fill(demo_password("admin"))
        follow(page, page.get_by_role("button", name="Sign in"))
        # Demo staff read Estonian; this administrator chooses English in the header.
        expect(page.locator("html")).to_have_attribute("lang", "et")
        follow(page, page.get_by_role("button", name="English"))
        expect(page.locator("html")).to_have_attribute("lang", "en")

        follow(page, page.get_by_role("link", name="Prisons").first)
        page.get_by_label("Wing code").first.fill("Z")
        page.get_by_label("Wing name").first.fill("Wing Z")
        follow(page, page.get_by_role("button", name="Create wing").first)
        expect(page.get_by_text("Wing Z created.")).to_be_visible()
        cell_form = page.locator("form", has=page.get_by_role("button", name="Create cell in Z"))
        cell_form.get_by_label("Cell number").fill("Z1")
        follow(page, cell_form.get_by_role("button", name="Create cell in Z"))
        expect(page.get_by_text("Cell Z1 created.")).to_be_visible()

        follow(page, page.get_by_role("link", name="Admit").first)
        page.get_by_label("Prison number").fill("TRT9001")
        page.get_by_label("First name").fill("Jüri")
        page.get_by_label("Last name").fill("Õunapuu")
        page.get_by_label("Date of birth").fill("1991-07-14")
        page.get_by_label("Legal status").select_option("convicted")
        page.get_by_label("Cell").select_option(label="TRT Z Z1")
        follow(page, page.get_by_role("button", name="Admit"))
        expect(page.get_by_text("TRT9001 Jüri Õunapuu admitted to cell Z1.")).to_be_visible()

        follow(page, page.get_by_role("link", name="Devices").first)
        page.get_by_label("Name").fill("tablet-Z1")
        page.get_by_label("Kind").select_option("tablet")
        page.get_by_label("Cell (tablet)").select_option(label="Z-Z1")
        follow(page, page.get_by_role("button", name="Register"))
        credential = page.locator("code.credential").inner_text().strip()
        browser.close()

    # His PIN is set at the sign-in desk (its own pages and tests); here through the service.
    engine = make_engine(world.database_url)
    with make_session_factory(engine)() as db:
        inmate = db.scalar(select(Inmate).where(Inmate.prison_number == "TRT9001"))
        assert inmate is not None and inmate.cell is not None and inmate.cell.number == "Z1"
        signin.set_pin(db, Actor.system("desk"), inmate, PIN, policy=signin.SignInPolicy())
        db.commit()
        tablet = db.scalar(select(Device).where(Device.name == "tablet-Z1"))
        assert tablet is not None and tablet.cell_id == inmate.cell_id
    engine.dispose()

    body = {"prison_number": "TRT9001", "pin": PIN}
    status, tokens = call(f"{tablet_api}/session/pin", body, {"X-Device-Credential": credential})
    assert status == 201, tokens
    assert tokens["access_token"]
    # Another cell's tablet does not know him.
    other = next(secret for name, kind, _w, _c, secret in demo_devices() if kind == "tablet")
    other_name = next(name for name, kind, *_ in demo_devices() if kind == "tablet")
    other_credential = f"cgd_{other_name.lower().replace('-', '')}.{other}"
    status, refused = call(
        f"{tablet_api}/session/pin", body, {"X-Device-Credential": other_credential}
    )
    assert (status, refused.get("code")) == (401, "sign-in-failed"), refused
