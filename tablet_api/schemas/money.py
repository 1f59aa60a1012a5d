"""The inmate's money: his balance and his transactions."""

from __future__ import annotations

from typing import Any

from .common import MONEY, TIMESTAMP, all_required, page_of

COMPONENTS: dict[str, dict[str, Any]] = {
    "Balance": all_required(
        {
            "currency": {"type": "string"},
            "spendable_cents": MONEY,
            "held_cents": MONEY,
            "available_cents": MONEY,
            "release_fund_cents": MONEY,
            "debts_set_aside_cents": MONEY,
        },
    ),
    "Transaction": all_required(
        {
            "id": {"type": "integer"},
            "at": TIMESTAMP,
            "code": {"type": "string"},
            "kind": {"type": "string"},
            "label": {"type": "string"},
            "amount_cents": MONEY,
            "reference": {"type": "string"},
        },
    ),
    "TransactionPage": page_of("#/components/schemas/Transaction"),
}
