"""Crash the ledger mid-load: kill -9 worker processes and stop PostgreSQL with `-m immediate`
(no checkpoint, no goodbye to clients), restart it, let every client retry its whole plan with
the same idempotency keys, and prove each operation was applied exactly once.

The test runs its own PostgreSQL (tests/postgres_cluster.py), never the machine's shared
server."""
# ruff: noqa: F811  (the cluster fixture is imported and then requested by name)

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

import ledger
from backoffice import migrate
from backoffice.db import make_engine, make_session_factory
from backoffice.settings import ROOT
from tests import ledger_load
from tests.postgres_cluster import Cluster, own_postgres  # noqa: F401 (a fixture, used by name)

WORKERS = 4
OPS_PER_WORKER = 150


def _done_count(logs: list[Path]) -> int:
    texts = [log.read_text() for log in logs if log.exists()]
    return sum(text.count('{"done"') for text in texts)


def _expected(plans: list[list[dict[str, Any]]], accounts: ledger_load.Accounts, initial: int):  # type: ignore[no-untyped-def]
    """Posted and pending totals per account if every operation happened exactly once."""
    posted = {a: 0 for a in [accounts.outside, accounts.shop, *accounts.inmates]}
    pending = dict.fromkeys(posted, 0)
    for inmate in accounts.inmates:
        posted[inmate] += initial
        posted[accounts.outside] -= initial
    for ops in plans:
        holds = {}
        for op in ops:
            if op["op"] == "move":
                posted[op["from"]] -= op["cents"]
                posted[op["to"]] += op["cents"]
            elif op["op"] == "hold":
                holds[op["key"]] = op
                pending[op["from"]] += op["cents"]
            else:
                hold = holds.pop(op["hold"])
                pending[hold["from"]] -= hold["cents"]
                if op["op"] == "post":
                    cents = max(1, hold["cents"] * op["share"] // 100)
                    posted[hold["from"]] -= cents
                    posted[hold["to"]] += cents
    return posted, pending


def test_every_operation_is_applied_exactly_once_across_a_crash(
    own_postgres: Cluster, request: pytest.FixtureRequest
) -> None:
    url = own_postgres.url
    work = own_postgres.data.parent
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    initial = 10**9  # nothing is refused for lack of money, so the result is exact
    accounts = ledger_load.open_accounts(url, "crash", inmates=3, initial_cents=initial)
    plans = [ledger_load.plan(100 + n, OPS_PER_WORKER, accounts) for n in range(WORKERS)]

    # The sealer runs as in production, through the crash.
    sealer = subprocess.Popen(
        [sys.executable, "-m", "backoffice", "ledger", "seal", "--every", "0.1"],
        cwd=ROOT,
        env={**os.environ, "CELLGATE_DATABASE_URL": url},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    request.addfinalizer(sealer.kill)
    logs, workers = [], []
    for n, ops in enumerate(plans):
        plan_file, log = work / f"plan{n}.json", work / f"log{n}.jsonl"
        plan_file.write_text(json.dumps(ops))
        logs.append(log)
        workers.append(
            subprocess.Popen(
                [sys.executable, "-m", "tests.ledger_load", url, str(plan_file), str(log)],
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    total = WORKERS * OPS_PER_WORKER
    deadline = time.monotonic() + 120
    while _done_count(logs) < total // 3:  # wait for the load to be well under way
        assert time.monotonic() < deadline, "the workers made no progress"
        assert all(w.poll() is None for w in workers), "a worker died before the crash"
        time.sleep(0.05)

    for worker in workers[:2]:
        worker.send_signal(signal.SIGKILL)
    own_postgres.crash()
    for worker in workers:
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    before_restart = _done_count(logs)
    assert 0 < before_restart < total, "the crash must land in the middle of the load"

    own_postgres.start()
    for ops in plans:  # every client retries its whole plan with the same keys
        outcomes = ledger_load.run(url, ops)
        outcomes.pop("retries")
        assert all(v.startswith("ok:") for v in outcomes.values()), outcomes

    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        assert db.scalar(select(func.count()).select_from(ledger.Transfer)) == total + 3
        assert ledger.check(db) == []
        db.rollback()
        report = ledger_load.wait_for_the_sealer(db, 60)
        assert report.ok and report.waiting == 0, "the sealer sealed everything after the crash"
        assert sealer.poll() is None, "the sealer outlived the database's crash"
        sealer.terminate()
        sealer.wait(timeout=30)
        posted, pending = _expected(plans, accounts, initial)
        for account_id in posted:
            balance = ledger.balance(db, account_id)
            assert balance.posted_cents == posted[account_id]
            assert balance.pending_debits_cents == pending[account_id]
    engine.dispose()
