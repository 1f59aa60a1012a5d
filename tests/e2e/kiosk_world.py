"""What the kiosk's end-to-end tests (and bench/kiosk.py) stand on: a migrated SQLite database
with the demo prison plus a shop, money, a PIN and an enrolled face; the kiosk served by
gunicorn on a free port; Chromium through Playwright; and camera videos (y4m) made from real
face photographs for Chromium's fake camera.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import PIL.Image
import PIL.ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.money.services import income_rules, receive_money
from backoffice.people.models import Inmate, Prison
from backoffice.seed import DEMO_PRISON_CODE, seed_demo
from backoffice.settings import ROOT, load_settings
from backoffice.shop import services as shop
from backoffice.shop.models import Category, Product, ShopSchedule
from backoffice.signin import services as signin
from hardware.faces import FaceBox, FaceMatcher, Image

# Chromium as DESIGN.md says: Debian's build, headless, nothing fetched from outside.
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"
PIN = "4826"
# Demo inmates on wing A (the demo kiosk-A's wing): an Estonian, and a Russian speaker whose
# enrolled face is a real photograph.
PIN_INMATE = "TRT1001"
FACE_INMATE = "TRT1017"
KIOSK_CREDENTIAL = "cgd_kioska.demo-kiosk-A-secret-0000000000000000"
PRODUCTS = [
    # sku, category, et, ru, en, price in cents, colour of the made-up photo
    ("K-COFFEE", "food", "Kohv 200 g", "Кофе 200 г", "Coffee 200 g", 350, (120, 72, 40)),
    ("K-TEA", "food", "Tee 50 pakki", "Чай 50 пакетиков", "Tea 50 bags", 290, (46, 125, 50)),
    ("K-BISCUIT", "food", "Küpsised", "Печенье", "Biscuits", 180, (205, 160, 70)),
    ("K-SOAP", "hygiene", "Seep", "Мыло", "Soap", 120, (60, 110, 190)),
    ("K-PASTE", "hygiene", "Hambapasta", "Зубная паста", "Toothpaste", 240, (30, 140, 160)),
    ("K-RADIO", "electronics", "Raadio", "Радио", "Radio", 4_500, (70, 70, 70)),
]
CATEGORIES = {
    "food": ("Toit", "Еда", "Food", 1),
    "hygiene": ("Hügieen", "Гигиена", "Hygiene", 2),
    "electronics": ("Elektroonika", "Электроника", "Electronics", 3),
}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def product_photo(name: str, colour: tuple[int, int, int]) -> bytes:
    """A small made-up product picture (a coloured pack with its initial): a few KB of JPEG."""
    image = PIL.Image.new("RGB", (240, 168), (242, 242, 242))
    draw = PIL.ImageDraw.Draw(image)
    draw.rounded_rectangle((60, 14, 180, 154), radius=14, fill=colour)
    draw.text((104, 64), name[0], fill=(255, 255, 255), font_size=40)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=80)
    return out.getvalue()


@dataclass(frozen=True)
class World:
    database_url: str
    folder: Path


def build_world(
    folder: Path, matcher: FaceMatcher | None = None, face: Image | None = None
) -> World:
    """Migrate and seed a SQLite database, then add the shop, money, a PIN and a face."""
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'kiosk.sqlite3'}"
    settings = load_settings({}).with_overrides({"mode": "test", "database_url": url})
    engine = make_engine(url)
    migrate.upgrade(engine)
    with make_session_factory(engine)() as db:
        # Wing A without the demo's money: the tests count the two inmates' own to the cent.
        seed_demo(
            db,
            min_password_length=settings["auth"]["min_password_length"],
            money_for_wing_a=False,
        )
        db.commit()
        add_kiosk_data(db, settings, matcher, face)
        db.commit()
    engine.dispose()
    return World(url, folder)


def inmate(db: Session, number: str) -> Inmate:
    found = db.scalar(select(Inmate).where(Inmate.prison_number == number))
    assert found is not None, number
    return found


def add_kiosk_data(
    db: Session, settings: Any, matcher: FaceMatcher | None, face: Image | None
) -> None:
    actor = Actor.system("kiosk-e2e")
    prison = db.scalar(select(Prison).where(Prison.code == DEMO_PRISON_CODE))
    assert prison is not None
    for code, (et, ru, en, order) in CATEGORIES.items():
        if db.scalar(select(Category).where(Category.code == code)) is None:
            db.add(Category(code=code, name_et=et, name_ru=ru, name_en=en, sort_order=order))
    db.flush()
    for sku, category, et, ru, en, price, colour in PRODUCTS:
        product = db.scalar(select(Product).where(Product.sku == sku))
        if product is None:
            product = shop.create_product(
                db,
                actor,
                sku=sku,
                category_code=category,
                names={"et": et, "ru": ru, "en": en},
                price_cents=price,
                stock=100,
                tags=["electronics"] if category == "electronics" else [],
            )
        product.photo = product_photo(en, colour)
        product.photo_type = "image/jpeg"
    # Ordering is open on the day the tests run, whatever the weekday.
    today = date.today().weekday()
    for wing in prison.wings:
        db.merge(
            ShopSchedule(
                wing_id=wing.id,
                opens_weekday=today,
                cutoff_weekday=(today + 2) % 7,
                cutoff_time="23:59",
                delivery_weekday=(today + 3) % 7,
            )
        )
    family_deposits(db, actor, settings, {PIN_INMATE: 3_000, FACE_INMATE: 2_500})
    signin.set_pin(db, actor, inmate(db, PIN_INMATE), PIN)
    if matcher is not None and face is not None:
        signin.enroll_face(db, actor, inmate(db, FACE_INMATE), [face], matcher)
    db.flush()


def family_deposits(db: Session, actor: Actor, settings: Any, cents: dict[str, int]) -> None:
    """Money from family for each prison number, split by the income rules as any deposit."""
    rules = income_rules(settings)
    for number, amount in cents.items():
        receive_money(
            db,
            actor,
            inmate(db, number),
            key=f"{actor.name}-deposit-{number}",
            amount_cents=amount,
            source_code="family_deposits",
            code="deposit",
            reason="family deposit",
            rules=rules,
        )


def browser_flags(video: Path | None = None) -> list[str]:
    """Chromium's flags, with a fake camera playing `video` (a y4m file) when given."""
    flags = list(CHROMIUM_FLAGS)
    if video is not None:
        flags += [
            "--use-fake-device-for-media-stream",
            "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={video}",
        ]
    return flags


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    log: Path


@contextmanager
def kiosk_server(
    world: World, name: str, *, app: str = "kiosk:create_app()", base: str = "", **settings: str
) -> Iterator[Server]:
    """The kiosk (or another of the three `app`s, whose pages are under `base`) under gunicorn
    on 127.0.0.1 and a free port; stopped on leaving."""
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("CELLGATE_")},
        "CELLGATE_MODE": "test",
        "CELLGATE_DATABASE_URL": world.database_url,
        **{f"CELLGATE_{key.upper()}": value for key, value in settings.items()},
    }
    log = world.folder / f"gunicorn-{name}.log"
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "config/gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        "1",
        "--threads",
        "4",
        app,
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    server = Server(f"http://127.0.0.1:{port}{base}", process, log)
    try:
        wait_until_healthy(server)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_until_healthy(server: Server, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"the kiosk server stopped: {server.log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{server.url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)  # gunicorn is starting: ask again shortly
    raise RuntimeError(f"the kiosk server did not answer: {server.log.read_text()[-3000:]}")


# --- camera videos --------------------------------------------------------------------------


def turn_head(image: Image, box: FaceBox, amount: float) -> Image:
    """The face seen with the head turned a little: the middle of the face slides sideways
    while its outline stays, as when a real head turns (the nose moves across the face)."""
    height, width = image.shape[:2]
    xs = np.arange(width, dtype=np.float32)
    centre = (box.left + box.right) / 2
    half = box.width * 0.6
    along = np.clip((xs - centre) / half, -1.0, 1.0)
    source_x = xs - amount * half * (1.0 - along**2)
    map_x = np.tile(source_x, (height, 1)).astype(np.float32)
    map_y = np.tile(np.arange(height, dtype=np.float32)[:, None], (1, width))
    return cv2.remap(image, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def write_y4m(path: Path, frames: list[Image], fps: int = 10) -> Path:
    """A YUV4MPEG2 video (a text header, then raw I420 frames) for Chromium's fake camera."""
    height, width = frames[0].shape[:2]
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F{fps}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:
            out.write(b"FRAME\n")
            out.write(cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420).tobytes())
    return path


def moving_face_video(path: Path, frame: Image, matcher: FaceMatcher, seconds: int = 4) -> Path:
    """A face that keeps turning left and right: 3 frames each way at 10 frames a second, so
    any burst of a few frames a quarter of a second apart sees the head turn."""
    box = matcher.detect(frame)[0]
    left, right = turn_head(frame, box, -0.18), turn_head(frame, box, 0.18)
    cycle = [left] * 3 + [right] * 3
    return write_y4m(path, (cycle * (seconds * 10 // len(cycle) + 1))[: seconds * 10])


def still_photo_video(path: Path, frame: Image, seconds: int = 4) -> Path:
    """The same photograph held perfectly still in front of the camera."""
    return write_y4m(path, [frame] * (seconds * 10))


# --- accessibility ---------------------------------------------------------------------------

# Run in the page: what on this screen falls short of WCAG 2.2 AA for contrast (4.5:1, large
# text 3:1), names (every control has a label or text) and touch targets (48 px here, stricter
# than AA's 24 px, because the kiosk is used standing, by touch).
A11Y_AUDIT = (Path(__file__).resolve().parent / "kiosk_a11y.js").read_text()
