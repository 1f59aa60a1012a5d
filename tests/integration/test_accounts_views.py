"""The accountant's pages through the Flask test client, on SQLite and PostgreSQL: who may see
them, a bank statement imported through preview and import, the maker refused through the UI,
the journal search and exports, statements (HTML, CSV, PDF with Estonian and Russian names),
charts, the subject access export and the month close."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

import ledger
from backoffice.accounts.models import Deposit, EntryStatus, ManualEntry
from backoffice.people.models import Inmate, Prison
from backoffice.settings import Settings
from backoffice.web import create_app
from tests.integration.accounts_world import bank_line, spendable, statement, today
from tests.integration.staff_client import post_form as post
from tests.integration.staff_client import sign_in


@pytest.fixture
def people(make_staff: Callable[..., object], prison: Prison) -> None:
    make_staff("kadri", "accountant")
    make_staff("leena", "accountant")
    make_staff("olev", "officer")
    make_staff("sirje", "shop")


def signed_in(app: Flask, username: str) -> FlaskClient:
    client = app.test_client()
    sign_in(client, username)
    return client


@pytest.fixture
def inmate(make_inmate: Callable[..., Inmate]) -> Inmate:
    return make_inmate(first_name="Жанна", last_name="Õunapuu", legal_status="remand")


def import_through_the_page(client: FlaskClient, text: str) -> str:
    preview = post(client, "/accounts/deposits", "/accounts/deposits", csv_text=text,
                   action="preview")  # fmt: skip
    assert "Preview: nothing is credited yet" in preview
    return post(client, "/accounts/deposits", "/accounts/deposits", csv_text=text,
                action="import")  # fmt: skip


def test_who_may_see_the_accounts(app: Flask, people: None) -> None:
    assert app.test_client().get("/accounts/").status_code == 302  # to the sign-in page
    shop = signed_in(app, "sirje")
    assert shop.get("/accounts/").status_code == 403
    assert shop.get("/accounts/deposits/held").status_code == 403
    officer = signed_in(app, "olev")
    assert officer.get("/accounts/journal").status_code == 403
    assert officer.get("/accounts/deposits/held").status_code == 200
    accountant = signed_in(app, "kadri")
    home = accountant.get("/accounts/")
    assert home.status_code == 200
    html = home.get_data(as_text=True)
    assert html.count('<svg class="chart"') == 3 and "<script" not in html
    assert "style=" not in html  # the CSP allows no inline styles
    assert accountant.post("/accounts/deposits/1/release", data={}).status_code in (400, 403)


def test_a_statement_is_imported_held_and_released_through_the_pages(
    app: Flask, db: Session, people: None, inmate: Inmate
) -> None:
    accountant = signed_in(app, "kadri")
    text = statement(
        bank_line("W-1", inmate.prison_number, "20.00"),
        bank_line("W-2", inmate.prison_number, "150.00"),
        bank_line("W-3", "NOBODY", "1.00"),
    )
    done = import_through_the_page(accountant, text)
    assert "1 credited, 1 held for security, 0 imported before, 1 with errors" in done
    assert "no inmate NOBODY" in done
    again = import_through_the_page(accountant, text)
    assert "0 credited, 0 held for security, 2 imported before, 1 with errors" in again
    assert spendable(db, inmate) == 2000

    officer = signed_in(app, "olev")
    held = db.scalar(select(Deposit.id).where(Deposit.bank_reference == "W-2"))
    db.rollback()
    page = post(officer, f"/accounts/deposits/{held}/release", "/accounts/deposits/held",
                reason="known family member, checked")  # fmt: skip
    assert f"Deposit {held} released and credited." in page
    assert spendable(db, inmate) == 17000


def test_the_maker_is_refused_through_the_page_and_the_checker_approves(
    app: Flask, db: Session, people: None, inmate: Inmate
) -> None:
    maker = signed_in(app, "kadri")
    page = post(maker, "/accounts/entries", "/accounts/entries", prison_number=inmate.prison_number,
                kind="correction", amount="3.50", reason="refund of a lost parcel",
                effective_on=today().isoformat(), counter="shop", part="spendable",
                direction="to_inmate")  # fmt: skip
    entry_id = db.scalar(select(ManualEntry.id))
    db.rollback()
    assert entry_id is not None and f"Entry M{entry_id} entered" in page
    assert "you entered it: another person approves" in maker.get("/accounts/entries").get_data(
        as_text=True
    )
    refused = post(maker, f"/accounts/entries/{entry_id}/approve", "/accounts/entries")
    assert "you cannot approve it" in refused
    status = db.scalar(select(ManualEntry.status).where(ManualEntry.id == entry_id))
    db.rollback()
    assert status == EntryStatus.PENDING
    assert spendable(db, inmate) == 0

    checker = signed_in(app, "leena")
    approved = post(checker, f"/accounts/entries/{entry_id}/approve", "/accounts/entries")
    assert f"Entry M{entry_id} approved; the money has moved." in approved
    assert spendable(db, inmate) == 350


def test_journal_statement_exports_and_subject_access(
    app: Flask, db: Session, people: None, inmate: Inmate
) -> None:
    accountant = signed_in(app, "kadri")
    import_through_the_page(
        accountant,
        statement(bank_line("J-1", inmate.prison_number, "20.00"),
                  bank_line("J-2", inmate.prison_number, "7.25")),
    )  # fmt: skip
    found = accountant.get(f"/accounts/journal?prison_number={inmate.prison_number}&min=10")
    html = found.get_data(as_text=True)
    assert "1 transfers" in html and "J-1" in html and "J-2" not in html
    by_person = accountant.get("/accounts/journal?person=kadri&code=deposit&format=csv")
    assert by_person.mimetype == "text/csv"
    assert by_person.get_data(as_text=True).count("\n") == 3  # header and two deposits

    base = f"/accounts/statement?prison_number={inmate.prison_number}"
    page = accountant.get(base).get_data(as_text=True)
    assert "Жанна Õunapuu" in page and 'id="closing">27.25<' in page
    assert f"{today().year}" in accountant.get(base + "&format=csv").get_data(as_text=True)
    pdf = accountant.get(base + "&format=pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    future = accountant.get(base + "&since=2099-01-01").get_data(as_text=True)
    assert "No movements in this period." in future and 'id="opening">27.25<' in future

    export = accountant.get(f"/accounts/subject-access?prison_number={inmate.prison_number}")
    body = json.loads(export.data)
    assert body["inmate"]["last_name"] == "Õunapuu"
    assert {d["bank_reference"] for d in body["records"]["accounting_deposits"]} == {"J-1", "J-2"}
    pdf = accountant.get(
        f"/accounts/subject-access?prison_number={inmate.prison_number}&format=pdf"
    )
    assert pdf.data.startswith(b"%PDF")
    assert ledger.check(db) == []


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page of a PDF, as a reader copying it out would get it."""
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def test_the_statement_pdf_carries_what_a_bookkeeper_expects(
    app: Flask, db: Session, people: None, inmate: Inmate, prison: Prison
) -> None:
    accountant = signed_in(app, "kadri")
    # Enough movements for the statement to run over several pages.
    lines = [bank_line(f"P-{n}", inmate.prison_number, "1.25") for n in range(70)]
    import_through_the_page(accountant, statement(*lines))
    since = today().isoformat()
    pdf = accountant.get(
        f"/accounts/statement?prison_number={inmate.prison_number}&since={since}&format=pdf"
    )
    assert pdf.status_code == 200
    pages = pdf_pages(pdf.data)
    assert len(pages) >= 2
    for n, text in enumerate(pages, start=1):
        # Every page: who issued it, when and by whom it was printed, which page of how many.
        assert text.startswith(prison.name), text[:80]
        assert f"Page {n} of {len(pages)}" in text
        assert re.search(r"Printed \d{1,2} \w+ \d{4} \d{2}:\d{2} \(.+\) by Kadri", text)
    first = pages[0]
    assert "Жанна Õunapuu" in first and inmate.prison_number in first
    assert f"Spendable (inmate:{inmate.id}:spendable)" in first
    assert f"Period {today().day}" in first and "today" in first
    assert "Currency EUR" in first
    assert "Opening balance 0.00" in first and "Closing balance 87.50" in first
    assert "Deposit family deposit" in first  # the code in words, then the reason


def test_the_pdf_export_says_what_to_install_without_its_fonts(
    settings: Settings, people: None, inmate: Inmate
) -> None:
    app = create_app(settings.with_overrides({"accounts.pdf_font_dir": "/nonexistent"}))
    try:
        client = signed_in(app, "kadri")
        response = client.get(
            f"/accounts/statement?prison_number={inmate.prison_number}&format=pdf"
        )
        assert response.status_code == 503
        assert "fonts-dejavu-core" in response.get_data(as_text=True)
    finally:
        app.extensions["cellgate"]["engine"].dispose()
