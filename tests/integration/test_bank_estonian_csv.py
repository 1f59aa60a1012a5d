"""An Estonian bank's CSV statement (as Swedbank, SEB and LHV export it) imported through the
accountant's bank page and the command line, on SQLite and PostgreSQL: matched and booked as a
camt.053 statement is (by the reference number, then the text; the rest waits with its reason),
nothing booked twice, not even when the camt file of the same days follows, and the bank's
closing balance compared with the ledger's."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from backoffice.bank import services as bank
from backoffice.bank.balance import bank_position
from backoffice.bank.models import BankEntry, BankStatement
from backoffice.bank.reference import inmate_reference
from backoffice.cli import main
from backoffice.money.services import income_rules
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.staff.models import StaffUser
from tests.bank_files import Entry, camt053, estonian_csv
from tests.integration.accounts_world import RULES, actor_of, books, days_ago, total_in
from tests.integration.staff_client import csrf_token, signed_in


@pytest.fixture
def kadri(make_staff: Callable[..., StaffUser], prison: Prison) -> StaffUser:
    return make_staff("kadri", "accountant")


def upload(client: FlaskClient, data: bytes, action: str) -> str:
    response = client.post(
        "/bank/statements",
        data={"csrf_token": csrf_token(client, "/bank/"), "action": action,
              "statement": (io.BytesIO(data), "valjavote.csv")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 200
    return response.get_data(as_text=True)


def total(db: Session, inmate: Inmate) -> int:
    cents = total_in(db, inmate)
    db.rollback()
    return cents


def test_a_swedbank_csv_through_the_page_credits_waits_and_books_nothing_twice(
    app: Flask, db: Session, kadri: StaffUser, prison: Prison,
    make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    jaan = make_inmate(legal_status="remand", first_name="Jaan", last_name="Tamm")
    mari = make_inmate(legal_status="remand", first_name="Mari", last_name="Kask")
    day = days_ago(1)
    data = estonian_csv(
        [
            Entry("2026A1", "25.00", day, name="Ema Tamm", text="Toiduraha",
                  reference_number=inmate_reference(jaan.id)),
            Entry("2026A2", "10.50", day, name="Õde Kask", text=f"{mari.prison_number} jaoks"),
            Entry("2026A3", "4.00", day, name="Tundmatu", text="pojale"),
            Entry("2026A4", "1.20", day, credit=False, name="Swedbank", text="Teenustasu"),
        ],
        opening=100_000,
        encoding="cp1257",  # the older export, as many accountants still download it
    )  # fmt: skip
    client = signed_in(app, "kadri")
    before = books(db)
    preview = upload(client, data, "preview")
    assert "Preview: nothing is booked yet" in preview and books(db) == before

    imported = upload(client, data, "import")
    assert "Imported: 2 credited (35.50), 0 held for security, 2 waiting for you" in imported
    assert (total(db, jaan), total(db, mari)) == (2500, 1050)
    waiting = [e.entry_reference for e in bank.waiting_entries(db, prison.id)]
    db.rollback()
    assert waiting == ["2026A3", "2026A4"]
    assert "money out that Cellgate did not send" in imported

    again = upload(client, data, "import")
    assert "0 credited (0.00)" in again and "4 imported before" in again
    assert (total(db, jaan), total(db, mari)) == (2500, 1050)
    position = bank_position(db, prison.id)
    statement = position.statements[0]
    assert (statement.message_kind, statement.opening_cents) == ("ee-csv", 100_000)
    assert position.bank_cents == 100_000 + 2500 + 1050 + 400 - 120
    assert position.ledger_cents == 2500 + 1050 + 400  # money in is booked as it arrives
    db.rollback()
    assert ledger.check(db) == []


def test_an_overlapping_csv_and_the_camt_file_of_the_same_days_book_each_entry_once(
    db: Session, settings: Settings, kadri: StaffUser, prison: Prison, database_url: str,
    tmp_path: Path, make_inmate: Callable[..., Inmate],
) -> None:  # fmt: skip
    inmate = make_inmate(legal_status="convicted")
    ref, code = inmate_reference(inmate.id), prison.code
    first = [Entry("2026B1", "10.00", days_ago(3), reference_number=ref),
             Entry("2026B2", "20.00", days_ago(2), reference_number=ref)]  # fmt: skip
    done = bank.import_bank_file(db, actor_of(kadri), prison, estonian_csv(first), rules=RULES,
                                 income=income_rules(settings))  # fmt: skip
    db.commit()
    assert [o.action for o in done.outcomes] == ["credit", "credit"] and done.kind == "ee-csv"
    assert total(db, inmate) == 3000

    # A later export of the days around it, by the command line: only the new entry is booked.
    later = tmp_path / "valjavote.csv"
    later.write_bytes(
        estonian_csv([first[1], Entry("2026B3", "30.00", days_ago(1), reference_number=ref)])
    )
    command = ["bank", "import", str(later), "--prison", code, "--by", "kadri"]
    result = CliRunner().invoke(main, command, env={"CELLGATE_DATABASE_URL": database_url})
    assert result.exit_code == 0, result.output
    assert "ee-csv: credited 1 (30.00)" in result.output and "1 imported before" in result.output
    assert total(db, inmate) == 6000

    # The bank's camt.053 of the same days carries the same archive references.
    same_days = camt053([*first, Entry("2026B3", "30.00", days_ago(1), reference_number=ref)])
    before = books(db)
    recognised = bank.import_bank_file(db, actor_of(kadri), prison, same_days, rules=RULES,
                                       income=income_rules(settings))  # fmt: skip
    db.commit()
    assert recognised.count("duplicate") == 3 and books(db) == before
    assert db.query(BankEntry).count() == 3
    assert len(db.scalars(select(BankStatement)).all()) == 3
    db.rollback()
    assert ledger.check(db) == []
