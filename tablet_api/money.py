"""The inmate's money on the tablet: balances and the movements of his spendable account."""

from __future__ import annotations

from typing import Any

from backoffice.catalogue import N_, translate
from backoffice.money.services import (
    BALANCE_COLUMNS,
    InmateBalances,
    MoneyLine,
    balances_for,
    recent_transfers,
)
from backoffice.surface import get_db

from . import http
from .api import bp
from .openapi import INMATE, Routes
from .schemas import PAGE_QUERY

route = Routes(bp, tag="money", auth=INMATE)

# What each kind of movement is called on the inmate's screen (English msgids of the one
# text catalogue).
LABELS: dict[str, str] = {
    "opening": N_("Opening balance"),
    "deposit": N_("Money received"),
    "wage": N_("Wages"),
    "debt_share": N_("Set aside for debts"),
    "release_fund_share": N_("Release fund"),
    "debt": N_("Debt"),
    "order_hold": N_("Shop order (held)"),
    "order_capture": N_("Shop order"),
    "refund": N_("Refund"),
    "release_payout": N_("Paid out on release"),
    "creditor_payout": N_("Paid to a creditor"),
    "correction": N_("Correction"),
    "visit": N_("Video call"),
}
KIND_NOTES: dict[str, str] = {
    "void": N_("released"),
    "expire": N_("expired"),
}


def label(code: str, kind: str, language: str) -> str:
    text = translate(language, LABELS[code]) if code in LABELS else code
    note = translate(language, KIND_NOTES[kind]) if kind in KIND_NOTES else None
    return f"{text} ({note})" if note else text


@route("/balance", "GET", response="Balance", etag=True, beside=BALANCE_COLUMNS)
def balance() -> Any:
    """Balances: spendable, held for open orders, available, release fund, debts"""
    figures = http.beside()  # read with the session (PostgreSQL), once his accounts exist
    if None not in figures:
        balances = InmateBalances(*figures)
    else:
        db = get_db()
        balances = balances_for(db, http.inmate())
        db.commit()  # accounts are opened on first use
    return http.json_response(
        {
            "currency": http.settings()["currency"],
            **http.attributes(
                balances,
                "spendable_cents",
                "held_cents",
                "available_cents",
                "release_fund_cents",
                "debts_set_aside_cents",
            ),
        }
    )


@route("/transactions", "GET", response="TransactionPage", query=PAGE_QUERY, etag=True)
def transactions() -> Any:
    """Movements of the spendable account, newest first, in pages"""
    db = get_db()
    q = http.query()
    limit = q["limit"]
    cursor = int(q["cursor"]) if "cursor" in q else None
    lines = recent_transfers(db, http.inmate(), limit=limit + 1, before_id=cursor)
    db.commit()
    language = http.inmate().language

    def render(line: MoneyLine) -> dict[str, Any]:
        return {
            **http.attributes(line, "id", "code", "kind", "amount_cents", "reference"),
            "at": line.at.isoformat(),
            "label": label(line.code, line.kind, language),
        }

    return http.json_response(http.paged(lines, limit, lambda line: line.id, render))
