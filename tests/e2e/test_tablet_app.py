"""The tablet app (tablet_api/app/) in a real browser: Debian's Chromium driven by Playwright at
tablet size, landscape 1280x800 and portrait 800x1280, against the tablet API under gunicorn on
PostgreSQL, seeded with the demo prison (tablet_app_world.py).

An inmate signs in by PIN and walks every screen in Estonian, Russian and English (picked on
screen and saved to his profile): no screen shows a word of another language, axe-core finds no
violation, every control is a 48 px touch target, nothing scrolls sideways at 200 % text. He
fills a cart (the allowance left follows it; a refusal names the item), places an order,
acknowledges a delivery, reports a missing item, writes and withdraws a request, reads a
conversation whose passed photo loads when shown (a held message is not there), replies, books and
confirms a call whose join button appears only in its window. A network cut while writing a
request and while placing an order loses no text and makes exactly one order. His face, played
to Chromium's fake camera from a real photograph, signs him in; the same photograph held still
is refused as not live. Idle, he is signed out after a countdown; an access token that ended is
renewed without his noticing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from backoffice import migrate
from backoffice.db import make_engine
from backoffice.surface.i18n import load_catalogues
from hardware.faces import FaceRecognitionMatcher
from tablet_api.problems import TYPES
from tests import photos
from tests.conftest import _new_postgres_database
from tests.e2e.kiosk_world import (
    moving_face_video,
    still_photo_video,
)
from tests.e2e.tablet_app_browser import (
    LANGUAGES,
    SCREENS,
    SIZES,
    STRINGS,
    check_screen,
    choose_language,
    conversation_of_pin_inmate,
    go,
    last_face_refusal,
    move_call_to_start_in,
    open_address,
    orders,
    ready,
    requests_saying,
    shoot,
    sideways,
    sign_in_by_pin,
    tablet,
)
from tests.e2e.tablet_app_world import (
    build_world,
)
from tests.e2e.test_tablet_schemathesis import free_port, serve, stop

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]


@pytest.fixture(scope="module")
def matcher() -> FaceRecognitionMatcher:
    return FaceRecognitionMatcher(upsample=0)


@pytest.fixture(scope="module")
def faces(matcher: FaceRecognitionMatcher) -> dict[str, Any]:
    def camera_frame(name: str) -> Any:
        image = photos.load(name)
        return photos.frame(photos.portrait(image, matcher.detect(image)[0]))

    return {"enrolled": camera_frame("obama.jpg"), "same_person": camera_frame("obama3.jpg")}


@pytest.fixture(scope="module")
def database(postgres_admin_url: str, matcher: Any, faces: dict[str, Any]) -> Iterator[str]:
    with _new_postgres_database(postgres_admin_url) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        build_world(url, matcher, faces["enrolled"])
        yield url


@pytest.fixture(scope="module")
def server(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    port = free_port()
    log = tmp_path_factory.mktemp("tablet-app") / "gunicorn.log"
    process = serve(database, port, log=log)
    yield f"http://127.0.0.1:{port}"
    stop(process)


@pytest.fixture(scope="module")
def videos(
    tmp_path_factory: pytest.TempPathFactory, faces: dict[str, Any], matcher: Any
) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tablet-app-videos")
    return {
        "live": moving_face_video(folder / "live.y4m", faces["same_person"], matcher),
        "still": still_photo_video(folder / "still.y4m", faces["same_person"]),
    }


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    with sync_playwright() as running:
        yield running


# --- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize("size", SIZES)
def test_every_screen_in_every_language_speaks_only_it_and_passes_axe(
    playwright: Any, server: str, size: str
) -> None:
    with tablet(playwright, server, size) as page:
        check_screen(page, "et", "signin")
        sign_in_by_pin(page)
        for language in LANGUAGES:
            choose_language(page, language)
            for screen in SCREENS:
                go(page, screen)
                if screen == "shop":
                    page.wait_for_selector(".photo img")  # the first photos, lazy-loaded
                check_screen(page, language, screen)
                assert sideways(page) <= 0, f"{screen} scrolls sideways ({size}, {language})"
                shoot(page, f"{screen}-{language}-{size}")
            open_address(page, "#/requests/new", "requests")
            check_screen(page, language, "request types")
            open_address(page, "#/requests/new/see_doctor", "requests")
            check_screen(page, language, "request form")
        # His choice is saved to his profile: signed out and in again, the app speaks English.
        page.locator("button.signout").click()
        ready(page, "signin")
        sign_in_by_pin(page)
        expect(page.locator("html")).to_have_attribute("lang", "en")
        expect(page.locator("h1")).to_have_text(STRINGS["en"]["home.title"])
        assert page.problems == []  # type: ignore[attr-defined]


def test_at_200_percent_text_nothing_scrolls_sideways(playwright: Any, server: str) -> None:
    with tablet(playwright, server, "portrait") as page:
        sign_in_by_pin(page)
        page.evaluate("document.documentElement.style.fontSize = '200%'")
        for screen in SCREENS:
            go(page, screen)
            assert sideways(page) <= 0, f"{screen} scrolls sideways at 200 % text"
            shoot(page, f"{screen}-200pc")


def test_shop_filters_the_cart_follows_the_allowance_and_a_refusal_names_the_item(
    playwright: Any, server: str, database: str
) -> None:
    with tablet(playwright, server) as page:
        sign_in_by_pin(page)
        choose_language(page, "en")
        go(page, "shop")
        products = page.locator("li.product")
        everything = products.count()
        page.locator('.chip[data-category="drinks"]').click()
        assert 0 < products.count() < everything
        page.locator('.chip[data-category=""]').click()
        page.locator('.chip[data-tag="nuts"]').click()
        expect(products).to_have_count(2)  # the chocolate and the peanuts
        page.locator('.chip[data-tag="nuts"]').click()
        page.locator("#shop-search").fill("coffee")
        expect(products).to_have_count(1)
        # Photos are real pictures, fetched as they come into view.
        expect(products.first.locator(".photo img")).to_be_visible()
        width = products.first.locator(".photo img").evaluate("i => i.naturalWidth")
        assert width > 100
        products.first.locator("button", has_text="+").click()
        left = page.locator('.left [data-left="balance"] dd')
        expect(left).not_to_have_text("")
        before = left.inner_text()
        products.first.locator("button", has_text="+").click()
        expect(left).not_to_have_text(before)  # the allowance follows the cart
        page.locator("#shop-search").fill("batteries")
        batteries = products.first
        batteries.locator("button", has_text="+").click()
        batteries.locator("button", has_text="+").click()
        refusal = page.locator(".refusal")
        expect(refusal).to_contain_text("AA batteries 4 pcs")
        expect(page.locator("#place-order")).to_be_disabled()
        batteries.locator("button", has_text="−").click()
        expect(refusal).to_have_count(0)
        expect(page.locator("#place-order")).to_be_enabled()
        placed_before = len(orders(database))
        page.locator("#place-order").click()
        expect(page.locator(".cart .notice.success")).to_contain_text("is placed")
        assert len(orders(database)) == placed_before + 1


def test_orders_acknowledge_a_delivery_report_a_missing_item_and_cancel(
    playwright: Any, server: str
) -> None:
    with tablet(playwright, server) as page:
        sign_in_by_pin(page)
        choose_language(page, "en")
        go(page, "orders")
        packed = page.locator('.order[data-order]:has([data-status="packed"])').first
        packed.locator("button", has_text="Confirm delivery").click()
        expect(page.locator('[data-status="packed"]')).to_have_count(0)
        delivered = page.locator('.order:has([data-status="delivered"])').last
        delivered.locator("button", has_text="Report missing").first.click()
        delivered.locator("textarea").fill("The bag had only one soap in it.")
        delivered.locator("form.missing button[type=submit]").click()
        expect(delivered.locator(".notice.success")).to_contain_text("request")
        go(page, "shop")
        page.locator("li.product").first.locator("button", has_text="+").click()
        expect(page.locator("#place-order")).to_be_enabled()
        page.locator("#place-order").click()
        expect(page.locator(".cart .notice.success")).to_be_visible()
        go(page, "orders")
        cancellable = page.locator(".order", has=page.locator("button", has_text="Cancel order"))
        count = cancellable.count()
        cancellable.first.locator("button", has_text="Cancel order").click()
        expect(cancellable).to_have_count(count - 1)


def test_a_request_with_its_help_text_is_sent_read_and_withdrawn(
    playwright: Any, server: str
) -> None:
    with tablet(playwright, server) as page:
        sign_in_by_pin(page)
        choose_language(page, "ru")
        go(page, "requests")
        page.locator("#new-request").click()
        ready(page, "requests")
        complaint = page.locator('a[data-type="complaint"]')
        expect(complaint.locator("span")).to_have_text(re.compile("Опишите, что произошло"))
        complaint.click()
        page.wait_for_selector('form.request-form[data-type="complaint"]')
        page.locator("form.request-form textarea").first.fill("Болит зуб с понедельника.")
        page.locator("#send-request").click()
        page.wait_for_selector(".history")
        expect(page.locator("main")).to_contain_text("Болит зуб с понедельника.")
        page.locator('form[data-form="reply"] textarea').fill("И вчера тоже болел.")
        page.locator('form[data-form="reply"] button[type=submit]').click()
        expect(page.locator(".history")).to_contain_text("И вчера тоже болел.")
        page.locator("button", has_text=STRINGS["ru"]["requests.withdraw"]).click()
        expect(page.locator("button", has_text=STRINGS["ru"]["requests.withdraw"])).to_have_count(0)


def test_a_network_cut_loses_no_text_and_places_the_order_exactly_once(
    playwright: Any, server: str, database: str
) -> None:
    words = "Palun luba mul arsti juurde minna, selg valutab."
    with tablet(playwright, server) as page:
        sign_in_by_pin(page)
        choose_language(page, "et")
        open_address(page, "#/requests/new/complaint", "requests")
        box = page.locator("form.request-form textarea").first
        box.fill(words[:20])
        page.context.set_offline(True)
        box.press_sequentially(words[20:])
        page.locator("#send-request").click()
        expect(page.locator("#offline")).to_be_visible()
        expect(page.locator(".form-status")).to_contain_text(STRINGS["et"]["offline"])
        assert box.input_value() == words
        page.context.set_offline(False)
        page.reload()  # even a restart keeps the draft
        ready(page, "requests")
        box = page.locator("form.request-form textarea").first
        assert box.input_value() == words
        page.locator("#send-request").click()
        page.wait_for_selector(".history")
        assert requests_saying(database, words) == 1

        # An order: the network goes as it is placed; the tablet keeps it with its key.
        go(page, "shop")
        page.locator("#shop-search").fill("Must tee")
        page.locator("li.product").first.locator("button", has_text="+").click()
        expect(page.locator("#place-order")).to_be_enabled()
        before = len(orders(database))
        page.context.set_offline(True)
        page.locator("#place-order").click()
        expect(page.locator("#retry-order")).to_be_visible()
        page.context.set_offline(False)
        # Back online, the answer is lost on the way back: the order is made, the tablet
        # does not know it...
        lost = {"answers": 0}

        def lose_the_answer(route: Any) -> None:
            route.fetch()
            lost["answers"] += 1
            route.abort("connectionreset")

        page.route("**/api/v1/orders", lose_the_answer)
        with page.expect_event("requestfailed", lambda r: r.url.endswith("/api/v1/orders")):
            page.locator("#retry-order").click()
        page.unroute("**/api/v1/orders")
        expect(page.locator("#retry-order")).to_be_visible()
        assert lost["answers"] == 1 and len(orders(database)) == before + 1
        # ...and the retry, with the same key, returns that order instead of a second one.
        page.locator("#retry-order").click()
        expect(page.locator(".cart .notice.success")).to_be_visible()
        assert len(orders(database)) == before + 1
        expect(page.locator("#retry-order")).to_have_count(0)


def test_a_conversation_shows_its_passed_photo_and_never_a_held_message(
    playwright: Any, server: str, database: str
) -> None:
    contact_id, passed = conversation_of_pin_inmate(database)
    with tablet(playwright, server, "landscape") as page:
        sign_in_by_pin(page)
        go(page, "messages")
        expect(page.locator(f'a[data-contact="{contact_id}"] .badge')).to_be_visible()  # unread
        open_address(page, f"#/messages/{contact_id}", "messages")
        page.wait_for_selector(".thread .photo img")
        assert page.locator(".thread li").count() == passed, "the held message is not shown"
        size = page.evaluate(
            "(() => { const i = document.querySelector('.thread .photo img');"
            " return [i.naturalWidth, i.naturalHeight]; })()"
        )
        assert size == [320, 200], "the photo's own pixels, decoded by the browser"
        language = page.locator("html").get_attribute("lang")
        check_screen(page, language, "conversation")
        page.locator("#message-body").fill("Aitäh piltide eest!")
        page.locator("#send-message").click()
        said = (STRINGS[language]["messages.sent_held"], STRINGS[language]["messages.sent_passed"])
        expect(page.locator("[data-form=message] .form-status")).to_contain_text(
            re.compile("|".join(re.escape(s) for s in said))
        )
        expect(page.locator(".thread li.mine")).to_have_count(1)
        assert page.problems == []  # type: ignore[attr-defined]


def test_a_call_is_held_confirmed_and_joined_only_in_its_window(
    playwright: Any, server: str, database: str
) -> None:
    with tablet(playwright, server) as page:
        sign_in_by_pin(page)
        choose_language(page, "en")
        go(page, "calls")
        page.locator("#call-contact").select_option(label="Maie Tamm")
        page.locator(".slots li").first.locator("button").click()
        held = page.locator('.bookings li[data-status="held"]')
        expect(held).to_have_count(1)
        held.locator("button", has_text="Confirm").click()
        confirmed = page.locator('.bookings li[data-status="confirmed"]')
        expect(confirmed).to_have_count(1)
        booking_id = int(confirmed.get_attribute("data-booking") or 0)
        expect(page.locator(f"#join-{booking_id}")).to_be_hidden()
        move_call_to_start_in(database, booking_id, timedelta(minutes=2))
        go(page, "home")
        expect(page.locator('[data-tile="calls"]')).to_contain_text("Maie Tamm")
        go(page, "calls")
        join = page.locator(f"#join-{booking_id}")
        expect(join).to_be_visible()
        # The conferencing server is another machine: answer for it here.
        page.context.route(
            re.compile(r"^https?://(?!127\.0\.0\.1[:/])"), lambda r: r.fulfill(body="call")
        )
        with page.context.expect_page() as opened:
            join.click()
        assert "jwt=" in opened.value.url


def test_face_sign_in_with_a_live_face_and_a_still_photo_refused(
    playwright: Any, server: str, videos: dict[str, Path], database: str
) -> None:
    with tablet(playwright, server, video=videos["still"]) as page:
        page.locator("#face-start").click()
        expect(page.locator(".face-status")).to_contain_text(
            STRINGS["et"]["signin.prompt"], timeout=5_000
        )
        refused = load_catalogues()["et"].gettext(TYPES["sign-in-failed"].text)
        expect(page.locator(".face-status")).to_have_text(refused, timeout=60_000)
        assert page.locator("nav").count() == 0
        assert last_face_refusal(database) == "not-live"
    with tablet(playwright, server, video=videos["live"]) as page:
        page.locator("#face-start").click()
        ready(page, "home")
        # His own language, from his profile.
        expect(page.locator("html")).to_have_attribute("lang", "ru")
        expect(page.locator("#bar .who")).to_contain_text("Виктор")


def test_idle_sign_out_after_a_countdown_and_a_silent_token_refresh(
    playwright: Any, server: str
) -> None:
    with tablet(playwright, server, clock=True) as page:
        sign_in_by_pin(page)
        choose_language(page, "en")
        go(page, "money")
        # An access token the tablet no longer holds is renewed with the refresh token: the
        # inmate sees his screen, never the sign-in.
        page.evaluate(
            """() => { const t = JSON.parse(sessionStorage.getItem('cellgate.tokens'));
              t.access = 'cga_' + 'x'.repeat(43);
              sessionStorage.setItem('cellgate.tokens', JSON.stringify(t)); }"""
        )
        refreshed = []
        page.on(
            "response",
            lambda r: refreshed.append(r.status) if r.url.endswith("/session/refresh") else None,
        )
        page.reload()
        ready(page, "money")
        assert refreshed == [201]
        assert page.locator(".signin-pin").count() == 0
        # Nothing touched for nine and a half minutes: the countdown...
        page.clock.fast_forward("09:20")
        dialog = page.locator(".idle-box")
        expect(dialog).to_be_visible()
        expect(dialog).to_contain_text("You will be signed out in")
        # ...a touch keeps him signed in...
        dialog.locator("button").click()
        expect(dialog).to_be_hidden()
        page.clock.fast_forward("09:20")
        expect(dialog).to_be_visible()
        # ...and when it ends, he is signed out.
        page.clock.fast_forward("00:31")
        ready(page, "signin")
        expect(page.locator("main")).to_contain_text(STRINGS["en"]["idle.ended"])


def test_strict_headers_and_nothing_from_another_origin(playwright: Any, server: str) -> None:
    with tablet(playwright, server) as page:
        seen: list[str] = []
        page.on("request", lambda r: seen.append(r.url))
        answer = page.request.get(f"{server}/app/")
        csp = answer.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "default-src 'none'" in csp
        sign_in_by_pin(page)
        for screen in SCREENS:
            go(page, screen)
        outside = [u for u in seen if not u.startswith((server, f"blob:{server}"))]
        assert seen and outside == []
        assert page.problems == []  # type: ignore[attr-defined]
        worker = page.evaluate("navigator.serviceWorker.ready.then((r) => r.active.scriptURL)")
        assert worker == f"{server}/app/sw.js"
        # The shell opens without a network, from the service worker, and says so.
        page.context.set_offline(True)
        page.reload()
        expect(page.locator("#offline")).to_be_visible()
        expect(page.locator("nav")).to_be_visible()
        page.context.set_offline(False)
