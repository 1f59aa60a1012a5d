"""`cellgate jobs`: every housekeeping job runs, in order, and says what it did."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from click.testing import CliRunner

import ledger
from backoffice.cli import main
from backoffice.money import services as money


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
