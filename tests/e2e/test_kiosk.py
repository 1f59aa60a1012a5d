"""The kiosk in a real browser: Debian's Chromium driven by Playwright against the kiosk served
by gunicorn on a migrated and seeded SQLite database.

An inmate signs in by face through Chromium's fake camera playing a video made from a real
photograph of him with his head turning; the same photograph held still and another person's
face are refused. He sees his money, fills a cart, is told in his language why an item cannot
be added, places the order and is signed out when idle; the back button and a second browser
show nothing of his session. Another inmate signs in by number and PIN on the on-screen
keypad. Every screen is photographed in every language into test-artifacts/screenshots/.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select

from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.signin import services as signin
from backoffice.signin.models import InmateSession
from hardware.faces import FaceRecognitionMatcher
from tests import photos
from tests.e2e.browsing import follow
from tests.e2e.kiosk_world import (
    A11Y_AUDIT,
    CHROMIUM,
    CHROMIUM_FLAGS,
    KIOSK_CREDENTIAL,
    PIN,
    PIN_INMATE,
    SCREENSHOTS,
    Server,
    World,
    browser_flags,
    build_world,
    inmate,
    kiosk_server,
    moving_face_video,
    still_photo_video,
)
from tests.e2e.languages import foreign_phrases, kiosk_texts, shown_in
from tests.e2e.pcsc import emulated_card, virtual_reader

pytestmark = pytest.mark.e2e

IDLE_SECONDS = 20
LANGUAGES = ("et", "ru", "en")
TEXTS = kiosk_texts()
FOREIGN = {language: foreign_phrases(TEXTS, language) for language in LANGUAGES}


@pytest.fixture(scope="module")
def matcher() -> FaceRecognitionMatcher:
    return FaceRecognitionMatcher(upsample=0)


@pytest.fixture(scope="module")
def faces(matcher: FaceRecognitionMatcher) -> dict[str, Any]:
    """Camera frames of three real photographs: the enrolled inmate (another photo of him
    than the one enrolled) and a stranger."""

    def camera_frame(name: str) -> Any:
        image = photos.load(name)
        return photos.frame(photos.portrait(image, matcher.detect(image)[0]))

    return {
        "enrolled": camera_frame("obama.jpg"),
        "same_person": camera_frame("obama3.jpg"),
        "stranger": camera_frame("biden.jpg"),
    }


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, matcher: FaceRecognitionMatcher, faces: dict[str, Any]
) -> World:
    return build_world(tmp_path_factory.mktemp("kiosk-e2e"), matcher, faces["enrolled"])


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[Server]:
    with kiosk_server(
        world,
        "main",
        signin__pin_allowed="true",
        kiosk__idle_seconds=str(IDLE_SECONDS),
        # One kiosk takes every test's sign-ins within a minute; the limit itself is tested in
        # tests/integration/test_kiosk_app.py.
        kiosk__sign_in_rate_limit="200 per minute",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def videos(world: World, faces: dict[str, Any], matcher: FaceRecognitionMatcher) -> dict[str, Path]:
    folder = world.folder
    return {
        "live": moving_face_video(folder / "live.y4m", faces["same_person"], matcher),
        "still": still_photo_video(folder / "still.y4m", faces["same_person"]),
        "stranger": moving_face_video(folder / "stranger.y4m", faces["stranger"], matcher),
    }


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    with sync_playwright() as running:
        yield running


@contextmanager
def kiosk_browser(playwright: Any, server: Server, video: Path | None = None) -> Iterator[Any]:
    """A Chromium bound to the demo kiosk of wing A, as the launcher would start it."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=browser_flags(video))
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(30_000)
        # Provisioning: the device key travels in the URL fragment, as the launcher sends it.
        page.goto(f"{server.url}/device#{KIOSK_CREDENTIAL}")
        page.wait_for_url(f"{server.url}/")
        try:
            yield page
        except Exception:
            # What the screen showed when the test failed, for whoever reads the failure.
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SCREENSHOTS / "failure.png"), full_page=True)
            raise
    finally:
        browser.close()


def shoot(page: Any, screen: str, language: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"kiosk-{screen}-{language}.png"), full_page=True)


def choose_language(page: Any, language: str) -> None:
    follow(page, page.locator(f'form.languages button[value="{language}"]'))
    page.wait_for_selector(f'html[lang="{language}"]')


def test_face_sign_in_money_cart_order_idle_sign_out(
    playwright: Any, server: Server, videos: dict[str, Path]
) -> None:
    with kiosk_browser(playwright, server, videos["live"]) as page:
        page.locator("#face-start").click()
        # Signed in by face: the kiosk now speaks the inmate's own language (Russian).
        page.wait_for_url(f"{server.url}/home", timeout=60_000)
        assert page.locator("html").get_attribute("lang") == "ru"
        assert "Алексей" in page.locator("header .who").inner_text()
        shoot(page, "face-signed-in", "ru")

        follow(page, page.locator("nav.menu a", has_text="Мои деньги"))
        # 25 € received: 20 % to the release fund (convicted), the rest spendable.
        assert page.locator("#balance-available .value").inner_text() == "20,00 €"
        assert page.locator("#balance-release .value").inner_text() == "5,00 €"
        assert "Вам прислали деньги" in page.locator("table.movements").inner_text()

        follow(page, page.locator("nav.menu a", has_text="Магазин"))
        follow(page, page.locator('li[data-sku="K-COFFEE"] button[value="add"]'))
        follow(page, page.locator('li[data-sku="K-COFFEE"] button[value="add"]'))
        assert "В корзине: 2" in page.locator('li[data-sku="K-COFFEE"]').inner_text()
        assert page.locator("#left-balance").inner_text() == "13,00 €"
        # The radio costs more than he has and is for the enhanced level only: its button is
        # off before he taps, and both reasons are beside it in Russian.
        radio = page.locator('li[data-sku="K-RADIO"]')
        assert radio.locator('button[value="add"]').is_disabled()
        refusal = radio.locator(".stop").inner_text()
        assert "можно потратить ещё 13,00 €" in refusal
        assert "«Радио» разрешён только для уровня режима: повышенный уровень" in refusal
        assert radio.locator(".incart").count() == 0

        follow(page, page.locator("#cart-link"))
        assert page.locator("#cart-total").inner_text() == "7,00 €"
        follow(page, page.locator("#place-order"))
        page.wait_for_url(re.compile(r".*/orders/\d+$"))
        assert "Оформлен" in page.locator("#order-status").inner_text()
        order_url = page.url

        follow(page, page.locator("nav.menu a", has_text="Мои деньги"))
        assert page.locator("#balance-held .value").inner_text() == "7,00 €"
        assert page.locator("#balance-available .value").inner_text() == "13,00 €"

        # Idle: the bar counts down, then the kiosk signs him out by itself.
        first = page.locator("#countdown").inner_text()
        expect(page.locator("#countdown")).not_to_have_text(first)
        page.wait_for_url(f"{server.url}/", timeout=(IDLE_SECONDS + 10) * 1000)
        assert page.locator("header .who").inner_text() == "Cellgate"
        assert "Алексей" not in page.content()
        # The back button brings nothing back: the pages were never stored.
        page.go_back()
        page.wait_for_load_state()
        assert "Алексей" not in page.content()
        page.goto(order_url)
        assert page.url == f"{server.url}/"
        assert "7,00" not in page.content()


def test_a_still_photo_and_a_stranger_are_refused(
    playwright: Any, server: Server, videos: dict[str, Path]
) -> None:
    for video, expected in (
        ("still", "pilguta"),  # "blink or turn your head" (the kiosk's default Estonian)
        ("stranger", "ei tuntud ära"),  # "your face was not recognised"
    ):
        with kiosk_browser(playwright, server, videos[video]) as page:
            page.locator("#face-start").click()
            # The button comes back when the server has answered.
            expect(page.locator("#face-start")).to_be_enabled(timeout=60_000)
            status = page.locator("#face-status")
            assert expected in status.inner_text(), status.inner_text()
            shoot(page, f"face-refused-{video}", "et")
            assert page.url == f"{server.url}/"
            page.goto(f"{server.url}/home")
            assert page.url == f"{server.url}/"


def test_pin_sign_in_and_every_screen_in_every_language(playwright: Any, server: Server) -> None:
    with kiosk_browser(playwright, server) as page:
        for language in LANGUAGES:
            choose_language(page, language)
            shoot(page, "start", language)
        assert page.evaluate(A11Y_AUDIT) == []
        follow(page, page.locator("#pin-link"))
        for language in LANGUAGES:
            choose_language(page, language)
            shoot(page, "pin", language)
        choose_language(page, "et")
        # The on-screen keypad: no keyboard at a kiosk.
        for key in PIN_INMATE:
            page.locator(f'button[data-key="{key}"]').click()
        page.locator('button[data-key="next"]').click()
        for digit in PIN:
            page.locator(f'.keypad button[data-key="{digit}"]').click()
        follow(page, page.locator("#pin-form button[type=submit]"))
        page.wait_for_url(f"{server.url}/home")
        assert "Mart" in page.locator("header .who").inner_text()

        # Something in the cart and an order, so every screen has something to show.
        page.goto(f"{server.url}/shop")
        follow(page, page.locator('li[data-sku="K-TEA"] button[value="add"]'))
        follow(page, page.locator("#cart-link"))
        follow(page, page.locator("#place-order"))
        page.wait_for_url(re.compile(r".*/orders/\d+$"))
        order_path = page.url.removeprefix(server.url)
        page.goto(f"{server.url}/shop")
        follow(page, page.locator('li[data-sku="K-SOAP"] button[value="add"]'))

        # A request typed on the on-screen keyboard.
        page.goto(f"{server.url}/requests/new/money_question")
        page.locator('.keyboard button[data-char="5"]').click()  # into the amount
        page.locator("#f-details").click()
        for key in "puudub":
            page.locator(f'.keyboard button[data-char="{key}"]').click()
        follow(page, page.locator("#send-request"))
        page.wait_for_url(re.compile(r".*/requests/\d+$"))
        facts = page.locator("dl.facts").inner_text()
        assert "puudub" in facts and "5" in facts
        request_path = page.url.removeprefix(server.url)

        # A conversation with a family member and an item of the library, as the demo has them.
        conversation = first_link(page, f"{server.url}/messages", r"^/messages/\d+$")
        library_item = first_link(page, f"{server.url}/library", r"^/library/\d+$")
        screens = {
            "home": "/home",
            "money": "/money",
            "shop": "/shop",
            "shop-hygiene": "/shop?category=hygiene",
            "cart": "/shop/cart",
            "orders": "/orders",
            "order": order_path,
            "requests": "/requests",
            "request-new": "/requests/new/money_question",
            "request-date": "/requests/new/see_doctor",  # a date chosen by touch
            "request": request_path,
            "visits": "/visits",
            "messages": "/messages",
            "conversation": conversation,
            "library": "/library",
            "library-item": library_item,
            "notices": "/notices",
        }
        for language in LANGUAGES:
            for screen, path in screens.items():
                page.goto(f"{server.url}{path}")
                if screen == "home":
                    choose_language(page, language)
                assert page.locator("html").get_attribute("lang") == language
                assert page.locator("#sign-out-button").is_visible()
                shoot(page, screen, language)
                text = page.locator("body").inner_text()
                wrong = shown_in(FOREIGN[language], text)
                assert not wrong, f"{screen} in {language} shows another language: {wrong}"
                if language == "et":
                    assert page.evaluate(A11Y_AUDIT) == [], screen

        follow(page, page.locator("#sign-out-button"))
        page.wait_for_url(f"{server.url}/")
        assert "Mart" not in page.content()


def test_cancelling_an_order_takes_a_second_press(playwright: Any, server: Server) -> None:
    """A tap that undoes something asks first: the first press on "Cancel this order" only
    says, on the button, to press again; the second cancels."""
    with kiosk_browser(playwright, server) as page:
        follow(page, page.locator("#pin-link"))
        page.fill("#prison_number", PIN_INMATE)
        page.fill("#pin", PIN)
        follow(page, page.locator("#pin-form button[type=submit]"))
        choose_language(page, "et")  # whatever he chose last time (his profile remembers it)
        page.goto(f"{server.url}/shop")
        follow(page, page.locator('li[data-sku="K-BISCUIT"] button[value="add"]'))
        follow(page, page.locator("#cart-link"))
        follow(page, page.locator("#place-order"))
        order_url = page.url
        page.locator("#cancel-order").click()
        expect(page.locator("#cancel-order")).to_contain_text("Vajuta uuesti")
        assert page.url == order_url
        assert page.locator("#order-status").inner_text() != "Tühistatud"
        follow(page, page.locator("#cancel-order"))
        expect(page.locator("#order-status")).to_have_text("Tühistatud")


def first_link(page: Any, url: str, pattern: str) -> str:
    """The first link on the page at `url` whose path matches `pattern`."""
    page.goto(url)
    paths = page.eval_on_selector_all("a[href]", "links => links.map(a => a.pathname)")
    found = [path for path in paths if re.match(pattern, path)]
    assert found, f"no link like {pattern} on {url}: {paths}"
    return str(found[0])


def test_a_second_browser_sees_nothing_of_a_signed_in_inmate(
    playwright: Any, server: Server
) -> None:
    with kiosk_browser(playwright, server) as first, kiosk_browser(playwright, server) as second:
        follow(first, first.locator("#pin-link"))
        first.fill("#prison_number", PIN_INMATE)
        first.fill("#pin", PIN)
        follow(first, first.locator("#pin-form button[type=submit]"))
        first.wait_for_url(f"{server.url}/home")
        for path in ("/home", "/money", "/shop", "/shop/cart", "/orders"):
            second.goto(f"{server.url}{path}")
            assert second.url == f"{server.url}/"
            assert "Mart" not in second.content()
            assert "30,00" not in second.content() and "24,00" not in second.content()
        assert "Mart" in first.locator("header .who").inner_text()


def test_security_headers_and_nothing_loaded_from_outside(playwright: Any, server: Server) -> None:
    requests: list[str] = []
    problems: list[str] = []
    with kiosk_browser(playwright, server) as page:
        page.on("request", lambda request: requests.append(request.url))
        page.on(
            "console",
            lambda message: problems.append(message.text) if message.type == "error" else None,
        )
        response = page.goto(f"{server.url}/")
        headers = response.headers
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
        assert "default-src 'none'" in csp and "frame-ancestors 'none'" in csp
        assert headers["x-frame-options"] == "DENY"
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["cache-control"].startswith("no-store")
        assert headers["referrer-policy"] == "no-referrer"
        follow(page, page.locator("#pin-link"))
        page.fill("#prison_number", PIN_INMATE)
        page.fill("#pin", PIN)
        follow(page, page.locator("#pin-form button[type=submit]"))
        page.wait_for_url(f"{server.url}/home")
        for path in ("/money", "/shop", "/shop/cart", "/orders"):
            answer = page.goto(f"{server.url}{path}")
            assert answer.headers["cache-control"].startswith("no-store")
            # No link on any screen leaves the kiosk.
            hrefs = page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
            assert hrefs and all(h.startswith(server.url) for h in hrefs), hrefs
        # Right-click does nothing and text cannot be selected.
        assert page.evaluate("getComputedStyle(document.body).userSelect") == "none"
        prevented = page.evaluate(
            "() => !document.body.dispatchEvent("
            "new MouseEvent('contextmenu', {bubbles: true, cancelable: true}))"
        )
        assert prevented
        follow(page, page.locator("#sign-out-button"))
        page.wait_for_url(f"{server.url}/")
    assert requests and all(url.startswith(server.url) for url in requests), requests
    # The strict policy broke nothing on the page (a violation is logged as a console error).
    assert not [p for p in problems if "Content Security Policy" in p], problems


def test_a_card_in_the_real_reader_signs_in_after_the_pin(
    playwright: Any, server: Server, world: World, tmp_path: Path
) -> None:
    """pcscd with the vpcd virtual reader, the project's card emulator in it, `cellgate agent`
    relaying the card's challenge and answer to the kiosk server, and the start screen that
    notices the card and asks for the PIN."""
    engine = make_engine(world.database_url)
    with make_session_factory(engine)() as db:
        actor, holder = Actor.system("kiosk-e2e"), inmate(db, PIN_INMATE)
        # A card of his own, whatever card the demo seed gave him.
        active = [c for c in signin.cards_of(db, holder.id) if c.status == "active"]
        if active:
            card, key = signin.replace_card(db, actor, active[0], "kiosk e2e test")
        else:
            card, key = signin.issue_card(db, actor, holder)
        db.commit()
    engine.dispose()
    credential_file = tmp_path / "kiosk.credential"
    credential_file.write_text(KIOSK_CREDENTIAL)
    with (
        virtual_reader(tmp_path) as reader,
        kiosk_browser(playwright, server) as page,
    ):
        agent = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "cellgate"),
                "agent",
                "--server",
                server.url,
                "--credential-file",
                str(credential_file),
                "--reader",
                reader.name,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            with emulated_card(reader, card.card_number, key):
                # The start screen asks the server every second; the agent's news arrives.
                page.wait_for_url(f"{server.url}/sign-in/card/pin", timeout=30_000)
                assert "Mart" in page.locator("h1").inner_text()
                for language in LANGUAGES:
                    choose_language(page, language)
                    shoot(page, "card-pin", language)
                choose_language(page, "et")
                for digit in PIN:
                    page.locator(f'.keypad button[data-key="{digit}"]').click()
                follow(page, page.locator("#pin-form button[type=submit]"))
                page.wait_for_url(f"{server.url}/home")
                assert "Mart" in page.locator("header .who").inner_text()
            # Pulling the card ends the card's session: the next page is the start screen.
            assert card_session_ended(world, card.card_number)
            page.goto(f"{server.url}/money")
            assert page.url == f"{server.url}/"
            assert "Mart" not in page.content()
        finally:
            agent.terminate()
            agent.wait(timeout=10)


def card_session_ended(world: World, card_number: str, seconds: float = 20) -> bool:
    """Whether the agent reported the pulled card and the card's session ended (asked a few
    times a second: the agent polls the reader on its own clock)."""
    engine = make_engine(world.database_url)
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            with make_session_factory(engine)() as db:
                reasons = db.scalars(
                    select(InmateSession.end_reason).where(InmateSession.method == "card")
                ).all()
            if "card removed" in reasons:
                return True
            time.sleep(0.2)
        return False
    finally:
        engine.dispose()


def test_the_set_up_screens_in_every_language(playwright: Any, server: Server) -> None:
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        answer = page.goto(f"{server.url}/")
        assert answer.status == 403
        for language in LANGUAGES:
            choose_language(page, language)
            shoot(page, "not-a-kiosk", language)
            page.goto(f"{server.url}/device")
            shoot(page, "device", language)
            page.goto(f"{server.url}/")
        assert page.evaluate(A11Y_AUDIT) == []
    finally:
        browser.close()
