"""What the tablet app's e2e tests (tests/e2e/test_tablet_app.py) drive and check with: the demo
tablet in Chromium, the screens by their `data-ready` mark, every screen's checks (no word of
another language, axe-core, touch targets, nothing sideways) and reading the database."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from backoffice.audit.models import AuditEvent
from backoffice.db import make_engine, make_session_factory
from backoffice.messages.models import Message
from backoffice.requests.models import Request
from backoffice.visits.models import Booking, Slot
from tablet_api.app_words import strings
from tests.e2e.kiosk_world import CHROMIUM, SCREENSHOTS, browser_flags, inmate
from tests.e2e.tablet_app_world import PIN, PIN_INMATE, TABLET_CREDENTIAL, orders_of

APP = Path(__file__).resolve().parents[2] / "tablet_api" / "app"
STRINGS: dict[str, dict[str, str]] = strings()
AXE = (Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js").read_text()
LANGUAGES = ("et", "ru", "en")
SIZES = {"landscape": (1280, 800), "portrait": (800, 1280)}
SCREENS = ("home", "money", "shop", "orders", "requests", "messages", "calls", "notifications")


@contextmanager
def tablet(
    playwright: Any,
    server: str,
    size: str = "landscape",
    video: Path | None = None,
    clock: bool = False,
) -> Iterator[Any]:
    """The demo tablet of cell A-101: a Chromium opened once at /app/#device=<credential>."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=browser_flags(video))
    width, height = SIZES[size]
    try:
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(30_000)
        page.problems = []  # type: ignore[attr-defined]
        page.on("pageerror", lambda error: page.problems.append(str(error)))
        page.on(
            "console",
            lambda m: page.problems.append(m.text) if m.type == "error" else None,
        )
        if clock:
            page.clock.install()
        page.goto(f"{server}/app/#device={TABLET_CREDENTIAL}")
        ready(page, "signin")
        try:
            yield page
        except Exception:
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "tablet-failure.png"), full_page=True)
            print("at failure:", page.url, page.locator("main").evaluate("m => m.outerHTML")[:300])
            print("problems:", page.problems)  # type: ignore[attr-defined]
            raise
    finally:
        browser.close()


def ready(page: Any, screen: str) -> None:
    page.wait_for_selector(f'main[data-ready="{screen}"]')


def go(page: Any, screen: str) -> None:
    page.evaluate("document.getElementById('main').removeAttribute('data-ready')")
    page.locator(f'nav a[data-screen="{screen}"]').click()
    ready(page, screen)


def open_address(page: Any, hash_: str, screen: str) -> None:
    page.evaluate("document.getElementById('main').removeAttribute('data-ready')")
    page.evaluate(f"location.hash = {json.dumps(hash_)}")
    ready(page, screen)


def sign_in_by_pin(page: Any, number: str = PIN_INMATE) -> None:
    page.locator('input[name="prison_number"]').fill(number)
    page.locator('input[name="pin"]').fill(PIN)
    page.locator(".signin-pin button[type=submit]").click()
    ready(page, "home")


def choose_language(page: Any, language: str) -> None:
    page.evaluate("document.getElementById('main').removeAttribute('data-ready')")
    page.locator(f'.languages button[lang="{language}"]').click()
    page.wait_for_selector("main[data-ready]")
    expect(page.locator("html")).to_have_attribute("lang", language)


def shoot(page: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"tablet-{name}.png"), full_page=True)


# --- what every screen is checked for -------------------------------------------------------


def foreign_phrases(language: str) -> set[str]:
    """The app's phrases in the other two languages that this one never uses: each text's
    longest piece between placeholders, when long enough to mean something."""
    own = set(STRINGS[language].values())
    found = set()
    for other in LANGUAGES:
        if other == language:
            continue
        for text in STRINGS[other].values():
            if text in own:
                continue  # the same in both (a name, "halal")
            piece = max(re.split(r"%\(\w+\)s", text), key=len).strip(" .:,!?…()")
            if len(piece) >= 5 and not any(piece in mine for mine in own):
                found.add(piece)
    return found


FOREIGN = {language: foreign_phrases(language) for language in LANGUAGES}


def check_screen(page: Any, language: str, name: str) -> None:
    text = page.locator("body").inner_text()
    wrong = sorted(p for p in FOREIGN[language] if p in text)
    assert not wrong, f"{name} in {language} shows another language's words: {wrong}"
    if "AxeCore" not in page.evaluate("typeof axe === 'undefined' ? '' : 'AxeCore'"):
        page.evaluate(AXE)
    result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
    violations = [
        f"{v['id']}: {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"]
    ]
    assert violations == [], f"axe on {name} ({language}): {violations}"
    small = page.evaluate(
        """() => [...document.querySelectorAll('button, a[href], input, select, textarea')]
          .filter((e) => e.offsetParent !== null && !e.closest('.skip'))
          .map((e) => [e, e.getBoundingClientRect()])
          .filter(([e, r]) => r.width < 47.5 || r.height < 47.5)
          .map(([e, r]) => `${e.tagName} ${e.textContent.trim().slice(0, 30)} ${r.width}x`
            + `${r.height}`)"""
    )
    assert small == [], f"touch targets under 48 px on {name} ({language}): {small}"


def sideways(page: Any) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


# --- reading the database --------------------------------------------------------------------


@contextmanager
def session(url: str) -> Iterator[Any]:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as db:
            yield db
    finally:
        engine.dispose()


def orders(url: str) -> list[Any]:
    with session(url) as db:
        return [o.id for o in orders_of(db, PIN_INMATE)]


def requests_saying(url: str, words: str) -> int:
    with session(url) as db:
        cases = db.scalars(select(Request).where(Request.inmate_id == inmate(db, PIN_INMATE).id))
        return sum(1 for case in cases if words in json.dumps(case.fields, ensure_ascii=False))


def move_call_to_start_in(url: str, booking_id: int, soon: timedelta) -> None:
    with session(url) as db:
        booking = db.get(Booking, booking_id)
        assert booking is not None
        slot = db.get(Slot, booking.slot_id)
        assert slot is not None
        start = datetime.now(UTC) + soon
        slot.starts_at, slot.ends_at = start, start + timedelta(minutes=30)
        db.commit()


def last_face_refusal(url: str) -> str:
    with session(url) as db:
        event = db.scalar(
            select(AuditEvent)
            .where(AuditEvent.action == "inmate.sign_in", AuditEvent.outcome == "refused")
            .order_by(AuditEvent.id.desc())
            .limit(1)
        )
        assert event is not None
        return str(event.details.get("reason"))


def conversation_of_pin_inmate(url: str) -> tuple[int, int]:
    """The id of the PIN inmate's contact who wrote, and how many of their messages passed."""
    with session(url) as db:
        sent = db.scalars(
            select(Message).where(Message.inmate_id == inmate(db, PIN_INMATE).id)
        ).all()
        return sent[0].contact_id, sum(1 for m in sent if m.status == "passed")
