"""Outbox benchmark, one JSON object per line.

A prison's evening of messages: N (5,000) messages to 500 contacts are queued in a new
database (SQLite in a temporary folder, or a temporary PostgreSQL database the bench creates
and drops), then one sender (`deliver_due`, what `cellgate outbox send` runs) delivers them
over SMTP to a real local server (aiosmtpd, the tests' one) that parses and keeps each:

- outbox_delivered_per_second: messages marked sent per second of delivery;
- outbox_evening_seconds: the time to deliver the N (goal: 5,000 in under a minute).
Each is the median of --runs runs (3), the runs alongside.

Usage:
    .venv/bin/python bench/outbox.py [--engine sqlite|postgresql] [--messages 5000] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

from backoffice import migrate
from backoffice.db import make_engine, make_session_factory
from backoffice.outbox.cli import make_senders
from backoffice.outbox.delivery import deliver_in_parallel
from backoffice.outbox.models import OutboxMessage
from backoffice.outbox.services import OutboxRules, queue_for_contact
from backoffice.people.models import Inmate, Prison
from backoffice.settings import load_settings
from backoffice.visits.models import Contact
from tests.mail import free_port

ROOT = Path(__file__).resolve().parent.parent

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
NOW = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(
        json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}), flush=True
    )


def seed(url: str, messages: int) -> None:
    engine = make_engine(url)
    migrate.upgrade(engine)
    with make_session_factory(engine)() as db:
        prison = Prison(code="BEN", name="Bench Prison", timezone="Europe/Tallinn")
        db.add(prison)
        db.flush()
        contacts = []
        for n in range(500):
            inmate = Inmate(prison_number=f"BEN{n:05d}", first_name=f"First{n}",
                            last_name=f"Last{n}", date_of_birth=date(1980, 1, 1),
                            language=("et", "ru", "en")[n % 3], legal_status="convicted",
                            prison_id=prison.id, admitted_on=date(2025, 1, 1))  # fmt: skip
            db.add(inmate)
            contacts.append(Contact(inmate=inmate, full_name=f"Family {n}",
                                    relation="parent", email=f"family.{n}@example.org",
                                    status="approved"))  # fmt: skip
        db.add_all(contacts)
        db.flush()
        # The service queues the first message of each contact; the rest are copies of
        # theirs with keys of their own, inserted at once (the seeding is not what is measured).
        firsts = [
            queue_for_contact(db, c, "invitation", dedupe_key=f"bench:{n}", now=NOW,
                              inmate=c.inmate.full_name, when="2026-12-04 14:00-14:30",
                              link=f"http://127.0.0.1:8004/join/{secrets.token_urlsafe(32)}",
                              early=5)
            for n, c in enumerate(contacts[:messages])
        ]  # fmt: skip
        columns = ("kind", "channel", "address", "language", "subject", "body", "contact_id",
                   "prison_id", "status", "attempts", "created_at", "next_attempt_at", "claim",
                   "last_error")  # fmt: skip
        rows = [
            {**{c: getattr(firsts[n % len(firsts)], c) for c in columns},
             "key": uuid.uuid4().hex, "dedupe_key": f"bench:{n}"}
            for n in range(len(firsts), messages)
        ]  # fmt: skip
        if rows:
            db.execute(insert(OutboxMessage), rows)
        db.commit()
    engine.dispose()


def one_run(url: str, messages: int, senders: int) -> tuple[float, int]:
    seed(url, messages)
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "tests.mail", str(port)], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert server.stdout is not None and server.stdout.readline().strip() == "ready"
    settings = load_settings({}).with_overrides(
        {"database_url": url, "outbox.smtp_port": port, "outbox.senders": senders}
    )
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    started = time.perf_counter()
    result = deliver_in_parallel(sessions, lambda: make_senders(settings),
                                 OutboxRules.from_settings(settings),
                                 workers=settings["outbox.senders"])  # fmt: skip
    elapsed = time.perf_counter() - started
    with sessions() as db:
        sent = db.scalar(select(func.count()).where(OutboxMessage.status == "sent"))
    engine.dispose()
    received = int(server.communicate("", timeout=60)[0].strip())
    if not (result.sent == sent == received == messages):
        raise SystemExit(f"sent {result.sent}, marked {sent}, received {received}")
    return elapsed, messages


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--engine", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--senders", type=int, default=4, help="senders side by side")
    args = parser.parse_args()
    rates, seconds = [], []
    for _ in range(args.runs):
        if args.engine == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                elapsed, n = one_run(
                    f"sqlite:///{folder}/bench.sqlite3", args.messages, args.senders
                )
        else:
            admin = os.environ.get("CELLGATE_TEST_DATABASE_URL", DEFAULT_POSTGRES)
            name = f"cellgate_bench_outbox_{secrets.token_hex(4)}"
            admin_engine = create_engine(admin, isolation_level="AUTOCOMMIT")
            with admin_engine.connect() as conn:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = make_url(admin).set(database=name).render_as_string(hide_password=False)
                elapsed, n = one_run(url, args.messages, args.senders)
            finally:
                with admin_engine.connect() as conn:
                    conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
                admin_engine.dispose()
        rates.append(n / elapsed)
        seconds.append(elapsed)
    extra = {"engine": args.engine, "messages": args.messages, "senders": args.senders}
    emit("outbox_delivered_per_second", statistics.median(rates), "messages/s",
         runs=[round(r, 1) for r in rates], **extra)  # fmt: skip
    emit("outbox_evening_seconds", statistics.median(seconds), "s",
         runs=[round(s, 2) for s in seconds], goal_seconds=60, **extra)  # fmt: skip


if __name__ == "__main__":
    main()
