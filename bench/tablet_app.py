"""The tablet app's benchmark, one JSON object per line.

In one run, on PostgreSQL and the same gunicorn settings as bench/tablet_api.py (whose prison,
servers and load generator it uses): the requests per second and CPU per request of /ping (a
bare Flask app), of the balance and the catalogue, each also revalidated (If-None-Match with
the ETag the tablet kept, as the app's browser does), and of placing an order; then, in
Debian's Chromium, the app's first load in bytes (to the signed-in home screen; product photos
load only when the shop shows them, counted apart) and the time from a cold start (no cache, no
service worker) to the sign-in screen and to the signed-in home screen, and a warm start's.

Goals (issue 23): first load under 300 KB; catalogue revalidated at least 0.5 of /ping's rate;
orders at 300/s or more with p99 under 150 ms on the 2-core machine.

    .venv/bin/python bench/tablet_app.py
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright
from sqlalchemy import select

from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.people.models import Inmate
from backoffice.shop import services as shop
from backoffice.shop.demo_photos import product_picture
from backoffice.shop.models import Product
from backoffice.signin import services as signin
from bench.tablet_api import SECONDS, bench_run, emit, measure, report, report_orders
from tests.e2e.kiosk_world import CHROMIUM, CHROMIUM_FLAGS

PIN = "4826"
BROWSER_RUNS = int(os.environ.get("BENCH_BROWSER_RUNS", "3"))
APP_SETTINGS = {"CELLGATE_SIGNIN__PIN_ALLOWED": "true", "CELLGATE_TABLET__SIGN_IN_METHODS": "pin"}


def dress(url: str) -> str:
    """Photos for the bench's products and a PIN for its first inmate; his number."""
    engine = make_engine(url)
    actor = Actor.system("bench")
    with make_session_factory(engine)() as db:
        for product in db.scalars(select(Product)):
            picture = product_picture(product.sku, "food", product.name_en)
            shop.set_photo(db, actor, product.id, picture)
        first = db.scalar(select(Inmate).order_by(Inmate.id).limit(1))
        assert first is not None
        signin.set_pin(db, actor, first, PIN)
        number = first.prison_number
        db.commit()
    engine.dispose()
    return number


def etag_of(port: int, path: str, headers: dict[str, str]) -> str:
    ask = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(ask, timeout=10) as answer:
        return str(answer.headers["ETag"])


def browser_figures(base: str, credential: str, number: str) -> dict[str, list[float]]:
    figures: dict[str, list[float]] = {
        "first_load_bytes": [],
        "shop_first_view_bytes": [],
        "cold_start_to_sign_in_ms": [],
        "cold_start_to_home_ms": [],
        "warm_start_to_home_ms": [],
    }
    with sync_playwright() as playwright:
        for _ in range(BROWSER_RUNS):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            context = browser.new_context(viewport={"width": 1280, "height": 800})
            page = context.new_page()
            loaded: list[int] = []

            def count(response: Any, into: list[int] = loaded) -> None:
                # A redirect or an aborted load has no body to count.
                with contextlib.suppress(Exception):
                    into.append(len(response.body()))

            page.on("response", count)
            started = time.perf_counter()
            page.goto(f"{base}/app/#device={credential}")
            page.wait_for_selector('main[data-ready="signin"]')
            at_sign_in = time.perf_counter()
            page.locator('input[name="prison_number"]').fill(number)
            page.locator('input[name="pin"]').fill(PIN)
            page.locator(".signin-pin button[type=submit]").click()
            page.wait_for_selector('main[data-ready="home"]')
            at_home = time.perf_counter()
            figures["cold_start_to_sign_in_ms"].append((at_sign_in - started) * 1000)
            figures["cold_start_to_home_ms"].append((at_home - started) * 1000)
            figures["first_load_bytes"].append(sum(loaded))
            before_shop = sum(loaded)
            page.locator('nav a[data-screen="shop"]').click()
            page.wait_for_selector('main[data-ready="shop"]')
            page.wait_for_selector(".photo img")
            page.wait_for_load_state("networkidle")
            figures["shop_first_view_bytes"].append(sum(loaded) - before_shop)
            # A warm start: the shell from the service worker, the API revalidated.
            page.evaluate("navigator.serviceWorker.ready")
            again = time.perf_counter()
            page.goto(f"{base}/app/")
            page.wait_for_selector('main[data-ready="home"]')
            figures["warm_start_to_home_ms"].append((time.perf_counter() - again) * 1000)
            browser.close()
    return figures


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


def main() -> None:
    with bench_run("cellgate_bench_tablet_app", APP_SETTINGS) as run:
        number = dress(run.url)
        ping_request = run.warm_up()
        ping = measure(run.ping, ping_request, SECONDS)
        report("ping", ping)
        for name, path in (("balance", "/api/v1/balance"), ("catalogue", "/api/v1/catalogue")):
            plain = measure(run.api, run.get(path), SECONDS)
            report(name, plain, ping["rps"])
            kept = [etag_of(run.api.port, path, run.auth(i)) for i in range(len(run.tablets))]
            revalidated = measure(run.api, run.get(path, kept), SECONDS)
            report(f"{name}_revalidated", revalidated, ping["rps"])
        emit(
            "tablet_app.catalogue_revalidated.goal_met",
            int(revalidated["rps"] >= 0.5 * ping["rps"]),
            "bool",
            goal="at least 0.5 of /ping",
        )
        report_orders(run, ping["rps"])
        figures = browser_figures(f"http://127.0.0.1:{run.api.port}", run.tablets[0][0], number)
        for metric, values in figures.items():
            unit = "bytes" if metric.endswith("bytes") else "ms"
            shown = [round(v, 1) for v in values]
            emit(f"tablet_app.{metric}", round(median(values), 1), unit, runs=shown)
        emit(
            "tablet_app.first_load.goal_met",
            int(median(figures["first_load_bytes"]) < 300_000),
            "bool",
            goal="under 300 KB",
        )


if __name__ == "__main__":
    main()
