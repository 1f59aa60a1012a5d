"""schemathesis against the live tablet API: gunicorn on a free port, a PostgreSQL database of
this test run, a tablet whose inmate signs in with a real PIN (tablet_schemathesis_hooks.py).
Every operation of the OpenAPI document goes through every phase (examples, coverage, fuzzing,
stateful sequences along the links) with every check: no server error, no answer outside the
document, no invalid data accepted and no schema-valid data refused as malformed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy.orm import Session

from backoffice.people.models import Inmate, Prison
from backoffice.settings import ROOT
from tests.integration.tablet_world import PIN, World, build_world

pytestmark = [pytest.mark.e2e, pytest.mark.postgres_only]

HOOKS = "tests.e2e.tablet_schemathesis_hooks"
# A body over an endpoint's size limit is refused with 413 before its fields are read; that is
# a rejection too, so it counts as one for the invalid-data check. A schema-valid body that the
# shop's rules refuse is 422 (order-refused): the hooks' own check tells it from a refusal of
# malformed input, which fails the run.
CONFIG = """
[checks.negative_data_rejection]
expected-statuses = ["400", "401", "403", "404", "405", "406", "409", "413", "415", "422", "428",
  "429", "5xx"]

[checks.positive_data_acceptance]
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "423", "429", "5xx"]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def tablet_env(database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELLGATE_")}
    env.update(
        {
            "CELLGATE_MODE": "test",
            "CELLGATE_DATABASE_URL": database_url,
            "CELLGATE_SIGNIN__PIN_ALLOWED": "true",
            "CELLGATE_TABLET__SIGN_IN_METHODS": "pin,face",
            "CELLGATE_TABLET__DEVICE_RATE_LIMIT": "100000 per minute",
            "CELLGATE_TABLET__INMATE_RATE_LIMIT": "100000 per minute",
            "CELLGATE_TABLET__SIGN_IN_RATE_LIMIT": "100000 per minute",
            "CELLGATE_TABLET__ANONYMOUS_RATE_LIMIT": "100000 per minute",
            # The fuzzer signs in with wrong PINs: do not lock the tablet or the inmate.
            "CELLGATE_SIGNIN__MAX_FAILURES": "1000000",
            "CELLGATE_SIGNIN__DEVICE_MAX_FAILURES_PER_MINUTE": "1000000",
        }
    )
    return env


def serve(database_url: str, port: int, workers: int = 2, log: Path | None = None) -> Any:
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "config/gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "/dev/null",
        "tablet_api:create_app()",
    ]
    if log is not None:
        with log.open("w") as out:
            process = subprocess.Popen(
                command, cwd=ROOT, env=tablet_env(database_url), stdout=out, stderr=out
            )
    else:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=tablet_env(database_url),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=5).ok:
                return process
        except requests.RequestException:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.terminate()
    raise RuntimeError(f"gunicorn did not start (see {log})")


def stop(process: Any) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture
def world(db: Session, prison: Prison, make_inmate: Callable[..., Inmate]) -> World:
    return build_world(db, prison, make_inmate)


@pytest.fixture
def live(database_url: str, world: World, tmp_path: Path) -> Iterator[str]:
    port = free_port()
    process = serve(database_url, port, log=tmp_path / "gunicorn.log")
    yield f"http://127.0.0.1:{port}"
    stop(process)


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_contract(
    live: str, world: World, tmp_path: Path
) -> None:
    device = {"X-Device-Credential": world.tablet_a1}
    signed_in = requests.post(
        f"{live}/api/v1/session/pin",
        json={"prison_number": world.alice.prison_number, "pin": PIN},
        headers=device,
        timeout=10,
    )
    assert signed_in.status_code == 201, signed_in.text
    token = signed_in.json()["access_token"]
    cart = {"lines": [{"product_id": world.products["coffee"], "quantity": 1}]}
    placed = requests.post(
        f"{live}/api/v1/orders",
        json=cart,
        headers={**device, "Authorization": f"Bearer {token}", "Idempotency-Key": "seed-order-1"},
        timeout=10,
    )
    assert placed.status_code == 201, placed.text
    config = tmp_path / "schemathesis.toml"
    config.write_text(CONFIG)
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file",
        str(config),
        "run",
        f"{live}/api/v1/openapi.json",
        "--checks",
        "all",
        "--header",
        f"X-Device-Credential: {world.tablet_a1}",
        "--max-examples",
        "40",
        "--phases",
        "examples,coverage,fuzzing,stateful",
        # One worker: schemathesis 4.32's coverage phase can trip over Python 3.11's AST
        # module when two threads build cases at once.
        "--workers",
        "1",
        "--seed",
        "7",
        "--no-color",
        "--generation-database",
        "none",
        "--request-timeout",
        "20",
        "--max-time",
        "150",
    ]
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "SCHEMATHESIS_HOOKS": HOOKS,
        "TABLET_URL": live,
        "TABLET_DEVICE": world.tablet_a1,
        "TABLET_PRISON_NUMBER": world.alice.prison_number,
        "TABLET_PIN": PIN,
    }
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=400, cwd=tmp_path, env=env, check=False
    )
    # Outside pytest's temporary folders, which other runs on the machine clean up.
    report = Path(tempfile.gettempdir()) / f"tablet-schemathesis-{os.getpid()}.txt"
    report.write_text(run.stdout + run.stderr, encoding="utf-8")
    assert run.returncode == 0, f"schemathesis failed; its report: {report}\n" + run.stdout[-6000:]
    # Every phase ran (a phase with nothing to do would be skipped, not failed).
    for phase in ("Examples", "Coverage", "Fuzzing", "Stateful"):
        assert f"✅ {phase}" in run.stdout, f"{phase} did not run; its report: {report}"
