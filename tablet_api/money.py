"""The inmate's money on the tablet: balances and the movements of his spendable account."""

from __future__ import annotations

from typing import Any

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

# What each kind of movement is called on the inmate's screen.
LABELS: dict[str, dict[str, str]] = {
    "opening": {"et": "Algsaldo", "ru": "Начальный остаток", "en": "Opening balance"},
    "deposit": {"et": "Sissemakse", "ru": "Поступление", "en": "Money received"},
    "wage": {"et": "Töötasu", "ru": "Зарплата", "en": "Wages"},
    "debt_share": {
        "et": "Võlgade kinnipidamine",
        "ru": "Удержание на долги",
        "en": "Set aside for debts",
    },
    "release_fund_share": {
        "et": "Vabanemisfond",
        "ru": "Фонд освобождения",
        "en": "Release fund",
    },
    "debt": {"et": "Võlg", "ru": "Долг", "en": "Debt"},
    "order_hold": {
        "et": "Poetellimus (broneeritud)",
        "ru": "Заказ (зарезервировано)",
        "en": "Shop order (held)",
    },
    "order_capture": {"et": "Poetellimus", "ru": "Заказ в магазине", "en": "Shop order"},
    "refund": {"et": "Tagasimakse", "ru": "Возврат", "en": "Refund"},
    "release_payout": {
        "et": "Väljamakse vabanemisel",
        "ru": "Выплата при освобождении",
        "en": "Paid out on release",
    },
    "creditor_payout": {
        "et": "Makse võlausaldajale",
        "ru": "Выплата кредитору",
        "en": "Paid to a creditor",
    },
    "correction": {"et": "Parandus", "ru": "Исправление", "en": "Correction"},
    "visit": {"et": "Videokõne", "ru": "Видеозвонок", "en": "Video call"},
}
KIND_NOTES: dict[str, dict[str, str]] = {
    "void": {"et": "vabastatud", "ru": "снято", "en": "released"},
    "expire": {"et": "aegunud", "ru": "истекло", "en": "expired"},
}


def label(code: str, kind: str, language: str) -> str:
    text = LABELS.get(code, {}).get(language) or code
    note = KIND_NOTES.get(kind, {}).get(language)
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
