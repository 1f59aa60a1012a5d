"""16 processes hammer a few hot accounts of one ledger on PostgreSQL, moving money both ways
between the same pairs (the classic deadlock), holding, posting and voiding, while the sealer
seals their single transfers. Afterwards every invariant holds and each operation was applied
exactly once or refused and left no trace."""

from __future__ import annotations

import multiprocessing

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from tests import ledger_load

pytestmark = pytest.mark.postgres_only

WORKERS = 16
OPS_PER_WORKER = 40


def test_sixteen_processes_lose_nothing_and_apply_nothing_twice(
    database_url: str, db: Session
) -> None:
    accounts = ledger_load.open_accounts(database_url, "hot", inmates=3, initial_cents=2_000)
    plans = [ledger_load.plan(seed, OPS_PER_WORKER, accounts) for seed in range(WORKERS)]
    spawn = multiprocessing.get_context("spawn")
    stop, sealed = spawn.Event(), spawn.Value("i", 0)
    sealer = spawn.Process(target=ledger_load.seal_until, args=(database_url, stop, sealed))
    sealer.start()
    try:
        with spawn.Pool(WORKERS) as pool:
            results = pool.map(ledger_load.run_in_process, [(database_url, p) for p in plans])
    finally:
        stop.set()
        sealer.join(timeout=60)
    assert sealer.exitcode == 0, "the sealer failed beside the load"
    assert sealed.value > 0, "the sealer sealed single transfers while the load ran"

    assert [r.pop("retries") for r in results] == ["0"] * WORKERS, "a deadlock was retried"
    outcomes = {key: outcome for result in results for key, outcome in result.items()}
    applied = {k: int(v[3:]) for k, v in outcomes.items() if v.startswith("ok:")}
    refused = [k for k, v in outcomes.items() if v.startswith("refused:")]
    assert len(outcomes) == WORKERS * OPS_PER_WORKER
    assert applied and refused, "the load should both succeed and hit the balance limits"

    stored = dict(db.execute(select(ledger.Transfer.key, ledger.Transfer.id)).all())
    assert {k: stored.get(k) for k in applied} == applied
    assert [k for k in refused if k in stored] == []
    setup = len(accounts.inmates)
    assert db.scalar(select(func.count()).select_from(ledger.Transfer)) == len(applied) + setup
    assert ledger.check(db) == []
    # The sealer's last turn came after the last commit: nothing waits.
    assert ledger.seal_waiting(db) == 0
    db.commit()
    report = ledger.verify_chain(db)
    assert report.ok and (report.checked, report.waiting) == (len(applied) + setup, 0)
    for inmate in accounts.inmates:
        assert ledger.balance(db, inmate).available_cents >= 0
