"""Tablet API benchmark over HTTP, one JSON object per line.

Many tablets at once (BENCH_TABLETS, default 32, each its own cell and signed-in inmate) call
the real API under gunicorn on PostgreSQL: read the balance, browse the catalogue, place an
order (a new Idempotency-Key each time, so every call holds money in the ledger). In the same
run a minimal Flask app answering /ping runs under the very same gunicorn settings, and the
ratio of each API call's rate to /ping's is printed. Goal: order placement at 300/s or more
with p99 under 150 ms on the 2-core machine. The ratio is the figure to compare between runs
on a busy machine: absolute rates move with whatever else the two cores are doing.

Needs a reachable PostgreSQL (CELLGATE_TEST_DATABASE_URL, default the local server); makes its
own database and drops it at the end. Bounded: BENCH_SECONDS (default 8) per phase, well
under two minutes in all.

Each phase also prints the CPU one request costs in each process (the gunicorn workers, their
PostgreSQL backends, this load generator, read from /proc) and the rate the cores could carry at
that cost: on a shared, noisy machine those move much less than the rate.

    .venv/bin/python bench/tablet_api.py
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shlex
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask import Flask
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url

import ledger
from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.devices.services import register_device
from backoffice.money.services import inmate_accounts, prison_account
from backoffice.people.models import Cell, Inmate, Prison, Wing
from backoffice.settings import ROOT, load_settings
from backoffice.shop import services as shop
from backoffice.shop.models import Category, ShopSchedule
from backoffice.signin.services import tablet_sessions

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TABLETS = int(os.environ.get("BENCH_TABLETS", "32"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "8"))
# Sync workers, two per core: the work is CPU (app and PostgreSQL on the same two cores) and
# each request waits on a few database round trips, which a second worker per core covers.
# Compared on this machine (orders, same database, settings interleaved): 2 sync workers and
# gthread (2 workers x 4 threads) were slower, 6 no faster; the rest was the machine's noise.
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
# More gunicorn options for both servers, to compare settings, e.g. "--threads 2".
GUNICORN_ARGS = shlex.split(os.environ.get("BENCH_GUNICORN_ARGS", ""))
CORES = os.cpu_count() or 1


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"metric": metric, "value": value, "unit": unit, **extra}), flush=True)


def ping_app() -> Flask:
    """The smallest Flask app: what gunicorn and Flask cost with no Cellgate at all."""
    app = Flask("ping")

    @app.get("/ping")
    def ping() -> Any:
        return {"ok": True}

    return app


# --- the prison ------------------------------------------------------------------------------


def seed(url: str) -> tuple[list[tuple[str, str]], list[int]]:
    """Tablets with a signed-in inmate each, money, a catalogue and an always-open round.
    Returns [(device credential, access token)] and the product ids."""
    engine = make_engine(url)
    migrate.upgrade(engine)
    system = Actor.system("bench")
    settings = load_settings({}).with_overrides({"database_url": url, "mode": "test"})
    lifetimes = tablet_sessions.Lifetimes.from_settings(settings)
    tablets = []
    with make_session_factory(engine)() as db:
        prison = Prison(code="BEN", name="Bench Prison")
        wing = Wing(prison=prison, code="A", name="Wing A")
        db.add_all([prison, wing])
        db.flush()
        db.add(
            ShopSchedule(
                wing_id=wing.id,
                opens_weekday=0,
                cutoff_weekday=6,
                cutoff_time="23:59",
                delivery_weekday=1,
            )
        )
        db.add(Category(code="food", name_et="Toit", name_ru="Еда", name_en="Food"))
        db.flush()
        products = [
            shop.create_product(
                db,
                system,
                sku=f"P{n:03d}",
                category_code="food",
                names={"et": f"Toode {n}", "ru": f"Товар {n}", "en": f"Product {n}"},
                price_cents=100 + n,
                stock=1_000_000,
            ).id
            for n in range(40)
        ]
        source = prison_account(db, prison.id, "family_deposits")
        # Opened here, not by the first orders racing each other to open it.
        prison_account(db, prison.id, "shop")
        for n in range(TABLETS):
            cell = Cell(wing=wing, number=f"{n + 100}")
            db.add(cell)
            db.flush()
            inmate = Inmate(
                prison_number=f"BEN{n:05d}",
                first_name="Bench",
                last_name=f"Inmate {n}",
                date_of_birth=date(1990, 1, 1),
                language=("et", "ru", "en")[n % 3],
                legal_status="remand",
                prison_id=prison.id,
                wing_id=wing.id,
                cell_id=cell.id,
                admitted_on=date(2026, 1, 1),
            )
            db.add(inmate)
            db.flush()
            ledger.transfer(
                db,
                key=f"bench-deposit-{n}",
                debit_account_id=source.id,
                credit_account_id=inmate_accounts(db, inmate).spendable.id,
                amount_cents=80_000,
                code=ledger.TransferCode.DEPOSIT,
                requested_by="bench",
                reason="deposit",
            )
            new = register_device(db, system, kind="tablet", name=f"tablet-{n}", cell_id=cell.id)
            # A session as sign-in makes it; sign-in itself (PIN, face) is bench/auth.py's.
            tokens = tablet_sessions.start(
                db, system, new.device, inmate, method="pin", lifetimes=lifetimes
            )
            tablets.append((new.credential, tokens.access_token))
        db.commit()
    engine.dispose()
    return tablets, products


# --- the server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def gunicorn(app: str, url: str, port: int, **settings: str) -> subprocess.Popen[bytes]:
    """`app` under gunicorn on `port`; `settings` are more CELLGATE_* variables."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CELLGATE_")}
    env.update(
        {
            "CELLGATE_MODE": "test",
            "CELLGATE_DATABASE_URL": url,
            "CELLGATE_TABLET__DEVICE_RATE_LIMIT": "1000000 per minute",
            "CELLGATE_TABLET__INMATE_RATE_LIMIT": "1000000 per minute",
            "CELLGATE_TABLET__ANONYMOUS_RATE_LIMIT": "1000000 per minute",
            **settings,
        }
    )
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "-c",
        str(ROOT / "config/gunicorn.conf.py"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--access-logfile",
        "/dev/null",
        "--log-level",
        "warning",
        *GUNICORN_ARGS,
        app,
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn for {app} did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- the tablets -----------------------------------------------------------------------------


async def call(port: int, raw: bytes) -> tuple[int, float]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(raw)
    await writer.drain()
    answer = await reader.read()
    writer.close()
    status = int(answer[9:12]) if answer.startswith(b"HTTP/1.") else 0
    return status, time.perf_counter() - started


def request(
    method: str, path: str, headers: dict[str, str], body: bytes = b"", port: int = 0
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: 127.0.0.1:{port}", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body:
        lines += ["Content-Type: application/json", f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


# --- what each request costs in CPU, wherever it is spent ----------------------------------------
# The client, gunicorn and PostgreSQL share the machine's cores, so the rate alone moves with
# whatever else runs; CPU seconds per request, read from /proc for each side, do not.

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0  # gone (or not Linux)
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def children(pid: int) -> list[int]:
    try:
        text_ = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text_.split()]


class Server:
    """The processes that answer one gunicorn: its workers and their PostgreSQL backends."""

    def __init__(
        self, process: subprocess.Popen[bytes], port: int, admin: Engine, database: str
    ) -> None:
        self.process, self.port, self.admin, self.database = process, port, admin, database

    def pids(self) -> tuple[list[int], list[int]]:
        with self.admin.connect() as conn:
            backends = conn.execute(
                text(
                    "SELECT pid FROM pg_stat_activity WHERE datname = :name AND pid <> "
                    "pg_backend_pid()"
                ),
                {"name": self.database},
            ).scalars()
            return children(self.process.pid), list(backends)

    def cpu(self) -> dict[str, dict[int, float]]:
        workers, backends = self.pids()
        return {
            "app": {pid: cpu_seconds(pid) for pid in workers},
            "db": {pid: cpu_seconds(pid) for pid in backends},
        }


def cpu_used(
    before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]
) -> dict[str, float]:
    return {
        side: sum(seconds - before[side].get(pid, 0.0) for pid, seconds in after[side].items())
        for side in after
    }


async def phase(port: int, make: Any, seconds: float) -> dict[str, Any]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds

    async def tablet(index: int) -> None:
        nonlocal errors
        n = 0
        while time.perf_counter() < deadline:
            status, took = await call(port, make(index, n))
            n += 1
            if 200 <= status < 300 or status == 304:  # 304: what the tablet kept is current
                latencies.append(took)
            else:
                errors += 1

    started, client_started = time.perf_counter(), time.process_time()
    await asyncio.gather(*(tablet(i) for i in range(TABLETS)))
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "ok": len(latencies),
        "errors": errors,
        "elapsed": elapsed,
        "client_cpu": time.process_time() - client_started,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000 if latencies else 0.0,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000 if latencies else 0.0,
    }


def measure(server: Server, make: Any, seconds: float) -> dict[str, Any]:
    before = server.cpu()
    result = asyncio.run(phase(server.port, make, seconds))
    used = cpu_used(before, server.cpu())
    calls = result["ok"] + result["errors"]
    result["cpu_ms"] = {
        "client": result["client_cpu"] * 1000 / max(calls, 1),
        "app": used["app"] * 1000 / max(calls, 1),
        "db": used["db"] * 1000 / max(calls, 1),
    }
    return result


def report(name: str, result: dict[str, Any], ping_rps: float | None = None) -> None:
    extra = {"tablets": TABLETS, "workers": WORKERS, "errors": result["errors"]}
    emit(f"tablet_api.{name}.rps", round(result["rps"], 1), "requests/s", **extra)
    emit(f"tablet_api.{name}.p50", round(result["p50_ms"], 1), "ms", **extra)
    emit(f"tablet_api.{name}.p99", round(result["p99_ms"], 1), "ms", **extra)
    cpu = result["cpu_ms"]
    total = sum(cpu.values())
    # CPU per request on each side (gunicorn workers, their PostgreSQL backends, this client)
    # and the rate the machine's cores could give if nothing else ran and nobody waited.
    emit(
        f"tablet_api.{name}.cpu_per_request",
        round(total, 3),
        "ms",
        **{side: round(ms, 3) for side, ms in cpu.items()},
    )
    emit(
        f"tablet_api.{name}.cpu_bound_rps",
        round(CORES * 1000 / total, 1) if total else 0.0,
        "requests/s",
        cores=CORES,
    )
    if ping_rps:
        emit(f"tablet_api.{name}.ratio_to_ping", round(result["rps"] / ping_rps, 3), "ratio")


@dataclass
class Run:
    """One run's prison and servers: the tablets (credential, access token), the products, /ping
    and the tablet API under gunicorn, and how to make each kind of request."""

    url: str
    tablets: list[tuple[str, str]]
    products: list[int]
    ping: Server
    api: Server
    run_id: str = field(default_factory=lambda: secrets.token_hex(4))

    def auth(self, index: int) -> dict[str, str]:
        credential, token = self.tablets[index]
        return {"X-Device-Credential": credential, "Authorization": f"Bearer {token}"}

    def get(self, path: str, etags: list[str] | None = None) -> Any:
        """GET `path` as each tablet; with `etags`, revalidating the one each tablet kept."""

        def make(index: int, n: int) -> bytes:
            headers = self.auth(index)
            if etags is not None:
                headers["If-None-Match"] = etags[index]
            return request("GET", path, headers, port=self.api.port)

        return make

    def order(self, index: int, n: int) -> bytes:
        product = self.products[(index + n) % len(self.products)]
        body = json.dumps({"lines": [{"product_id": product, "quantity": 1}]}).encode()
        headers = {**self.auth(index), "Idempotency-Key": f"bench-{self.run_id}-{index}-{n}"}
        return request("POST", "/api/v1/orders", headers, body, self.api.port)

    def warm_up(self) -> Any:
        """Every worker imports, connects and loads its rule files; the /ping request."""
        ping_raw = request("GET", "/ping", {}, port=self.ping.port)
        measure(self.ping, lambda i, n: ping_raw, 1.0)
        measure(self.api, self.get("/api/v1/me"), 2.0)
        return lambda i, n: ping_raw


@contextmanager
def bench_run(name: str, settings: dict[str, str] | None = None) -> Iterator[Run]:
    """A database of this run's own (dropped at the end), the prison, and both servers."""
    admin_url = os.environ.get("CELLGATE_TEST_DATABASE_URL", DEFAULT_POSTGRES)
    database = f"{name}_{os.getpid()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    url = make_url(admin_url).set(database=database).render_as_string(hide_password=False)
    processes = []
    try:
        tablets, products = seed(url)
        ping_port, api_port = free_port(), free_port()
        processes.append(gunicorn("bench.tablet_api:ping_app()", url, ping_port))
        ping_server = Server(processes[-1], ping_port, admin, database)
        processes.append(gunicorn("tablet_api:create_app()", url, api_port, **(settings or {})))
        api = Server(processes[-1], api_port, admin, database)
        yield Run(url, tablets, products, ping_server, api)
    finally:
        for process in processes:
            stop(process)
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def etag_of(port: int, path: str, headers: dict[str, str]) -> str:
    ask = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers=headers)
    with urllib.request.urlopen(ask, timeout=10) as answer:
        return str(answer.headers["ETag"])


def report_revalidated(run: Run, ping_rps: float) -> None:
    """The catalogue as the app's browser asks for it: with the ETag each tablet kept, so
    every answer is a 304 (goal: at least 0.5 of /ping's rate)."""
    path = "/api/v1/catalogue"
    kept = [etag_of(run.api.port, path, run.auth(i)) for i in range(len(run.tablets))]
    revalidated = measure(run.api, run.get(path, kept), SECONDS)
    report("catalogue_revalidated", revalidated, ping_rps)
    emit(
        "tablet_api.catalogue_revalidated.goal_met",
        int(revalidated["rps"] >= 0.5 * ping_rps),
        "bool",
        goal="at least 0.5 of /ping",
    )


def report_orders(run: Run, ping_rps: float) -> None:
    placed = measure(run.api, run.order, SECONDS)
    report("place_order", placed, ping_rps)
    emit(
        "tablet_api.place_order.goal_met",
        int(placed["rps"] >= 300 and placed["p99_ms"] < 150),
        "bool",
        goal="300/s, p99 < 150 ms",
    )


def main() -> None:
    with bench_run("cellgate_bench_tablet") as run:
        ping_request = run.warm_up()
        ping = measure(run.ping, ping_request, SECONDS)
        report("ping", ping)
        balance = measure(run.api, run.get("/api/v1/balance"), SECONDS)
        report("balance", balance, ping["rps"])
        browse = measure(run.api, run.get("/api/v1/catalogue"), SECONDS)
        report("catalogue", browse, ping["rps"])
        report_revalidated(run, ping["rps"])
        report_orders(run, ping["rps"])


if __name__ == "__main__":
    main()
