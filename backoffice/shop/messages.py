"""What the protocols say to an inmate, in his language, from the one text catalogue
(backoffice/translations): each message is an English msgid over the violation's numbers;
amounts are cents, shown in the language's own style by `money`, a period or a regime level by
its words, a product's names in the language asked for.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from .. import dates
from ..catalogue import N_, translate
from ..money.amounts import money

LANGUAGES = ("et", "ru", "en")

MESSAGES: dict[str, str] = {
    "insufficient_balance": N_(
        "Not enough money: the order costs %(total)s, you can spend %(available)s."
    ),
    "spending_cap": N_(
        "Your shop limit (%(period)s) is %(cap)s: you have used %(spent)s, %(left)s is left."
    ),
    "quantity_limit": N_(
        "“%(item)s”: at most %(max)s allowed (%(period)s); you have already ordered %(already)s."
    ),
    "restricted_for_you": N_("“%(item)s” is not allowed for you."),
    "age_restricted": N_("“%(item)s” is only allowed from the age of %(min_age)s."),
    "level_restricted": N_("“%(item)s” is only allowed on the %(levels)s."),
    "shop_ban": N_("You are banned from the shop until %(ends_on)s (%(reason)s)."),
    "too_many_items": N_("One order may have at most %(max)s items; yours has %(count)s."),
    "order_too_large": N_("One order may cost at most %(max)s; yours costs %(total)s."),
    "ordering_closed": N_("Ordering is closed now. The next ordering period starts %(opens)s."),
    "unavailable": N_("“%(item)s” is not available now."),
    "not_enough_stock": N_("“%(item)s”: only %(stock)s in stock."),
    "bad_quantity": N_("“%(item)s”: the quantity must be from 1 to %(max)s."),
    "empty_order": N_("The cart is empty."),
    "stock_changed": N_(
        "The shop's stock changed while you ordered: check the cart and order again."
    ),
    "substitute_refused": N_(
        "“%(item)s” cannot replace “%(original)s” for this inmate. The rule says: %(reason)s"
    ),
    "substitutes_refused": N_(
        "The substitutes break a shop rule for this inmate. The rule says: %(reason)s"
    ),
    "substitutes_over_hold": N_(
        "With the substitutes the order would cost %(total)s, more than the %(held)s held for "
        "it: choose a cheaper substitute or pack less."
    ),
}

PERIODS: dict[str, str] = {
    "order": N_("per order"),
    "day": N_("per day"),
    "week": N_("per week"),
    "month": N_("per month"),
}

# The regime levels (config/default.toml regime_levels) as an inmate reads them.
LEVELS: dict[str, str] = {
    "basic": N_("basic level"),
    "standard": N_("standard level"),
    "enhanced": N_("enhanced level"),
}


def render(code: str, language: str, params: Mapping[str, object]) -> str:
    language = language if language in LANGUAGES else "en"
    shown: dict[str, object] = {}
    for key, value in params.items():
        if key.endswith("_cents") and isinstance(value, int):
            shown[key.removesuffix("_cents")] = money(value, language)
        elif key == "period" and isinstance(value, str) and value in PERIODS:
            shown[key] = translate(language, PERIODS[value])
        elif key == "levels" and isinstance(value, str):
            shown[key] = ", ".join(
                translate(language, LEVELS[level]) if level in LEVELS else level
                for level in value.split(", ")
            )
        elif key == "ends_on" and isinstance(value, str):
            shown[key] = dates.day(date.fromisoformat(value), language)
        elif isinstance(value, Mapping):
            shown[key] = value.get(language) or value.get("en") or ""
        else:
            shown[key] = value
    return translate(language, MESSAGES[code], **shown)
