from datetime import date
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect, select, text

import ledger
from backoffice import migrate
from backoffice.db import all_metadata, make_engine, make_session_factory
from backoffice.money.services import (
    clearing_problem,
    inmate_accounts,
    money_ledger,
    prison_account,
)
from backoffice.people.models import Inmate, Prison
from tests.conftest import ENGINES

# The newest revision: each feature's revision chains onto the one before.
HEAD = ScriptDirectory.from_config(migrate.alembic_config("sqlite://")).get_current_head()


def test_migrations_upgrade_an_empty_database_and_match_the_models(engine: Engine) -> None:
    # The fixture's database was migrated from empty by the same code `cellgate db upgrade` runs.
    assert migrate.current_revision(engine) is not None
    assert "audit_events" in inspect(engine).get_table_names()
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_name": migrate.compared}
        )
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


def test_a_database_at_a_revision_before_the_squash_is_refused_plainly(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = make_engine(f"sqlite:///{tmp_path / 'old.sqlite3'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('0016')"))
    with pytest.raises(migrate.UnknownRevision, match=r"delete it .* var/"):
        migrate.upgrade(engine)
    assert migrate.current_revision(engine) == "0016"
    engine.dispose()


@pytest.fixture(params=ENGINES)
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database of this test's own with no tables, on each engine."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return str(request.getfixturevalue("unmigrated_postgres"))


def test_upgrade_from_empty_and_downgrade_to_empty(empty_database: str) -> None:
    engine = make_engine(empty_database)
    try:
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == HEAD
        tables = set(inspect(engine).get_table_names())
        assert {t.name for metadata in all_metadata() for t in metadata.sorted_tables} <= tables
        migrate.downgrade(engine, "base")
        assert migrate.current_revision(engine) is None
        assert inspect(engine).get_table_names() == ["alembic_version"]
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                left = conn.execute(text("SELECT proname FROM pg_proc WHERE pronamespace = "
                                         "'public'::regnamespace")).all()  # fmt: skip
            else:
                left = conn.execute(text("SELECT name FROM sqlite_master "
                                         "WHERE tbl_name <> 'alembic_version'")).all()  # fmt: skip
        assert left == [], f"left after the downgrade: {left}"
        migrate.upgrade(engine)
        assert migrate.current_revision(engine) == HEAD
    finally:
        engine.dispose()


def test_the_shared_book_becomes_the_first_prisons_and_the_others_money_is_carried_over(
    empty_database: str,
) -> None:
    """A database of the one shared ledger ("main"), with money of two prisons' inmates in it,
    upgraded: "main" is the first prison's books, chain intact; the second prison's money is in
    its own books, carried by appended transfers; every book proves; nothing counted twice."""
    engine = make_engine(empty_database)
    try:
        migrate.upgrade(engine, "0008")  # the revision before books per prison
        with make_session_factory(engine)() as db:
            main = ledger.open_ledger(db, code="main", currency="EUR")
            prisons = [Prison(code="TRT", name="Tartu"), Prison(code="VIR", name="Viru")]
            db.add_all(prisons)
            db.flush()
            inmates = [
                Inmate(prison_number=f"N{n}", first_name="A", last_name="B",
                       date_of_birth=date(1990, 1, 1), legal_status="convicted",
                       prison_id=prisons[n].id, admitted_on=date(2026, 1, 1))
                for n in (0, 1)
            ]  # fmt: skip
            db.add_all(inmates)
            db.flush()

            def account(code: str, kind: str, debit_codes: str | None = None) -> int:
                made = ledger.open_account(db, ledger_id=main.id, code=code, name=code, kind=kind,
                                           debit_codes=debit_codes.split(",") if debit_codes
                                           else None)  # fmt: skip
                return made.id

            for n, amount in ((0, 1_000), (1, 2_500)):
                p, i = prisons[n].id, inmates[n].id
                deposits = account(f"prison:{p}:family_deposits", "external")
                spendable = account(f"inmate:{i}:spendable", "inmate_spendable")
                fund = account(f"inmate:{i}:release_fund", "inmate_release_fund",
                               "release_payout,correction")  # fmt: skip
                for target, cents in ((spendable, amount), (fund, 300)):
                    ledger.transfer(db, key=f"old:{target}", debit_account_id=deposits,
                                    credit_account_id=target, amount_cents=cents,
                                    code="deposit", requested_by="t", reason="before")  # fmt: skip
            db.commit()
            ids = [p.id for p in prisons]

        migrate.upgrade(engine)
        with make_session_factory(engine)() as db:
            tartu, viru = (db.get(Prison, i) for i in ids)
            assert tartu is not None and viru is not None
            first, second = money_ledger(db, tartu.id), money_ledger(db, viru.id)
            assert first.id == main.id and first.code == f"prison:{tartu.id}"
            assert db.scalar(select(ledger.Ledger).where(ledger.Ledger.code == "main")) is None
            assert ledger.check(db) == []
            assert clearing_problem(db) is None
            assert ledger.check(db, ledger_id=second.id) == []
            viru_inmate = db.scalars(select(Inmate).where(Inmate.prison_id == viru.id)).one()
            tartu_inmate = db.scalars(select(Inmate).where(Inmate.prison_id == tartu.id)).one()
            moved = inmate_accounts(db, viru_inmate)
            assert moved.spendable.ledger_id == second.id
            assert (moved.spendable.posted_cents, moved.release_fund.posted_cents) == (2_500, 300)
            # The release fund may now be debited by a transfer between prisons.
            assert "prison_transfer" in (moved.release_fund.debit_codes or "")
            stayed = inmate_accounts(db, tartu_inmate)
            assert (stayed.spendable.ledger_id, stayed.spendable.posted_cents) == (first.id, 1_000)
            assert prison_account(db, viru.id, "family_deposits").posted_cents == -2_800
            # Tartu's book shows nothing of Viru's money any more (only the emptied old rows).
            left = {
                a.code: a.posted_cents
                for a in db.scalars(
                    select(ledger.Account).where(ledger.Account.ledger_id == first.id)
                )
            }
            assert left[f"inmate:{viru_inmate.id}:spendable"] == 0
            assert left[f"prison:{viru.id}:family_deposits"] == 0
            # Upgrading again carries nothing twice.
        migrate.upgrade(engine)
        with make_session_factory(engine)() as db:
            assert ledger.check(db) == []
    finally:
        engine.dispose()
