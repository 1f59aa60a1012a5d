"""PostgreSQL stopped with `-m immediate` in the middle of the shop's day, then started again.

The tablet API and the back office run under gunicorn against a cluster of this test's own
(tests/postgres_cluster.py). Tablets place orders with idempotency keys and cancel some,
retrying every failure with the same key, as the tablet app does; shop staff pack and deliver
the others through the back office's pages, retrying as a person would press again. The
sealer runs through the crash. Afterwards every order exists once, every hold is resolved
once (posted on delivery, voided on cancelling), each balance is what the orders say, the
real `cellgate ledger check` passes, and no answer during the outage was a 500."""
# ruff: noqa: F811  (the cluster fixture is imported and then requested by name)

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory, utcnow
from backoffice.devices.services import register_device
from backoffice.money.services import inmate_accounts
from backoffice.people.models import Cell, Inmate, Prison, Wing
from backoffice.settings import ROOT
from backoffice.shop import services as shop
from backoffice.shop.models import Category, Order, OrderStatus
from backoffice.signin.models import InmateCredentials
from backoffice.staff.services import create_staff_user
from tests import ledger_load
from tests.conftest import TEST_PASSWORD
from tests.integration.tablet_world import PIN, always_open, deposit, pin_hash
from tests.postgres_cluster import Cluster, free_port, own_postgres  # noqa: F401

pytestmark = pytest.mark.postgres_only

TABLETS = 3
ORDERS_PER_TABLET = 10
CANCEL_EVERY = 4  # every fourth order is cancelled by the inmate, the others delivered
FUNDS_CENTS = 100_000
DEADLINE_SECONDS = 45


@dataclass
class Shop:
    inmates: list[tuple[int, str]]  # (inmate id, prison number)
    credentials: list[str]  # each inmate's tablet, in his cell
    coffee: int
    soap: int


def _seed(url: str) -> Shop:
    engine = make_engine(url)
    system = Actor.system("test")
    with make_session_factory(engine)() as db:
        prison = Prison(code="CRS", name="Crash Prison")
        wing = Wing(prison=prison, code="A", name="Wing A")
        cells = [Cell(wing=wing, number=f"A{n}") for n in range(1, TABLETS + 1)]
        db.add_all([prison, wing, *cells])
        db.flush()
        inmates, credentials = [], []
        for n, cell in enumerate(cells, start=1):
            inmate = Inmate(
                prison_number=f"CRS{n:04d}", first_name=f"First{n}", last_name=f"Last{n}",
                date_of_birth=date(1990, 1, 1), language="en", legal_status="remand",
                prison_id=prison.id, wing_id=wing.id, cell_id=cell.id,
                admitted_on=date(2026, 1, 1),
            )  # fmt: skip
            db.add(inmate)
            db.flush()
            db.add(InmateCredentials(inmate_id=inmate.id, pin_hash=pin_hash(), pin_set_at=utcnow()))
            deposit(db, inmate, FUNDS_CENTS)
            tablet = register_device(db, system, kind="tablet", name=f"tab-{n}", cell_id=cell.id)
            inmates.append((inmate.id, inmate.prison_number))
            credentials.append(tablet.credential)
        db.add(Category(code="food", name_et="Toit", name_ru="Еда", name_en="Food"))
        db.flush()
        products = [
            shop.create_product(
                db, system, sku=sku, category_code="food",
                names={"et": sku, "ru": sku, "en": sku}, price_cents=price, stock=10_000,
            ).id
            for sku, price in (("COF-1", 350), ("SOAP-1", 120))
        ]  # fmt: skip
        create_staff_user(
            db, system, username="sirje", full_name="Sirje", password=TEST_PASSWORD,
            roles=["shop"], min_password_length=12, language="en",
        )  # fmt: skip
        db.flush()
        always_open(db, prison)
        db.commit()
    engine.dispose()
    return Shop(inmates, credentials, *products)


# --- the servers ----------------------------------------------------------------------------


def _environment(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELLGATE_")}
    lots = "100000 per minute"
    env.update(
        {
            "CELLGATE_MODE": "test",
            "CELLGATE_DATABASE_URL": url,
            "CELLGATE_SIGNIN__PIN_ALLOWED": "true",
            "CELLGATE_TABLET__SIGN_IN_METHODS": "pin",
            "CELLGATE_TABLET__DEVICE_RATE_LIMIT": lots,
            "CELLGATE_TABLET__INMATE_RATE_LIMIT": lots,
            "CELLGATE_TABLET__SIGN_IN_RATE_LIMIT": lots,
            "CELLGATE_TABLET__ANONYMOUS_RATE_LIMIT": lots,
        }
    )
    return env


# What each server runs, where it answers its health check, and with how many workers.
SERVERS = {
    "api": ("tablet_api:create_app()", "/api/v1/health", 2),
    "office": ("backoffice.web:create_app()", "/health", 1),
}


@contextmanager
def _servers(url: str, logs: Path) -> Iterator[dict[str, str]]:
    """The tablet API and the back office under gunicorn on free ports, started side by side;
    their addresses by name."""
    started: dict[str, tuple[subprocess.Popen[bytes], str]] = {}
    try:
        for name, (app, _health, workers) in SERVERS.items():
            port = free_port()
            command = [
                sys.executable, "-m", "gunicorn", "-c", str(ROOT / "config/gunicorn.conf.py"),
                "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
                "--graceful-timeout", "1", app,
            ]  # fmt: skip
            with (logs / f"{name}.log").open("wb") as out:
                process = subprocess.Popen(
                    command, cwd=ROOT, env=_environment(url), stdout=out, stderr=out
                )
            started[name] = (process, f"http://127.0.0.1:{port}")
        for name, (process, base) in started.items():
            up = partial(_started, process, base + SERVERS[name][1])
            _wait_until(up, 60, f"{name} did not start: see {logs}")
        yield {name: base for name, (_process, base) in started.items()}
    finally:
        for process, _base in started.values():
            process.send_signal(signal.SIGQUIT)  # a quick stop: the test is over
        for process, _base in started.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _started(process: subprocess.Popen[bytes], address: str) -> bool:
    assert process.poll() is None, f"gunicorn stopped serving {address}"
    try:
        return requests.get(address, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def _wait_until(condition: Callable[[], bool], seconds: float, failure: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, failure
        time.sleep(0.05)  # polling the condition, not waiting for a time to pass


# --- the clients ----------------------------------------------------------------------------


@dataclass
class Seen:
    """What every client saw: answers by status, and which failures were retried."""

    statuses: Counter[int] = field(default_factory=Counter)
    server_errors: list[str] = field(default_factory=list)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, response: requests.Response, what: str, problem: bool) -> None:
        """A database away is a 503 with Retry-After (a problem+json on the API), never a
        500: a 500 is a bug to look at, a 503 is a moment to wait."""
        with self.lock:
            self.statuses[response.status_code] += 1
            if response.status_code < 500:
                return
            self.failures += 1
            kind = response.headers.get("Content-Type", "")
            if response.status_code != 503 or (problem and "problem+json" not in kind):
                self.server_errors.append(f"{what}: {response.status_code} {kind}")
            elif "Retry-After" not in response.headers:
                self.server_errors.append(f"{what}: 503 without Retry-After")

    def lost(self) -> None:
        with self.lock:
            self.failures += 1


def _until_done(
    seen: Seen,
    what: str,
    send: Callable[..., requests.Response],
    address: str,
    *,
    problem: bool = True,
    **request: Any,
) -> requests.Response:
    """Send the request until it gets an answer below 500; a lost connection or a 5xx is
    retried at once (the same request, the same key), up to the test's deadline. `problem`:
    the answers are the tablet API's (problem+json)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline:
        try:
            response = send(address, timeout=10, **request)
        except requests.RequestException:
            seen.lost()
            time.sleep(0.05)  # the server is away: ask again shortly
            continue
        seen.answer(response, what, problem)
        if response.status_code < 500:
            return response
        time.sleep(0.05)
    raise AssertionError(f"{what}: no answer before the deadline")


@dataclass
class Progress:
    placed: dict[str, int] = field(default_factory=dict)  # key -> order id
    cancelled: set[int] = field(default_factory=set)
    delivered: set[int] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    # Tablets place their second half of orders once the shop has delivered one, so that the
    # crash finds orders and deliveries both under way.
    first_delivery: threading.Event = field(default_factory=threading.Event)


def _tablet(
    api: str, credential: str, number: str, n: int, the_shop: Shop, seen: Seen,
    progress: Progress, to_deliver: queue.Queue[int | None],
) -> None:  # fmt: skip
    http = requests.Session()
    http.headers["X-Device-Credential"] = credential

    def sign_in() -> None:
        answer = _until_done(seen, "sign-in", http.post, f"{api}/api/v1/session/pin",
                             json={"prison_number": number, "pin": PIN})  # fmt: skip
        assert answer.status_code == 201, answer.text
        http.headers["Authorization"] = f"Bearer {answer.json()['access_token']}"

    sign_in()
    for i in range(ORDERS_PER_TABLET):
        if i == ORDERS_PER_TABLET // 2:
            assert progress.first_delivery.wait(DEADLINE_SECONDS), "the shop delivered nothing"
        key = f"crash-{n}-order-{i}"
        cart = {"lines": [{"product_id": the_shop.coffee, "quantity": 1 + i % 2},
                          {"product_id": the_shop.soap, "quantity": 1}]}  # fmt: skip
        answer = _until_done(seen, "order", http.post, f"{api}/api/v1/orders", json=cart,
                             headers={"Idempotency-Key": key})  # fmt: skip
        assert answer.status_code == 201, answer.text
        order_id = answer.json()["id"]
        progress.placed[key] = order_id
        if i % CANCEL_EVERY == CANCEL_EVERY - 1:
            done = _until_done(seen, "cancel", http.post, f"{api}/api/v1/orders/{order_id}/cancel")
            assert done.status_code == 200 and done.json()["status"] == "cancelled", done.text
            progress.cancelled.add(order_id)
        else:
            to_deliver.put(order_id)


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:300]
    return found.group(1)


def _status(page: str) -> str:
    found = re.search(r'<strong class="status" data-status="(\w+)">', page)
    assert found, page[:300]
    return found.group(1)


def _shop_staff(
    office: str, seen: Seen, progress: Progress, to_deliver: queue.Queue[int | None]
) -> None:
    """Sirje packs each order in full and confirms its delivery, through the pages."""
    http = requests.Session()
    form = _until_done(seen, "staff page", http.get, f"{office}/sign-in", problem=False)
    signed_in = _until_done(
        seen, "staff sign-in", http.post, f"{office}/sign-in", problem=False,
        allow_redirects=False,
        data={"username": "sirje", "password": TEST_PASSWORD, "csrf_token": _csrf(form.text)},
    )  # fmt: skip
    assert signed_in.status_code == 302, signed_in.text[:300]
    while (order_id := to_deliver.get(timeout=DEADLINE_SECONDS)) is not None:
        page_of = f"{office}/shop/orders/{order_id}"
        deadline = time.monotonic() + DEADLINE_SECONDS
        while time.monotonic() < deadline:
            page = _until_done(seen, "order page", http.get, page_of, problem=False)
            assert page.status_code == 200, page.text[:300]
            status = _status(page.text)
            if status == OrderStatus.DELIVERED:
                progress.delivered.add(order_id)
                progress.first_delivery.set()
                break
            packed = {
                name: value
                for name, value in re.findall(r'name="(packed_\d+)"[^>]*value="(\d+)"', page.text)
            }
            action = "pack" if status in ("placed", "picking") else "deliver"
            _until_done(
                seen, action, http.post, f"{page_of}/{action}", problem=False,
                allow_redirects=False, data={"csrf_token": _csrf(page.text), **packed},
            )  # fmt: skip
        assert order_id in progress.delivered, f"order {order_id} was never delivered"


def _run(target: Callable[..., None], progress: Progress, *args: Any) -> threading.Thread:
    def guarded() -> None:
        try:
            target(*args)
        except BaseException as error:  # reported by the test, not lost in the thread
            progress.errors.append(f"{target.__name__}: {error!r}")

    thread = threading.Thread(target=guarded, daemon=True)
    thread.start()
    return thread


# --- the test -------------------------------------------------------------------------------


def _resolutions(db: Session, hold_id: int) -> list[tuple[str, int]]:
    rows = db.execute(
        select(ledger.Transfer.kind, ledger.Transfer.amount_cents).where(
            ledger.Transfer.pending_id == hold_id
        )
    ).all()
    return [(kind, cents) for kind, cents in rows]


def test_orders_and_deliveries_survive_the_database_stopping_dead(
    own_postgres: Cluster, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    url = own_postgres.url
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    the_shop = _seed(url)
    sealer = subprocess.Popen(
        [sys.executable, "-m", "backoffice", "ledger", "seal", "--every", "0.1"],
        cwd=ROOT, env=_environment(url), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    request.addfinalizer(lambda: sealer.kill() or sealer.wait())
    seen, progress = Seen(), Progress()
    to_deliver: queue.Queue[int | None] = queue.Queue()
    total = TABLETS * ORDERS_PER_TABLET
    with _servers(url, tmp_path) as serving:
        api, office = serving["api"], serving["office"]
        tablets = [
            _run(_tablet, progress, api, credential, number, n, the_shop, seen, progress,
                 to_deliver)
            for n, (credential, (_id, number)) in enumerate(
                zip(the_shop.credentials, the_shop.inmates, strict=True)
            )
        ]  # fmt: skip
        staff = _run(_shop_staff, progress, office, seen, progress, to_deliver)

        # Stop the database dead once the day is well under way: orders placed, some
        # delivered, none of the clients finished.
        _wait_until(
            lambda: len(progress.placed) >= total // 3 and progress.first_delivery.is_set(),
            DEADLINE_SECONDS, f"no progress before the crash: {progress} {seen.statuses}",
        )  # fmt: skip
        before = len(progress.placed)
        own_postgres.crash()
        _wait_until(lambda: seen.failures >= 5, DEADLINE_SECONDS, "no client saw the outage")
        own_postgres.start()

        for thread in tablets:
            thread.join(timeout=DEADLINE_SECONDS)
        to_deliver.put(None)
        staff.join(timeout=DEADLINE_SECONDS)
        assert not progress.errors, progress.errors
        assert before < total, "the crash must land in the middle of the orders"
        assert len(progress.placed) == total
        assert seen.server_errors == [], seen.server_errors  # a 503 problem, never a 500
        # Every worker is back: health checks in a row all find the database.
        for health in (f"{api}/api/v1/health", f"{office}/health"):
            assert all(requests.get(health, timeout=10).status_code == 200 for _ in range(10))

    assert sealer.poll() is None, "the sealer outlived the database's crash"
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        orders = {o.id: o for o in db.scalars(select(Order))}
        assert sorted(orders) == sorted(progress.placed.values())  # each order exactly once
        assert db.scalar(select(func.count(func.distinct(Order.key)))) == total
        assert set(progress.delivered) | progress.cancelled == set(orders)
        holds = select(func.count()).where(ledger.Transfer.kind == ledger.TransferKind.PENDING)
        assert db.scalar(holds) == total  # one hold per order, none left over from a retry
        charged: Counter[int] = Counter()
        for order in orders.values():
            assert order.hold_transfer_id is not None
            resolved = _resolutions(db, order.hold_transfer_id)
            if order.id in progress.cancelled:
                assert order.status == OrderStatus.CANCELLED
                assert resolved == [("void", order.held_cents)], order.number
            else:
                assert order.status == OrderStatus.DELIVERED
                assert order.charged_cents == order.held_cents  # packed in full
                assert resolved == [("post", order.charged_cents)], order.number
                charged[order.inmate_id] += order.charged_cents
        for inmate_id, _number in the_shop.inmates:
            inmate = db.get(Inmate, inmate_id)
            assert inmate is not None
            spendable = ledger.balance(db, inmate_accounts(db, inmate).spendable.id)
            assert spendable.posted_cents == FUNDS_CENTS - charged[inmate_id]
            assert spendable.pending_debits_cents == 0
        db.rollback()
        report = ledger_load.wait_for_the_sealer(db, 30)
        assert report.ok and report.waiting == 0, "the sealer sealed everything after the crash"
    engine.dispose()
    sealer.terminate()
    sealer.wait(timeout=30)
    check = subprocess.run(
        [str(Path(sys.executable).parent / "cellgate"), "ledger", "check"],
        cwd=ROOT, env=_environment(url), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert check.returncode == 0, check.stdout + check.stderr
