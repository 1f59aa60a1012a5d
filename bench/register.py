"""Register feed benchmark, one JSON object per line.

A prison of 20 wings x 100 cells; a delivery of N events from the Prisoners' Register, a
quarter of them admissions and the rest each admitted person's move, legal status change and
second move (in each person's order), taken by `register.services.receive` and committed
once, on a fresh database each run:

- register_events_per_second (events=N, engine=...): N / the delivery's wall time, the median
  of --runs runs (min and max alongside, and the median CPU seconds of this process).
  Goals: a prison's daily feed of a few hundred events
  well under a second; 10,000 events under 10 s.

PostgreSQL: a temporary database the bench creates and drops (CELLGATE_TEST_DATABASE_URL,
default the local server). SQLite: a file in a temporary folder. Usage:
    .venv/bin/python bench/register.py [--events 300 10000] [--runs 3] [--engine sqlite postgresql]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select

from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.people.models import Cell, Prison, Wing
from backoffice.register import services
from backoffice.register.models import EventState, RegisterEvent
from tests.conftest import DEFAULT_POSTGRES
from tests.conftest import _new_postgres_database as new_postgres_database

WINGS, CELLS = 20, 100


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(
        json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}), flush=True
    )


@contextmanager
def database(engine_name: str) -> Iterator[str]:
    if engine_name == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            yield f"sqlite:///{folder}/register.sqlite3"
        return
    admin_url = os.environ.get("CELLGATE_TEST_DATABASE_URL", DEFAULT_POSTGRES)
    with new_postgres_database(admin_url) as url:
        yield url


def cell_of(n: int) -> dict[str, str]:
    wing = chr(ord("A") + n // CELLS % WINGS)
    return {"prison": "BNC", "wing": wing, "cell": f"{wing}{n % CELLS + 1}"}


def events(count: int) -> list[dict[str, Any]]:
    """Per person: admitted, moved, convicted, moved again (sequences 1 to 4)."""
    out = []
    for person in range(count // 4 + 1):
        number = f"BNC{person:06d}"
        steps: list[tuple[str, dict[str, Any]]] = [
            ("admission", {"first_name": "Jaan", "last_name": f"Kask{person}",
                           "date_of_birth": "1990-05-01", "legal_status": "remand",
                           **cell_of(person)}),
            ("move", cell_of(person + 7)),
            ("status_change", {"legal_status": "convicted"}),
            ("move", cell_of(person + 13)),
        ]  # fmt: skip
        for sequence, (kind, data) in enumerate(steps, start=1):
            out.append({"event_id": f"R-{number}-{sequence}", "prison_number": number,
                        "sequence": sequence, "kind": kind, "data": data})  # fmt: skip
    # The register's order of a day: people interleaved, each person's own events in order.
    out.sort(key=lambda e: (e["sequence"], e["prison_number"]))
    return out[:count]


def one_run(engine_name: str, count: int) -> float:
    with database(engine_name) as url:
        engine = make_engine(url)
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        with factory() as db:
            prison = Prison(code="BNC", name="Bench Prison")
            db.add(prison)
            for w in range(WINGS):
                wing = Wing(prison=prison, code=chr(ord("A") + w), name=f"Wing {w}")
                db.add(wing)
                db.add_all(
                    Cell(wing=wing, number=f"{wing.code}{c + 1}", capacity=4) for c in range(CELLS)
                )
            db.commit()
        delivery = events(count)
        with factory() as db:
            started, cpu = time.perf_counter(), time.process_time()
            receipt = services.receive(db, Actor.system("bench"), delivery, source="bench")
            db.commit()
            elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
            applied = db.scalar(
                select(func.count(RegisterEvent.id)).where(
                    RegisterEvent.state == EventState.APPLIED.value
                )
            )
        engine.dispose()
    assert receipt.applied == count == applied, (receipt, applied)
    return elapsed, cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", type=int, nargs="+", default=[300, 10_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--engine", nargs="+", default=["sqlite", "postgresql"])
    args = parser.parse_args()
    for engine_name in args.engine:
        for count in args.events:
            runs = [one_run(engine_name, count) for _ in range(args.runs)]
            seconds = [wall for wall, _cpu in runs]
            rates = sorted(count / s for s in seconds)
            emit(
                "register_events_per_second",
                statistics.median(rates),
                "events/s",
                events=count,
                engine=engine_name,
                seconds_median=round(statistics.median(seconds), 3),
                # This process's CPU (the Python side; PostgreSQL's own work is not in it): on
                # a loaded machine the wall time is mostly waiting for a core.
                cpu_seconds_median=round(statistics.median(cpu for _wall, cpu in runs), 3),
                min=round(rates[0], 1),
                max=round(rates[-1], 1),
                runs=args.runs,
            )


if __name__ == "__main__":
    main()
