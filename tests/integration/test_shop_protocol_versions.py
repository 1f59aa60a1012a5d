"""The protocol file on SQLite and PostgreSQL: a typo is refused with its line, a broken file
stops every app's start, a reload reaches every app without a restart (a bad one changes
nothing), and the back office shows the rules in force with their source."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import kiosk
import tablet_api
from backoffice import web
from backoffice.audit.services import Actor
from backoffice.cli import main
from backoffice.people.models import Inmate, Prison
from backoffice.settings import ROOT, Settings
from backoffice.shop import services as shop
from backoffice.shop.models import Category, ProtocolVersion
from backoffice.shop.protocols import ProtocolError
from tests.conftest import test_settings
from tests.integration.staff_client import sign_in
from tests.integration.tablet_world import Tablet, World, build_world, tablet, tablet_settings

SHIPPED = (ROOT / "config/protocols.toml").read_text("utf-8")

# Typos that used to pass: each switched its rule off without a word.
TYPOS = {
    "category": ('category = "tobacco"', 'category = "tobaco"', "tobacco-per-week", "tobacco"),
    "product": ('product = "BAT-AA4"', 'product = "BAT-AA9"', "batteries-per-month", "BAT-AA4"),
    "level": ('levels = ["enhanced"]', 'levels = ["enhancd"]', "electronics-enhanced-only",
              "enhanced"),
}  # fmt: skip


def cellgate(database_url: str, *args: str) -> Result:
    env = {"CELLGATE_DATABASE_URL": database_url, "CELLGATE_MODE": "test"}
    return CliRunner().invoke(main, list(args), env=env)


def line_with(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if fragment in line)


@pytest.fixture
def shipped_catalogue(db: Session) -> None:
    """What the shipped rules name: the tobacco category, AA batteries, the tags."""
    system = Actor.system("test")
    for code in ("food", "tobacco", "household", "electronics"):
        db.add(Category(code=code, name_et=code, name_ru=code, name_en=code.title()))
    db.flush()
    for sku, category, tags in [
        ("CIG-20", "tobacco", ["tobacco"]),
        ("BAT-AA4", "household", ["batteries"]),
        ("RADIO-1", "electronics", ["electronics", "batteries"]),
        ("SOAP-1", "food", []),
    ]:
        shop.create_product(
            db,
            system,
            sku=sku,
            category_code=category,
            names={"et": sku, "ru": sku, "en": sku},
            price_cents=100,
            stock=10,
            tags=tags,
        )
    db.commit()


@pytest.mark.parametrize("typo", sorted(TYPOS))
def test_check_protocols_refuses_each_typo_with_its_line_and_a_close_name(
    typo: str, database_url: str, shipped_catalogue: None, tmp_path: Path
) -> None:
    right, wrong, rule, meant = TYPOS[typo]
    text = SHIPPED.replace(right, wrong)
    path = tmp_path / "protocols.toml"
    path.write_text(text, "utf-8")

    result = cellgate(database_url, "shop", "check-protocols", str(path))

    assert result.exit_code == 1
    line = line_with(text, wrong)
    assert f"PROBLEM: {path}:{line}: rule '{rule}': field " in result.output
    assert "so the rule would never apply" in result.output
    assert f"did you mean '{meant}'?" in result.output
    # The file as shipped passes against the same catalogue.
    assert cellgate(database_url, "shop", "check-protocols").exit_code == 0


def test_every_unknown_name_is_reported_at_once(
    database_url: str, shipped_catalogue: None, tmp_path: Path
) -> None:
    text = SHIPPED
    for right, wrong, _rule, _meant in TYPOS.values():
        text = text.replace(right, wrong)
    text = text.replace('tags = ["electronics"]', 'tags = ["electronic"]')
    path = tmp_path / "protocols.toml"
    path.write_text(text, "utf-8")
    result = cellgate(database_url, "shop", "check-protocols", str(path))
    assert result.exit_code == 1
    assert result.output.count("PROBLEM: ") == 4
    tag_line = line_with(text, 'tags = ["electronic"]')
    assert f"{path}:{tag_line}: rule 'electronics-enhanced-only': field 'tags'" in result.output


def test_serving_the_kiosk_or_tablets_is_refused_while_a_rule_names_nothing(
    database_url: str, shipped_catalogue: None, tmp_path: Path
) -> None:
    right, wrong, rule, _meant = TYPOS["category"]
    path = tmp_path / "protocols.toml"
    path.write_text(SHIPPED.replace(right, wrong), "utf-8")
    env = {
        "CELLGATE_DATABASE_URL": database_url,
        "CELLGATE_MODE": "test",
        "CELLGATE_SHOP__PROTOCOLS_FILE": str(path),
    }
    for surface in ("kiosk", "tablet-api", "all"):
        result = CliRunner().invoke(main, ["serve", surface], env=env)
        assert result.exit_code == 1, surface
        assert f"{path}:{line_with(SHIPPED, right)}: rule '{rule}'" in result.output


@pytest.fixture
def broken(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "protocols.toml"
        path.write_text(text, "utf-8")
        return path

    return write


@pytest.mark.parametrize("factory", [kiosk.create_app, tablet_api.create_app, web.create_app])
def test_every_app_refuses_to_start_on_a_broken_file(
    factory: Callable[[Settings], Flask], settings: Settings, broken: Callable[[str], Path]
) -> None:
    cases = {
        # TOML that does not parse; a field of the wrong kind; a level that does not exist.
        "[[rule]\n": ":1: not valid TOML",
        '[[rule]]\nid = "weekly"\nkind = "spending_cap"\n\nperiod = "fortnight"\n': (
            ":5: rule 'weekly': field 'period' must be one of week, month"
        ),
        SHIPPED.replace('levels = ["enhanced"]', 'levels = ["enhancd"]'): (
            f":{line_with(SHIPPED, 'levels = ')}: rule 'electronics-enhanced-only': field "
            "'levels': 'enhancd' is not a regime level"
        ),
    }
    for text, problem in cases.items():
        path = broken(text)
        with pytest.raises(ProtocolError) as refused:
            factory(settings.with_overrides({"shop.protocols_file": str(path)}))
        assert str(refused.value).startswith(f"{path}{problem}"), str(refused.value)


# --- reload ----------------------------------------------------------------------------------


@pytest.fixture
def world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    return build_world(db, prison, make_inmate)


@pytest.fixture
def two_apps(database_url: str, world: World) -> Iterator[tuple[Flask, Flask]]:
    """Two tablet API instances on one database, as two gunicorn workers or hosts run."""
    apps = (
        tablet_api.create_app(tablet_settings(database_url)),
        tablet_api.create_app(tablet_settings(database_url)),
    )
    yield apps
    for app in apps:
        app.extensions["cellgate"]["engine"].dispose()


def signed_in(app: Flask, credential: str, inmate: Inmate) -> Tablet:
    device = tablet(app, credential)
    assert device.sign_in(inmate).status_code == 201
    return device


def tobacco_check(device: Tablet, world: World, quantity: int) -> list[str]:
    cart = {"lines": [{"product_id": world.products["cigarettes"], "quantity": quantity}]}
    answer = device.post("/api/v1/cart/check", json=cart)
    assert answer.status_code == 200, answer.json
    return [v["code"] for v in answer.json["violations"]]


RULES = """
[[rule]]
id = "balance"
kind = "balance"

[[rule]]
id = "tobacco-per-week"
kind = "quantity_limit"
category = "tobacco"
max = {max}
period = "week"
"""


def test_a_reload_changes_the_rules_of_every_app_without_a_restart(
    database_url: str, world: World, two_apps: tuple[Flask, Flask], tmp_path: Path
) -> None:
    alice = signed_in(two_apps[0], world.tablet_a1, world.alice)
    carol = signed_in(two_apps[1], world.tablet_a2, world.carol)
    # The shipped file: at most 10 packs of tobacco a week.
    assert tobacco_check(alice, world, 3) == tobacco_check(carol, world, 3) == []

    path = tmp_path / "protocols.toml"
    path.write_text(RULES.format(max=2), "utf-8")
    reloaded = cellgate(database_url, "shop", "reload-protocols", str(path), "--by", "sirje")
    assert reloaded.exit_code == 0, reloaded.output
    assert "in force: version 1" in reloaded.output

    assert tobacco_check(alice, world, 3) == ["quantity_limit"]
    assert tobacco_check(carol, world, 3) == ["quantity_limit"]
    cart = {"lines": [{"product_id": world.products["cigarettes"], "quantity": 3}]}
    placed = carol.post("/api/v1/orders", json=cart, headers={"Idempotency-Key": "order-0001"})
    assert placed.status_code == 422, placed.json
    assert placed.json["violations"][0]["code"] == "quantity_limit"

    # Back to 10 by another reload: both see that too.
    path.write_text(RULES.format(max=10), "utf-8")
    assert cellgate(database_url, "shop", "reload-protocols", str(path)).exit_code == 0
    assert tobacco_check(alice, world, 3) == tobacco_check(carol, world, 3) == []


def test_a_bad_reload_is_refused_and_the_rules_in_force_stay(
    db: Session,
    database_url: str,
    world: World,
    two_apps: tuple[Flask, Flask],
    tmp_path: Path,
) -> None:
    good = tmp_path / "good.toml"
    good.write_text(RULES.format(max=2), "utf-8")
    assert cellgate(database_url, "shop", "reload-protocols", str(good)).exit_code == 0
    alice = signed_in(two_apps[0], world.tablet_a1, world.alice)

    for name, text in {
        "typo.toml": RULES.format(max=50).replace('"tobacco"', '"tobaco"'),
        "broken.toml": RULES.format(max=50).replace("[[rule]]", "[[rule]", 1),
        "wrong.toml": RULES.format(max='"lots"'),
    }.items():
        bad = tmp_path / name
        bad.write_text(text, "utf-8")
        refused = cellgate(database_url, "shop", "reload-protocols", str(bad))
        assert refused.exit_code == 1, name
        assert f"PROBLEM: {bad}:" in refused.output
        assert "REFUSED: nothing changed; in force: version 1" in refused.output
        assert tobacco_check(alice, world, 3) == ["quantity_limit"], name

    assert versions(db) == 1
    again = cellgate(database_url, "shop", "reload-protocols", str(good))
    assert again.exit_code == 0 and "already in force: version 1" in again.output
    assert versions(db) == 1


def versions(db: Session) -> int:
    count = db.scalar(select(func.count()).select_from(ProtocolVersion))
    db.rollback()  # SQLite: a transaction holds the write lock the next command needs
    return count or 0


# --- the back office's page ------------------------------------------------------------------


@pytest.fixture
def backoffice(database_url: str) -> Iterator[Flask]:
    app = web.create_app(test_settings(database_url))
    yield app
    app.extensions["cellgate"]["engine"].dispose()


def test_shop_staff_and_accountants_see_the_rules_in_force_and_their_source(
    backoffice: Flask,
    database_url: str,
    make_staff: Callable[..., object],
    shipped_catalogue: None,
    tmp_path: Path,
) -> None:
    make_staff("sirje", "shop")
    make_staff("anne", "accountant")
    make_staff("olev", "officer")
    make_staff("riina", "requests")
    client: FlaskClient = backoffice.test_client()

    sign_in(client, "sirje")
    page = client.get("/shop/protocols").get_data(as_text=True)
    assert str(ROOT / "config/protocols.toml") in page
    assert "this app, at its start (nothing reloaded yet)" in page
    assert "tobacco-per-week" in page and "electronics-enhanced-only" in page

    path = tmp_path / "protocols.toml"
    path.write_text(RULES.format(max=2), "utf-8")
    assert (
        cellgate(database_url, "shop", "reload-protocols", str(path), "--by", "sirje").exit_code
        == 0
    )
    version = cellgate(database_url, "shop", "check-protocols", str(path))
    assert "in force: this file, version 1" in version.output

    fresh = FlaskClient(backoffice)
    sign_in(fresh, "anne")
    answer = fresh.get("/shop/protocols")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert str(path) in page
    assert hashlib.sha256(path.read_bytes()).hexdigest() in page
    assert "sirje (cellgate shop reload-protocols, version 1)" in page
    assert "electronics-enhanced-only" not in page and "max: 2" in page
    # The configured file is not what is in force any more: the page says so.
    assert "is not in force until" in page

    for who in ("olev", "riina"):
        other = FlaskClient(backoffice)
        sign_in(other, who)
        assert other.get("/shop/protocols").status_code == 403, who
