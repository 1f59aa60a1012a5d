"""Each protocol rule: passes just inside its limit, fails just past it, and says why in the
inmate's language."""

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from backoffice.catalogue import load_catalogues
from backoffice.settings import ROOT
from backoffice.shop.messages import LEVELS, MESSAGES, PERIODS, money
from backoffice.shop.protocol_file import _KINDS, load_protocols, parse_protocols
from backoffice.shop.protocols import (
    ActiveBan,
    DraftLine,
    InmateContext,
    ProductInfo,
    ProtocolError,
    Protocols,
    evaluate,
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
        assert result.violations[0].message == "“NUT en” is not allowed for you."

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
            "You are banned from the shop until 1 Dec 2026 (fight on the wing)."
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
    with pytest.raises(ProtocolError, match=r"broken\.toml:1: not valid TOML"):
        load_protocols(broken)


def test_money_is_shown_in_each_languages_style() -> None:
    assert [money(123456, lang) for lang in ("et", "ru", "en")] == [
        "1 234,56 €",
        "1 234,56 €",
        "€1,234.56",
    ]


# --- every rule, as a table: passes at its limit, fails one step past it, says so in et/ru/en --

TOBACCO = {"et": "Tubakas", "ru": "Табак", "en": "Tobacco"}
CIGARETTES = product(
    "CIG", "tobacco", price=600, tags=frozenset({"tobacco"}), category_names=TOBACCO
)
BATTERY = product("BAT", "household", price=300, tags=frozenset({"batteries"}))
NUTS = product("NUT", price=200, tags=frozenset({"nuts", "vegetarian"}))
RADIO = product("RADIO", "electronics", price=1500, tags=frozenset({"electronics"}))
ITEM = product("ITEM", price=100)
BAN = ActiveBan(date(2026, 12, 1), "fight on the wing")

# id: (rule tables, passing (lines, context), failing (lines, context), code, {language: message})
RULES: dict[str, tuple] = {
    "balance": (
        [{"id": "balance", "kind": "balance"}],
        ([DraftLine(product(price=500), 2)], context(available_cents=1000)),
        ([DraftLine(product(price=500), 2)], context(available_cents=999)),
        "insufficient_balance",
        {
            "et": "Rahast ei piisa: tellimus maksab 10,00 €, saad kasutada 9,99 €.",
            "ru": "Недостаточно денег: заказ стоит 10,00 €, доступно 9,99 €.",
            "en": "Not enough money: the order costs €10.00, you can spend €9.99.",
        },
    ),
    "monthly-cap": (
        [{"id": "cap", "kind": "spending_cap", "period": "month"}],
        ([DraftLine(product(price=600), 1)], context(spent_cents={"month": WAGE - 600})),
        ([DraftLine(product(price=600), 1)], context(spent_cents={"month": WAGE - 599})),
        "spending_cap",
        {
            "et": "Ostulimiit (kuus) on 886,00 €: oled kasutanud 880,01 €, alles on 5,99 €.",
            "ru": "Лимит покупок (в месяц) 886,00 €: потрачено 880,01 €, осталось 5,99 €.",
            "en": "Your shop limit (per month) is €886.00: you have used €880.01, €5.99 is left.",
        },
    ),
    "weekly-cap-by-level": (
        [
            {
                "id": "weekly",
                "kind": "spending_cap",
                "period": "week",
                "cap_cents": 1980,
                "by_level": {"basic": 550, "enhanced": 4400},
            }
        ],
        (
            [DraftLine(product(price=50), 1)],
            context(regime_level="basic", spent_cents={"week": 500}),
        ),
        (
            [DraftLine(product(price=51), 1)],
            context(regime_level="basic", spent_cents={"week": 500}),
        ),
        "spending_cap",
        {
            "et": "Ostulimiit (nädalas) on 5,50 €: oled kasutanud 5,00 €, alles on 0,50 €.",
            "ru": "Лимит покупок (в неделю) 5,50 €: потрачено 5,00 €, осталось 0,50 €.",
            "en": "Your shop limit (per week) is €5.50: you have used €5.00, €0.50 is left.",
        },
    ),
    "category-per-week": (
        [{"id": "t", "kind": "quantity_limit", "category": "tobacco", "max": 10, "period": "week"}],
        ([DraftLine(CIGARETTES, 3)], context(bought={("week", "category", "tobacco"): 7})),
        ([DraftLine(CIGARETTES, 4)], context(bought={("week", "category", "tobacco"): 7})),
        "quantity_limit",
        {
            "et": "„Tubakas“: lubatud kuni 10 (nädalas); oled juba tellinud 7.",
            "ru": "«Табак»: можно не больше 10 (в неделю); уже заказано 7.",
            "en": "“Tobacco”: at most 10 allowed (per week); you have already ordered 7.",
        },
    ),
    "product-per-month": (
        [{"id": "b", "kind": "quantity_limit", "product": "BAT", "max": 2, "period": "month"}],
        ([DraftLine(BATTERY, 1)], context(bought={("month", "product", "BAT"): 1})),
        ([DraftLine(BATTERY, 2)], context(bought={("month", "product", "BAT"): 1})),
        "quantity_limit",
        {
            "et": "„BAT et“: lubatud kuni 2 (kuus); oled juba tellinud 1.",
            "ru": "«BAT ru»: можно не больше 2 (в месяц); уже заказано 1.",
            "en": "“BAT en”: at most 2 allowed (per month); you have already ordered 1.",
        },
    ),
    "personal-restriction": (
        [{"id": "personal", "kind": "personal_restrictions"}],
        ([DraftLine(NUTS, 1)], context(restricted_tags=frozenset({"gluten"}))),
        ([DraftLine(NUTS, 1)], context(restricted_tags=frozenset({"gluten", "nuts"}))),
        "restricted_for_you",
        {
            "et": "„NUT et“ ei ole sulle lubatud.",
            "ru": "«NUT ru» вам не разрешён.",
            "en": "“NUT en” is not allowed for you.",
        },
    ),
    "age": (
        [{"id": "age", "kind": "age", "tags": ["tobacco"], "min_age": 18}],
        ([DraftLine(CIGARETTES, 1)], context(age_years=18)),
        ([DraftLine(CIGARETTES, 1)], context(age_years=17)),
        "age_restricted",
        {
            "et": "„CIG et“ on lubatud alates 18. eluaastast.",
            "ru": "«CIG ru» разрешён только с 18 лет.",
            "en": "“CIG en” is only allowed from the age of 18.",
        },
    ),
    "level": (
        [{"id": "lvl", "kind": "level", "tags": ["electronics"], "levels": ["enhanced"]}],
        ([DraftLine(RADIO, 1)], context(regime_level="enhanced")),
        ([DraftLine(RADIO, 1)], context(regime_level="standard")),
        "level_restricted",
        {
            "et": "„RADIO et“ on lubatud ainult režiimi tasemel: kõrgendatud tase.",
            "ru": "«RADIO ru» разрешён только для уровня режима: повышенный уровень.",
            "en": "“RADIO en” is only allowed on the enhanced level.",
        },
    ),
    "shop-ban": (
        [{"id": "ban", "kind": "shop_ban"}],
        ([DraftLine(ITEM, 1)], context(ban=None)),
        ([DraftLine(ITEM, 1)], context(ban=BAN)),
        "shop_ban",
        {
            "et": "Sul on poekeeld kuni 1. dets 2026 (fight on the wing).",
            "ru": "У вас запрет на магазин до 1 дек. 2026\u202fг. (fight on the wing).",
            "en": "You are banned from the shop until 1 Dec 2026 (fight on the wing).",
        },
    ),
    "max-items": (
        [{"id": "size", "kind": "order_size", "max_items": 5}],
        ([DraftLine(ITEM, 3), DraftLine(NUTS, 2)], context()),
        ([DraftLine(ITEM, 3), DraftLine(NUTS, 3)], context()),
        "too_many_items",
        {
            "et": "Ühes tellimuses võib olla kuni 5 toodet; sinu tellimuses on 6.",
            "ru": "В одном заказе не больше 5 товаров; у вас 6.",
            "en": "One order may have at most 5 items; yours has 6.",
        },
    ),
    "max-value": (
        [{"id": "size", "kind": "order_size", "max_value_cents": 1000}],
        ([DraftLine(product(price=1000), 1)], context()),
        ([DraftLine(product(price=1001), 1)], context()),
        "order_too_large",
        {
            "et": "Ühe tellimuse summa võib olla kuni 10,00 €; sinu tellimus on 10,01 €.",
            "ru": "Сумма одного заказа не больше 10,00 €; ваш заказ 10,01 €.",
            "en": "One order may cost at most €10.00; yours costs €10.01.",
        },
    ),
    "ordering-window": (
        [{"id": "window", "kind": "ordering_window"}],
        ([DraftLine(ITEM, 1)], context(window_open=True)),
        ([DraftLine(ITEM, 1)], context(window_open=False, next_window_opens="2026-11-30 00:00")),
        "ordering_closed",
        {
            "et": "Tellimise aeg on läbi. Järgmine tellimisaeg algab 2026-11-30 00:00.",
            "ru": "Время заказа закончилось. Следующее начнётся 2026-11-30 00:00.",
            "en": "Ordering is closed now. The next ordering period starts 2026-11-30 00:00.",
        },
    ),
    "stock": (
        [],
        ([DraftLine(product(stock=2), 2)], context()),
        ([DraftLine(product(stock=2), 3)], context()),
        "not_enough_stock",
        {
            "et": "„COF-1 et“: laos on ainult 2.",
            "ru": "«COF-1 ru»: на складе только 2.",
            "en": "“COF-1 en”: only 2 in stock.",
        },
    ),
    "line-quantity": (
        [],
        ([DraftLine(ITEM, 50)], context()),
        ([DraftLine(ITEM, 51)], context()),
        "bad_quantity",
        {
            "et": "„ITEM et“: kogus peab olema 1 kuni 50.",
            "ru": "«ITEM ru»: количество от 1 до 50.",
            "en": "“ITEM en”: the quantity must be from 1 to 50.",
        },
    ),
}
KINDS_COVERED = {
    "balance",
    "spending_cap",
    "quantity_limit",
    "personal_restrictions",
    "age",
    "level",
    "shop_ban",
    "order_size",
    "ordering_window",
}


def test_the_table_covers_every_kind_of_rule() -> None:
    covered = {table["kind"] for case in RULES.values() for table in case[0]}
    assert covered == set(_KINDS) == KINDS_COVERED


@pytest.mark.parametrize("rule", RULES)
def test_rule_passes_at_its_limit(rule: str) -> None:
    tables, (lines, ctx), _failing, _code, _messages = RULES[rule]
    result = evaluate(rules(*tables), lines, ctx)
    assert result.ok, result.violations


@pytest.mark.parametrize("rule", RULES)
def test_rule_fails_one_step_past_its_limit(rule: str) -> None:
    tables, _passing, (lines, ctx), code, _messages = RULES[rule]
    result = evaluate(rules(*tables), lines, ctx)
    assert [v.code for v in result.violations] == [code]
    assert result.violations[0].rule == (tables[0]["id"] if tables else "catalogue")


@pytest.mark.parametrize(
    ("rule", "language"), [(rule, language) for rule in RULES for language in ("et", "ru", "en")]
)
def test_rule_says_why_in_the_inmates_language(rule: str, language: str) -> None:
    tables, _passing, (lines, ctx), _code, messages = RULES[rule]
    result = evaluate(rules(*tables), lines, replace(ctx, language=language))
    assert result.violations[0].message == messages[language]


def test_an_unknown_language_falls_back_to_english() -> None:
    tables, _passing, (lines, ctx), _code, messages = RULES["balance"]
    result = evaluate(rules(*tables), lines, replace(ctx, language="fi"))
    assert result.violations[0].message == messages["en"]


PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_message_exists_in_three_languages_with_the_same_numbers() -> None:
    catalogues = load_catalogues()
    for code, message in [*MESSAGES.items(), *PERIODS.items(), *LEVELS.items()]:
        fields = set(PLACEHOLDER.findall(message))
        for language in ("et", "ru"):
            said = catalogues[language].gettext(message)
            assert said != message, (code, language)  # translated
            assert set(PLACEHOLDER.findall(said)) == fields, (code, language)


def test_the_allowance_left_is_reported_for_the_kiosk() -> None:
    protocols = load_protocols(ROOT / "config/protocols.toml")
    ctx = context(available_cents=5_000, spent_cents={"month": 80_000})
    result = evaluate(protocols, [DraftLine(product(price=250), 4)], ctx)
    assert result.ok
    assert result.left_cents == {"balance": 4_000, "month": WAGE - 80_000 - 1_000}
