"""Ledger throughput on PostgreSQL, against a plain-SQL baseline measured in the same run.

Prints one JSON object per line ("metric", "value", "unit", and what it measured):
- transfers per second through `ledger.transfer` with 1 and 16 worker processes, on hot
  accounts (everyone on the same two inmates, both ways) and on spread accounts (1,000 inmates);
- the same transfer as plain SQL on the same server (lock two rows in id order, two updates,
  insert the transfer and two entries) and the ledger's rate as a ratio of it;
- the CPU (client process and its database backend) each spends per transfer: a figure that
  hardly moves with the machine's load, where the rates do;
- how long a transfer waited for its seal at most: during the ledger's rounds the sealer runs
  as in production (`cellgate ledger seal --every 1`, in a process of its own), its CPU counts
  in the ledger's, and each round's time includes sealing what the round left waiting;
- the time of a 10,000-inmate wage run with income splits;
- the ledger's rates again with the same accounts in three books (three prisons' ledgers in one
  database, each with its own chain head), at the same total load (the same workers, each
  transfer in a book picked at random), printed beside the one-book figures with their ratio.

Each figure is the median of ROUNDS runs of SECONDS each, ledger and baseline interleaved.
Runs in a temporary database that it creates and drops. Usage: python bench/ledger.py
"""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import secrets
import statistics
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import psycopg
from sqlalchemy import create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import ledger
from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.money import services as money
from backoffice.money.cli import seal_everything_waiting
from backoffice.people.models import Cell, Inmate, Prison, Wing
from ledger import TransferCode

ADMIN_URL = os.environ.get(
    "CELLGATE_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SECONDS = float(os.environ.get("BENCH_SECONDS", "3"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
SEAL_EVERY = 1.0  # seconds, as the README tells production to run the sealer
SPREAD = 1000
INMATES = 10_000
BOOKS = 3  # the three prisons' books of the second run


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}))
    sys.stdout.flush()


def _pairs(rng: random.Random, books: list[list[int]], hot: bool) -> tuple[int, int]:
    """Two accounts of one book (picked at random): its first two (hot), or any two."""
    accounts = books[rng.randrange(len(books))] if len(books) > 1 else books[0]
    if hot:
        a, b = accounts[0], accounts[1]
        return (a, b) if rng.random() < 0.5 else (b, a)
    a, b = rng.sample(accounts, 2)
    return a, b


def ledger_worker(args: tuple[str, list[list[int]], bool, float, int]) -> tuple[int, Cpu]:
    url, accounts, hot, start_at, seed = args
    rng = random.Random(seed)
    done = 0
    with _session_from(url, start_at) as (db, backend):
        cpu = _cpu_now(backend)
        stop = start_at + SECONDS
        while time.time() < stop:
            debit, credit = _pairs(rng, accounts, hot)
            ledger.transfer(
                db,
                key=f"w{seed}-{done}-{secrets.token_hex(4)}",
                debit_account_id=debit,
                credit_account_id=credit,
                amount_cents=1,
                code=TransferCode.CORRECTION,
                requested_by="bench",
                reason="bench",
            )
            db.commit()
            done += 1
        cpu = _cpu_now(backend) - cpu
    return done, cpu


@contextmanager
def _session_from(url: str, start_at: float) -> Iterator[tuple[Session, int]]:
    """A session on a connection of its own, and its backend's pid, from `start_at` on."""
    engine = make_engine(url, pool_size=1, max_overflow=0)
    try:
        with make_session_factory(engine)() as db:
            backend = db.execute(text("SELECT pg_backend_pid()")).scalar_one()
            db.rollback()
            while time.time() < start_at:
                time.sleep(0.001)
            yield db, backend
    finally:
        engine.dispose()


def baseline_worker(args: tuple[str, list[list[int]], bool, float, int]) -> tuple[int, Cpu]:
    url, accounts, hot, start_at, seed = args
    rng = random.Random(seed)
    done = 0
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        backend = conn.info.backend_pid
        while time.time() < start_at:
            time.sleep(0.001)
        cpu = _cpu_now(backend)
        stop = start_at + SECONDS
        while time.time() < stop:
            debit, credit = _pairs(rng, accounts, hot)
            with conn.transaction(), conn.cursor() as cur:
                cur.execute(
                    "SELECT id, balance FROM bl_accounts WHERE id IN (%s, %s) ORDER BY id "
                    "FOR UPDATE",
                    (debit, credit),
                )
                cur.fetchall()
                cur.execute("UPDATE bl_accounts SET balance = balance - 1 WHERE id = %s", (debit,))
                cur.execute("UPDATE bl_accounts SET balance = balance + 1 WHERE id = %s", (credit,))
                cur.execute(
                    "INSERT INTO bl_transfers (key, debit, credit, amount) VALUES (%s, %s, %s, 1) "
                    "RETURNING id",
                    (f"b{seed}-{done}-{secrets.token_hex(4)}", debit, credit),
                )
                transfer_id = cur.fetchone()[0]  # type: ignore[index]
                cur.execute(
                    "INSERT INTO bl_entries (transfer_id, account_id, amount) "
                    "VALUES (%s, %s, -1), (%s, %s, 1)",
                    (transfer_id, debit, transfer_id, credit),
                )
            done += 1
        cpu = _cpu_now(backend) - cpu
    return done, cpu


def sealer_worker(args: tuple[str, float, float]) -> tuple[Cpu, float]:
    """The sealer's loop during a round: CPU seconds it and its backend spent, and the longest
    any transfer had waited in the queue when it looked."""
    url, start_at, stop = args
    longest = 0.0
    with _session_from(url, start_at) as (db, backend):
        cpu = _cpu_now(backend)
        while time.time() < stop:
            waited = db.scalar(_OLDEST_WAIT)
            longest = max(longest, float(waited or 0))
            db.rollback()
            seal_everything_waiting(db)
            time.sleep(SEAL_EVERY)
        cpu = _cpu_now(backend) - cpu
    return cpu, longest


_OLDEST_WAIT = text("SELECT extract(epoch FROM now() - min(queued_at)) FROM ledger_seal_queue")


@dataclass(frozen=True)
class Cpu:
    """CPU seconds of a client process and of its database backend."""

    client: float = 0.0
    server: float = 0.0

    def __add__(self, other: Cpu) -> Cpu:
        return Cpu(self.client + other.client, self.server + other.server)

    def __sub__(self, other: Cpu) -> Cpu:
        return Cpu(self.client - other.client, self.server - other.server)


def _cpu_now(backend_pid: int) -> Cpu:
    """CPU used so far by this process and its database backend (on this machine): unlike
    the rate, it hardly moves with whatever else the two cores are doing."""
    try:
        fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
        server = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        server = float("nan")
    return Cpu(time.process_time(), server)


def measure(pool, worker, url, accounts, hot, workers, sealer=None):  # type: ignore[no-untyped-def]
    """Transfers per second, CPU milliseconds per transfer (of the clients, of their database
    backends, of the sealer and its backend), and the longest wait for a seal. With a
    `sealer` pool the sealer runs beside the workers; after them, what they left waiting is
    sealed here, and that time and CPU count in the round."""
    start_at = time.time() + 1.0
    sealing = None
    if sealer is not None:
        sealing = sealer.apply_async(sealer_worker, ((url, start_at, start_at + SECONDS),))
    results = pool.map(
        worker, [(url, accounts, hot, start_at, random.randrange(10**9)) for _ in range(workers)]
    )
    done = sum(count for count, _ in results)
    cpu = sum((cpu for _, cpu in results), Cpu())
    elapsed, longest, sealer_cpu = SECONDS, 0.0, Cpu()
    if sealing is not None:
        sealer_cpu, longest = sealing.get()
        drain_seconds, drain_cpu = _seal_the_rest(url)
        elapsed += drain_seconds
        sealer_cpu += drain_cpu
    per = 1000 / max(done, 1)
    parts = {
        "client": cpu.client * per,
        "server": cpu.server * per,
        "sealer": (sealer_cpu.client + sealer_cpu.server) * per,
    }
    return done / elapsed, parts, longest


def _medians(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {part: round(statistics.median(r[part] for r in rounds), 3) for part in rounds[0]}


def _seal_the_rest(url: str) -> tuple[float, Cpu]:
    """Seal what is still waiting: the seconds and the CPU seconds that took."""
    with _session_from(url, 0) as (db, backend):
        started, cpu = time.perf_counter(), _cpu_now(backend)
        seal_everything_waiting(db)
        took, cpu = time.perf_counter() - started, _cpu_now(backend) - cpu
        assert db.scalar(text("SELECT count(*) FROM ledger_seal_queue")) == 0
    return took, cpu


def setup_transfer_accounts(url: str) -> tuple[list[list[int]], list[list[int]], list[list[int]]]:
    """The accounts of one book; as many in three books (a third in each); the baseline's."""
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        book = ledger.open_ledger(db, code="bench", currency="EUR")
        ids = [
            ledger.open_account(db, ledger_id=book.id, code=f"b{n}", name="b", kind="bench").id
            for n in range(SPREAD)
        ]
        three = []
        for b in range(BOOKS):
            book = ledger.open_ledger(db, code=f"bench:{b}", currency="EUR")
            three.append([
                ledger.open_account(db, ledger_id=book.id, code=f"b{n}", name="b",
                                    kind="bench").id
                for n in range(SPREAD // BOOKS)
            ])  # fmt: skip
        db.commit()
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE bl_accounts (id bigint PRIMARY KEY, balance bigint)"))
        conn.execute(
            text(
                "CREATE TABLE bl_transfers (id bigserial PRIMARY KEY, key text UNIQUE, "
                "debit bigint, credit bigint, amount bigint, created_at timestamptz DEFAULT now())"
            )
        )
        conn.execute(
            text(
                "CREATE TABLE bl_entries (id bigserial PRIMARY KEY, transfer_id bigint, "
                "account_id bigint, amount bigint)"
            )
        )
        conn.execute(
            text("INSERT INTO bl_accounts SELECT g, 0 FROM generate_series(1, :n) g"), {"n": SPREAD}
        )
    engine.dispose()
    return [ids], three, [list(range(1, SPREAD + 1))]


def wage_run(url: str) -> list[float]:
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    with sessions() as db:
        prison = Prison(code="BEN", name="Bench prison")
        db.add(prison)
        db.flush()
        wing = Wing(prison_id=prison.id, code="W", name="W")
        db.add(wing)
        db.flush()
        cell = Cell(wing_id=wing.id, number="1")
        db.add(cell)
        db.flush()
        rows = [
            {
                "prison_number": f"BEN{n:05d}",
                "first_name": "F",
                "last_name": "L",
                "date_of_birth": date(1990, 1, 1),
                "language": "et",
                "legal_status": "convicted" if n % 3 else "remand",
                "regime_level": "standard",
                "prison_id": prison.id,
                "wing_id": wing.id,
                "cell_id": cell.id,
                "admitted_on": date(2026, 1, 1),
                "status": "active",
            }
            for n in range(INMATES)
        ]
        db.execute(insert(Inmate), rows)
        inmates = list(db.query(Inmate).filter(Inmate.prison_id == prison.id))
        money.accounts_of_inmates(db, inmates)
        for inmate in inmates[::4]:
            money.register_debt(db, Actor.system("bench"), inmate, creditor="court_fines",
                                amount_cents=50_000, description="bench")  # fmt: skip
        db.commit()
        prison_id = prison.id
    rules = ledger.IncomeRules(50, 20, release_fund_target_cents=265_800)
    payroll = "\n".join(f"BEN{n:05d},{(n % 50) + 10}.{n % 100:02d}" for n in range(INMATES))
    timings = []
    for round_ in range(ROUNDS):
        with sessions() as db:
            started = time.perf_counter()
            run = money.wage_run(db, Actor.system("bench"), payroll, key=f"wages-{round_}",
                                 prison_id=prison_id, rules=rules)  # fmt: skip
            db.commit()
            timings.append(time.perf_counter() - started)
            assert run.lines == INMATES and not run.replayed
    with sessions() as db:
        problems = ledger.check(db)
        assert problems == [], problems
    engine.dispose()
    return timings


def main() -> None:
    name = f"cellgate_bench_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        ledger_ids, three_books_ids, baseline_ids = setup_transfer_accounts(url)
        spawn = multiprocessing.get_context("spawn")
        with spawn.Pool(16) as pool, spawn.Pool(1) as sealer:
            # Every worker process started and importing done before the first measurement.
            pool.map(time.sleep, [0.2] * 16, chunksize=1)
            sealer.apply(time.sleep, (0.2,))
            for workers in (1, 16):
                for hot in (True, False):
                    rates: dict[str, list[float]] = {"ledger": [], "baseline": [], "three": []}
                    cpu: dict[str, list[dict[str, float]]] = {"ledger": [], "baseline": [],
                                                              "three": []}  # fmt: skip
                    waits: list[float] = []
                    for _ in range(ROUNDS):
                        for side, worker, ids, sealing in (
                            ("ledger", ledger_worker, ledger_ids, sealer),
                            ("three", ledger_worker, three_books_ids, sealer),
                            ("baseline", baseline_worker, baseline_ids, None),
                        ):
                            rate, cpu_ms, longest = measure(pool, worker, url, ids, hot, workers,
                                                            sealing)  # fmt: skip
                            rates[side].append(rate)
                            cpu[side].append(cpu_ms)
                            if sealing and side == "ledger":
                                waits.append(longest)
                    where = "hot" if hot else "spread"
                    ledger_rate = statistics.median(rates["ledger"])
                    baseline_rate = statistics.median(rates["baseline"])
                    ledger_parts = _medians(cpu["ledger"])
                    baseline_parts = _medians(cpu["baseline"])
                    ledger_cpu = statistics.median(sum(p.values()) for p in cpu["ledger"])
                    baseline_cpu = statistics.median(sum(p.values()) for p in cpu["baseline"])
                    three_rate = statistics.median(rates["three"])
                    three_cpu = statistics.median(sum(p.values()) for p in cpu["three"])
                    common = {"workers": workers, "accounts": where, "rounds": rates["ledger"]}
                    emit(f"ledger_transfers_{where}_{workers}w", ledger_rate, "transfers/s",
                         **common)  # fmt: skip
                    emit(f"ledger_transfers_{where}_{workers}w_{BOOKS}books", three_rate,
                         "transfers/s", workers=workers, accounts=where, books=BOOKS,
                         rounds=rates["three"], one_book=round(ledger_rate, 3),
                         ratio_to_one_book=round(three_rate / ledger_rate, 3),
                         cpu_per_transfer_ms=round(three_cpu, 3),
                         one_book_cpu_per_transfer_ms=round(ledger_cpu, 3),
                         goal="ratio_to_one_book >= 1 (no slower than one book)")  # fmt: skip
                    emit(f"baseline_transfers_{where}_{workers}w", baseline_rate, "transfers/s",
                         workers=workers, accounts=where)  # fmt: skip
                    emit(f"ledger_vs_baseline_{where}_{workers}w", ledger_rate / baseline_rate,
                         "ratio", goal=">= 0.7")  # fmt: skip
                    emit(f"cpu_per_transfer_{where}_{workers}w", ledger_cpu, "ms",
                         baseline=round(baseline_cpu, 3), ratio=round(baseline_cpu / ledger_cpu, 3),
                         ledger_parts=ledger_parts, baseline_parts=baseline_parts,
                         note="client and database CPU per transfer, the ledger's with the "
                         "sealer's; ratio is baseline/ledger")  # fmt: skip
                    emit(f"seal_wait_longest_{where}_{workers}w", max(waits), "s",
                         rounds=[round(w, 3) for w in waits],
                         note=f"the longest a transfer waited for its seal (sealer every "
                         f"{SEAL_EVERY:g} s)")  # fmt: skip
        timings = wage_run(url)
        emit("wage_run_10000_inmates", statistics.median(timings), "s", rounds=timings,
             goal="< 5 s", note="with income splits; a quarter of inmates have debts")  # fmt: skip
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
