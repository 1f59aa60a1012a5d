"""Bank statements that once gave the accountant a server error, or a wrong amount, through the
deposits page on SQLite and PostgreSQL: each is refused with its reason and moves no money."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from backoffice.people.models import Inmate, Prison
from tests.integration.accounts_world import HEADER, bank_line, books, statement
from tests.integration.staff_client import csrf_token as token
from tests.integration.staff_client import sign_in

PAGE = "/accounts/deposits"


@pytest.fixture
def accountant(app: Flask, make_staff: Callable[..., object], prison: Prison) -> FlaskClient:
    make_staff("kadri", "accountant")
    client = app.test_client()
    sign_in(client, "kadri")
    return client


@pytest.fixture
def inmate(make_inmate: Callable[..., Inmate]) -> Inmate:
    return make_inmate(legal_status="remand")


def send(client: FlaskClient, action: str, **data: object) -> tuple[int, str]:
    """Post the deposits form as a browser does; the status and the page."""
    response = client.post(PAGE, data={"csrf_token": token(client, PAGE), "action": action, **data})
    return response.status_code, response.get_data(as_text=True)


def preview_and_import(client: FlaskClient, **data: object) -> tuple[str, str]:
    status, preview = send(client, "preview", **data)
    assert status == 200, preview
    status, imported = send(client, "import", **data)
    assert status == 200, imported
    return preview, imported


@pytest.mark.parametrize(
    ("amount", "reason"),
    [
        ("NaN", "&#39;NaN&#39; is not an amount"),
        ("100000000000000000000", "the amount is over the limit of 10000.00"),
        ("1e3", "write the amount out in digits, e.g. 1000.00 (not 1e3)"),
        ("Infinity", "&#39;Infinity&#39; is not an amount"),
    ],
)
def test_a_line_with_an_amount_that_is_not_money_is_an_error_in_preview_and_import(
    accountant: FlaskClient, db: Session, inmate: Inmate, amount: str, reason: str
) -> None:
    before = books(db)
    text = statement(bank_line("N-1", inmate.prison_number, amount))
    preview, imported = preview_and_import(accountant, csv_text=text)
    for page in (preview, imported):
        assert '<td class="action-error">ERROR: ' in page and reason in page
        assert 'class="action-credit"' not in page and 'class="action-hold"' not in page
    assert "0 credited, 0 held for security, 0 imported before, 1 with errors" in imported
    assert books(db) == before


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (
            (HEADER + "\n2026-11-20,10.00,Ma\x00ri,EE1,N-1,TST0001,\n").encode(),
            "the bank statement has a NUL character in line 2",
        ),
        (
            (HEADER + "\n2026-11-20,10.00," + "x" * 131_073 + ",EE1,N-1,TST0001,\n").encode(),
            "the bank statement cannot be read as CSV at line 2: field larger than field limit",
        ),
        # Neither UTF-8 nor Windows-1257 (0x81 is unassigned there).
        (
            HEADER.encode() + b"\n2026-11-20,10.00,\x81\xff,EE1,N-1,TST0001,\n",
            "the file is not a text file",
        ),
    ],
)
def test_a_file_that_is_not_a_csv_text_is_refused_whole(
    accountant: FlaskClient, db: Session, inmate: Inmate, upload: bytes, reason: str
) -> None:
    before = books(db)
    for action in ("preview", "import"):
        status, page = send(accountant, action, statement=(io.BytesIO(upload), "statement.csv"))
        assert status == 200, page
        assert f'<p class="flash error" role="status">{reason}' in page
        assert "Preview: nothing is credited yet" not in page and "Imported" not in page
    assert books(db) == before


def test_a_booking_date_before_this_century_is_an_error_not_a_crash(
    accountant: FlaskClient, db: Session, inmate: Inmate
) -> None:
    before = books(db)
    text = statement(
        f"0001-01-01,10.00,Mari,EE1,N-1,{inmate.prison_number},",
    )
    preview, imported = preview_and_import(accountant, csv_text=text)
    assert "ERROR: &#39;0001-01-01&#39; is before 2000-01-01" in preview
    assert "0 credited, 0 held for security, 0 imported before, 1 with errors" in imported
    assert books(db) == before
