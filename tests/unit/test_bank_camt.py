"""camt.053 and camt.054 read into plain data; hostile XML refused unread."""

from __future__ import annotations

import time
from datetime import date

import pytest

from backoffice.bank.camt import parse_camt
from backoffice.errors import InvalidInput
from tests.bank_files import BILLION_LAUGHS, EXTERNAL_ENTITY, Entry, camt053, camt054

DAY = date(2026, 11, 2)


def test_a_statement_with_its_balances_and_entries() -> None:
    data = camt053(
        [
            Entry("E1", "25.00", DAY, reference_number="100000427"),
            Entry("E2", "10.5", DAY, text="Jaan Tamm TST0001 toiduraha", name="Ülle Õun"),
            Entry("E3", "3.10", DAY, credit=False, name="Bank fee", text="teenustasu"),
            Entry("E4", "25.00", DAY, credit=False, reversal=True, end_to_end="E2E-1"),
            Entry("E5", "40.00", DAY, currency="USD"),
            Entry("E6", "9.99", DAY, status="PDNG"),
        ],
        opening=100_000,
    )
    [statement] = parse_camt(data)
    assert statement.kind == "camt.053" and statement.statement_ref == "STMT-2026-11-01"
    assert statement.account_iban == "EE382200221020145685" and statement.currency == "EUR"
    assert (statement.opening_cents, statement.closing_cents) == (
        100_000,
        100_000 + 2500 + 1050 - 310 - 2500,
    )
    e1, e2, e3, e4, e5, e6 = statement.entries
    assert (e1.reference, e1.amount_cents, e1.direction, e1.reference_number) == (
        "E1",
        2500,
        "credit",
        "100000427",
    )
    assert (e2.amount_cents, e2.counterparty_name, e2.text) == (
        1050,
        "Ülle Õun",
        "Jaan Tamm TST0001 toiduraha",
    )
    assert e2.counterparty_account == "EE471000001020145685" and e2.end_to_end_id == ""
    assert (e3.direction, e3.reversal) == ("debit", False)
    assert (e4.direction, e4.reversal, e4.end_to_end_id) == ("debit", True, "E2E-1")
    assert e5.currency == "USD" and not e6.booked
    assert all(e.error == "" for e in statement.entries)


def test_a_notification_has_no_balances() -> None:
    [notification] = parse_camt(camt054([Entry("N1", "5.00", DAY)]))
    assert notification.kind == "camt.054" and notification.opening_cents is None
    assert notification.entries[0].amount_cents == 500


@pytest.mark.parametrize("amount", ["1e3", "NaN", "12.345", "-5.00", "0.00", "9" * 40])
def test_an_amount_that_is_not_money_refuses_that_entry_alone(amount: str) -> None:
    [statement] = parse_camt(
        camt053([Entry("BAD", amount, DAY), Entry("OK", "1.00", DAY)], closing=0)
    )
    bad, good = statement.entries
    assert bad.error and good.error == ""


@pytest.mark.parametrize("payload", [BILLION_LAUGHS, EXTERNAL_ENTITY])
def test_a_document_with_entities_is_refused_unread_and_at_once(payload: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match=r"DTD|entit"):
        parse_camt(payload)
    assert time.perf_counter() - started < 1


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b"", "empty"),
        (b"date,amount\n2026-11-01,5.00\n", "not well-formed"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"/>', "not an ISO"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><X/></Document>',
            "holds X",
        ),
    ],
)
def test_what_is_not_a_statement_is_refused_whole(data: bytes, why: str) -> None:
    with pytest.raises(InvalidInput, match=why):
        parse_camt(data)
