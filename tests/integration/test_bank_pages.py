"""The bank and money pages as accountants use them in a browser (the Flask test client), on
SQLite and PostgreSQL: a camt.053 statement previewed and imported, the bank's difference shown
on the reconciliation page and blocking the month close until explained, and the wage run
uploaded by one accountant and paid when another approves."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from backoffice.audit.models import AuditEvent
from backoffice.bank.models import BankStatement
from backoffice.bank.reference import inmate_reference
from backoffice.money.models import Payroll
from backoffice.people.models import Inmate, Prison
from backoffice.staff.models import StaffUser
from tests.bank_files import Entry, camt053
from tests.integration.accounts_world import days_ago, spendable, today
from tests.integration.staff_client import csrf_token, signed_in
from tests.integration.staff_client import post_form as post


@pytest.fixture
def accountants(make_staff: Callable[..., StaffUser], prison: Prison) -> None:
    make_staff("kadri", "accountant")
    make_staff("leena", "accountant")


def _upload(client: FlaskClient, data: bytes, action: str) -> str:
    response = client.post(
        "/bank/statements",
        data={"csrf_token": csrf_token(client, "/bank/"), "action": action,
              "statement": (io.BytesIO(data), "statement.xml")},
        content_type="multipart/form-data",
    )  # fmt: skip
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_statement_imported_through_the_page_and_its_difference_blocks_the_month_close(
    app: Flask, db: Session, accountants: None, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate(legal_status="remand")
    last_month = (today().replace(day=1) - timedelta(days=1)).replace(day=1)
    data = camt053(
        [Entry("G-1", "12.00", days_ago(1), reference_number=inmate_reference(inmate.id)),
         Entry("G-2", "3.00", days_ago(1), text="kellele?")],
        opening=100_000,  # the account had money before Cellgate came
    )  # fmt: skip
    kadri = signed_in(app, "kadri")
    preview = _upload(kadri, data, "preview")
    assert "Preview: nothing is booked yet" in preview and spendable(db, inmate) == 0
    imported = _upload(kadri, data, "import")
    assert "Imported: 1 credited (12.00), 0 held for security, 1 waiting for you" in imported
    assert "no reference number, prison number or inmate&#39;s name" in imported
    assert spendable(db, inmate) == 1200

    page = kadri.get("/accounts/reconciliation").get_data(as_text=True)
    assert "a difference of 1000.00 to explain" in page
    refused = post(kadri, "/accounts/months", "/accounts/months", month=f"{last_month:%Y-%m}")
    assert "cannot be closed" in refused and "1000.00" in refused
    statement_id = db.scalar(select(BankStatement.id))
    db.rollback()
    explained = post(kadri, f"/bank/statements/{statement_id}/explain", "/bank/",
                     note="the balance before Cellgate started")  # fmt: skip
    assert "The difference is explained." in explained
    closed = post(kadri, "/accounts/months", "/accounts/months", month=f"{last_month:%Y-%m}")
    assert f"{last_month:%B %Y} is closed." in closed


def test_the_wage_run_is_paid_only_when_a_second_accountant_approves_it(
    app: Flask, db: Session, accountants: None, make_inmate: Callable[..., Inmate]
) -> None:
    inmate = make_inmate(legal_status="remand")
    payroll = f"prison_number;amount\n{inmate.prison_number};12,50\n"
    kadri = signed_in(app, "kadri")
    preview = post(kadri, "/money/wages", "/money/wages", csv_text=payroll, key="wages-11",
                   action="preview")  # fmt: skip
    assert "Preview: nothing is paid yet" in preview and "12.50" in preview
    uploaded = post(kadri, "/money/wages", "/money/wages", csv_text=payroll, key="wages-11",
                    action="upload")  # fmt: skip
    assert "another accountant must approve it" in uploaded and spendable(db, inmate) == 0
    payroll_id = db.scalar(select(Payroll.id))
    db.rollback()
    refused = post(kadri, f"/money/wages/{payroll_id}/approve", "/money/wages")
    assert "you uploaded payroll wages-11, so you cannot approve it" in refused
    assert spendable(db, inmate) == 0
    leena = signed_in(app, "leena")
    paid = post(leena, f"/money/wages/{payroll_id}/approve", "/money/wages")
    assert "Paid 1 inmates 12.50 in 1 transfers." in paid
    assert spendable(db, inmate) == 1250
    again = post(leena, f"/money/wages/{payroll_id}/approve", "/money/wages")
    assert "is paid already by leena" in again and spendable(db, inmate) == 1250
    run = db.scalar(select(AuditEvent).where(AuditEvent.action == "money.wage_run"))
    assert run is not None and run.actor_name == "leena"
