"""The whole shop flow on SQLite and PostgreSQL: place, pack with a shortfall, deliver, cancel,
refund; the inmate pays only for what he got and the ledger balances at the end."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

import ledger
from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.errors import Conflict, InvalidInput
from backoffice.money.services import inmate_accounts, prison_account
from backoffice.people.models import Inmate
from backoffice.settings import Settings
from backoffice.shop import services as shop
from backoffice.shop.models import Category, Order, OrderStatus, Product
from backoffice.shop.protocols import Protocols
from ledger.models import Account

# Monday 23 November 2026, 10:00 in Tallinn: the default round is open, delivery on Friday.
MONDAY = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
FRIDAY = date(2026, 11, 27)


@pytest.fixture
def protocols(settings: Settings) -> Protocols:
    return shop.protocols_from(settings)


@pytest.fixture
def staff() -> Actor:
    return Actor(kind="staff", id=1, name="sirje")


@pytest.fixture
def catalogue(db: Session, staff: Actor) -> dict[str, Product]:
    db.add_all(
        [
            Category(code="food", name_et="Toit", name_ru="Еда", name_en="Food"),
            Category(code="tobacco", name_et="Tubakas", name_ru="Табак", name_en="Tobacco"),
        ]
    )
    db.flush()
    items = {
        "coffee": ("COF-1", "food", 350, ["vegetarian"]),
        "soap": ("SOAP-1", "food", 120, []),
        "tea": ("TEA-1", "food", 300, ["vegetarian"]),
        "cigarettes": ("CIG-20", "tobacco", 600, ["tobacco"]),
    }
    made = {}
    for name, (sku, category, price, tags) in items.items():
        made[name] = shop.create_product(
            db,
            staff,
            sku=sku,
            category_code=category,
            names={"et": f"{name} (et)", "ru": f"{name} (ru)", "en": name.title()},
            price_cents=price,
            stock=100,
            tags=tags,
        )
    db.commit()
    return made


def deposit(db: Session, inmate: Inmate, cents: int) -> None:
    accounts = inmate_accounts(db, inmate)
    source = prison_account(db, inmate.prison_id, "family_deposits")
    ledger.transfer(
        db,
        key=secrets.token_hex(8),
        debit_account_id=source.id,
        credit_account_id=accounts.spendable.id,
        amount_cents=cents,
        code=ledger.TransferCode.DEPOSIT,
        requested_by="test",
        reason="deposit",
    )
    db.commit()


@pytest.fixture
def buyer(db: Session, make_inmate: Callable[..., Inmate]) -> Inmate:
    inmate = make_inmate(legal_status="remand", language="et")
    deposit(db, inmate, 5_000)
    return inmate


def spendable(db: Session, inmate: Inmate) -> ledger.Balance:
    return ledger.balance(db, inmate_accounts(db, inmate).spendable.id)


def ledger_sums_to_zero(db: Session) -> None:
    """The ledger's own invariant check, and the books balance to the cent."""
    assert ledger.check(db) == []
    balances = [ledger.balance(db, a.id) for a in db.scalars(select(Account)).all()]
    assert sum(b.posted_cents for b in balances) == 0
    assert sum(b.pending_debits_cents for b in balances) == sum(
        b.pending_credits_cents for b in balances
    )


def place(
    db: Session,
    inmate: Inmate,
    protocols: Protocols,
    settings: Settings,
    lines: dict[Product, int],
    key: str | None = None,
    **kw: object,
) -> Order:
    order = shop.place_order(
        db,
        Actor(kind="inmate", id=inmate.id, name=inmate.prison_number),
        inmate,
        [shop.CartLine(p.id, q) for p, q in lines.items()],
        key=key or secrets.token_hex(8),
        protocols=protocols,
        settings=settings,
        now=MONDAY,
        **kw,
    )
    db.commit()
    return order


def test_inmate_is_charged_only_for_what_was_delivered(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    coffee, soap = catalogue["coffee"], catalogue["soap"]
    order = place(db, buyer, protocols, settings, {coffee: 2, soap: 1})
    assert (order.status, order.held_cents, order.delivery_on) == ("placed", 820, FRIDAY)
    assert spendable(db, buyer).available_cents == 5_000 - 820

    # The shop packs only one coffee of two: a shortfall.
    assert shop.start_picking(db, staff, buyer.wing_id, FRIDAY) == 1
    coffee_line = next(line for line in order.lines if line.product_id == coffee.id)
    shop.pack_order(db, staff, order.id, {coffee_line.id: 1})
    db.commit()
    shop.deliver_order(
        db, Actor(kind="inmate", id=buyer.id, name=buyer.prison_number), order.id, inmate=buyer
    )
    db.commit()

    balance = spendable(db, buyer)
    assert balance.available_cents == 5_000 - 470  # one coffee and the soap, nothing held
    assert balance.pending_debits_cents == 0
    assert db.get(Order, order.id).charged_cents == 470
    assert db.get(Product, coffee.id).stock == 99
    actions = db.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.target_type == "order", AuditEvent.target_id == str(order.id))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == [
        "shop.order.place",
        "shop.order.picking",
        "shop.order.packed",
        "shop.order.delivered",
    ]
    ledger_sums_to_zero(db)


def test_cancel_before_picking_releases_the_hold(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    order = place(db, buyer, protocols, settings, {catalogue["tea"]: 3})
    assert spendable(db, buyer).available_cents == 4_100
    shop.cancel_order(db, staff, order.id, inmate=buyer)
    db.commit()
    assert spendable(db, buyer).available_cents == 5_000
    assert db.get(Order, order.id).status == OrderStatus.CANCELLED
    # Cancelling twice changes nothing.
    shop.cancel_order(db, staff, order.id, inmate=buyer)
    assert spendable(db, buyer).available_cents == 5_000
    ledger_sums_to_zero(db)


def test_cannot_cancel_once_picking_started(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    order = place(db, buyer, protocols, settings, {catalogue["tea"]: 1})
    shop.start_picking(db, staff, buyer.wing_id, FRIDAY)
    db.commit()
    with pytest.raises(Conflict, match="already being packed"):
        shop.cancel_order(db, staff, order.id, inmate=buyer)


def test_refund_after_delivery(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    order = place(db, buyer, protocols, settings, {catalogue["soap"]: 2})
    shop.pack_order(db, staff, order.id, {})
    shop.deliver_order(db, staff, order.id)
    db.commit()
    line = order.lines[0]
    shop.refund_line(db, staff, order.id, line.id, 1, reason="crushed", key="refund-1")
    db.commit()
    assert spendable(db, buyer).available_cents == 5_000 - 240 + 120
    # The same refund retried changes nothing; more than was delivered is refused.
    shop.refund_line(db, staff, order.id, line.id, 1, reason="crushed", key="refund-1")
    with pytest.raises(InvalidInput, match="between 1 and 1"):
        shop.refund_line(db, staff, order.id, line.id, 2, reason="again", key="refund-2")
    db.rollback()
    assert spendable(db, buyer).available_cents == 5_000 - 120
    ledger_sums_to_zero(db)


def test_placing_is_idempotent(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    first = place(db, buyer, protocols, settings, {catalogue["tea"]: 1}, key="order-key-1")
    again = place(db, buyer, protocols, settings, {catalogue["tea"]: 1}, key="order-key-1")
    assert again.id == first.id
    assert spendable(db, buyer).available_cents == 4_700
    with pytest.raises(Conflict, match="different order"):
        place(db, buyer, protocols, settings, {catalogue["tea"]: 2}, key="order-key-1")


def test_refused_order_says_why_in_the_inmates_language_and_holds_nothing(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    with pytest.raises(shop.OrderRefused) as refused:
        place(db, buyer, protocols, settings, {catalogue["coffee"]: 15})
    db.rollback()
    [violation] = refused.value.violations
    assert violation.code == "insufficient_balance"
    assert violation.message == "Rahast ei piisa: tellimus maksab 52,50 €, saad kasutada 50,00 €."
    assert spendable(db, buyer).available_cents == 5_000
    assert db.scalar(select(func.count()).select_from(Order)) == 0


def test_dry_run_shows_what_is_left_and_changes_nothing(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    result = shop.check_cart(
        db,
        buyer,
        [shop.CartLine(catalogue["tea"].id, 2)],
        protocols=protocols,
        settings=settings,
        now=MONDAY,
    )
    assert result.ok
    assert result.left_cents["balance"] == 4_400
    assert result.left_cents["month"] == settings["money.minimum_monthly_wage_cents"] - 600
    assert spendable(db, buyer).available_cents == 5_000


def test_order_keeps_the_price_it_was_placed_at(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    tea = catalogue["tea"]
    order = place(db, buyer, protocols, settings, {tea: 1})
    shop.change_price(db, staff, tea.id, 450)
    shop.pack_order(db, staff, order.id, {})
    shop.deliver_order(db, staff, order.id)
    db.commit()
    assert db.get(Order, order.id).charged_cents == 300
    assert [h.price_cents for h in shop.price_history(db, tea.id)] == [300, 450]


def test_monthly_cap_counts_earlier_orders(
    db: Session,
    make_inmate: Callable[..., Inmate],
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    rich = make_inmate(legal_status="remand", language="en")
    deposit(db, rich, 200_000)
    wage = settings["money.minimum_monthly_wage_cents"]
    tea = catalogue["tea"]
    # Spend up to 300 cents below the cap in orders of at most 20 items and 300.00.
    spent = 0
    while wage - spent >= 300 * 21:
        place(db, rich, protocols, settings, {tea: 20})
        spent += 6_000
    left = wage - spent
    assert shop.check_cart(
        db,
        rich,
        [shop.CartLine(tea.id, left // 300)],
        protocols=protocols,
        settings=settings,
        now=MONDAY,
    ).ok
    result = shop.check_cart(
        db,
        rich,
        [shop.CartLine(tea.id, left // 300 + 1)],
        protocols=protocols,
        settings=settings,
        now=MONDAY,
    )
    assert [v.code for v in result.violations] == ["spending_cap"]


def test_substitutes_need_the_inmates_consent(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    coffee, tea = catalogue["coffee"], catalogue["tea"]
    refused = place(db, buyer, protocols, settings, {coffee: 1})
    with pytest.raises(InvalidInput, match="did not agree to substitutes"):
        shop.pack_order(db, staff, refused.id, {}, {refused.lines[0].id: tea.id})
    db.rollback()
    agreed = place(db, buyer, protocols, settings, {coffee: 1}, substitution_consent=True)
    shop.pack_order(db, staff, agreed.id, {}, {agreed.lines[0].id: tea.id})
    shop.deliver_order(db, staff, agreed.id)
    db.commit()
    assert db.get(Order, agreed.id).charged_cents == 300  # the cheaper substitute


def test_orders_after_the_cutoff_go_to_the_next_round(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    wednesday_afternoon = datetime(2026, 11, 25, 11, 0, tzinfo=UTC)  # 13:00 in Tallinn
    result = shop.check_cart(
        db,
        buyer,
        [shop.CartLine(catalogue["tea"].id, 1)],
        protocols=protocols,
        settings=settings,
        now=wednesday_afternoon,
    )
    assert [v.code for v in result.violations] == ["ordering_closed"]
    assert "2026-11-30 00:00" in result.violations[0].message
    next_monday = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    order = shop.place_order(
        db,
        Actor.system(),
        buyer,
        [shop.CartLine(catalogue["tea"].id, 1)],
        key="next-round-1",
        protocols=protocols,
        settings=settings,
        now=next_monday,
    )
    assert order.delivery_on == date(2026, 12, 4)


@pytest.mark.postgres_only
def test_two_orders_at_once_never_spend_more_than_the_balance(
    database_url: str,
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    coffee = catalogue["coffee"]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def order(n: int) -> None:
        with sessions() as session:
            inmate = session.get(Inmate, buyer.id)
            barrier.wait()
            try:
                # 10 coffees cost 35.00 of the 50.00: only one of the two can pass.
                shop.place_order(
                    session,
                    Actor.system(),
                    inmate,
                    [shop.CartLine(coffee.id, 10)],
                    key=f"race-{n}-{secrets.token_hex(4)}",
                    protocols=protocols,
                    settings=settings,
                    now=MONDAY,
                )
                session.commit()
                outcomes.append("placed")
            except shop.OrderRefused as refused:
                session.rollback()
                outcomes.append(refused.violations[0].code)

    threads = [threading.Thread(target=order, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    engine.dispose()
    assert sorted(outcomes) == ["insufficient_balance", "placed"]
    db.expire_all()
    assert spendable(db, buyer).available_cents == 1_500
