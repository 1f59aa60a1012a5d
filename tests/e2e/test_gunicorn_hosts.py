"""Two `cellgate serve tablet-api` instances side by side on one PostgreSQL and one Redis, each
with two gunicorn workers, as two hosts behind a load balancer would run: a rate limit is
counted once across every worker of both, and each instance answers on a control socket of its
own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from gunicorn.ctl.client import ControlClient
from sqlalchemy.orm import Session

from backoffice.people.models import Inmate, Prison
from backoffice.settings import ROOT
from tests.e2e.test_tablet_schemathesis import free_port
from tests.integration.tablet_world import World, build_world

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]

CALLS_A_MINUTE = 6
RUN_DIR = ROOT / "var" / "run"


def control_socket(port: int) -> Path:
    return RUN_DIR / f"cellgate-tablet-api-{port}.ctl"


class Host:
    """One `cellgate serve tablet-api` (gunicorn and its two workers) on a port of its own."""

    def __init__(self, env: dict[str, str], port: int, log: Path) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        with log.open("w") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "backoffice", "serve", "tablet-api"],
                cwd=ROOT,
                env={**env, "CELLGATE_SERVER__TABLET_API_PORT": str(port)},
                stdout=out,
                stderr=out,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.process.poll() is None:
            if self._healthy() and control_socket(port).exists():
                return
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"the tablet API on port {port} did not start: {log.read_text()}")

    def _healthy(self) -> bool:
        try:
            return requests.get(f"{self.url}/api/v1/health", timeout=5).ok
        except requests.RequestException:
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    return build_world(db, prison, make_inmate)


@pytest.fixture
def hosts(
    database_url: str, world: World, redis_storage: dict[str, str], tmp_path: Path
) -> Iterator[list[Host]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELLGATE_")}
    # `serve` checks the rules file against the catalogue, and this world sells nothing.
    no_rules = tmp_path / "protocols.toml"
    no_rules.write_text("")
    env.update(
        {
            "CELLGATE_SHOP__PROTOCOLS_FILE": str(no_rules),
            "CELLGATE_MODE": "test",
            "CELLGATE_DATABASE_URL": database_url,
            "CELLGATE_SERVER__WORKERS": "2",
            "CELLGATE_SERVER__SHARED_STORAGE": redis_storage["server.shared_storage"],
            "CELLGATE_SERVER__SHARED_STORAGE_PREFIX": redis_storage["server.shared_storage_prefix"],
            "CELLGATE_TABLET__DEVICE_RATE_LIMIT": f"{CALLS_A_MINUTE} per minute",
        }
    )
    started: list[Host] = []
    try:
        for n in range(2):
            started.append(Host(env, free_port(), tmp_path / f"host-{n}.log"))
        yield started
    finally:
        for host in started:
            host.stop()


def device_call(host: Host, credential: str) -> int:
    # A new connection each time: any of the host's workers may take it.
    answer = requests.get(
        f"{host.url}/api/v1/device",
        headers={"X-Device-Credential": credential, "Connection": "close"},
        timeout=10,
    )
    return answer.status_code


def test_a_tablets_limit_is_counted_across_every_worker_and_host(
    hosts: list[Host], world: World
) -> None:
    codes = [device_call(hosts[n % 2], world.tablet_a2) for n in range(CALLS_A_MINUTE)]
    assert codes == [200] * CALLS_A_MINUTE
    # The next call is refused whichever host, and whichever of its workers, answers it.
    assert [device_call(host, world.tablet_a2) for host in hosts * 2] == [429] * 4
    # Another tablet has a count of its own.
    assert device_call(hosts[1], world.tablet_a1) == 200


def ask(port: int, command: str) -> Any:
    with ControlClient(str(control_socket(port)), timeout=10) as client:
        return client.send_command(command)


def test_each_instance_has_a_control_socket_of_its_own(hosts: list[Host]) -> None:
    first, second = hosts
    for host in hosts:
        listeners = ask(host.port, "show listeners")["listeners"]
        assert [entry["address"] for entry in listeners] == [f"http://127.0.0.1:{host.port}"]
        assert ask(host.port, "show workers")["count"] == 2
    # Stopping one through its socket stops that one only; the other still answers on its own.
    ask(first.port, "shutdown")
    first.process.wait(timeout=30)
    assert not control_socket(first.port).exists()
    assert second._healthy()
    listeners = ask(second.port, "show listeners")["listeners"]
    assert [entry["address"] for entry in listeners] == [f"http://127.0.0.1:{second.port}"]
