"""Inmates' money on the ledger: money received with the income split, debts, the wage run,
and the `cellgate ledger` proofs. On SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import text

import ledger
from backoffice.cli import main
from backoffice.db import make_session_factory
from backoffice.errors import InvalidInput
from backoffice.money import services as money
from ledger import TransferCode
from tests.concurrency import Start, run_together


@pytest.fixture
def rules(settings):  # type: ignore[no-untyped-def]
    return money.income_rules(settings)


def receive(db, system, inmate, rules, cents, key="dep-1"):  # type: ignore[no-untyped-def]
    made = money.receive_money(
        db, system, inmate, key=key, amount_cents=cents, source_code="family_deposits",
        code=TransferCode.DEPOSIT, reason="family deposit", rules=rules,
    )  # fmt: skip
    db.commit()
    return made


def test_money_for_a_convicted_inmate_is_split_and_the_books_balance(  # type: ignore[no-untyped-def]
    db, system, make_inmate, rules
) -> None:
    inmate = make_inmate(legal_status="convicted")
    money.register_debt(db, system, inmate, creditor="court_fines", amount_cents=3_000,
                        description="fine 1-23/456")  # fmt: skip
    receive(db, system, inmate, rules, 10_001)
    balances = money.balances_for(db, inmate)
    assert (balances.debts_set_aside_cents, balances.release_fund_cents) == (3_000, 2_000)
    assert balances.spendable_cents == 5_001
    assert money.debts_remaining_cents(db, inmate) == 0
    receive(db, system, inmate, rules, 1_000, key="dep-2")  # debts are paid: no debt share now
    assert money.balances_for(db, inmate).debts_set_aside_cents == 3_000
    assert money.balances_for(db, inmate).spendable_cents == 5_001 + 800
    assert ledger.check(db) == []


def test_a_remand_inmate_keeps_everything(db, system, make_inmate, rules) -> None:  # type: ignore[no-untyped-def]
    inmate = make_inmate(legal_status="remand")
    money.register_debt(db, system, inmate, creditor="court_fines", amount_cents=3_000,
                        description="fine")  # fmt: skip
    receive(db, system, inmate, rules, 10_000)
    balances = money.balances_for(db, inmate)
    assert (balances.spendable_cents, balances.release_fund_cents) == (10_000, 0)


def test_a_retried_deposit_is_credited_once(db, system, make_inmate, rules) -> None:  # type: ignore[no-untyped-def]
    inmate = make_inmate()
    first = receive(db, system, inmate, rules, 4_000)
    again = receive(db, system, inmate, rules, 4_000)
    assert [t.id for t in again] == [t.id for t in first]
    assert (
        money.balances_for(db, inmate).spendable_cents
        + money.balances_for(db, inmate).release_fund_cents
        == 4_000
    )
    with pytest.raises(ledger.IdempotencyConflict):
        receive(db, system, inmate, rules, 4_001)
    db.rollback()


def test_the_release_fund_cannot_be_spent_in_the_shop(db, system, make_inmate, rules) -> None:  # type: ignore[no-untyped-def]
    inmate = make_inmate()
    receive(db, system, inmate, rules, 10_000)
    fund = money.inmate_accounts(db, inmate).release_fund
    shop = money.prison_account(db, inmate.prison_id, "shop")
    with pytest.raises(ledger.CodeNotAllowed):
        ledger.transfer(db, key="x", debit_account_id=fund.id, credit_account_id=shop.id,
                        amount_cents=100, code=TransferCode.ORDER_HOLD, requested_by="t",
                        reason="shop", pending=True)  # fmt: skip
    db.rollback()


def test_a_wage_run_pays_everyone_once_or_nobody(db, system, make_inmate, rules, prison) -> None:  # type: ignore[no-untyped-def]
    a, b = make_inmate(legal_status="convicted"), make_inmate(legal_status="remand")
    with pytest.raises(InvalidInput) as refused:
        bad = f"prison_number,amount\n{a.prison_number},12.50\nNOPE,1\n{b.prison_number},1.234\n"
        money.wage_run(db, system, bad, key="w1", prison_id=prison.id, rules=rules)
    assert "line 3: no such inmate" not in refused.value.message  # amounts are checked first
    assert "line 4" in refused.value.message and "2 decimals" in refused.value.message
    db.rollback()
    with pytest.raises(InvalidInput, match="NOPE"):
        money.wage_run(db, system, f"{a.prison_number},12.50\nNOPE,1\n", key="w1",
                       prison_id=prison.id, rules=rules)  # fmt: skip
    db.rollback()
    assert money.balances_for(db, a).spendable_cents == 0

    payroll = f"prison_number,amount\n{a.prison_number},12.50\n{b.prison_number},20.00\n"
    run = money.wage_run(db, system, payroll, key="w1", prison_id=prison.id, rules=rules)
    db.commit()
    assert (run.lines, run.total_cents, run.replayed) == (2, 3_250, False)
    assert money.balances_for(db, a).release_fund_cents == 250  # 20 % of 12.50, no debts
    assert money.balances_for(db, b).spendable_cents == 2_000
    rerun = money.wage_run(db, system, payroll, key="w1", prison_id=prison.id, rules=rules)
    db.commit()
    assert rerun.replayed and rerun.total_cents == 3_250
    assert money.balances_for(db, b).spendable_cents == 2_000
    assert ledger.check(db) == []


def test_recent_transfers_show_only_this_inmates_money(db, system, make_inmate, rules) -> None:  # type: ignore[no-untyped-def]
    mine, other = make_inmate(), make_inmate()
    receive(db, system, mine, rules, 1_000, key="m1")
    receive(db, system, other, rules, 9_999, key="o1")
    lines = money.recent_transfers(db, mine)
    assert [line.amount_cents for line in lines] == [800]
    assert lines[0].code == TransferCode.DEPOSIT


def test_the_cli_proves_the_books_and_finds_an_edit(  # type: ignore[no-untyped-def]
    db, system, make_inmate, rules, database_url, tmp_path
) -> None:
    inmate = make_inmate()
    receive(db, system, inmate, rules, 1_000)
    receive(db, system, inmate, rules, 2_000, key="dep-2")
    runner = CliRunner()
    env = {"CELLGATE_DATABASE_URL": database_url}
    verified = runner.invoke(main, ["ledger", "verify"], env=env)
    assert verified.exit_code == 0 and "intact" in verified.output
    assert runner.invoke(main, ["ledger", "check"], env=env).exit_code == 0

    if database_url.startswith("postgresql"):
        db.execute(text("SET session_replication_role = replica"))
    else:
        db.execute(text("DROP TRIGGER ledger_transfers_no_update"))
    db.execute(text("UPDATE ledger_transfers SET amount_cents = amount_cents + 1 WHERE id = 1"))
    db.commit()
    broken = runner.invoke(main, ["ledger", "verify"], env=env)
    assert broken.exit_code == 1
    assert "transfer 1 (sequence 1)" in broken.output and "changed after" in broken.output
    checked = runner.invoke(main, ["ledger", "check"], env=env)
    assert checked.exit_code == 1 and "hash chain" in checked.output


def test_the_cli_wage_run(db, make_inmate, make_staff, prison, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    inmate = make_inmate(legal_status="remand")
    make_staff("kadri", "accountant")
    payroll = tmp_path / "payroll.csv"
    # As a spreadsheet saves "CSV UTF-8": a byte order mark first.
    payroll.write_text(f"\ufeffprison_number,amount\n{inmate.prison_number},7.00\n")
    env = {"CELLGATE_DATABASE_URL": database_url}
    args = ["money", "wage-run", str(payroll), "--prison", prison.code, "--key", "w-nov",
            "--by", "kadri"]  # fmt: skip
    first = CliRunner().invoke(main, args, env=env)
    assert first.exit_code == 0, first.output
    assert "paid 1 inmates 7.00" in first.output
    second = CliRunner().invoke(main, args, env=env)
    assert "nothing paid twice" in second.output
    db.expire_all()
    assert money.balances_for(db, inmate).spendable_cents == 700


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("{number},1e3", "line 1: '1e3': write the amount out in digits, e.g. 1000.00 (not 1e3)"),
        ("{number},NaN", "line 1: 'NaN' is not an amount"),
        ("{number}\x00,7.00", "the payroll has a NUL character"),
        ("{number}," + "x" * 131_073, "the payroll cannot be read as CSV at line 1"),
    ],
)
def test_the_cli_wage_run_refuses_what_is_not_an_amount_and_pays_nothing(  # type: ignore[no-untyped-def]
    db, make_inmate, make_staff, prison, database_url, tmp_path, line, reason
) -> None:
    inmate = make_inmate(legal_status="remand")
    make_staff("kadri", "accountant")
    payroll = tmp_path / "payroll.csv"
    payroll.write_text(line.format(number=inmate.prison_number) + "\n")
    env = {"CELLGATE_DATABASE_URL": database_url}
    args = ["money", "wage-run", str(payroll), "--prison", prison.code, "--key", "w-nov",
            "--by", "kadri"]  # fmt: skip
    refused = CliRunner().invoke(main, args, env=env)
    assert refused.exit_code == 1, refused.output
    assert isinstance(refused.exception, SystemExit)  # a refusal, not a traceback
    assert reason in refused.output
    db.expire_all()
    assert money.balances_for(db, inmate).spendable_cents == 0


@pytest.mark.postgres_only
def test_two_first_orders_at_once_open_one_shop_account(engine, prison) -> None:  # type: ignore[no-untyped-def]
    """Accounts open on first use; two sessions doing that at once both succeed, with one."""
    sessions = make_session_factory(engine)
    opened: list[int] = []

    def first_use(start: Start) -> None:
        with sessions() as db:
            start()
            opened.append(money.prison_account(db, prison.id, "shop").id)
            db.commit()

    run_together([first_use] * 2, timeout=60)
    assert len(opened) == 2 and opened[0] == opened[1]
