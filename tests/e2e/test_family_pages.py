"""The family's site under gunicorn, in Chromium: the start page, an invitation and a dead
link in each language, each checked by axe-core (WCAG 2.2 AA rules) with no violation."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.outbox import services as outbox
from backoffice.people.models import Inmate
from backoffice.seed import seed_demo
from backoffice.settings import load_settings
from backoffice.visits import services as visits
from backoffice.visits.models import Slot
from tests.e2e.kiosk_world import CHROMIUM, CHROMIUM_FLAGS, Server, World, kiosk_server

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
AXE_RUN = """async () => {
  const result = await axe.run(document, {runOnly: {type: "tag",
    values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]}});
  return result.violations.map((v) => v.id + ": " + v.nodes.map((n) => n.target).join(" "));
}"""
STAFF = Actor(kind="staff", id=None, name="e2e")
TITLES = {"et": "Videokõned ja sõnumid", "ru": "Видеозвонки и сообщения",
          "en": "Video calls and messages"}  # fmt: skip


def _invitation(folder: Path) -> tuple[World, str]:
    """The demo prison, and a call booked now for three days ahead: its invitation token."""
    url = f"sqlite:///{folder / 'family.sqlite3'}"
    settings = load_settings({}).with_overrides({"mode": "test", "database_url": url})
    rules = visits.VisitRules.from_settings(settings)
    engine = make_engine(url)
    migrate.upgrade(engine)
    now = datetime.now(UTC)
    with make_session_factory(engine)() as db:
        seed_demo(db, min_password_length=settings["auth"]["min_password_length"])
        inmate = db.scalars(select(Inmate).where(Inmate.prison_number == "TRT1002")).one()
        template = visits.add_session_template(
            db, STAFF, inmate.prison_id, name="E2E calls", weekdays=range(7),
            starts_at_local=time(14, 0), length_minutes=30, parallel_calls=4,
            valid_from=now.date() - timedelta(days=1),
        )  # fmt: skip
        visits.add_endpoint(db, STAFF, inmate.prison_id, kind="booth", name="E2E booth")
        contact = visits.request_contact(db, STAFF, inmate, full_name="Maria Ivanova",
                                         relation="parent", email="maria@example.org",
                                         now=now)  # fmt: skip
        visits.decide_contact(db, Actor.system("e2e"), contact.id, approve=True,
                              reason="checked", now=now)  # fmt: skip
        outbox.choose_language(db, contact, "ru", now)
        day = now.date() + timedelta(days=4)
        visits.open_slots(db, inmate.prison, day, day)
        slot = db.scalars(select(Slot).where(Slot.template_id == template.id)).one()
        held = visits.hold_slot(db, STAFF, inmate, slot.id, contact.id, now, rules)
        confirmed = visits.confirm_booking(db, STAFF, inmate, held.id, now, rules)
        db.commit()
    engine.dispose()
    return World(url, folder), confirmed.invitation_url.rsplit("/", 1)[1]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, str]]:
    world, token = _invitation(tmp_path_factory.mktemp("family"))
    with kiosk_server(world, "family", app="backoffice.family:create_app()") as server:
        yield server, token


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            yield chromium
        finally:
            chromium.close()


def _new_page(browser: Any) -> Any:
    # axe-core goes into the page as a script of its own: the site's CSP allows none.
    context = browser.new_context(bypass_csp=True, viewport={"width": 390, "height": 844})
    return context.new_page()


@pytest.fixture(scope="module")
def page(browser: Any) -> Any:
    return _new_page(browser)


def _violations(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(AXE_RUN))


@pytest.mark.parametrize("language", ["et", "ru", "en"])
def test_the_family_pages_in_each_language_have_no_axe_violations(
    site: tuple[Server, str], page: Any, language: str
) -> None:
    server, token = site
    page.context.clear_cookies()  # a new visitor each time
    page.goto(f"{server.url}/?lang={language}")
    assert page.locator("html").get_attribute("lang") == language
    assert page.locator("h1").inner_text() == TITLES[language]
    assert _violations(page) == []

    page.goto(f"{server.url}/join/{token}")
    assert page.locator("html").get_attribute("lang") == language, "the choice is kept"
    assert "Maria" not in page.content() and page.locator("p.notice").count() == 1
    assert _violations(page) == []

    answer = page.goto(f"{server.url}/join/{token[:-2]}xx")
    assert answer is not None and answer.status == 404
    assert page.locator("[role=alert]").count() == 1
    assert _violations(page) == []

    # Messages: asking for a code, entering it, and the conversation reached from the link.
    page.goto(f"{server.url}/messages")
    assert _violations(page) == []
    page.fill("#address", "nobody@example.org")
    page.click("button[type=submit]")
    assert page.locator("#code").count() == 1
    assert _violations(page) == []
    page.goto(f"{server.url}/join/{token}/messages")
    assert page.locator("textarea#body").count() == 1
    assert page.locator("html").get_attribute("lang") == language
    page.fill("#body", "Tere! Привет! Hello!")
    page.click("form[enctype] button[type=submit]")
    assert page.locator("[role=status]").count() == 1, "sent, waiting for the prison's check"
    assert _violations(page) == []


def test_a_new_visitor_reads_the_invitation_in_the_contacts_language(
    site: tuple[Server, str], browser: Any
) -> None:
    server, token = site
    page = _new_page(browser)
    page.goto(f"{server.url}/join/{token}")
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "Ваш видеозвонок с" in page.locator("main").inner_text()
    assert _violations(page) == []
