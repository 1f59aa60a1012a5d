from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, select, text
from sqlalchemy.orm import Session

import ledger
from backoffice import migrate
from backoffice.db import all_metadata, make_engine
from backoffice.people.models import Inmate, Prison, Wing
from backoffice.shop.models import Category, Order, OrderLine, Product
from ledger.sealing import content_hash_of
from tests.conftest import ENGINES


def test_migrations_upgrade_an_empty_database_and_match_the_models(engine: Engine) -> None:
    # The fixture's database was migrated from empty by the same code `cellgate db upgrade` runs.
    assert migrate.current_revision(engine) is not None
    assert "audit_events" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        differences = compare_metadata(context, all_metadata())
    assert differences == [], f"models and migrations differ: {differences}"


def test_upgrade_twice_changes_nothing(engine: Engine) -> None:
    before = migrate.current_revision(engine)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == before


def test_upgrade_from_nothing_on_a_new_sqlite_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'new.sqlite3'}")
    migrate.upgrade(engine)
    assert {"prisons", "inmates", "staff_users", "devices"} <= set(
        inspect(engine).get_table_names()
    )
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()


def test_transfers_waiting_for_their_seal_before_0013_wait_in_its_queue(
    unmigrated_postgres: str,
) -> None:
    engine = make_engine(unmigrated_postgres)
    try:
        migrate.upgrade(engine, "0012")
        transfer = _a_transfer_that_waits_under_0012(engine)
        migrate.upgrade(engine)
        with Session(engine) as db:
            queued = db.execute(text("SELECT transfer_id, ledger_id FROM ledger_seal_queue"))
            assert queued.all() == [(transfer, 1)]
            assert ledger.verify_chain(db).waiting == 1
            db.rollback()
            assert ledger.seal_waiting(db) == 1
            db.commit()
            report = ledger.verify_chain(db)
            assert report.ok and (report.checked, report.waiting) == (2, 0)
    finally:
        engine.dispose()


def _a_transfer_that_waits_under_0012(engine: Engine) -> int:
    """One transfer sealed at its commit, then one that commits while another commit holds
    the chain head, as 0012's seal made them."""
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO ledger_ledgers (id, code, currency, head_sequence, "
                          "head_hash, created_at) VALUES (1, 'main', 'EUR', 0, :genesis, :now)"),
                     {"genesis": "0" * 64, "now": now})  # fmt: skip
        for account in (1, 2):
            conn.execute(text("INSERT INTO ledger_accounts (id, ledger_id, code, name, kind, "
                              "no_overdraft, closed, posted_debits_cents, posted_credits_cents, "
                              "pending_debits_cents, pending_credits_cents, created_at) VALUES "
                              "(:id, 1, :code, 'x', 'test', false, false, 0, 0, 0, 0, :now)"),
                         {"id": account, "code": f"a{account}", "now": now})  # fmt: skip
    made = []
    for n, hold_the_head in ((1, False), (2, True)):
        values = {"key": f"d{n}", "kind": "single", "code": "deposit", "debit_account_id": 1,
                  "credit_account_id": 2, "amount_cents": 100, "pending_id": None,
                  "requested_by": "t", "reason": "x", "reference": "", "created_at": now,
                  "expires_at": None}  # fmt: skip
        with engine.connect() as other, engine.begin() as conn:
            if hold_the_head:
                other.execute(text("SELECT id FROM ledger_ledgers FOR NO KEY UPDATE"))
            made.append(
                conn.execute(
                    text("INSERT INTO ledger_transfers (ledger_id, key, payload_hash, "
                         "content_hash, kind, code, debit_account_id, credit_account_id, "
                         "amount_cents, requested_by, reason, reference, created_at) VALUES "
                         "(1, :key, 'p', :content, 'single', 'deposit', 1, 2, 100, 't', 'x', "
                         "'', :created_at) RETURNING id"),
                    {**values, "content": content_hash_of(values)},
                ).scalar_one()
            )  # fmt: skip
    return made[-1]


@pytest.fixture(params=ENGINES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of this test's own with no tables, on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return str(request.getfixturevalue("unmigrated_postgres"))


def test_0015_reserves_what_open_orders_ordered_and_can_be_undone(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        migrate.upgrade(engine)
        with Session(engine) as db:
            product, dearer = _orders_of_every_status(db)
            db.commit()
        migrate.downgrade(engine, "0014")
        columns = {c["name"] for c in inspect(engine).get_columns("shop_products")}
        assert "reserved" not in columns and "stock" in columns
        migrate.upgrade(engine)
        with Session(engine) as db:
            # Placed (2) and picking (3) reserve; packed, delivered and cancelled do not.
            assert db.scalar(select(Product.reserved).where(Product.id == product)) == 5
            # A dearer substitute packed before the upgrade is still charged the lower price.
            line = db.scalars(select(OrderLine).where(OrderLine.substitute_product_id == dearer))
            assert [li.charged_unit_cents for li in line] == [100]
    finally:
        engine.dispose()


def _orders_of_every_status(db: Session) -> tuple[int, int]:
    """A product ordered in one order of each status, and a dearer one packed in place of it
    in the packed order (as packing did before 0015); their ids."""
    prison = Prison(code="MIG", name="Migration Prison")
    wing = Wing(prison=prison, code="A", name="Wing A")
    inmate = Inmate(
        prison_number="MIG0001",
        first_name="A",
        last_name="B",
        prison=prison,
        wing=wing,
        date_of_birth=date(1990, 1, 1),
        language="en",
        legal_status="remand",
        admitted_on=date(2026, 1, 1),
    )
    food = Category(code="food", name_et="Toit", name_ru="Еда", name_en="Food")
    soap, dearer = (
        Product(
            sku=sku,
            category=food,
            name_et=sku,
            name_ru=sku,
            name_en=sku,
            price_cents=price,
            stock=20,
        )
        for sku, price in (("SOAP", 100), ("SOAP-BIG", 150))
    )
    db.add_all([inmate, soap, dearer])
    db.flush()
    for n, (status, quantity) in enumerate(
        [("placed", 2), ("picking", 3), ("packed", 4), ("delivered", 1), ("cancelled", 6)]
    ):
        packed = status in ("packed", "delivered")
        line = OrderLine(
            product_id=soap.id,
            quantity=quantity,
            unit_price_cents=100,
            vat_basis_points=2400,
            packed_quantity=quantity if packed else None,
        )
        if status == "packed":
            line.substitute_product_id, line.substitute_unit_price_cents = dearer.id, 150
        db.add(
            Order(
                key=f"migration-{n}",
                payload_hash="x",
                inmate=inmate,
                prison_id=prison.id,
                wing=wing,
                delivery_on=date(2026, 12, 4),
                status=status,
                held_cents=100 * quantity,
                lines=[line],
            )
        )
    db.flush()
    return soap.id, dearer.id
