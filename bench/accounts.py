"""Accounts benchmark, one JSON object per line.

Gives one inmate a year of money: 10,000 posted transfers on the spendable account (family
deposits in, shop purchases out), written through ledger.apply in batches into a temporary
PostgreSQL database that the bench creates and drops. Then it measures the accountant's
statement through the real Flask app (sign-in, access checks, template), as an accountant opens
it:

- accounts_seed_seconds: writing the transfers through the ledger (hash chain included);
- accounts_statement_page_ms: GET /accounts/statement for the whole history (10,000 lines with
  running balances and the open holds). Goal: under 500 ms;
- accounts_statement_month_ms: the same for one month (opening balance summed, ~830 lines);
- accounts_statement_csv_ms: the whole history as CSV;
- accounts_statement_pdf_ms: the whole history as PDF (fpdf2, about 200 pages; no goal).
Page times are the median of N warm requests (max alongside).

Needs a reachable PostgreSQL: CELLGATE_TEST_DATABASE_URL, default the local server. Usage:
    .venv/bin/python bench/accounts.py [--transfers 10000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

import ledger
from backoffice import migrate
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.money.services import inmate_accounts, prison_account
from backoffice.people.models import Cell, Inmate, Prison, Wing
from backoffice.settings import load_settings
from backoffice.staff.services import create_staff_user
from backoffice.web import create_app

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
PASSWORD = "bench-password-123"
BATCH = 500


def emit(metric: str, value: float, unit: str, **extra: object) -> None:
    print(
        json.dumps({"metric": metric, "value": round(value, 3), "unit": unit, **extra}), flush=True
    )


def seed(url: str, transfers: int) -> str:
    """The prison, one inmate, an accountant, and `transfers` posted transfers on the inmate's
    spendable account over the last year. Returns the inmate's prison number."""
    engine = make_engine(url)
    system = Actor.system("bench")
    with make_session_factory(engine)() as db:
        prison = Prison(code="BNC", name="Bench Prison")
        wing = Wing(prison=prison, code="A", name="Wing A")
        cell = Cell(wing=wing, number="A1")
        db.add_all([prison, wing, cell])
        db.flush()
        inmate = Inmate(
            prison_number="BNC0001", first_name="Жанна", last_name="Õunapuu",
            date_of_birth=date(1985, 3, 4), language="et", legal_status="remand",
            prison_id=prison.id, wing_id=wing.id, cell_id=cell.id, admitted_on=date(2025, 1, 1),
        )  # fmt: skip
        db.add(inmate)
        create_staff_user(
            db, system, username="accountant", full_name="Bench Accountant", password=PASSWORD,
            roles=["accountant"], min_password_length=12,
        )  # fmt: skip
        db.flush()
        spendable = inmate_accounts(db, inmate).spendable.id
        family = prison_account(db, prison.id, "family_deposits").id
        shop = prison_account(db, prison.id, "shop").id
        db.commit()

        start = datetime.now(UTC) - timedelta(days=365)
        step = timedelta(days=365) / (transfers // BATCH + 1)
        made = 0
        batch_no = 0
        while made < transfers:
            requests = []
            for _ in range(min(BATCH, transfers - made)):
                incoming = made % 3 != 2  # two deposits of 10.00, then a purchase of 7.50
                requests.append(
                    ledger.TransferRequest(
                        key=f"bench-{made}",
                        debit_account_id=family if incoming else spendable,
                        credit_account_id=spendable if incoming else shop,
                        amount_cents=1000 if incoming else 750,
                        code=ledger.TransferCode.DEPOSIT if incoming else "order_capture",
                        reason="family deposit" if incoming else f"shop order S{made:06d}",
                        reference=f"REF{made}",
                    )
                )
                made += 1
            ledger.apply(db, requests, requested_by="bench", now=start + step * batch_no)
            db.commit()
            batch_no += 1
        # A few open holds, shown under the statement.
        for n in range(5):
            ledger.transfer(
                db, key=f"bench-hold-{n}", debit_account_id=spendable, credit_account_id=shop,
                amount_cents=300, code=ledger.TransferCode.ORDER_HOLD, requested_by="bench",
                reason=f"shop order H{n}", pending=True,
                expires_at=datetime.now(UTC) + timedelta(days=7),
            )  # fmt: skip
        db.commit()
    engine.dispose()
    return "BNC0001"


def timed(client, path: str, repeat: int, *, expect: str = "") -> tuple[float, float, int]:  # type: ignore[no-untyped-def]
    samples = []
    size = 0
    for _ in range(repeat + 1):  # the first warms the caches and is not counted
        began = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - began) * 1000
        assert response.status_code == 200, (path, response.status_code)
        if expect:
            assert expect in response.get_data(as_text=True)[:200000]
        size = len(response.data)
        samples.append(elapsed)
    counted = samples[1:]
    return statistics.median(counted), max(counted), size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    admin_url = os.environ.get("CELLGATE_TEST_DATABASE_URL", DEFAULT_POSTGRES)
    name = f"cellgate_bench_accounts_{os.getpid()}_{secrets.token_hex(3)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        engine = make_engine(url)
        migrate.upgrade(engine)
        engine.dispose()
        began = time.perf_counter()
        number = seed(url, args.transfers)
        emit("accounts_seed_seconds", time.perf_counter() - began, "s",
             transfers=args.transfers, batch=BATCH)  # fmt: skip

        settings = load_settings({}).with_overrides({"mode": "test", "database_url": url})
        app = create_app(settings)
        client = app.test_client()
        page = client.get("/sign-in").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token
        signed = client.post(
            "/sign-in",
            data={"username": "accountant", "password": PASSWORD, "csrf_token": token.group(1)},
        )
        assert signed.status_code == 302

        base = f"/accounts/statement?prison_number={number}"
        whole = client.get(base).get_data(as_text=True)
        lines = whole.count("<tr><td>") - 5  # less the open holds' rows
        assert lines == args.transfers, lines
        median, worst, size = timed(client, base, args.repeat)
        emit("accounts_statement_page_ms", median, "ms", max_ms=round(worst, 1),
             lines=lines, bytes=size, goal_ms=500, ok=median < 500)  # fmt: skip
        month = (date.today().replace(day=1) - timedelta(days=1)).replace(day=1)
        month_end = (month + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        median, worst, size = timed(
            client, f"{base}&since={month.isoformat()}&until={month_end.isoformat()}", args.repeat
        )
        emit("accounts_statement_month_ms", median, "ms", max_ms=round(worst, 1), bytes=size)
        median, worst, size = timed(client, f"{base}&format=csv", args.repeat)
        emit("accounts_statement_csv_ms", median, "ms", max_ms=round(worst, 1), bytes=size)
        median, worst, size = timed(client, f"{base}&format=pdf", 2)
        emit("accounts_statement_pdf_ms", median, "ms", max_ms=round(worst, 1), bytes=size)
        app.extensions["cellgate"]["engine"].dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
