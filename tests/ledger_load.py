"""A reproducible load on the ledger, shared by the concurrency and crash tests and the bench.

A plan is a list of operations made from a seed; each has its own idempotency key, so running a
plan again after a crash applies each operation exactly once. Workers run in their own processes
and talk to the database over their own connections, as gunicorn workers would.
"""

from __future__ import annotations

import json
import random
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session

import ledger
from backoffice.db import make_engine, make_session_factory
from backoffice.money.cli import seal_everything_waiting
from ledger import TransferCode


@dataclass(frozen=True)
class Accounts:
    outside: int
    shop: int
    inmates: list[int]


def open_accounts(url: str, code: str, inmates: int, initial_cents: int) -> Accounts:
    """A ledger with an outside account, a shop and inmates funded with `initial_cents`."""
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        book = ledger.open_ledger(db, code=code, currency="EUR")

        def account(name: str, no_overdraft: bool) -> int:
            return ledger.open_account(
                db, ledger_id=book.id, code=name, name=name, kind="load", no_overdraft=no_overdraft
            ).id

        made = Accounts(
            account("outside", False),
            account("shop", False),
            [account(f"inmate{n}", True) for n in range(inmates)],
        )
        if initial_cents:
            ledger.apply(
                db,
                [
                    ledger.TransferRequest(
                        f"{code}:fund:{i}", made.outside, i, initial_cents, "deposit", "start"
                    )
                    for i in made.inmates
                ],
                requested_by="load",
            )
        db.commit()
    engine.dispose()
    return made


def plan(seed: int, count: int, accounts: Accounts, *, hot: bool = True) -> list[dict[str, Any]]:
    """Deposits, transfers both ways between inmates (to provoke deadlocks), holds and their
    posts or voids. `hot` puts everyone on the first two inmates."""
    rng = random.Random(seed)
    pool = accounts.inmates[:2] if hot else accounts.inmates
    ops: list[dict[str, Any]] = []
    open_holds: list[str] = []
    for n in range(count):
        key = f"s{seed}-op{n}"
        roll = rng.random()
        if open_holds and roll < 0.25:
            hold_key = open_holds.pop(rng.randrange(len(open_holds)))
            if rng.random() < 0.6:
                ops.append(
                    {"op": "post", "key": key, "hold": hold_key, "share": rng.randint(1, 100)}
                )
            else:
                ops.append({"op": "void", "key": key, "hold": hold_key})
        elif roll < 0.45:
            ops.append({"op": "hold", "key": key, "from": rng.choice(pool), "to": accounts.shop,
                        "cents": rng.randint(1, 900)})  # fmt: skip
            open_holds.append(key)
        elif roll < 0.6:
            ops.append({"op": "move", "key": key, "from": accounts.outside,
                        "to": rng.choice(pool), "cents": rng.randint(1, 700)})  # fmt: skip
        else:
            a, b = rng.sample(pool, 2) if len(pool) > 1 else (pool[0], accounts.shop)
            ops.append({"op": "move", "key": key, "from": a, "to": b,
                        "cents": rng.randint(1, 500)})  # fmt: skip
    return ops


def execute(db: Session, op: dict[str, Any], holds: dict[str, int]) -> int:
    """Run one operation; the new (or first) transfer's id. Ledger refusals propagate."""
    if op["op"] in ("post", "void"):
        hold_id = holds.get(op["hold"])
        if hold_id is None:
            raise ledger.HoldNotPending("its hold was refused")
        if op["op"] == "void":
            return ledger.void_pending(db, key=op["key"], pending_id=hold_id, requested_by="load",
                                       reason="load").id  # fmt: skip
        hold = db.get(ledger.Transfer, hold_id)
        assert hold is not None
        cents = max(1, hold.amount_cents * op["share"] // 100)
        return ledger.post_pending(db, key=op["key"], pending_id=hold_id, amount_cents=cents,
                                   requested_by="load", reason="load").id  # fmt: skip
    return ledger.transfer(
        db,
        key=op["key"],
        debit_account_id=op["from"],
        credit_account_id=op["to"],
        amount_cents=op["cents"],
        code=TransferCode.ORDER_HOLD if op["op"] == "hold" else TransferCode.CORRECTION,
        requested_by="load",
        reason="load",
        pending=op["op"] == "hold",
    ).id


RETRIES = 200


def run(url: str, ops: list[dict[str, Any]], log: Path | None = None) -> dict[str, str]:
    """Run a plan, one commit per operation, retrying database failures with the same key.
    Returns each key's outcome: "ok:<transfer id>" or "refused:<ledger error code>", and under
    "retries" how many database failures were retried."""
    engine = make_engine(url, pool_size=1, max_overflow=0)
    sessions = make_session_factory(engine)
    outcomes: dict[str, str] = {}
    holds: dict[str, int] = {}
    out = log.open("a", buffering=1) if log else None
    retries = 0
    for op in ops:
        if out:
            out.write(json.dumps({"start": op["key"]}) + "\n")
        while True:
            with sessions() as db:
                try:
                    transfer_id = execute(db, op, holds)
                    db.commit()
                    outcome = f"ok:{transfer_id}"
                except ledger.LedgerError as refused:
                    db.rollback()
                    outcome = f"refused:{refused.code}"
                except (OperationalError, DBAPIError):
                    retries += 1  # a deadlock or a lost connection: retry with the same key
                    if retries > RETRIES:
                        raise
                    continue
            break
        outcomes[op["key"]] = outcome
        if outcome.startswith("ok") and op["op"] == "hold":
            holds[op["key"]] = int(outcome[3:])
        if out:
            out.write(json.dumps({"done": op["key"], "outcome": outcome}) + "\n")
    engine.dispose()
    outcomes["retries"] = str(retries)
    return outcomes


def seal_until(url: str, stop: Any, sealed: Any) -> None:
    """The sealer beside the load, as `cellgate ledger seal --every` runs it, but looking
    every 10 ms so that its turns fall between the load's commits; once `stop` is set, one
    last turn. Adds what it sealed to `sealed` (a shared integer)."""
    engine = make_engine(url, pool_size=1, max_overflow=0)
    sessions = make_session_factory(engine)
    while True:
        last = stop.is_set()
        with sessions() as db:
            sealed.value += seal_everything_waiting(db)
        if last:
            break
        time.sleep(0.01)
    engine.dispose()


def wait_for_the_sealer(db: Session, seconds: float) -> ledger.ChainReport:
    """The chain's report once nothing waits for its seal (a sealer service is running), or
    as it is after `seconds`."""
    deadline = time.monotonic() + seconds
    while (report := ledger.verify_chain(db)).waiting and time.monotonic() < deadline:
        db.rollback()
        time.sleep(0.05)
    db.rollback()
    return report


def run_in_process(args: tuple[str, list[dict[str, Any]]]) -> dict[str, str]:
    url, ops = args
    return run(url, ops)


if __name__ == "__main__":
    # python -m tests.ledger_load URL PLAN_JSON LOG: used by the crash test as a killable worker.
    ops_file, log_file = Path(sys.argv[2]), Path(sys.argv[3])
    run(sys.argv[1], json.loads(ops_file.read_text()), log_file)
