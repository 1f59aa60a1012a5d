"""Each protocol rule: passes just inside its limit, fails just past it, and says why in the
inmate's language."""

from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from backoffice.settings import ROOT
from backoffice.shop.messages import money
from backoffice.shop.protocols import (
    ActiveBan,
    DraftLine,
    InmateContext,
    ProductInfo,
    ProtocolError,
    Protocols,
    evaluate,
    load_protocols,
    parse_protocols,
)

WAGE = 88600


def product(sku: str = "COF-1", category: str = "food", price: int = 250, **kw) -> ProductInfo:  # type: ignore[no-untyped-def]
    names = {"et": f"{sku} et", "ru": f"{sku} ru", "en": f"{sku} en"}
    return ProductInfo(
        id=hash(sku) % 10_000, sku=sku, category=category, names=names, unit_price_cents=price, **kw
    )


def context(**kw) -> InmateContext:  # type: ignore[no-untyped-def]
    base = InmateContext(
        language="en",
        legal_status="convicted",
        regime_level="standard",
        age_years=30,
        available_cents=100_000,
        minimum_monthly_wage_cents=WAGE,
    )
    return replace(base, **kw)


def rules(*tables: dict) -> Protocols:
    return parse_protocols({"rule": list(tables)}, "test.toml")


def codes(protocols: Protocols, lines: list[DraftLine], ctx: InmateContext) -> list[str]:
    return [v.code for v in evaluate(protocols, lines, ctx).violations]


def test_the_shipped_rule_file_loads() -> None:
    protocols = load_protocols(ROOT / "config/protocols.toml")
    assert {type(r).__name__ for r in protocols.rules} >= {
        "BalanceRule",
        "SpendingCapRule",
        "QuantityLimitRule",
        "PersonalRestrictionRule",
        "AgeRule",
        "LevelRule",
        "ShopBanRule",
        "OrderSizeRule",
        "OrderingWindowRule",
    }


class TestBalance:
    protocols = rules({"id": "balance", "kind": "balance"})

    def test_exactly_the_balance_passes(self) -> None:
        result = evaluate(
            self.protocols, [DraftLine(product(price=500), 2)], context(available_cents=1000)
        )
        assert result.ok and result.left_cents["balance"] == 0

    def test_one_cent_short_fails_with_the_numbers(self) -> None:
        result = evaluate(
            self.protocols, [DraftLine(product(price=500), 2)], context(available_cents=999)
        )
        [violation] = result.violations
        assert violation.code == "insufficient_balance"
        assert violation.numbers == {"total_cents": 1000, "available_cents": 999}
        assert violation.message == "Not enough money: the order costs €10.00, you can spend €9.99."

    @pytest.mark.parametrize(
        ("language", "message"),
        [
            ("et", "Rahast ei piisa: tellimus maksab 10,00 €, saad kasutada 9,99 €."),
            ("ru", "Недостаточно денег: заказ стоит 10,00 €, доступно 9,99 €."),
        ],
    )
    def test_message_in_the_inmates_language(self, language: str, message: str) -> None:
        result = evaluate(
            self.protocols,
            [DraftLine(product(price=500), 2)],
            context(available_cents=999, language=language),
        )
        assert result.violations[0].message == message


class TestSpendingCap:
    monthly = rules({"id": "cap", "kind": "spending_cap", "period": "month"})
    weekly = rules(
        {
            "id": "weekly",
            "kind": "spending_cap",
            "period": "week",
            "cap_cents": 1980,
            "by_level": {"basic": 550, "enhanced": 4400},
            "by_status": {"remand": 3000},
        }
    )

    def test_monthly_cap_is_the_minimum_wage(self) -> None:
        line = [DraftLine(product(price=600), 1)]
        assert evaluate(self.monthly, line, context(spent_cents={"month": WAGE - 600})).ok
        result = evaluate(self.monthly, line, context(spent_cents={"month": WAGE - 599}))
        assert [v.code for v in result.violations] == ["spending_cap"]
        assert result.violations[0].numbers["left_cents"] == 599
        assert "€5.99 is left" in result.violations[0].message

    @pytest.mark.parametrize(
        ("level", "status", "cap"),
        [
            ("basic", "convicted", 550),
            ("standard", "convicted", 1980),
            ("enhanced", "convicted", 4400),
            ("enhanced", "remand", 3000),
        ],
    )
    def test_weekly_caps_by_level_and_status(self, level: str, status: str, cap: int) -> None:
        ctx = context(regime_level=level, legal_status=status)
        assert evaluate(self.weekly, [DraftLine(product(price=cap), 1)], ctx).ok
        assert codes(self.weekly, [DraftLine(product(price=cap + 1), 1)], ctx) == ["spending_cap"]

    def test_russian_message_names_the_period(self) -> None:
        result = evaluate(self.weekly, [DraftLine(product(price=2000), 1)], context(language="ru"))
        assert result.violations[0].message == (
            "Лимит покупок (в неделю) 19,80 €: потрачено 0,00 €, осталось 19,80 €."
        )


class TestQuantityLimit:
    protocols = rules(
        {
            "id": "tobacco",
            "kind": "quantity_limit",
            "category": "tobacco",
            "max": 10,
            "period": "week",
        },
        {
            "id": "batteries",
            "kind": "quantity_limit",
            "product": "BAT",
            "max": 1,
            "period": "order",
        },
    )

    def test_category_limit_counts_what_was_already_ordered(self) -> None:
        cigarettes = product("CIG", "tobacco")
        already = {("week", "category", "tobacco"): 7}
        assert evaluate(self.protocols, [DraftLine(cigarettes, 3)], context(bought=already)).ok
        result = evaluate(self.protocols, [DraftLine(cigarettes, 4)], context(bought=already))
        [violation] = result.violations
        assert (violation.code, violation.numbers["already"]) == ("quantity_limit", 7)
        assert violation.message == (
            "“tobacco”: at most 10 allowed (per week); you have already ordered 7."
        )

    def test_product_limit_per_order(self) -> None:
        battery = product("BAT", "household")
        assert evaluate(self.protocols, [DraftLine(battery, 1)], context()).ok
        result = evaluate(self.protocols, [DraftLine(battery, 2)], context(language="et"))
        assert result.violations[0].message == (
            "„BAT et“: lubatud kuni 1 (ühes tellimuses); oled juba tellinud 0."
        )


class TestRestrictions:
    protocols = rules(
        {"id": "personal", "kind": "personal_restrictions"},
        {"id": "age", "kind": "age", "tags": ["tobacco"], "min_age": 18},
        {"id": "electronics", "kind": "level", "tags": ["electronics"], "levels": ["enhanced"]},
    )

    def test_personal_restriction_names_the_tag(self) -> None:
        nuts = product("NUT", tags=frozenset({"nuts", "vegetarian"}))
        assert evaluate(self.protocols, [DraftLine(nuts, 1)], context()).ok
        result = evaluate(
            self.protocols, [DraftLine(nuts, 1)], context(restricted_tags=frozenset({"nuts"}))
        )
        assert result.violations[0].message == "“NUT en” is not allowed for you (nuts)."

    def test_age_boundary(self) -> None:
        cigarettes = product("CIG", tags=frozenset({"tobacco"}))
        assert evaluate(self.protocols, [DraftLine(cigarettes, 1)], context(age_years=18)).ok
        result = evaluate(
            self.protocols, [DraftLine(cigarettes, 1)], context(age_years=17, language="ru")
        )
        assert result.violations[0].message == "«CIG ru» разрешён только с 18 лет."

    def test_level_restriction(self) -> None:
        radio = product("RADIO", tags=frozenset({"electronics"}))
        assert evaluate(self.protocols, [DraftLine(radio, 1)], context(regime_level="enhanced")).ok
        assert codes(self.protocols, [DraftLine(radio, 1)], context()) == ["level_restricted"]


class TestBanSizeWindow:
    protocols = rules(
        {"id": "ban", "kind": "shop_ban"},
        {"id": "size", "kind": "order_size", "max_items": 5, "max_value_cents": 1000},
        {"id": "window", "kind": "ordering_window"},
    )

    def test_ban_says_until_when_and_why(self) -> None:
        ban = ActiveBan(date(2026, 12, 1), "fight on the wing")
        result = evaluate(self.protocols, [DraftLine(product(), 1)], context(ban=ban))
        assert result.violations[0].message == (
            "You are banned from the shop until 2026-12-01 (fight on the wing)."
        )

    def test_order_size_boundaries(self) -> None:
        assert evaluate(self.protocols, [DraftLine(product(price=200), 5)], context()).ok
        assert codes(self.protocols, [DraftLine(product(price=100), 6)], context()) == [
            "too_many_items"
        ]
        assert codes(self.protocols, [DraftLine(product(price=1001), 1)], context()) == [
            "order_too_large"
        ]

    def test_closed_window_says_when_it_opens(self) -> None:
        result = evaluate(
            self.protocols,
            [DraftLine(product(), 1)],
            context(window_open=False, next_window_opens="2026-11-30 00:00", language="et"),
        )
        assert result.violations[0].message == (
            "Tellimise aeg on läbi. Järgmine tellimisaeg algab 2026-11-30 00:00."
        )


def test_every_violation_is_reported_not_just_the_first() -> None:
    protocols = load_protocols(ROOT / "config/protocols.toml")
    cigarettes = product("CIG", "tobacco", price=600, tags=frozenset({"tobacco"}))
    ctx = context(age_years=17, available_cents=100, ban=ActiveBan(date(2027, 1, 1), "x"))
    found = set(codes(protocols, [DraftLine(cigarettes, 11)], ctx))
    assert {"insufficient_balance", "quantity_limit", "age_restricted", "shop_ban"} <= found


def test_unavailable_out_of_stock_and_bad_quantities() -> None:
    protocols = rules({"id": "balance", "kind": "balance"})
    assert codes(protocols, [DraftLine(product(available=False), 1)], context()) == ["unavailable"]
    assert codes(protocols, [DraftLine(product(stock=2), 3)], context()) == ["not_enough_stock"]
    assert codes(protocols, [DraftLine(product(), 0)], context()) == ["bad_quantity"]
    assert codes(protocols, [], context()) == ["empty_order"]


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"kind": "balance"}, "rule #1: field 'id' is missing"),
        ({"id": "x", "kind": "teleport"}, "rule 'x': field 'kind' must be one of"),
        ({"id": "x", "kind": "spending_cap"}, "rule 'x': field 'period' is missing"),
        ({"id": "x", "kind": "spending_cap", "period": "year"}, "rule 'x': field 'period' must be"),
        (
            {"id": "x", "kind": "spending_cap", "period": "week", "cap_cents": "lots"},
            "rule 'x': field 'cap_cents' has the wrong type",
        ),
        (
            {"id": "x", "kind": "quantity_limit", "max": 1, "period": "week"},
            "rule 'x': give exactly one of the fields 'product' or 'category'",
        ),
        (
            {"id": "x", "kind": "age", "tags": ["t"], "min_age": 18, "colour": "red"},
            "rule 'x': field 'colour' is not a field of a age rule",
        ),
        (
            {"id": "x", "kind": "order_size", "max_items": -1},
            "rule 'x': field 'max_items' must not be negative",
        ),
    ],
)
def test_bad_rule_files_name_the_file_rule_and_field(table: dict, message: str) -> None:
    with pytest.raises(ProtocolError, match=f"^test\\.toml: {message}"):
        parse_protocols({"rule": [table]}, "test.toml")


def test_missing_or_broken_file(tmp_path: Path) -> None:
    with pytest.raises(ProtocolError, match="does not exist"):
        load_protocols(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[[rule]\n")
    with pytest.raises(ProtocolError, match=r"broken\.toml: not valid TOML"):
        load_protocols(broken)


def test_money_is_shown_in_each_languages_style() -> None:
    assert [money(123456, lang) for lang in ("et", "ru", "en")] == [
        "1234,56 €",
        "1234,56 €",
        "€1234.56",
    ]
