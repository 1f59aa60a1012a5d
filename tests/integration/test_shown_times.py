"""Times are stored in UTC and shown on the prison's clock: a deposit made at 14:00 in Tallinn
shows 14:00 on every staff page and export that lists it, never 12:00 (UTC)."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

import ledger
from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.money.services import inmate_accounts, prison_account
from backoffice.people.models import Inmate, Prison
from tests.integration.staff_client import signed_in

# 14:00 in Tallinn on a winter day (EET, UTC+2).
DEPOSITED_AT = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)


@pytest.fixture
def accountant(app: Flask, make_staff: Callable[..., object], prison: Prison) -> FlaskClient:
    make_staff("kadri", "accountant")
    return signed_in(app, "kadri")


@pytest.fixture
def deposited(db: Session, make_inmate: Callable[..., Inmate], system: Actor) -> Inmate:
    inmate = make_inmate(legal_status="remand")
    assert inmate.prison.timezone == "Europe/Tallinn"
    ledger.transfer(db, key=secrets.token_hex(8),
                    debit_account_id=prison_account(db, inmate.prison_id, "family_deposits").id,
                    credit_account_id=inmate_accounts(db, inmate).spendable.id,
                    amount_cents=2500, code=ledger.TransferCode.DEPOSIT, requested_by="test",
                    reason="family deposit", now=DEPOSITED_AT)  # fmt: skip
    db.add(AuditEvent(**system.columns(), action="test.deposit", target_type="inmate",
                      target_id=str(inmate.id), outcome="ok", details={},
                      occurred_at=DEPOSITED_AT))  # fmt: skip
    db.commit()
    return inmate


def rows_of(response: object) -> list[list[str]]:
    text = response.get_data(as_text=True).removeprefix("\ufeff")  # type: ignore[attr-defined]
    return list(csv.reader(io.StringIO(text, newline="")))


def test_a_deposit_at_two_in_tallinn_shows_two_everywhere(
    accountant: FlaskClient, deposited: Inmate
) -> None:
    number = deposited.prison_number
    pages = {
        "journal": accountant.get(f"/accounts/journal?prison_number={number}").text,
        "statement": accountant.get(f"/accounts/statement?prison_number={number}").text,
        "audit log": accountant.get("/audit?action=test.deposit").text,
    }
    for name, page in pages.items():
        assert "3 Dec 2026 14:00" in page, name
        assert "12:00" not in page, name
        assert "Eastern European Time" in page, name  # the zone is named, UTC nowhere
        assert "UTC" not in page, name

    for export in ("journal", "statement"):
        header, *rows = rows_of(accountant.get(f"/accounts/{export}?prison_number={number}"
                                               "&format=csv"))  # fmt: skip
        column = header.index("at (Europe/Tallinn)")
        assert "2026-12-03 14:00:00" in [row[column] for row in rows], export


def test_the_audit_logs_days_are_the_prisons_days(
    accountant: FlaskClient, db: Session, deposited: Inmate, system: Actor
) -> None:
    # 00:30 on 4 December in Tallinn is still 3 December in UTC.
    db.add(AuditEvent(**system.columns(), action="test.night", outcome="ok", details={},
                      occurred_at=datetime(2026, 12, 3, 22, 30, tzinfo=UTC)))  # fmt: skip
    db.commit()
    page = accountant.get("/audit?action=test.night&since=2026-12-04&until=2026-12-04").text
    assert "4 Dec 2026 00:30" in page
    assert "1 events" in page
    assert "0 events" in accountant.get("/audit?action=test.night&until=2026-12-03").text
