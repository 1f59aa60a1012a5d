"""Everything else checking a cart needs about the inmate, in one UNION ALL: his money, his
earlier orders of the periods, bans, restrictions and, when placing, whether the key was used;
then the protocols' context made from it."""

from __future__ import annotations

import functools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    type_coerce,
    union_all,
)
from sqlalchemy.orm import Session

from ledger.models import Account, Ledger

from ... import dates
from ...db import UTCDateTime, run_on_driver
from ...money.services import book_code
from ...people.models import Inmate
from ...settings import Settings
from .. import payments
from ..models import (
    OPEN_STATUSES,
    Category,
    InmateRestriction,
    Order,
    OrderLine,
    OrderStatus,
    Product,
    ShopBan,
)
from ..protocols import ActiveBan, InmateContext, Protocols, QuantityLimitRule
from ..rounds import Round, period_starts
from .buyer import _age, _Buyer


@dataclass
class _Reading:
    """What one round trip found about the inmate (see `_reading_statement`)."""

    # The order already placed with this key: its id, its inmate and its payload's hash.
    existing: tuple[int, int, str] | None = None
    # code -> (account id, available cents: posted money less open holds)
    accounts: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Earlier orders that count: (committed cents, placed at).
    orders: list[tuple[int, datetime]] = field(default_factory=list)
    # Their lines, when a rule counts quantities: (sku, category, quantity, placed at).
    lines: list[tuple[str, str, int, datetime]] = field(default_factory=list)
    bans: list[tuple[date, str]] = field(default_factory=list)
    restricted: set[str] = field(default_factory=set)


def _part(
    kind: str,
    *,
    id: Any = None,
    words: Any = None,
    words2: Any = None,
    number: Any = None,
    at: Any = None,
    on: Any = None,
) -> Select[Any]:
    """One SELECT of the reading's UNION ALL: every part has the same typed columns."""

    def column(value: Any, type_: Any, name: str) -> Any:
        # A typed NULL: PostgreSQL resolves a UNION's column types from left to right.
        return (cast(null(), type_) if value is None else type_coerce(value, type_)).label(name)

    return select(
        literal_column(f"'{kind}'", String()).label("kind"),
        column(id, BigInteger(), "id"),
        column(words, String(), "words"),
        column(words2, String(), "words2"),
        column(number, BigInteger(), "number"),
        column(at, UTCDateTime(), "at"),
        column(on, Date(), "on"),
    )


# Constants in the statement's text, not parameters: only the inmate's own values are bound.
_COUNTED = [literal_column(f"'{s.value}'") for s in (*OPEN_STATUSES, OrderStatus.DELIVERED)]
_DELIVERED = literal_column(f"'{OrderStatus.DELIVERED.value}'")


# The periods the protocols count in (rounds.period_starts): each is bound as its start.
_PERIODS = ("day", "week", "month")


@functools.lru_cache(maxsize=64)
def _reading_statement(counted_items: tuple[int, int] | None, placing: bool) -> Any:
    """Everything about the inmate that checking a cart needs besides his row and the cart's
    products, in one statement; placing adds the order key.

    His earlier orders come back summed, one row per set of periods they fall in (at most
    four), and their lines, when a rule counts quantities (`counted_items`: how many SKUs and
    categories the rules name), summed per item the rules name and per set of periods: an
    inmate's hundredth order of the month reads as few rows as his second."""
    inmate_id = bindparam("inmate_id", type_=Integer())
    earliest = bindparam("earliest", type_=UTCDateTime())
    today = bindparam("today", type_=Date())
    counted = and_(
        Order.inmate_id == inmate_id, Order.placed_at >= earliest, Order.status.in_(_COUNTED)
    )
    # Orders placed since the same period starts count alike in every period: one group each.
    in_periods = [
        Order.placed_at >= bindparam(f"{period}_starts", type_=UTCDateTime()) for period in _PERIODS
    ]
    delivered = Order.status == _DELIVERED
    parts = [
        _part(
            "account",
            id=Account.id,
            words=Account.code,
            number=Account.posted_credits_cents
            - Account.posted_debits_cents
            - Account.pending_debits_cents,
        )
        .join(Ledger, Ledger.id == Account.ledger_id)
        .where(
            Ledger.code == bindparam("ledger"),
            # IN, not OR: PostgreSQL then finds both in the (ledger, code) index.
            Account.code.in_([bindparam("spendable"), bindparam("shop")]),
        ),
        _part(
            "order",
            # Cast: PostgreSQL's sum of a bigint is a numeric.
            number=cast(
                func.sum(
                    case(
                        (delivered, Order.charged_cents - Order.refunded_cents),
                        else_=Order.held_cents,
                    )
                ),
                BigInteger(),
            ),
            # The earliest of the group stands for all of it: they share their periods.
            at=func.min(Order.placed_at),
        )
        .where(counted)
        .group_by(*in_periods),
        _part("ban", words=ShopBan.reason, on=ShopBan.ends_on).where(
            ShopBan.inmate_id == inmate_id, ShopBan.starts_on <= today, ShopBan.ends_on >= today
        ),
        _part("tag", words=InmateRestriction.tag).where(InmateRestriction.inmate_id == inmate_id),
    ]
    if counted_items is not None:
        skus, categories = counted_items
        # Only the items a rule names: no rule reads what the others add up to. An empty IN
        # is left out: compiled for the driver it is SQL that PostgreSQL refuses.
        named = []
        if skus:
            named_skus = [bindparam(f"sku_{n}", type_=String()) for n in range(skus)]
            named.append(Product.sku.in_(named_skus))
        if categories:
            codes = [bindparam(f"category_{n}", type_=String()) for n in range(categories)]
            named.append(Category.code.in_(codes))
        parts.append(
            _part(
                "line",
                words=Product.sku,
                words2=Category.code,
                number=cast(
                    func.sum(
                        case(
                            (
                                delivered,
                                func.coalesce(OrderLine.packed_quantity, literal_column("0")),
                            ),
                            else_=OrderLine.quantity,
                        )
                    ),
                    BigInteger(),
                ),
                at=func.min(Order.placed_at),
            )
            .select_from(OrderLine)
            .join(Order, Order.id == OrderLine.order_id)
            .join(Product, Product.id == OrderLine.product_id)
            .join(Category, Category.id == Product.category_id)
            .where(counted, or_(*named))
            .group_by(Product.sku, Category.code, *in_periods)
        )
    if placing:
        parts.append(
            _part("key", id=Order.id, words=Order.payload_hash, number=Order.inmate_id).where(
                Order.key == bindparam("key")
            )
        )
    return union_all(*parts)


def _counted_items(protocols: Protocols) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The SKUs and the categories whose quantities a rule limits over a period."""
    limits = [
        rule
        for rule in protocols.rules
        if isinstance(rule, QuantityLimitRule) and rule.period != "order"
    ]
    skus = sorted({rule.target for rule in limits if rule.scope == "product"})
    categories = sorted({rule.target for rule in limits if rule.scope == "category"})
    return tuple(skus), tuple(categories)


def _read(
    db: Session,
    buyer: _Buyer,
    protocols: Protocols,
    local_now: datetime,
    *,
    key: str | None = None,
) -> _Reading:
    placing = key is not None
    starts = period_starts(local_now)
    spendable, shop_account = payments.account_codes(buyer.id, buyer.prison_id)
    skus, categories = _counted_items(protocols)
    counted_items = (len(skus), len(categories)) if skus or categories else None
    stmt = _reading_statement(counted_items, placing)
    params = {
        "inmate_id": buyer.id,
        "earliest": min(starts.values()).astimezone(UTC),
        **{f"{period}_starts": starts[period].astimezone(UTC) for period in _PERIODS},
        **{f"sku_{n}": sku for n, sku in enumerate(skus)},
        **{f"category_{n}": category for n, category in enumerate(categories)},
        "today": local_now.date(),
        "ledger": book_code(buyer.prison_id),
        "spendable": spendable,
        "shop": shop_account,
    }
    if placing:
        params["key"] = key
    found = _Reading()
    for kind, id_, words, words2, number, at, on in run_on_driver(db, stmt, params):
        if kind == "order":
            found.orders.append((number, at))
        elif kind == "line":
            found.lines.append((words, words2, number, at))
        elif kind == "account":
            found.accounts[words] = (id_, number)
        elif kind == "ban":
            found.bans.append((on, words))
        elif kind == "tag":
            found.restricted.add(words)
        elif kind == "key":
            found.existing = (id_, number, words)
    return found


def _order_accounts(
    db: Session, inmate: Inmate, buyer: _Buyer, found: _Reading
) -> tuple[payments.OrderAccounts, int]:
    """The order's two accounts and the money available, as read; opened on first use."""
    spendable, shop_account = payments.account_codes(buyer.id, buyer.prison_id)
    if spendable in found.accounts and shop_account in found.accounts:
        spendable_id, available = found.accounts[spendable]
        accounts = payments.OrderAccounts(spendable_id, found.accounts[shop_account][0])
        return accounts, available
    accounts = payments.order_accounts(db, inmate)
    return accounts, payments.available_cents(db, accounts.spendable_id)


def _context(
    buyer: _Buyer,
    found: _Reading,
    available_cents: int,
    settings: Settings,
    local_now: datetime,
    the_round: Round,
) -> InmateContext:
    """What the protocols need to know about the inmate, from what was read."""
    starts = period_starts(local_now)
    spent = {"week": 0, "month": 0}
    for committed, placed_at in found.orders:
        for period, start in starts.items():
            if period in spent and placed_at >= start:
                spent[period] += committed
    bought: dict[tuple[str, str, str], int] = defaultdict(int)
    for sku, category, quantity, placed_at in found.lines:
        for period, start in starts.items():
            if placed_at >= start:
                bought[(period, "product", sku)] += quantity
                bought[(period, "category", category)] += quantity
    bans = sorted(found.bans, reverse=True)
    today = local_now.date()
    return InmateContext(
        language=buyer.language,
        legal_status=buyer.legal_status,
        regime_level=buyer.regime_level,
        age_years=_age(buyer.date_of_birth, today),
        available_cents=available_cents,
        minimum_monthly_wage_cents=settings["money.minimum_monthly_wage_cents"],
        spent_cents=spent,
        bought=dict(bought),
        restricted_tags=frozenset(found.restricted),
        ban=ActiveBan(*bans[0]) if bans else None,
        window_open=the_round.window_open,
        # Said only to one who may not order now (OrderingWindowRule): formatting it in his
        # language costs a tenth of a millisecond, on every order placed while it is open.
        next_window_opens=""
        if the_round.window_open
        else dates.slot(the_round.opens_at, buyer.timezone, buyer.language),
    )
