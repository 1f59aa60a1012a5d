"""The daily reconciliation, on SQLite and PostgreSQL: shop deliveries against the money
captured, holds left open after their delivery day, and a journal row altered behind the
ledger's back, reported by the page and by `cellgate ledger verify`."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text
from sqlalchemy.orm import Session

import ledger
from backoffice.accounts import deposits
from backoffice.accounts.reconciliation import reconcile
from backoffice.audit.services import Actor
from backoffice.cli import main as cellgate
from backoffice.money.services import income_rules, inmate_accounts, prison_account
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.shop.models import Order, OrderStatus
from tests.integration.accounts_world import RULES, actor_of, bank_line, statement, today
from tests.integration.staff_client import sign_in

SHOP = Actor.system("shop-test")


@pytest.fixture
def accountant_client(app: Flask, make_staff: Callable[..., object]) -> FlaskClient:
    make_staff("kadri", "accountant")
    client = app.test_client()
    sign_in(client, "kadri")
    return client


@pytest.fixture
def buyer(db: Session, settings: Settings, prison: Prison, make_inmate, make_staff) -> Inmate:  # type: ignore[no-untyped-def]
    inmate = make_inmate(legal_status="remand")
    deposits.import_statement(
        db, actor_of(make_staff("mari", "accountant")), prison,
        statement(bank_line("R-1", inmate.prison_number, "100.00")),
        rules=RULES, income=income_rules(settings),
    )  # fmt: skip
    db.commit()
    return inmate


def order(db: Session, inmate: Inmate, n: int, held: int, *, delivery_on=None) -> Order:  # type: ignore[no-untyped-def]
    placed = Order(
        key=f"order-{n}",
        payload_hash=hashlib.sha256(str(n).encode()).hexdigest(),
        inmate_id=inmate.id,
        prison_id=inmate.prison_id,
        wing_id=inmate.wing_id,
        delivery_on=delivery_on or today(),
        status=OrderStatus.PACKED.value,
        held_cents=held,
    )
    db.add(placed)
    db.flush()
    # The shop's own money calls, made the way backoffice/shop/payments.py makes them.
    placed.hold_transfer_id = ledger.transfer(
        db, key=f"hold-{n}", debit_account_id=inmate_accounts(db, inmate).spendable.id,
        credit_account_id=prison_account(db, inmate.prison_id, "shop").id, amount_cents=held,
        code=ledger.TransferCode.ORDER_HOLD, requested_by=SHOP.name, reason="shop order",
        pending=True, expires_at=datetime.now(UTC) + timedelta(days=9), reference=placed.number,
    ).id  # fmt: skip
    db.commit()
    return placed


def deliver(db: Session, placed: Order, charged: int, captured: int) -> None:
    assert placed.hold_transfer_id is not None
    ledger.post_pending(
        db, key=f"capture-{placed.id}", pending_id=placed.hold_transfer_id,
        amount_cents=captured, requested_by=SHOP.name, reason="delivered",
    )  # fmt: skip
    placed.status = OrderStatus.DELIVERED.value
    placed.charged_cents = charged
    placed.delivered_at = datetime.now(UTC)
    db.commit()


def test_shop_deliveries_are_reconciled_against_captured_money(
    db: Session, prison: Prison, buyer: Inmate, accountant_client: FlaskClient
) -> None:
    good, short, late = (
        order(db, buyer, 1, 500),
        order(db, buyer, 2, 700),
        order(db, buyer, 3, 300, delivery_on=today() - timedelta(days=2)),
    )
    deliver(db, good, charged=500, captured=500)
    deliver(db, short, charged=700, captured=600)

    result = reconcile(db, prison, today())
    problems = result.problems
    assert f"order {short.number}: charged 700 cents, but 600 cents were captured" in problems
    assert not any(good.number in p for p in problems)
    assert any(late.number in p and "still open after its delivery day" in p for p in problems)
    assert (result.delivered_cents, result.captured_cents) == (1200, 1100)
    assert result.chain is not None and result.chain.ok and result.trial_sum_cents == 0
    db.rollback()  # end the read (SQLite: let the app's request take the database)

    page = accountant_client.get(f"/accounts/reconciliation?day={today().isoformat()}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'class="problem" id="verdict"' in html
    assert f'<tr class="problem"><td>{short.number}</td>' in html
    assert f'<tr class=""><td>{good.number}</td>' in html
    assert f"<td>{late.number}</td>" in html


def _tamper(db: Session, database_url: str, sql: str) -> None:
    """What an intruder with database access does: switch the triggers off and edit."""
    if database_url.startswith("postgresql"):
        db.execute(text("SET session_replication_role = replica"))
        db.execute(text(sql))
        db.execute(text("SET session_replication_role = DEFAULT"))
    else:
        db.execute(text("DROP TRIGGER ledger_transfers_no_update"))
        db.execute(text(sql))
    db.commit()


def test_a_journal_row_altered_in_the_database_is_reported_by_the_page_and_the_cli(
    db: Session, database_url: str, buyer: Inmate, accountant_client: FlaskClient
) -> None:
    runner = CliRunner()
    env = {"CELLGATE_DATABASE_URL": database_url}
    assert runner.invoke(cellgate, ["ledger", "seal"], env=env).exit_code == 0  # as the sealer does
    intact = runner.invoke(cellgate, ["ledger", "verify"], env=env)
    assert intact.exit_code == 0, intact.output
    html = accountant_client.get("/accounts/reconciliation").get_data(as_text=True)
    assert 'class="ok" id="chain"' in html

    credited = db.scalar(select(ledger.Transfer.id).where(ledger.Transfer.key == "bank:R-1"))
    _tamper(
        db, database_url, f"UPDATE ledger_transfers SET amount_cents = 100000 WHERE id = {credited}"
    )

    html = accountant_client.get("/accounts/reconciliation").get_data(as_text=True)
    assert 'class="problem" id="chain"' in html
    assert f"transfer {credited} (sequence 1): its contents do not match its hash" in html
    broken = runner.invoke(cellgate, ["ledger", "verify"], env=env)
    assert broken.exit_code == 1
    assert f"transfer {credited} (sequence 1)" in broken.output
    checked = runner.invoke(cellgate, ["ledger", "check"], env=env)
    assert checked.exit_code == 1
    assert "hash chain" in checked.output


def test_a_fresh_hold_draws_a_short_bar_said_in_minutes(
    db: Session, buyer: Inmate, accountant_client: FlaskClient
) -> None:
    placed = order(db, buyer, 7, 450)
    html = accountant_client.get("/accounts/").get_data(as_text=True)
    bar = re.search(
        r'<rect class="bar-hold" [^>]*width="([\d.]+)"[^>]*><title>([^<]*)</title>', html
    )
    assert bar, "the oldest-holds chart draws the open hold"
    # A hold a moment old is a sliver of the scale of one day, not a full bar of "0.0 days".
    assert float(bar.group(1)) < 45
    assert bar.group(2) == f"{placed.number}: 1 minute"
    assert "0.0 days" not in html
