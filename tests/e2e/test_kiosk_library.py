"""The kiosk's library in a real browser: Debian's Chromium against the kiosk under gunicorn.
An inmate signs in by PIN, finds a real WebM film (made by ffmpeg here, uploaded through the
content services and published to his prison), plays it with its subtitles, seeks, and the
seek is answered 206 with the part of the file asked for; where he paused comes back on the
next visit."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from backoffice.content import services
from backoffice.content.services.media import SUBTITLES, VIDEO
from backoffice.db import make_engine, make_session_factory
from backoffice.people.models import Prison
from backoffice.seed import DEMO_PRISON_CODE
from backoffice.settings import load_settings
from backoffice.staff.models import StaffUser
from tests.e2e.browsing import follow
from tests.e2e.kiosk_world import (
    A11Y_AUDIT,
    CHROMIUM,
    CHROMIUM_FLAGS,
    KIOSK_CREDENTIAL,
    PIN,
    PIN_INMATE,
    Server,
    World,
    build_world,
    kiosk_server,
)
from tests.integration.content_world import SUBTITLES as SUBTITLE_TEXT
from tests.integration.content_world import published

pytestmark = pytest.mark.e2e

SECONDS = 20


def film(path: Path) -> Path:
    """20 seconds of 640x360 VP8 at about 2 Mbit/s and Opus sound: some 5 MB, more than a
    browser reads for a player's metadata, so a seek far in is a new Range request."""
    subprocess.run(
        ["ffmpeg", "-hide_banner", "-loglevel", "error", "-y",
         "-f", "lavfi", "-i", f"testsrc2=duration={SECONDS}:size=640x360:rate=25",
         "-f", "lavfi", "-i", f"sine=frequency=440:duration={SECONDS}",
         "-c:v", "libvpx", "-deadline", "realtime", "-b:v", "2M", "-minrate", "2M",
         "-maxrate", "2M", "-c:a", "libopus", "-shortest", str(path)],
        check=True,
        timeout=300,
    )  # fmt: skip
    return path


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    made = build_world(tmp_path_factory.mktemp("kiosk-library-e2e"))
    media = made.folder / "media"
    clip = film(made.folder / "film.webm")
    vtt = made.folder / "film.vtt"
    vtt.write_bytes(SUBTITLE_TEXT)
    settings = load_settings({}).with_overrides(
        {"mode": "test", "database_url": made.database_url, "content.media_dir": str(media)}
    )
    config = services.MediaConfig.from_settings(settings)
    engine = make_engine(made.database_url)
    with make_session_factory(engine)() as db:
        staff = {u.username: u for u in db.scalars(select(StaffUser))}
        author, reviewer = staff["officer"], staff["admin"]
        prison = db.scalars(select(Prison).where(Prison.code == DEMO_PRISON_CODE)).one()
        maker = services.editorial.Actor(kind="staff", id=author.id, name=author.username)
        with clip.open("rb") as fh:
            video = services.store(db, maker, config, fh, "film.webm", allowed=VIDEO)
        with vtt.open("rb") as fh:
            subtitles = services.store(db, maker, config, fh, "film.vtt", allowed=SUBTITLES)
        for language, title in (("et", "Hommikvõimlemine"), ("en", "Morning exercise")):
            item = published(
                db, author, reviewer, [services.TargetSpec(prison.id)], kind="video",
                title=title, media=video, subtitles=subtitles, language=language,
            )  # fmt: skip
            assert item.id
        db.commit()
    engine.dispose()
    return made


@pytest.fixture(scope="module")
def server(world: World) -> Iterator[Server]:
    with kiosk_server(
        world,
        "library",
        signin__pin_allowed="true",
        content__media_dir=str(world.folder / "media"),
        kiosk__sign_in_rate_limit="200 per minute",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def playwright() -> Iterator[Any]:
    with sync_playwright() as running:
        yield running


def test_the_kiosk_plays_a_film_and_a_seek_is_answered_206(playwright: Any, server: Server) -> None:
    flags = [*CHROMIUM_FLAGS, "--autoplay-policy=no-user-gesture-required"]
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
    media: list[tuple[int, str, str]] = []
    try:
        page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
        page.set_default_timeout(30_000)
        page.on(
            "response",
            lambda r: (
                media.append(
                    (
                        r.status,
                        r.request.headers.get("range", ""),
                        r.headers.get("content-range", ""),
                    )
                )
                if "/library/media/" in r.url
                else None
            ),
        )
        page.goto(f"{server.url}/device#{KIOSK_CREDENTIAL}")
        page.wait_for_url(f"{server.url}/")
        follow(page, page.locator("#pin-link"))
        page.fill("#prison_number", PIN_INMATE)
        page.fill("#pin", PIN)
        follow(page, page.locator("#pin-form button[type=submit]"))
        page.wait_for_url(f"{server.url}/home")
        follow(page, page.locator('nav.menu a[href="/library"]'))
        page.wait_for_url(f"{server.url}/library")
        assert page.evaluate(A11Y_AUDIT) == []
        # A search typed on the on-screen keyboard: a kiosk has no keyboard.
        page.locator("#library-q").click()
        for key in "hom":
            page.locator(f'.keyboard button[data-char="{key}"]').click()
        follow(page, page.locator("#library-search"))
        page.wait_for_url(re.compile(r".*/library\?q=hom$"))
        follow(page, page.locator("ul.rows a", has_text="Hommikvõimlemine"))
        page.wait_for_selector("video#player")
        assert page.evaluate(A11Y_AUDIT) == []
        page.wait_for_function("() => document.getElementById('player').readyState >= 1")
        assert page.evaluate("Math.round(document.getElementById('player').duration)") == SECONDS
        page.evaluate(
            "p => { p.muted = true; return p.play(); }", page.locator("#player").element_handle()
        )
        page.wait_for_function("() => document.getElementById('player').currentTime > 0.5")
        tracks = page.evaluate("document.getElementById('player').textTracks.length")
        assert tracks == 1
        page.evaluate(
            "() => new Promise(done => { const p = document.getElementById('player');"
            " p.addEventListener('seeked', done, {once: true}); p.currentTime = 16; })"
        )
        page.wait_for_function("() => document.getElementById('player').currentTime >= 16")
        with page.expect_response(lambda r: "/position" in r.url) as saved:
            page.evaluate("document.getElementById('player').pause()")
        assert saved.value.status == 204
        partial = [m for m in media if m[0] == 206]
        assert partial, media
        # The seek: a range from well inside the file, answered with that part.
        later = [m for m in partial if m[1] and not m[1].startswith("bytes=0-")]
        assert later, media
        assert all(m[2].startswith("bytes ") for m in later), later
        page.reload()
        position = int(page.locator("#player").get_attribute("data-position") or "0")
        assert position >= 16
    finally:
        browser.close()
