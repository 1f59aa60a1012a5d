"""Every way money comes in from a file, fed with what hypothesis makes up, on SQLite and
PostgreSQL: the bank-statement import (its preview and the import, uploaded or pasted, through
the Flask test client) and the payroll wage run (through the command line). Nothing may end in
a server error or a traceback, and a file that is refused moves no money and writes no deposit.

(The Prisoners' Register feed joins this list when it exists.)
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from backoffice.cli import main
from backoffice.people.models import Inmate, Prison
from tests.integration.accounts_world import bank_line, books, days_ago, statement
from tests.integration.staff_client import csrf_token as token
from tests.integration.staff_client import sign_in

PAGE = "/accounts/deposits"
# The same inmate, prison and books serve every example: each example must leave them as
# they were, which is what the test checks.
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
COLUMNS = ("date", "amount", "sender_name", "sender_account", "bank_reference", "prison_number")


@pytest.fixture
def inmate(make_inmate: Callable[..., Inmate]) -> Inmate:
    return make_inmate(legal_status="remand")


@pytest.fixture
def accountant(
    app: Flask, make_staff: Callable[..., object], prison: Prison, inmate: Inmate
) -> Iterator[tuple[FlaskClient, str]]:
    """A signed-in accountant, their form token, and one deposit imported before (so a line
    with its bank reference is a duplicate, and the books are not empty)."""
    make_staff("kadri", "accountant")
    client = app.test_client()
    sign_in(client, "kadri")
    csrf = token(client, PAGE)
    before = statement(bank_line("FUZZ-0", inmate.prison_number, "10.00"))
    done = client.post(PAGE, data={"csrf_token": csrf, "action": "import", "csv_text": before})
    assert "1 credited" in done.get_data(as_text=True)
    yield client, csrf


def refused_and_unchanged(
    accountant: tuple[FlaskClient, str], db: Session, **upload: object
) -> None:
    client, csrf = accountant
    before = books(db)
    for action in ("preview", "import"):
        data = {"csrf_token": csrf, "action": action, **upload}
        if "statement" in upload:
            data["statement"] = (io.BytesIO(upload["statement"]), "statement.csv")  # type: ignore[arg-type]
        response = client.post(PAGE, data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, page
        if action == "import":
            assert '<p class="flash error"' in page or "0 credited, 0 held for security" in page, (
                page
            )
    assert books(db) == before


@FUZZ
@given(st.binary(max_size=3000))
def test_any_uploaded_bytes(accountant: tuple[FlaskClient, str], db: Session, raw: bytes) -> None:
    refused_and_unchanged(accountant, db, statement=raw)


@FUZZ
@given(st.text(max_size=3000))
def test_any_pasted_text(accountant: tuple[FlaskClient, str], db: Session, text: str) -> None:
    refused_and_unchanged(accountant, db, csv_text=text)


# Text a bank statement's name and message fields might hold: anything but line breaks and
# control characters (a line break would cut the line in two, which tests something else).
FIELD_TEXT = st.text(st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")), max_size=40)
BAD_AMOUNTS = st.one_of(
    st.sampled_from([
        "NaN", "nan", "Infinity", "-Infinity", "sNaN", "1e3", "1E3", "2.5e-1", "1e30",
        "100000000000000000000", "99999999999999999999999999", "-5.00", "0",
        "0.00", "1,234", "1.001", "12.345", "1 000", "1\u00a0000,00", "١٢", "²", "", "ten",
        "0x10", "1_000", "--1", "12.", ".5", "=1+1", "9" * 131_073,
    ]),
    st.from_regex(r"[+-]?[0-9]{1,25}([.,][0-9]{0,5})?[eE][+-]?[0-9]{1,4}", fullmatch=True),
    st.from_regex(r"[0-9]{1,3}([., ][0-9]{3}){1,6}", fullmatch=True),
)  # fmt: skip
BAD_DATES = st.sampled_from([
    "0001-01-01", "1999-12-31", "9999-12-31", "2026-02-30", "31.02.2026", "2026-13-01",
    "", "yesterday", "20261120", "2026-11-20T10:00", days_ago(-5).isoformat(),
])  # fmt: skip
BAD_PRISON_NUMBERS = st.one_of(
    st.sampled_from(["", "NOBODY", "TST9999", "x" * 33, "ТСТ0001", "=1+1"]), FIELD_TEXT
)


def poisons(number: str) -> st.SearchStrategy[dict[str, str]]:
    """What makes a statement line wrong: at least one of these, never none."""
    return st.one_of(
        BAD_AMOUNTS.map(lambda v: {"amount": v}),
        st.just({"amount": "10000.01"}),  # over accounts.max_line_cents
        BAD_DATES.map(lambda v: {"date": v}),
        BAD_PRISON_NUMBERS.filter(lambda v: v.strip().upper() != number).map(
            lambda v: {"prison_number": v}
        ),
        st.sampled_from(["", "R" * 101]).map(lambda v: {"bank_reference": v}),
        st.just({"sender_name": "", "sender_account": ""}),
        st.just({"sender_name": "x" * 1001}),
        st.just({"bank_reference": "FUZZ-0"}),  # imported before: a duplicate, not credited
        st.just({"_extra": "one field too many"}),
        st.just({"_short": ""}),
    )


@st.composite
def wrong_statements(draw: st.DrawFn, number: str) -> str:
    delimiter = draw(st.sampled_from([",", ";"]))
    header = [*draw(st.permutations(COLUMNS)), "message"]
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(header)
    for n in range(draw(st.integers(min_value=1, max_value=6))):
        line = {
            "date": days_ago(1).isoformat(),
            "amount": draw(st.sampled_from(["10.00", "10,00", "7", "1.234,56"])),
            "sender_name": draw(FIELD_TEXT),
            "sender_account": draw(st.sampled_from(["EE38 2200 2210 2014 5685", "", "EE1"])),
            "bank_reference": f"FUZZ-{n + 1}-{draw(st.integers(0, 10**6))}",
            "prison_number": number,
            "message": draw(FIELD_TEXT),
        }
        for _ in range(draw(st.integers(min_value=1, max_value=3))):
            line.update(draw(poisons(number)))
        row = [line[name] for name in header]
        if "_extra" in line:
            row.append(line["_extra"])
        if "_short" in line:
            row = row[:-2]
        writer.writerow(row)
    text = out.getvalue()
    if draw(st.booleans()):  # now and then, a whole file that is not CSV text
        at = draw(st.integers(min_value=0, max_value=len(text)))
        text = text[:at] + "\x00" + text[at:]
    return text


@FUZZ
@given(data=st.data())
def test_statements_with_wrong_lines(
    accountant: tuple[FlaskClient, str], db: Session, inmate: Inmate, data: st.DataObject
) -> None:
    text = data.draw(wrong_statements(inmate.prison_number))
    if data.draw(st.booleans()):
        refused_and_unchanged(accountant, db, statement=text.encode(data.draw(
            st.sampled_from(["utf-8", "utf-8-sig"]))))  # fmt: skip
    else:
        refused_and_unchanged(accountant, db, csv_text=text)


# --- the wage run ----------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def payroll_accountant(make_staff: Callable[..., object]) -> str:
    """The accountant who runs the wage run (`--by`): only an accountant may."""
    make_staff("palk", "accountant")
    return "palk"


def wage_run(
    database_url: str, prison: Prison, tmp_path: Path, payroll: bytes
) -> tuple[int, str, BaseException | None]:
    path = tmp_path / "payroll.csv"
    path.write_bytes(payroll)
    args = ["money", "wage-run", str(path), "--prison", prison.code, "--key", "wages-fuzz",
            "--by", "palk"]  # fmt: skip
    result = CliRunner().invoke(main, args, env={"CELLGATE_DATABASE_URL": database_url})
    return result.exit_code, result.output, result.exception


def refused_payroll(
    database_url: str, prison: Prison, tmp_path: Path, db: Session, payroll: bytes
) -> None:
    before = books(db)
    code, output, exception = wage_run(database_url, prison, tmp_path, payroll)
    assert code == 1, output
    assert isinstance(exception, SystemExit), exception  # a refusal, not a traceback
    assert output.startswith("Error: "), output
    assert books(db) == before


@FUZZ
@given(st.binary(max_size=2000))
def test_any_payroll_bytes(
    database_url: str, prison: Prison, tmp_path: Path, db: Session, raw: bytes
) -> None:
    refused_payroll(database_url, prison, tmp_path, db, raw)


BAD_WAGE_LINES = st.one_of(
    BAD_AMOUNTS.filter(lambda v: "\n" not in v and '"' not in v).map(lambda v: ["{number}", v]),
    BAD_PRISON_NUMBERS.map(lambda v: [v, "12.50"]),  # never the inmate's: see below
    st.just(["{number}", "1.00", "extra"]),
    st.just(["{number}"]),
    st.just(["{number}", "100000.01"]),  # over the largest wage
)


@FUZZ
@given(
    good=st.one_of(st.none(), st.sampled_from(["12.50", "0.01", "7", "99,99"])),
    bad=st.lists(BAD_WAGE_LINES, min_size=1, max_size=3),
    header=st.booleans(),
)
def test_payrolls_with_a_wrong_line_pay_nobody(
    database_url: str,
    prison: Prison,
    inmate: Inmate,
    tmp_path: Path,
    db: Session,
    good: str | None,
    bad: list[list[str]],
    header: bool,
) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if header:
        writer.writerow(["prison_number", "amount"])
    if good is not None:  # a line that would pay the inmate: the wrong ones must stop it too
        writer.writerow([inmate.prison_number, good])
    for row in bad:
        if row[0].strip() == inmate.prison_number and row[1:] == ["12.50"]:
            continue  # made up by chance: the inmate's own number with a good amount
        writer.writerow([cell.replace("{number}", inmate.prison_number) for cell in row])
    refused_payroll(database_url, prison, tmp_path, db, out.getvalue().encode())
