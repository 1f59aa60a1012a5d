"""An Estonian bank's CSV statement (Swedbank's export, SEB's and LHV's column names) read into
the same statements and entries as a camt.053 file: balances, money in and out, the archive
reference as the key; a bad row refused alone, a file that is no statement refused whole."""

from __future__ import annotations

from datetime import date

import pytest

from backoffice.bank.estonian_csv import parse_estonian_csv
from backoffice.errors import InvalidInput
from tests.bank_files import PRISON_IBAN, Entry, estonian_csv

DAY = date(2026, 11, 20)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1257"])
def test_a_swedbank_statement_reads_like_a_camt_statement(encoding: str) -> None:
    data = estonian_csv(
        [
            Entry("2026112000123", "25.00", DAY, name="Mari Õunapuu",
                  text="Toiduraha pojale", reference_number="1234561"),
            Entry("2026112100456", "1234.56", date(2026, 11, 21), name="Jüri Šmidt",
                  text="TRT1001 ülalpidamine"),
            Entry("2026112100789", "1.20", date(2026, 11, 21), credit=False, name="Swedbank",
                  text="Teenustasu"),
        ],
        opening=50_000,
        encoding=encoding,
    )  # fmt: skip
    (statement,) = parse_estonian_csv(data)
    assert (statement.account_iban, statement.currency) == (PRISON_IBAN, "EUR")
    assert (statement.from_on, statement.to_on) == (DAY, date(2026, 11, 21))
    assert (statement.opening_cents, statement.closing_cents) == (
        50_000,
        50_000 + 2500 + 123456 - 120,
    )
    first, second, fee = statement.entries
    assert (first.reference, first.amount_cents, first.direction, first.booked) == (
        "2026112000123", 2500, "credit", True,
    )  # fmt: skip
    assert (first.counterparty_name, first.reference_number, first.text) == (
        "Mari Õunapuu", "1234561", "Toiduraha pojale",
    )  # fmt: skip
    assert (second.amount_cents, second.counterparty_name, second.error) == (
        123456,
        "Jüri Šmidt",
        "",
    )
    assert (fee.direction, fee.amount_cents, fee.counterparty_name) == ("debit", 120, "Swedbank")


def test_seb_and_lhv_columns_in_their_order_with_a_minus_for_money_out() -> None:
    data = (
        "Konto nr;Dokumendi number;Kuupäev;Saaja/maksja konto;Saaja/maksja nimi;"
        "Deebet/Kreedit (D/C);Summa;Viitenumber;Arhiveerimistunnus;Selgitus;Valuuta\n"
        f"{PRISON_IBAN};17;20.11.2026;EE47 1000 0010 2014 5685;Ema Kask;C;10,50;;"
        "RO123;TRT1002 jaoks;EUR\n"
        f"{PRISON_IBAN};18;2026-11-21;;LHV;D;-0,35;;RO124;Teenustasu;EUR\n"
    ).encode()
    (statement,) = parse_estonian_csv(data)
    assert (statement.opening_cents, statement.closing_cents) == (None, None)
    paid, fee = statement.entries
    assert (paid.direction, paid.amount_cents, paid.counterparty_account) == (
        "credit", 1050, "EE471000001020145685",
    )  # fmt: skip
    assert (fee.direction, fee.amount_cents, fee.booked_on) == ("debit", 35, date(2026, 11, 21))


def test_a_bad_row_is_refused_alone_with_its_reason() -> None:
    data = estonian_csv(
        [Entry("A-1", "5.00", DAY), Entry("", "5.00", DAY), Entry("A-3", "5.00", DAY)]
    ).replace(b'"5,00";"EUR";"K";"A-3"', b'"5,0,0";"EUR";"K";"A-3"')
    good, unkeyed, unreadable = parse_estonian_csv(data)[0].entries
    assert good.error == ""
    assert unkeyed.error == "no bank reference (needed so the entry is never booked twice)"
    assert unreadable.reference == "A-3" and "5,0,0" in unreadable.error


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "the bank file is empty"),
        (b";;;\r\n;;;\r\n", "the bank file is empty"),
        (b"Kuup\xc3\xa4ev;Summa;Selgitus\n20.11.2026;5,00;x\n", '"kliendi konto"'),
        (b"date,amount,sender_name\n", "not an Estonian bank's CSV statement"),
    ],
)
def test_a_file_that_is_no_statement_is_refused_whole(data: bytes, why: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        parse_estonian_csv(data)
    assert why in refused.value.message
