"""The accountant's CSV exports read back as a spreadsheet would, on SQLite and PostgreSQL: the
amounts are numbers (debits too) and add up, empty cells are empty, formulas are text."""

from __future__ import annotations

import csv
import io
import re
import secrets
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

import ledger
from backoffice.money.services import inmate_accounts, prison_account
from backoffice.people.models import Inmate, Prison
from tests.integration.staff_client import sign_in, signed_in


@pytest.fixture
def accountant(app: Flask, make_staff: Callable[..., object], prison: Prison) -> FlaskClient:
    make_staff("kadri", "accountant")
    client = app.test_client()
    sign_in(client, "kadri")
    return client


def move(db: Session, debit_id: int, credit_id: int, cents: int, code: str, reason: str) -> None:
    ledger.transfer(db, key=secrets.token_hex(8), debit_account_id=debit_id,
                    credit_account_id=credit_id, amount_cents=cents, code=code,
                    requested_by="test", reason=reason)  # fmt: skip


@pytest.fixture
def inmate_with_debits(db: Session, make_inmate: Callable[..., Inmate]) -> Inmate:
    """20.00 in, then 14.44 and 0.56 out, with reasons a spreadsheet would run."""
    inmate = make_inmate(legal_status="remand")
    spendable = inmate_accounts(db, inmate).spendable.id
    deposits = prison_account(db, inmate.prison_id, "family_deposits").id
    visits = prison_account(db, inmate.prison_id, "visits").id
    move(db, deposits, spendable, 2000, ledger.TransferCode.DEPOSIT,
         "@SUM(1+9)*cmd|' /C calc'!A0")  # fmt: skip
    move(db, spendable, visits, 1444, ledger.TransferCode.VISIT, "=cmd|' /C calc'!A0")
    move(db, spendable, visits, 56, ledger.TransferCode.VISIT, "\tcall; =1+1")
    db.commit()
    return inmate


def read(response: object) -> tuple[str, list[list[str]]]:
    raw = response.get_data(as_text=True)  # type: ignore[attr-defined]
    text = raw.removeprefix("\ufeff")
    return text, list(csv.reader(io.StringIO(text, newline="")))


def test_a_statement_export_adds_up_in_a_spreadsheet(
    accountant: FlaskClient, inmate_with_debits: Inmate
) -> None:
    response = accountant.get(
        f"/accounts/statement?prison_number={inmate_with_debits.prison_number}&format=csv"
    )
    assert response.mimetype == "text/csv"
    text, (header, opening, *rows) = read(response)
    assert header == ["id", "at (Europe/Tallinn)", "kind", "code", "amount", "balance", "reason",
                      "reference", "by"]  # fmt: skip
    # Empty cells were a lone ' each; the opening balance is a number.
    assert opening == ["", "", "", "opening", "", "0.00", "", "", ""]
    assert ",-14.44," in text  # was the text '-14.44, which a spreadsheet does not add up
    amounts = [Decimal(row[4]) for row in rows]
    assert amounts == [Decimal("20.00"), Decimal("-14.44"), Decimal("-0.56")]
    assert sum(amounts) == Decimal(rows[-1][5]) - Decimal(opening[5]) == Decimal("5.00")
    assert [row[6] for row in rows] == [
        "'@SUM(1+9)*cmd|' /C calc'!A0",
        "'=cmd|' /C calc'!A0",
        "'\tcall; =1+1",  # a leading tab was not guarded
    ]
    assert [row[7] for row in rows] == ["", "", ""]


def test_a_journal_export_keeps_amounts_as_numbers(
    accountant: FlaskClient, inmate_with_debits: Inmate
) -> None:
    response = accountant.get(
        f"/accounts/journal?prison_number={inmate_with_debits.prison_number}&format=csv"
    )
    _, (header, *rows) = read(response)
    amount = header.index("amount")
    assert sorted(Decimal(row[amount]) for row in rows) == [
        Decimal("0.56"),
        Decimal("14.44"),
        Decimal("20.00"),
    ]
    assert all(row[header.index("reference")] == "" for row in rows)
    assert all(row[header.index("id")].isdigit() for row in rows)


ESTONIAN_NUMBER = re.compile(r"-?[0-9]+(,[0-9]+)?")


def as_estonian_spreadsheet_reads(response: object) -> list[list[str | Decimal]]:
    """Split on semicolons, and read a cell as a number the way a spreadsheet in an Estonian
    locale does (a decimal comma, no grouping, an ASCII minus); anything else stays text."""
    text = response.get_data(as_text=True).removeprefix("\ufeff")  # type: ignore[attr-defined]
    return [
        [Decimal(value.replace(",", ".")) if ESTONIAN_NUMBER.fullmatch(value) else value
         for value in row]
        for row in csv.reader(io.StringIO(text, newline=""), delimiter=";")
    ]  # fmt: skip


@pytest.fixture
def estonian_accountant(app: Flask, db: Session, make_staff: Callable[..., Any]) -> FlaskClient:
    make_staff("kadri", "accountant").language = "et"
    db.commit()
    return signed_in(app, "kadri")


def test_an_estonian_statement_export_adds_up_in_an_estonian_spreadsheet(
    estonian_accountant: FlaskClient, db: Session, inmate_with_debits: Inmate
) -> None:
    accountant = estonian_accountant
    spendable = inmate_accounts(db, inmate_with_debits).spendable.id
    deposits = prison_account(db, inmate_with_debits.prison_id, "family_deposits").id
    move(db, deposits, spendable, 123456, ledger.TransferCode.DEPOSIT, "sünnipäev; 1,5 kg")
    db.commit()
    base = f"/accounts/statement?prison_number={inmate_with_debits.prison_number}"

    header, opening, *rows = as_estonian_spreadsheet_reads(accountant.get(base + "&format=csv"))
    assert len(header) == 9 and all(len(row) == 9 for row in [opening, *rows])
    amount, balance = header.index("amount"), header.index("balance")
    assert opening[balance] == Decimal("0.00")
    assert all(isinstance(row[amount], Decimal) for row in rows)
    assert all(isinstance(row[balance], Decimal) for row in rows)
    assert [row[amount] for row in rows] == [
        Decimal("20.00"), Decimal("-14.44"), Decimal("-0.56"), Decimal("1234.56")
    ]  # fmt: skip
    assert rows[-1][header.index("reason")] == "sünnipäev; 1,5 kg"  # text, kept whole
    # The amounts add up to the statement's total, as the page shows it (1 234,56 + 5,00).
    page = accountant.get(base).text
    assert '<strong id="closing">1 239,56</strong>' in page
    assert sum(row[amount] for row in rows) == rows[-1][balance] == Decimal("1239.56")


def test_an_estonian_export_still_guards_formulas(
    estonian_accountant: FlaskClient, inmate_with_debits: Inmate
) -> None:
    response = estonian_accountant.get(
        f"/accounts/journal?prison_number={inmate_with_debits.prison_number}&format=csv"
    )
    header, *rows = as_estonian_spreadsheet_reads(response)
    reasons = sorted(str(row[header.index("reason")]) for row in rows)
    assert reasons == ["'\tcall; =1+1", "'=cmd|' /C calc'!A0", "'@SUM(1+9)*cmd|' /C calc'!A0"]
    assert sorted(row[header.index("amount")] for row in rows) == [
        Decimal("0.56"), Decimal("14.44"), Decimal("20.00")
    ]  # fmt: skip
