# ruff: noqa: F811  (the flow test's fixtures are imported and then requested by name)
"""`cellgate shop ...` on SQLite and PostgreSQL: a protocol file checked before it goes live,
and orders never delivered closed with their money given back."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy.orm import Session

from backoffice.cli import main
from backoffice.people.models import Inmate
from backoffice.settings import Settings
from backoffice.shop.models import Order, Product
from backoffice.shop.protocols import Protocols
from tests.integration.test_shop_flow import (  # noqa: F401 (fixtures, used by name)
    buyer,
    catalogue,
    ledger_sums_to_zero,
    place,
    protocols,
    spendable,
    staff,
)


def test_check_protocols_names_the_file_the_rule_and_the_field(tmp_path: Path) -> None:
    runner = CliRunner()
    # Without the database: the catalogue's names are checked in test_shop_protocol_versions.
    good = runner.invoke(main, ["shop", "check-protocols", "--file-only", "config/protocols.toml"])
    assert good.exit_code == 0 and "monthly-cap" in good.output
    broken = tmp_path / "protocols.toml"
    broken.write_text('[[rule]]\nid = "weekly"\nkind = "spending_cap"\nperiod = "fortnight"\n')
    result = runner.invoke(main, ["shop", "check-protocols", "--file-only", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:4: rule 'weekly': field 'period' must be one of week, month" in result.output


def test_expire_orders_closes_old_orders_and_releases_their_holds(
    db: Session,
    database_url: str,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    # An order for a Friday in October that nobody ever delivered, and this week's order.
    old = place(db, buyer, protocols, settings, {catalogue["tea"]: 2})
    old.delivery_on = date(2026, 10, 9)
    fresh = place(db, buyer, protocols, settings, {catalogue["soap"]: 1})
    db.commit()
    assert spendable(db, buyer).available_cents == 5_000 - 600 - 120
    db.commit()
    result = CliRunner().invoke(
        main,
        ["shop", "expire-orders"],
        env={"CELLGATE_DATABASE_URL": database_url, "CELLGATE_MODE": "test"},
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"1 orders expired: {old.number}"
    db.expire_all()
    assert db.get(Order, old.id).status == "expired"
    assert db.get(Order, fresh.id).status == "placed"
    assert spendable(db, buyer).available_cents == 5_000 - 120
    ledger_sums_to_zero(db)
