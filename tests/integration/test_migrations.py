from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, inspect, text
from sqlalchemy.orm import Session

import ledger
from backoffice import migrate
from backoffice.db import all_metadata, make_engine
from ledger.journal import content_hash_of


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
