"""The inmate's money: his balance and his transactions."""

from __future__ import annotations

from typing import Any

from .common import (
    MONEY,
    TIMESTAMP,
    obj,
    page_of,
)

COMPONENTS: dict[str, dict[str, Any]] = {
    "Balance": obj(
        {
            "currency": {"type": "string"},
            "spendable_cents": MONEY,
            "held_cents": MONEY,
            "available_cents": MONEY,
            "release_fund_cents": MONEY,
            "debts_set_aside_cents": MONEY,
        },
        (
            "currency",
            "spendable_cents",
            "held_cents",
            "available_cents",
            "release_fund_cents",
            "debts_set_aside_cents",
        ),
    ),
    "Transaction": obj(
        {
            "id": {"type": "integer"},
            "at": TIMESTAMP,
            "code": {"type": "string"},
            "kind": {"type": "string"},
            "label": {"type": "string"},
            "amount_cents": MONEY,
            "reference": {"type": "string"},
        },
        ("id", "at", "code", "kind", "label", "amount_cents", "reference"),
    ),
    "TransactionPage": page_of("#/components/schemas/Transaction"),
}
