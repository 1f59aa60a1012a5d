"""Face enrolment at reception in a real browser: Chromium's fake camera plays a video made from
a real photograph, the officer takes a photo on the inmate's page and enrols it."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from playwright.sync_api import expect, sync_playwright
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from backoffice.people.models import Inmate
from backoffice.settings import Settings
from backoffice.signin.models import FaceTemplate
from backoffice.surface import equipment
from backoffice.web import create_app
from hardware.faces import FaceRecognitionMatcher
from tests import photos
from tests.conftest import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]
CHROMIUM = "/usr/bin/chromium"


def write_y4m(path: Path, frame: np.ndarray, count: int = 20) -> Path:
    """A y4m video (a text header, then raw I420 frames) that Chromium's fake camera plays."""
    height, width = frame.shape[:2]
    i420 = cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes()
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(count):
            out.write(b"FRAME\n" + i420)
    return path


@pytest.fixture
def backoffice(settings: Settings) -> Iterator[str]:
    app = create_app(settings)
    equipment(app).face_matcher = FaceRecognitionMatcher(upsample=0)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    httpd.daemon_threads = False
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    thread.join(timeout=10)
    httpd.server_close()
    app.extensions["cellgate"]["engine"].dispose()


def test_an_officer_enrols_a_face_from_the_reception_camera(
    backoffice: str,
    db: Session,
    make_staff: Callable[..., object],
    make_inmate: Callable[..., Inmate],
    tmp_path: Path,
) -> None:
    make_staff("officer", "officer")
    inmate = make_inmate("A", "A1")
    image = photos.load("obama.jpg")
    video = write_y4m(tmp_path / "reception.y4m", photos.frame(image))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        try:
            page = browser.new_page()
            page.goto(f"{backoffice}/sign-in")
            page.fill("input[name=username]", "officer")
            page.fill("input[name=password]", TEST_PASSWORD)
            # The sign-in form's own button (the header's language switch has buttons too).
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_url(f"{backoffice}/")
            page.goto(f"{backoffice}/signin/inmates/{inmate.id}")
            page.click("text=Start the camera")
            expect(page.locator("[data-take]")).to_be_enabled(timeout=15_000)
            page.click("text=Take a photo")
            expect(page.locator("[data-status]")).to_contain_text("1 photo(s) taken")
            page.get_by_role("button", name="Enrol", exact=True).click()
            expect(page.locator("main")).to_contain_text(
                f"1 face image(s) enrolled for {inmate.full_name}."
            )
            page.screenshot(path=str(tmp_path / "enrolled.png"))
        finally:
            browser.close()
    db.rollback()
    template = db.scalars(select(FaceTemplate).where(FaceTemplate.inmate_id == inmate.id)).one()
    assert (template.source, template.enrolled_by) == ("camera", "officer")
