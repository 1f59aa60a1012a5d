"""`cellgate jobs`: every housekeeping job runs, in order, and says what it did."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

import ledger
from backoffice.cli import main
from backoffice.money import services as money
from tests import ledger_load


def test_the_jobs_run_once_and_release_a_hold_whose_time_ran_out(  # type: ignore[no-untyped-def]
    db, system, make_inmate, settings, database_url
) -> None:
    inmate = make_inmate(legal_status="remand")
    money.receive_money(db, system, inmate, key="d1", amount_cents=1_000,
                        source_code="family_deposits", code=ledger.TransferCode.DEPOSIT,
                        reason="deposit", rules=money.income_rules(settings))  # fmt: skip
    spendable = money.inmate_accounts(db, inmate).spendable.id
    visits = money.prison_account(db, inmate.prison_id, "visits").id
    placed = datetime.now(UTC) - timedelta(days=2)  # held two days ago, for one hour
    ledger.transfer(db, key="h1", debit_account_id=spendable, credit_account_id=visits,
                    amount_cents=400, code=ledger.TransferCode.VISIT, requested_by="t",
                    reason="held", pending=True, now=placed,
                    expires_at=placed + timedelta(hours=1))  # fmt: skip
    db.commit()
    assert ledger.balance(db, spendable).available_cents == 600
    db.rollback()  # end the read: on SQLite every transaction holds the write lock

    result = CliRunner().invoke(main, ["jobs"], env={"CELLGATE_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    for said in ("holds expired", "orders expired", "1 expired holds released",
                 "waiting transfers sealed", "escalated"):  # fmt: skip
        assert said in result.output
    db.expire_all()
    assert ledger.balance(db, spendable).available_cents == 1_000
    assert ledger.check(db) == []


@pytest.mark.postgres_only
def test_the_sealer_service_seals_single_transfers_as_they_commit(  # type: ignore[no-untyped-def]
    db, system, make_inmate, settings, database_url
) -> None:
    inmate = make_inmate(legal_status="remand")
    for n in range(3):
        money.receive_money(db, system, inmate, key=f"d{n}", amount_cents=100,
                            source_code="family_deposits", code=ledger.TransferCode.DEPOSIT,
                            reason="deposit", rules=money.income_rules(settings))  # fmt: skip
        db.commit()
    assert ledger.verify_chain(db).waiting == 3
    db.rollback()
    sealer = subprocess.Popen(
        [sys.executable, "-m", "backoffice", "ledger", "seal", "--every", "0.1"],
        env={**os.environ, "CELLGATE_DATABASE_URL": database_url},
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        report = ledger_load.wait_for_the_sealer(db, 30)
        assert report.ok and report.waiting == 0, "the sealer sealed what had committed"
        money.receive_money(db, system, inmate, key="d3", amount_cents=100,
                            source_code="family_deposits", code=ledger.TransferCode.DEPOSIT,
                            reason="deposit", rules=money.income_rules(settings))  # fmt: skip
        db.commit()
        report = ledger_load.wait_for_the_sealer(db, 30)
        assert report.ok and report.waiting == 0, "and what commits while it runs"
        assert sealer.poll() is None, "and it keeps running"
    finally:
        sealer.terminate()
        _, errors = sealer.communicate(timeout=30)
    assert errors == ""
