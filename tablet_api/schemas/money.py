"""The inmate's money: his balance and his transactions."""

from __future__ import annotations

from typing import Any

from .common import INTEGER, MONEY, STRING, TIMESTAMP, all_required, page_of

COMPONENTS: dict[str, dict[str, Any]] = {
    "Balance": all_required(
        {
            "currency": STRING,
            "spendable_cents": MONEY,
            "held_cents": MONEY,
            "available_cents": MONEY,
            "release_fund_cents": MONEY,
            "debts_set_aside_cents": MONEY,
        },
    ),
    "Transaction": all_required(
        {
            "id": INTEGER,
            "at": TIMESTAMP,
            "code": STRING,
            "kind": STRING,
            "label": STRING,
            "amount_cents": MONEY,
            "reference": STRING,
        },
    ),
    "TransactionPage": page_of("#/components/schemas/Transaction"),
}
