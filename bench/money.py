"""Money benchmark, one JSON object per line.

A prison of 1,600 inmates (half of them convicted, so their money is split; their accounts
opened at admission) receives a month's camt.053 statement of 10,000 entries: family payments
carrying the inmate's reference number (7 in 10), or the prison number in the text (2 in 10),
or nothing an inmate can be found by (1 in 10, left waiting); each family pays from one of two
accounts. Imported through the real service into a fresh database that the bench creates and
drops, on SQLite and on PostgreSQL:

- money_camt_import_seconds: parsing the XML, matching, the security checks, the income split
  and the ledger's transfers for all entries, committed. Goal: under 10 s;
- money_camt_reimport_seconds: the same file again (every entry recognised, nothing booked).
Each figure is the median of --runs runs, each on a new database (min and max alongside, and
for the import the median CPU seconds of this process and the machine's load average).

PostgreSQL: CELLGATE_TEST_DATABASE_URL, default the local server. Usage:
    .venv/bin/python bench/money.py [--entries 10000] [--inmates 1600] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url

from backoffice import migrate
from backoffice.accounts.deposits import SecurityRules
from backoffice.audit.services import Actor
from backoffice.bank.reference import inmate_reference
from backoffice.bank.services import import_camt
from backoffice.db import make_engine, make_session_factory
from backoffice.money.services import accounts_of_inmates, income_rules
from backoffice.people.models import Cell, Inmate, Prison, Wing
from backoffice.settings import load_settings
from tests.bank_files import Entry, camt053

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
# This process's CPU seconds per import (the database server's own work not counted): on a
# machine shared with other work the wall time says more about the others than about us.
CPU: list[float] = []


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(
        json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}), flush=True
    )


@contextmanager
def database(engine_name: str) -> Iterator[str]:
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/bench.sqlite3"
        return
    admin_url = os.environ.get("CELLGATE_TEST_DATABASE_URL", DEFAULT_POSTGRES)
    name = f"cellgate_bench_money_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def statement(inmates: list[tuple[int, str]], entries: int) -> bytes:
    day = date.today() - timedelta(days=1)
    made = []
    for n in range(entries):
        inmate_id, number = inmates[n % len(inmates)]
        amount = f"{5 + n % 95}.{n % 100:02d}"
        how = n % 10
        made.append(
            Entry(
                f"BENCH{n:06d}",
                amount,
                day,
                # Each inmate's family pays from one of two accounts.
                name=f"Sender {n % (2 * len(inmates))}",
                account=f"EE{n % (2 * len(inmates)):018d}",
                reference_number=inmate_reference(inmate_id) if how < 7 else "",
                text=f"toiduraha {number}" if how in (7, 8) else "for my son",
            )
        )
    return camt053(made, statement_id="BENCH-MONTH", opening=0)


def run(engine_name: str, inmates: int, entries: int) -> tuple[float, float, dict[str, int]]:
    with database(engine_name) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        settings = load_settings({}).with_overrides({"mode": "test", "database_url": url})
        with make_session_factory(engine)() as db:
            prison = Prison(code="BNC", name="Bench Prison")
            wing = Wing(prison=prison, code="A", name="Wing A")
            cell = Cell(wing=wing, number="A1")
            db.add_all([prison, wing, cell])
            db.flush()
            db.add_all(
                Inmate(prison_number=f"BNC{n:05d}", first_name=f"First{n}", last_name=f"Last{n}",
                       date_of_birth=date(1985, 3, 4), language="et",
                       legal_status="convicted" if n % 2 else "remand", prison_id=prison.id,
                       wing_id=wing.id, cell_id=cell.id, admitted_on=date(2025, 1, 1))
                for n in range(1, inmates + 1)
            )  # fmt: skip
            db.commit()
            every = list(db.scalars(select(Inmate).order_by(Inmate.id)))
            # A running prison: the inmates' accounts were opened at admission.
            accounts_of_inmates(db, every)
            db.commit()
            people = [(i.id, i.prison_number) for i in every]
            data = statement(people, entries)
            actor = Actor.system("bench")
            rules = SecurityRules.from_settings(settings)
            income = income_rules(settings)
            began, cpu = time.perf_counter(), time.process_time()
            done = import_camt(db, actor, prison, data, rules=rules, income=income)
            db.commit()
            first = time.perf_counter() - began
            CPU.append(time.process_time() - cpu)
            counts = {a: done.count(a) for a in ("credit", "hold", "wait", "duplicate")}
            began = time.perf_counter()
            again = import_camt(db, actor, prison, data, rules=rules, income=income)
            db.commit()
            second = time.perf_counter() - began
            assert again.count("duplicate") == entries, again.count("duplicate")
        engine.dispose()
    return first, second, counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--inmates", type=int, default=1_600)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engines", default="sqlite,postgresql")
    args = parser.parse_args()
    for engine_name in args.engines.split(","):
        CPU.clear()
        results = [run(engine_name, args.inmates, args.entries) for _ in range(args.runs)]
        firsts = [r[0] for r in results]
        seconds = [r[1] for r in results]
        median = statistics.median(firsts)
        emit("money_camt_import_seconds", median, "s", engine=engine_name,
             entries=args.entries, inmates=args.inmates, runs=args.runs,
             min_s=round(min(firsts), 3), max_s=round(max(firsts), 3), goal_s=10,
             ok=median < 10, cpu_s=round(statistics.median(CPU), 3),
             load_1min=round(os.getloadavg()[0], 1), **results[0][2])  # fmt: skip
        emit("money_camt_reimport_seconds", statistics.median(seconds), "s",
             engine=engine_name, entries=args.entries, runs=args.runs,
             min_s=round(min(seconds), 3), max_s=round(max(seconds), 3))  # fmt: skip


if __name__ == "__main__":
    main()
