"""Kiosk benchmarks, one JSON object per line.

On the demo data (the demo prison from `cellgate seed demo` plus a small shop with product
photos, money and a PIN, as the kiosk's e2e tests use) in a fresh SQLite database, the kiosk is
served by gunicorn (one worker, as `cellgate serve kiosk` runs each) on a free local port.
A signed-in inmate with something in his cart and one order opens every screen in Debian's
Chromium:

1. `kiosk.page_weight.<screen>`: the bytes of the page and of everything it loads (styles,
   script, icons, product photos), as the browser received them. Goal: under 300 KB each.
2. `kiosk.server_ms.<screen>`: the server's answer time for the page itself (the HTML), the
   median and the 95th percentile of BENCH_KIOSK_ROUNDS requests (default 30) over one
   keep-alive connection from this machine. Goal: under 200 ms.

    .venv/bin/python bench/kiosk.py
"""

from __future__ import annotations

import http.client
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from playwright.sync_api import sync_playwright

from kiosk.security import DEVICE_COOKIE
from tests.e2e.kiosk_world import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    KIOSK_CREDENTIAL,
    PIN,
    PIN_INMATE,
    build_world,
    kiosk_server,
)

WEIGHT_GOAL_BYTES = 300 * 1024
ANSWER_GOAL_MS = 200.0
ROUNDS = int(os.environ.get("BENCH_KIOSK_ROUNDS", "30"))


def emit(metric: str, value: float, unit: str, **extra: Any) -> None:
    print(json.dumps({"metric": metric, "value": value, "unit": unit, **extra}), flush=True)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="cellgate-bench-kiosk-") as folder:
        world = build_world(Path(folder))
        with (
            kiosk_server(
                world,
                "bench",
                signin__pin_allowed="true",
                kiosk__idle_seconds="600",
                kiosk__request_rate_limit="100000 per minute",
            ) as server,
            sync_playwright() as playwright,
        ):
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(f"{server.url}/device#{KIOSK_CREDENTIAL}")
            page.wait_for_url(f"{server.url}/")
            screens = {"start": "/", "pin": "/sign-in/pin"}
            weights = {name: weigh(page, server.url + path) for name, path in screens.items()}

            page.fill("#prison_number", PIN_INMATE)
            page.fill("#pin", PIN)
            page.locator("#pin-form button[type=submit]").click()
            page.wait_for_url(f"{server.url}/home")
            page.goto(f"{server.url}/shop")
            page.locator('li[data-sku="K-TEA"] button[value="add"]').click()
            page.locator("#cart-link").click()
            page.locator("#place-order").click()
            page.wait_for_url("**/orders/*")
            order_path = urlparse(page.url).path
            page.goto(f"{server.url}/shop")
            page.locator('li[data-sku="K-SOAP"] button[value="add"]').click()
            signed_in = {
                "home": "/home",
                "money": "/money",
                "shop": "/shop",
                "shop_category": "/shop?category=food",
                "cart": "/shop/cart",
                "orders": "/orders",
                "order": order_path,
                "requests": "/requests",
                "request_new": "/requests/new/see_doctor",
                "visits": "/visits",
            }
            for name, path in signed_in.items():
                weights[name] = weigh(page, server.url + path)
            every = page.context.cookies()
            signed_in_cookies = "; ".join(f"{c['name']}={c['value']}" for c in every)
            # Before sign-in the browser holds only the kiosk's device cookie.
            device_cookie = "; ".join(
                f"{c['name']}={c['value']}" for c in every if c["name"] == DEVICE_COOKIE
            )
            for name, path in {**screens, **signed_in}.items():
                cookies = device_cookie if name in screens else signed_in_cookies
                emit(
                    f"kiosk.page_weight.{name}",
                    weights[name],
                    "bytes",
                    goal_bytes=WEIGHT_GOAL_BYTES,
                    ok=weights[name] < WEIGHT_GOAL_BYTES,
                )
                p50, p95 = answer_times(server.url, path, cookies)
                emit(
                    f"kiosk.server_ms.{name}",
                    round(p50, 1),
                    "ms",
                    p95_ms=round(p95, 1),
                    rounds=ROUNDS,
                    goal_ms=ANSWER_GOAL_MS,
                    ok=p95 < ANSWER_GOAL_MS,
                )
            emit("kiosk.page_weight.max", max(weights.values()), "bytes")
            browser.close()


def weigh(page: Any, url: str) -> int:
    """The bytes a fresh load of the page brings: the page and everything it loads."""
    client = page.context.new_cdp_session(page)
    client.send("Network.enable")
    client.send("Network.setCacheDisabled", {"cacheDisabled": True})
    received: dict[str, int] = {}

    def finished(event: dict[str, Any]) -> None:
        received[event["requestId"]] = int(event["encodedDataLength"])

    client.on("Network.loadingFinished", finished)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    client.detach()
    return sum(received.values())


def answer_times(base: str, path: str, cookies: str) -> tuple[float, float]:
    parsed = urlparse(base)
    connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=30)
    times = []
    for _ in range(ROUNDS):
        started = time.perf_counter()
        connection.request("GET", path, headers={"Cookie": cookies})
        response = connection.getresponse()
        response.read()
        times.append((time.perf_counter() - started) * 1000)
        if response.status != 200:
            raise RuntimeError(f"{path} answered {response.status}")
    connection.close()
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


if __name__ == "__main__":
    main()
