"""Redis, where every worker's rate-limit counters live, stops while the kiosk, the tablet API
and the back office run, and comes back. A redis-server of the test's own on a free port (the
machine's Redis is shared by everyone) is stopped with SHUTDOWN NOSAVE and started again on the
same port; the apps are the same instances throughout, as a gunicorn worker would be."""

from __future__ import annotations

import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from redis.backoff import NoBackoff
from redis.retry import Retry
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.db import utcnow
from backoffice.devices.services import register_device
from backoffice.people.models import Inmate, Prison
from backoffice.signin.models import InmateCredentials
from backoffice.web import create_app as create_backoffice
from kiosk import create_app as create_kiosk
from kiosk.security import DEVICE_COOKIE
from tablet_api import create_app as create_tablet_api
from tests.conftest import TEST_PASSWORD, wing_of
from tests.integration.tablet_world import (
    PIN,
    Tablet,
    World,
    build_world,
    pin_hash,
    tablet,
    tablet_settings,
)

# Debian's redis-server (.ci/run installs it where it is missing).
REDIS_SERVER = shutil.which("redis-server")
DOWN = "Redis does not answer"
BACK = "Redis answers again"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_until(condition: Callable[[], bool], seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting after {seconds} s for {what}")
        time.sleep(0.02)


class RedisServer:
    """A redis-server on a port of its own, with nothing kept on disk, that can be stopped and
    started again on the same port."""

    def __init__(self, directory: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.directory = directory
        self.process: subprocess.Popen[bytes] | None = None

    def _answers(self) -> bool:
        client = redis.Redis(
            port=self.port, socket_connect_timeout=0.5, retry=Retry(NoBackoff(), 0)
        )
        try:
            return bool(client.ping())
        except redis.ConnectionError:
            return False
        finally:
            client.close()

    def start(self) -> None:
        with (self.directory / "redis.log").open("ab") as log:
            assert REDIS_SERVER is not None
            self.process = subprocess.Popen(
                [
                    REDIS_SERVER,
                    "--port", str(self.port),
                    "--bind", "127.0.0.1",
                    "--save", "",
                    "--appendonly", "no",
                    "--dir", str(self.directory),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        wait_until(self._up, 10, f"redis-server on port {self.port} to answer")

    def _up(self) -> bool:
        assert self.process is not None
        if self.process.poll() is not None:
            log = (self.directory / "redis.log").read_text()
            raise AssertionError(f"redis-server on port {self.port} stopped: {log}")
        return self._answers()

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        client = redis.Redis(port=self.port, retry=Retry(NoBackoff(), 0))
        client.shutdown(nosave=True)  # the server closes the connection as it goes
        client.close()
        self.process.wait(timeout=10)
        assert not self._answers()


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[RedisServer]:
    if REDIS_SERVER is None:
        if os.environ.get("CI") == "true":
            pytest.fail("redis-server is not installed (CI=true: the Redis tests are mandatory)")
        pytest.skip("redis-server is not installed")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.process.kill()
        server.process.wait()


@pytest.fixture
def world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    return build_world(db, prison, make_inmate)


@pytest.fixture
def dmitri(db: Session, make_inmate: Callable[..., Inmate]) -> Inmate:
    """Reads Russian, in cell A3 of wing A, with the world's PIN."""
    inmate = make_inmate(cell="A3", language="ru", first_name="Dmitri", last_name="Orlov")
    db.add(InmateCredentials(inmate_id=inmate.id, pin_hash=pin_hash(), pin_set_at=utcnow()))
    db.commit()
    return inmate


@pytest.fixture
def kiosk_credential(db: Session, prison: Prison, system: Actor) -> str:
    made = register_device(
        db, system, kind="kiosk", name="kiosk-a", wing_id=wing_of(db, prison, "A").id
    )
    db.commit()
    return made.credential


@pytest.fixture
def apps(
    database_url: str, own_redis: RedisServer, make_staff: Callable[..., object]
) -> Iterator[dict[str, Flask]]:
    make_staff("officer", "officer")
    settings = tablet_settings(
        database_url,
        **{"server.shared_storage": own_redis.url, "server.shared_storage_prefix": "outage"},
    )
    made = {
        "kiosk": create_kiosk(settings),
        "tablet": create_tablet_api(settings),
        "backoffice": create_backoffice(settings),
    }
    yield made
    for app in made.values():
        app.extensions["cellgate"]["engine"].dispose()


def form_token(client: FlaskClient, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf[-_]token" (?:content|value)="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def kiosk_sign_in(client: FlaskClient, token: str, inmate: Inmate) -> Any:
    return client.post(
        "/sign-in/pin",
        data={"csrf_token": token, "prison_number": inmate.prison_number, "pin": PIN},
    )


def staff_sign_in(client: FlaskClient, token: str) -> Any:
    return client.post(
        "/sign-in", data={"csrf_token": token, "username": "officer", "password": TEST_PASSWORD}
    )


def sessions_started(engine: Engine) -> int:
    # A connection of its own, closed at once: SQLite has one writer, and the apps must write.
    with engine.connect() as conn:
        return int(
            conn.scalar(
                select(func.count()).where(
                    AuditEvent.action.in_(["inmate.session_start", "staff.sign_in"]),
                    AuditEvent.outcome == "ok",
                )
            )
            or 0
        )


def logged(caplog: pytest.LogCaptureFixture, app: Flask, text: str) -> int:
    return sum(1 for r in caplog.records if r.name == app.logger.name and text in r.getMessage())


def test_while_redis_is_down_every_surface_refuses_clearly_and_recovers_by_itself(
    apps: dict[str, Flask],
    own_redis: RedisServer,
    world: World,
    kiosk_credential: str,
    dmitri: Inmate,
    engine: Engine,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO)
    kiosk = apps["kiosk"].test_client()
    kiosk.set_cookie(DEVICE_COOKIE, kiosk_credential)
    # Dmitri and Boris read Russian: the kiosk speaks it once Dmitri has signed in, the tablet
    # when Boris's token comes with the call.
    kiosk_token = form_token(kiosk, "/sign-in/pin")
    assert kiosk_sign_in(kiosk, kiosk_token, dmitri).status_code == 302
    assert kiosk.get("/home").status_code == 200
    boris: Tablet = tablet(apps["tablet"], world.tablet_a1)
    assert boris.sign_in(world.bob).status_code == 201
    assert boris.get("/api/v1/balance").status_code == 200
    alice: Tablet = tablet(apps["tablet"], world.tablet_a1)
    officer = apps["backoffice"].test_client()
    assert staff_sign_in(officer, form_token(officer, "/sign-in")).status_code == 302
    newcomer = apps["backoffice"].test_client()
    newcomer.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"  # a browser that asks for English
    staff_token = form_token(newcomer, "/sign-in")
    other_kiosk = apps["kiosk"].test_client()
    other_kiosk.set_cookie(DEVICE_COOKIE, kiosk_credential)
    # The form is open on the screen when Redis goes away.
    other_token = form_token(other_kiosk, "/sign-in/pin")
    started = sessions_started(engine)

    own_redis.stop()

    for _ in range(3):
        page = kiosk.get("/home")
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "60"
        assert "Киоск сейчас не работает. Попробуйте через минуту" in page.text
        assert "позовите сотрудника" in page.text
    # A sign-in is refused, not let through uncounted.
    refused = kiosk_sign_in(other_kiosk, other_token, world.carol)
    assert refused.status_code == 503
    assert "Kiosk ei tööta hetkel" in refused.text  # nobody signed in there: the first language

    for _ in range(3):
        answer = boris.get("/api/v1/balance")
        assert answer.status_code == 503
        assert answer.mimetype == "application/problem+json"
        assert answer.headers["Retry-After"] == "60"
        assert answer.headers["Content-Language"] == "ru"
        assert answer.json["code"] == "unavailable"
        assert answer.json["detail"].startswith("Сервис временно недоступен. Попробуйте через")
    signing_in = alice.sign_in(world.alice)
    assert signing_in.status_code == 503
    assert signing_in.json["code"] == "unavailable"

    for _ in range(3):
        page = staff_sign_in(newcomer, staff_token)
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "60"
        assert "Signing in is not possible for a moment" in page.text
    # Staff already signed in go on working: their pages count nothing.
    assert officer.get("/").status_code == 200

    assert sessions_started(engine) == started
    for app in apps.values():
        assert logged(caplog, app, DOWN) == 1, app.name
        assert logged(caplog, app, BACK) == 0, app.name
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR and DOWN not in r.message]

    own_redis.start()

    assert kiosk.get("/home").status_code == 200
    assert boris.get("/api/v1/balance").status_code == 200
    assert alice.sign_in(world.alice).status_code == 201
    assert staff_sign_in(newcomer, staff_token).status_code == 302
    assert kiosk_sign_in(other_kiosk, other_token, world.carol).status_code == 302
    assert sessions_started(engine) == started + 3
    for app in apps.values():
        assert logged(caplog, app, BACK) == 1, app.name

    # The next outage is logged again, once.
    own_redis.stop()
    assert kiosk.get("/home").status_code == 503
    assert boris.get("/api/v1/balance").status_code == 503
    assert logged(caplog, apps["kiosk"], DOWN) == 2
    assert logged(caplog, apps["tablet"], DOWN) == 2


def test_a_redis_that_hangs_holds_a_call_two_seconds_not_forever(
    apps: dict[str, Flask], own_redis: RedisServer, world: World
) -> None:
    """A stopped process (or a network that drops packets) accepts connections and never
    answers: without timeouts every worker would hang on its first limited request."""
    assert own_redis.process is not None
    a2 = tablet(apps["tablet"], world.tablet_a2)
    assert a2.get("/api/v1/device").status_code == 200
    own_redis.process.send_signal(signal.SIGSTOP)
    pool = ThreadPoolExecutor(max_workers=1)
    began = time.monotonic()
    call = pool.submit(a2.get, "/api/v1/device")
    try:
        answer = call.result(timeout=10)
        waited = time.monotonic() - began
    finally:
        own_redis.process.send_signal(signal.SIGCONT)  # a call still hanging ends now
        pool.shutdown()
    assert answer.status_code == 503
    assert answer.json["code"] == "unavailable"
    assert waited < 5, waited
    assert a2.get("/api/v1/device").status_code == 200
