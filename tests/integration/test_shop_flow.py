"""The whole shop flow on SQLite and PostgreSQL: place, pack with a shortfall, deliver, cancel,
refund; the inmate pays only for what he got and the ledger balances at the end."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

import ledger
from backoffice import dates
from backoffice.audit.models import AuditEvent
from backoffice.audit.services import Actor
from backoffice.db import make_engine, make_session_factory
from backoffice.errors import Conflict, InvalidInput, NotFound
from backoffice.money.services import inmate_accounts, prison_account
from backoffice.people.models import Inmate
from backoffice.settings import Settings
from backoffice.shop import payments
from backoffice.shop import services as shop
from backoffice.shop.models import Category, Order, OrderLine, OrderStatus, Product, ShopRefund
from backoffice.shop.protocol_file import parse_protocols
from backoffice.shop.protocols import Protocols
from backoffice.shop.services.schedules import add_holiday
from ledger.models import Account, Transfer
from tests.concurrency import Start, run_together
from tests.conftest import test_settings

# This week's Monday, 10:00 in Tallinn: the default round is open, delivery on Friday. Relative
# to today, because the ledger holds money against the real clock (a hold must end in the
# future), so a fixed date would stop these tests from working in a few weeks.
TALLINN = ZoneInfo("Europe/Tallinn")
_THIS_MONDAY = datetime.now(TALLINN).date() - timedelta(days=datetime.now(TALLINN).weekday())
MONDAY = datetime.combine(_THIS_MONDAY, time(10, 0), TALLINN).astimezone(UTC)
FRIDAY = _THIS_MONDAY + timedelta(days=4)
# The delivery day's first hour: the inmate may confirm his delivery from then on.
FRIDAY_MORNING = datetime.combine(FRIDAY, time(0, 0), TALLINN).astimezone(UTC)


def day(offset: int) -> date:
    """A day counted from this week's Monday."""
    return _THIS_MONDAY + timedelta(days=offset)


def local(offset: int, hour: int) -> datetime:
    return datetime.combine(day(offset), time(hour, 0), TALLINN).astimezone(UTC)


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
        db,
        Actor(kind="inmate", id=buyer.id, name=buyer.prison_number),
        order.id,
        inmate=buyer,
        now=FRIDAY_MORNING,
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


def test_the_order_handed_back_is_the_order_stored(
    db: Session,
    engine: Engine,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    """Placing writes the order itself and hands back objects made without reading it back:
    they say exactly what another session reads, down to the hold and the audit row."""
    coffee, soap = catalogue["coffee"], catalogue["soap"]
    order = place(db, buyer, protocols, settings, {coffee: 2, soap: 1}, substitution_consent=True)

    def columns(row: object) -> dict[str, object]:
        return {c.key: getattr(row, c.key) for c in inspect(type(row)).column_attrs}

    with make_session_factory(engine)() as other:
        stored = other.get(Order, order.id)
        assert stored is not None
        assert columns(stored) == columns(order)
        assert [columns(line) for line in stored.lines] == [columns(line) for line in order.lines]
        assert [(line.product.sku, line.quantity) for line in stored.lines] == [
            ("COF-1", 2),
            ("SOAP-1", 1),
        ]
        hold = other.get(Transfer, order.hold_transfer_id)
        assert hold is not None
        assert (hold.kind, hold.amount_cents, hold.reference) == ("pending", 820, order.number)
        [placed] = other.scalars(select(AuditEvent).where(AuditEvent.action == "shop.order.place"))
        assert (placed.actor_kind, placed.actor_name, placed.target_id) == (
            "inmate",
            buyer.prison_number,
            str(order.id),
        )
        assert placed.details == {
            "inmate_id": buyer.id,
            "held_cents": 820,
            "delivery_on": FRIDAY.isoformat(),
            "lines": 2,
        }
    assert (order.status, order.substitution_consent, order.held_cents) == ("placed", True, 820)


def test_after_delivery_the_allowance_counts_what_was_charged_and_packed(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    cigarettes, tea = catalogue["cigarettes"], catalogue["tea"]
    deposit(db, buyer, 5_000)  # money is no limit here
    order = place(db, buyer, protocols, settings, {cigarettes: 6, tea: 2})
    shop.start_picking(db, staff, buyer.wing_id, FRIDAY)
    line = {li.product_id: li.id for li in order.lines}
    shop.pack_order(db, staff, order.id, {line[cigarettes.id]: 4})  # two packs short
    shop.deliver_order(db, staff, order.id)
    shop.refund_line(db, staff, order.id, line[tea.id], 1, reason="torn box", key="allowance-1")
    db.commit()

    def check(packs: int) -> object:
        return shop.check_cart(
            db,
            buyer,
            [shop.CartLine(cigarettes.id, packs)],
            protocols=protocols,
            settings=settings,
            now=MONDAY,
        )

    # Charged 4 x 6.00 + 2 x 3.00 = 30.00, and 3.00 came back: 27.00 counts for the month,
    # and the 4 packs delivered (not the 6 ordered) for the week's tobacco.
    result = check(6)
    assert result.ok
    assert (
        result.left_cents["month"] == settings["money.minimum_monthly_wage_cents"] - 2_700 - 3_600
    )
    assert result.left_cents["balance"] == 10_000 - 2_700 - 3_600
    assert [v.message for v in check(7).violations] == [
        "„Tubakas“: lubatud kuni 10 (nädalas); oled juba tellinud 4."
    ]


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
    # Placed orders reserve their stock: enough tea for all of them.
    shop.set_stock(db, Actor.system("test"), tea.id, 1_000, "delivery")
    db.commit()
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
    rules = {"protocols": protocols, "settings": settings}
    refused = place(db, buyer, protocols, settings, {coffee: 1})
    with pytest.raises(InvalidInput, match="did not agree to substitutes"):
        shop.pack_order(db, staff, refused.id, {}, {refused.lines[0].id: tea.id}, **rules)
    db.rollback()
    agreed = place(db, buyer, protocols, settings, {coffee: 1}, substitution_consent=True)
    shop.pack_order(db, staff, agreed.id, {}, {agreed.lines[0].id: tea.id}, **rules)
    shop.deliver_order(db, staff, agreed.id)
    db.commit()
    assert db.get(Order, agreed.id).charged_cents == 300  # the substitute's own price


def test_orders_after_the_cutoff_go_to_the_next_round(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    wednesday_afternoon = local(2, 13)  # an hour after the 12:00 cut-off
    result = shop.check_cart(
        db,
        buyer,
        [shop.CartLine(catalogue["tea"].id, 1)],
        protocols=protocols,
        settings=settings,
        now=wednesday_afternoon,
    )
    assert [v.code for v in result.violations] == ["ordering_closed"]
    # Next Monday's midnight, said with its weekday (esmaspäev) in the inmate's language.
    opens = dates.slot(datetime.combine(day(7), time(0, 0), TALLINN), "Europe/Tallinn", "et")
    assert opens.startswith("E, ") and opens.endswith(" 00:00")
    assert f"algab {opens}." in result.violations[0].message
    next_monday = local(7, 10)
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
    assert order.delivery_on == day(11)


def race(
    database_url: str, inmate: Inmate, carts: list[list[shop.CartLine]], settings: Settings
) -> list[str]:
    """Place each cart for the inmate from its own connection and thread, all at one moment."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    protocols = shop.protocols_from(settings)
    outcomes: list[str] = []

    def order(start: Start, n: int) -> None:
        with sessions() as session:
            buyer = session.get(Inmate, inmate.id)
            session.commit()
            start()
            try:
                shop.place_order(
                    session,
                    Actor(kind="inmate", id=inmate.id, name=f"race-{n}"),
                    buyer,
                    carts[n],
                    key=f"race-{n}-{secrets.token_hex(4)}",
                    protocols=protocols,
                    settings=settings,
                    now=MONDAY,
                )
                session.commit()
                outcomes.append("placed")
            except shop.OrderRefused as refused:
                session.commit()  # keeps the audit row of the refusal
                outcomes.append(",".join(v.code for v in refused.violations))
            except Exception as error:  # reported, not lost in the thread
                session.rollback()
                outcomes.append(f"error: {error!r}")

    run_together([partial(order, n=n) for n in range(len(carts))])
    engine.dispose()
    return outcomes


@pytest.mark.postgres_only
def test_two_orders_at_once_never_spend_more_than_the_balance(
    database_url: str,
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    settings: Settings,
) -> None:
    # 10 coffees cost 35.00 of the 50.00: either fits alone, only one of the two can pass.
    cart = [shop.CartLine(catalogue["coffee"].id, 10)]
    outcomes = race(database_url, buyer, [cart, cart], settings)
    assert sorted(outcomes) == ["insufficient_balance", "placed"]
    db.expire_all()
    assert spendable(db, buyer).available_cents == 1_500
    assert db.scalar(select(func.count()).select_from(Order)) == 1
    ledger_sums_to_zero(db)


@pytest.mark.postgres_only
def test_two_orders_at_once_never_spend_more_than_the_cap(
    database_url: str,
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
) -> None:
    # A monthly cap of 10.00 and 50.00 to spend: two orders of 6.00 each fit the cap alone.
    settings = test_settings(database_url, **{"money.minimum_monthly_wage_cents": 1_000})
    cart = [shop.CartLine(catalogue["tea"].id, 2)]
    outcomes = race(database_url, buyer, [cart, cart, cart], settings)
    assert sorted(outcomes) == ["placed", "spending_cap", "spending_cap"]
    db.expire_all()
    assert spendable(db, buyer).available_cents == 5_000 - 600
    held = db.scalars(select(Order.held_cents)).all()
    assert held == [600]
    ledger_sums_to_zero(db)


def test_the_dry_run_gives_the_same_answer_as_placing(
    db: Session,
    make_inmate: Callable[..., Inmate],
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    young = make_inmate(language="ru", date_of_birth=date(MONDAY.year - 16, 1, 1))
    deposit(db, young, 2_000)
    coffee, cigarettes = catalogue["coffee"], catalogue["cigarettes"]
    carts = {
        "fits": {coffee: 2},
        "too dear": {coffee: 6},
        "tobacco for a 16-year-old, too many": {cigarettes: 11, coffee: 1},
    }
    for name, cart in carts.items():
        lines = [shop.CartLine(p.id, q) for p, q in cart.items()]
        dry = shop.check_cart(db, young, lines, protocols=protocols, settings=settings, now=MONDAY)
        db.commit()
        try:
            order = place(db, young, protocols, settings, cart)
        except shop.OrderRefused as refused:
            db.commit()
            assert not dry.ok, name
            assert refused.violations == dry.violations, name
        else:
            assert dry.ok, name
            assert order.held_cents == dry.total_cents, name
            assert spendable(db, young).available_cents == dry.left_cents["balance"] + 0, name
    assert db.scalar(select(func.count()).select_from(Order)) == 1
    refusals = db.scalars(select(AuditEvent).where(AuditEvent.action == "shop.order.refused")).all()
    # Refusals are kept in the audit log with their reasons (the caller commits them).
    assert [sorted(e.details["codes"]) for e in refusals] == [
        ["insufficient_balance"],
        ["age_restricted", "insufficient_balance", "quantity_limit"],
    ]


@pytest.mark.parametrize(
    ("starts", "ends", "banned"),
    [
        (-20, 0, True),  # ends today (Monday): still banned
        (0, 8, True),  # starts today
        (-20, -1, False),  # ended yesterday
        (1, 8, False),  # starts tomorrow
    ],
)
def test_a_shop_ban_counts_from_its_first_to_its_last_day(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
    starts: int,
    ends: int,
    banned: bool,
) -> None:
    shop.ban_from_shop(db, staff, buyer, starts_on=day(starts), ends_on=day(ends), reason="kaklus")
    db.commit()
    result = shop.check_cart(
        db,
        buyer,
        [shop.CartLine(catalogue["tea"].id, 1)],
        protocols=protocols,
        settings=settings,
        now=MONDAY,
    )
    if banned:
        assert [v.message for v in result.violations] == [
            f"Sul on poekeeld kuni {dates.day(day(ends), 'et')} (kaklus)."
        ]
    else:
        assert result.ok


@pytest.mark.parametrize(("birthday", "allowed"), [(0, True), (1, False)])
def test_tobacco_from_the_eighteenth_birthday(
    db: Session,
    make_inmate: Callable[..., Inmate],
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    birthday: int,
    allowed: bool,
) -> None:
    # The 18th birthday is this Monday (old enough), or tomorrow (not yet).
    birthday_on = day(birthday)
    if (birthday_on.month, birthday_on.day) == (2, 29):
        pytest.skip("18 years before a 29 February there is no 29 February")
    inmate = make_inmate(date_of_birth=birthday_on.replace(year=birthday_on.year - 18))
    deposit(db, inmate, 5_000)
    result = shop.check_cart(
        db,
        inmate,
        [shop.CartLine(catalogue["cigarettes"].id, 1)],
        protocols=protocols,
        settings=settings,
        now=MONDAY,
    )
    assert [v.code for v in result.violations] == ([] if allowed else ["age_restricted"])


def test_quantity_limits_count_earlier_orders_but_not_cancelled_ones(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    cigarettes = catalogue["cigarettes"]
    deposit(db, buyer, 5_000)  # money is no limit here
    first = place(db, buyer, protocols, settings, {cigarettes: 6})
    with pytest.raises(shop.OrderRefused) as refused:
        place(db, buyer, protocols, settings, {cigarettes: 5})
    db.commit()
    [violation] = refused.value.violations
    assert violation.code == "quantity_limit"
    assert violation.message == "„Tubakas“: lubatud kuni 10 (nädalas); oled juba tellinud 6."
    shop.cancel_order(db, staff, first.id)
    db.commit()
    assert place(db, buyer, protocols, settings, {cigarettes: 5}).status == "placed"


def test_a_product_not_sold_on_the_wing_is_unavailable(
    db: Session,
    prison: object,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    other_wing = next(w for w in buyer.prison.wings if w.id != buyer.wing_id)
    radio = shop.create_product(
        db,
        staff,
        sku="RADIO-1",
        category_code="food",
        names={"et": "Raadio", "ru": "Радио", "en": "Radio"},
        price_cents=1_000,
        stock=5,
        wing_ids=[other_wing.id],
    )
    db.commit()
    result = shop.check_cart(
        db, buyer, [shop.CartLine(radio.id, 1)], protocols=protocols, settings=settings, now=MONDAY
    )
    assert [v.message for v in result.violations] == ["„Raadio“ ei ole praegu saadaval."]


def test_transitions_out_of_order_are_refused_and_change_nothing(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    order = place(db, buyer, protocols, settings, {catalogue["soap"]: 1})
    with pytest.raises(Conflict, match="only a packed order can be delivered"):
        shop.deliver_order(db, staff, order.id)
    db.rollback()
    shop.cancel_order(db, staff, order.id)
    db.commit()
    with pytest.raises(Conflict, match="cannot be packed"):
        shop.pack_order(db, staff, order.id, {})
    db.rollback()
    with pytest.raises(Conflict, match="not delivered"):
        shop.refund_line(db, staff, order.id, order.lines[0].id, 1, reason="x", key="refund-x")
    db.rollback()
    assert db.get(Order, order.id).status == "cancelled"
    assert db.get(Product, catalogue["soap"].id).stock == 100
    assert spendable(db, buyer).available_cents == 5_000
    ledger_sums_to_zero(db)


def test_nothing_packed_charges_nothing(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    order = place(db, buyer, protocols, settings, {catalogue["tea"]: 2})
    shop.pack_order(db, staff, order.id, {order.lines[0].id: 0})
    shop.deliver_order(db, staff, order.id)
    db.commit()
    assert db.get(Order, order.id).charged_cents == 0
    balance = spendable(db, buyer)
    assert (balance.available_cents, balance.pending_debits_cents) == (5_000, 0)
    ledger_sums_to_zero(db)


def test_orders_never_delivered_expire_and_release_their_hold(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    order = place(db, buyer, protocols, settings, {catalogue["tea"]: 2})
    packed = place(db, buyer, protocols, settings, {catalogue["soap"]: 3})
    shop.pack_order(db, Actor.system(), packed.id, {})
    db.commit()
    assert db.get(Product, catalogue["soap"].id).stock == 97
    grace = settings["shop.hold_grace_days"]
    not_yet = datetime.combine(FRIDAY + timedelta(days=grace), datetime.min.time(), UTC)
    assert shop.expire_stale_orders(db, Actor.system(), settings, now=not_yet) == []
    later = not_yet + timedelta(days=2)
    # The ledger may expire the hold by time first; the shop's sweep still closes the order.
    ledger.expire_pending(db, now=later)
    expired = shop.expire_stale_orders(db, Actor.system(), settings, now=later)
    db.commit()
    assert [o.id for o in expired] == [order.id, packed.id]
    assert db.get(Order, order.id).status == "expired"
    # The packed soap nobody collected is back on the shelf; all the money is back.
    assert db.get(Product, catalogue["soap"].id).stock == 100
    assert spendable(db, buyer).available_cents == 5_000
    ledger_sums_to_zero(db)


def test_the_whole_flow_for_one_inmate_leaves_the_books_balanced(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    """The acceptance walk: place, pack short, deliver, cancel another, refund a damaged item."""
    coffee, tea, soap = catalogue["coffee"], catalogue["tea"], catalogue["soap"]
    kept = place(db, buyer, protocols, settings, {coffee: 2, tea: 2, soap: 1})  # 14.20
    dropped = place(db, buyer, protocols, settings, {soap: 4})  # 4.80
    assert spendable(db, buyer).available_cents == 5_000 - 1_420 - 480
    shop.cancel_order(db, staff, dropped.id, inmate=buyer)
    shop.start_picking(db, staff, buyer.wing_id, FRIDAY)
    line = {li.product_id: li.id for li in kept.lines}
    shop.pack_order(db, staff, kept.id, {line[coffee.id]: 1, line[tea.id]: 2, line[soap.id]: 1})
    inmate_actor = Actor(kind="inmate", id=buyer.id, name=buyer.prison_number)
    shop.deliver_order(db, inmate_actor, kept.id, inmate=buyer, now=FRIDAY_MORNING)
    shop.refund_line(db, staff, kept.id, line[tea.id], 1, reason="torn box", key="whole-flow-1")
    db.commit()
    # Charged for one coffee, two teas and the soap (10.70), one tea (3.00) refunded.
    assert spendable(db, buyer).available_cents == 5_000 - 1_070 + 300
    assert spendable(db, buyer).pending_debits_cents == 0
    shop_account = prison_account(db, buyer.prison_id, "shop")
    assert ledger.balance(db, shop_account.id).posted_cents == 1_070 - 300
    kinds = db.scalars(
        select(Transfer.kind).where(Transfer.reference.in_([kept.number, dropped.number]))
    ).all()
    assert sorted(kinds) == ["pending", "pending", "post", "single", "void"]
    assert db.scalar(select(func.count()).select_from(ShopRefund)) == 1
    ledger_sums_to_zero(db)


def test_restrictions_and_a_ban_set_by_staff_are_both_reported(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    shop.restrict(db, staff, buyer, "Vegetarian", "diet (doctor's note)")
    shop.restrict(db, staff, buyer, "tobacco", "security")
    shop.ban_from_shop(db, staff, buyer, starts_on=day(-7), ends_on=day(7), reason="kaklus")
    db.commit()
    coffee, soap = catalogue["coffee"], catalogue["soap"]
    result = shop.check_cart(
        db,
        buyer,
        [shop.CartLine(coffee.id, 1), shop.CartLine(soap.id, 1)],
        protocols=protocols,
        settings=settings,
        now=MONDAY,
    )
    assert [v.message for v in result.violations] == [
        "„coffee (et)“ ei ole sulle lubatud.",
        f"Sul on poekeeld kuni {dates.day(day(7), 'et')} (kaklus).",
    ]


def test_orders_find_the_same_accounts_as_the_money_services(
    db: Session, buyer: Inmate, make_inmate: Callable[..., Inmate]
) -> None:
    # Before the prison's first order its shop account is not open: the money services open it.
    assert payments.existing_order_accounts(db, buyer) is None
    opened = payments.order_accounts(db, buyer)
    # After that the one-query look-up used when placing finds the very same accounts.
    assert payments.existing_order_accounts(db, buyer) == opened
    assert opened == payments.OrderAccounts(
        spendable_id=inmate_accounts(db, buyer).spendable.id,
        shop_id=prison_account(db, buyer.prison_id, "shop").id,
    )
    newcomer = make_inmate()
    assert payments.existing_order_accounts(db, newcomer) is None
    assert payments.order_accounts(db, newcomer).spendable_id == (
        inmate_accounts(db, newcomer).spendable.id
    )


def test_every_transition_can_be_repeated_without_doing_it_twice(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    """A double click, a retried request: the second time changes nothing and says so."""
    tea = catalogue["tea"]
    order = place(db, buyer, protocols, settings, {tea: 3})
    line = order.lines[0].id
    assert shop.start_picking(db, staff, buyer.wing_id, FRIDAY) == 1
    assert shop.start_picking(db, staff, buyer.wing_id, FRIDAY) == 0
    shop.pack_order(db, staff, order.id, {line: 2})
    shop.pack_order(db, staff, order.id, {line: 2})
    db.commit()
    with pytest.raises(Conflict, match="packed already with other quantities"):
        shop.pack_order(db, staff, order.id, {line: 3})
    db.rollback()
    shop.deliver_order(db, staff, order.id)
    shop.deliver_order(db, staff, order.id)
    db.commit()
    assert db.get(Product, tea.id).stock == 98  # taken from stock once
    assert spendable(db, buyer).available_cents == 5_000 - 600  # charged once
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


@pytest.mark.postgres_only
def test_the_same_refund_sent_twice_at_once_is_made_once(
    database_url: str,
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
    order_id, line_id = order.id, order.lines[0].id
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    made: list[int] = []
    errors: list[str] = []

    def refund(start: Start) -> None:
        with sessions() as session:
            start()
            try:
                done = shop.refund_line(
                    session, staff, order_id, line_id, 1, reason="crushed", key="double-click"
                )
                session.commit()
                made.append(done.id)
            except Exception as error:  # reported, not lost in the thread
                session.rollback()
                errors.append(repr(error))

    run_together([refund] * 2)
    engine.dispose()
    assert errors == [] and len(made) == 2 and made[0] == made[1]
    db.expire_all()
    assert db.get(Order, order_id).refunded_cents == 120
    assert spendable(db, buyer).available_cents == 5_000 - 240 + 120
    ledger_sums_to_zero(db)


@pytest.mark.postgres_only
def test_the_same_order_sent_twice_at_once_is_placed_once(
    database_url: str,
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    settings: Settings,
) -> None:
    """A double press on "Place order": two requests with one key, at the same moment."""
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    protocols = shop.protocols_from(settings)
    placed: list[int] = []
    errors: list[str] = []
    cart = [shop.CartLine(catalogue["tea"].id, 2)]

    def press(start: Start) -> None:
        with sessions() as session:
            inmate = session.get(Inmate, buyer.id)
            session.commit()
            start()
            try:
                order = shop.place_order(
                    session,
                    Actor(kind="inmate", id=buyer.id, name=buyer.prison_number),
                    inmate,
                    cart,
                    key="one-press-key-123",
                    protocols=protocols,
                    settings=settings,
                    now=MONDAY,
                )
                session.commit()
                placed.append(order.id)
            except Exception as error:  # reported, not lost in the thread
                session.rollback()
                errors.append(repr(error))

    run_together([press] * 2)
    engine.dispose()
    assert errors == [] and len(placed) == 2 and placed[0] == placed[1]
    db.expire_all()
    assert spendable(db, buyer).available_cents == 5_000 - 600
    ledger_sums_to_zero(db)


@pytest.mark.postgres_only
def test_a_prisons_first_two_orders_at_once_are_both_placed(
    database_url: str,
    db: Session,
    make_inmate: Callable[..., Inmate],
    catalogue: dict[str, Product],
    settings: Settings,
) -> None:
    """The shop's account is opened by the prison's first order; two first orders at once."""
    inmates = [make_inmate(), make_inmate(wing="B", cell="B1")]
    for inmate in inmates:
        deposit(db, inmate, 1_000)
    engine = make_engine(database_url)
    sessions = make_session_factory(engine)
    protocols = shop.protocols_from(settings)
    outcomes: list[str] = []

    def first_order(start: Start, inmate_id: int) -> None:
        with sessions() as session:
            inmate = session.get(Inmate, inmate_id)
            session.commit()
            start()
            try:
                shop.place_order(
                    session,
                    Actor(kind="inmate", id=inmate_id, name="first"),
                    inmate,
                    [shop.CartLine(catalogue["soap"].id, 1)],
                    key=f"first-order-{inmate_id}",
                    protocols=protocols,
                    settings=settings,
                    now=MONDAY,
                )
                session.commit()
                outcomes.append("placed")
            except Exception as error:  # reported, not lost in the thread
                session.rollback()
                outcomes.append(repr(error))

    run_together([partial(first_order, inmate_id=i.id) for i in inmates])
    engine.dispose()
    assert outcomes == ["placed", "placed"]
    ledger_sums_to_zero(db)


def test_when_the_ledger_refuses_the_hold_no_half_made_order_is_left(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    settings: Settings,
) -> None:
    """Rules without a balance rule pass an order the money cannot cover: the ledger refuses
    the hold, the order is undone to the savepoint, and the refusal is said and audited."""
    no_balance_rule = parse_protocols(
        {"rule": [{"id": "window", "kind": "ordering_window"}]}, "test.toml"
    )
    with pytest.raises(shop.OrderRefused) as refused:
        place(db, buyer, no_balance_rule, settings, {catalogue["coffee"]: 20})
    db.commit()  # as the kiosk does: the refusal's audit row is kept
    assert [v.message for v in refused.value.violations] == [
        "Rahast ei piisa: tellimus maksab 70,00 €, saad kasutada 50,00 €."
    ]
    assert db.scalar(select(func.count()).select_from(Order)) == 0
    assert db.scalar(select(func.count()).select_from(OrderLine)) == 0
    audit = db.scalars(select(AuditEvent.action).where(AuditEvent.action.like("shop.order%")))
    assert list(audit) == ["shop.order.refused"]
    assert spendable(db, buyer).available_cents == 5_000
    ledger_sums_to_zero(db)


def test_a_substitute_must_be_allowed_for_the_inmate(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
    staff: Actor,
) -> None:
    tea, soap = catalogue["tea"], catalogue["soap"]
    shop.restrict(db, staff, buyer, "vegetarian", "diet")
    db.commit()
    order = place(db, buyer, protocols, settings, {soap: 1}, substitution_consent=True)
    line = order.lines[0].id
    rules = {"protocols": protocols, "settings": settings}
    # Tea is tagged vegetarian, which this inmate may not have: consent does not cover it.
    with pytest.raises(
        InvalidInput,
        match=r"“Tea” cannot replace “Soap” for this inmate\. The rule says: "
        r"“Tea” is not allowed for you\.",
    ):
        shop.pack_order(db, staff, order.id, {}, {line: tea.id}, **rules)
    db.rollback()
    # Nor a product sold only on another wing.
    other_wing = next(w for w in buyer.prison.wings if w.id != buyer.wing_id)
    razor = shop.create_product(
        db,
        staff,
        sku="RAZOR-1",
        category_code="food",
        names={"et": "Žilett", "ru": "Бритва", "en": "Razor"},
        price_cents=100,
        stock=5,
        wing_ids=[other_wing.id],
    )
    db.commit()
    with pytest.raises(InvalidInput, match="The rule says: “Razor” is not available now"):
        shop.pack_order(db, staff, order.id, {}, {line: razor.id}, **rules)
    db.rollback()
    assert db.get(Product, tea.id).stock == 100
    # The packing form offers only what he may have.
    offered = {p.sku for p in shop.substitutes_for(db, buyer)}
    assert offered == {"SOAP-1", "CIG-20"}
    # A substitute he may have is packed, and charged at its own price.
    other_soap = shop.create_product(
        db,
        staff,
        sku="SOAP-2",
        category_code="food",
        names={"et": "Seep 2", "ru": "Мыло 2", "en": "Soap 2"},
        price_cents=110,
        stock=5,
    )
    shop.pack_order(db, staff, order.id, {}, {line: other_soap.id}, **rules)
    shop.deliver_order(db, staff, order.id)
    db.commit()
    assert db.get(Order, order.id).charged_cents == 110
    assert db.get(Product, other_soap.id).stock == 4


def test_a_shop_holiday_moves_the_delivery_of_waiting_and_new_orders(
    db: Session,
    buyer: Inmate,
    catalogue: dict[str, Product],
    protocols: Protocols,
    settings: Settings,
) -> None:
    waiting = place(db, buyer, protocols, settings, {catalogue["tea"]: 1})
    assert waiting.delivery_on == FRIDAY
    system = Actor.system("test")
    moved = add_holiday(db, system, buyer.prison_id, FRIDAY, "Independence Day", now=MONDAY)
    db.commit()
    assert moved == 1 and db.get(Order, waiting.id).delivery_on == day(5)
    # A second holiday on the Saturday moves it again, and a new order goes there too.
    add_holiday(db, system, buyer.prison_id, day(5), "Day after", now=MONDAY)
    db.commit()
    assert db.get(Order, waiting.id).delivery_on == day(6)
    assert place(db, buyer, protocols, settings, {catalogue["soap"]: 1}).delivery_on == day(6)
    with pytest.raises(Conflict):
        add_holiday(db, system, buyer.prison_id, FRIDAY, "again", now=MONDAY)
    db.rollback()
    with pytest.raises(InvalidInput):
        add_holiday(db, system, buyer.prison_id, day(-1), "in the past", now=MONDAY)
    db.rollback()
    # "Today" is the prison's: at 00:30 on Tuesday in Tallinn it is still Monday in Greenwich,
    # and Monday is already past.
    tuesday_early = datetime.combine(day(1), time(0, 30), TALLINN).astimezone(UTC)
    assert tuesday_early.date() == day(0)
    with pytest.raises(InvalidInput, match="today or later"):
        add_holiday(db, system, buyer.prison_id, day(0), "yesterday here", now=tuesday_early)
    db.rollback()
    with pytest.raises(NotFound):  # a national member of staff must name the prison
        add_holiday(db, system, None, day(3), "which prison?", now=MONDAY)  # type: ignore[arg-type]
    db.rollback()
    events = db.scalars(
        select(AuditEvent.action).where(AuditEvent.target_id == str(waiting.id))
    ).all()
    assert events.count("shop.order_delivery_moved") == 2
